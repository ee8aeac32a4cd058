"""Read policy documents as they really arrive: .txt and .md in any common
Chinese encoding, .docx and text-layer .pdf, into ``Document``s of clean text.

One bad file never stops the rest: ``read_corpus`` returns what it could read
and, for each file it could not, a ``DocumentError`` naming the file and the
reason in words a user can act on.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import Path

from .clean import clean_text, find_title, join_wrapped_lines
from .errors import DocumentError
from .records import Document

SUFFIXES = {".txt", ".md", ".docx", ".pdf"}
SKIPPED_NAMES = {"readme.md"}
SKIPPED_DIRS = {"lexicon"}  # the corpus's word tables (qa.segment, qa.units), not documents

# Bytes that text files never hold: C0 controls other than tab, line feed,
# form feed, carriage return and escape.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
MAX_CONTROL_SHARE = 0.02
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary Word (.doc) saved under a .docx name
# Characters a correctly decoded Chinese (or English) text is made of; a wrong
# guess of encoding yields Thai, Cyrillic or accented Latin letters instead.
EXPECTED_CHARS = re.compile(
    r"[\t\n\f\r\x20-\x7e\u00a0-\u00bf\u00d7\u00f7\u2000-\u27bf\u2e80-\u9fff\uf900-\ufaff"
    r"\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002ffff]"
)
MIN_EXPECTED_SHARE = 0.8
MIN_COMMON_HANZI = 0.9  # GB18030 decodes Big5 or Shift-JIS bytes too, into rare characters


class Unreadable(Exception):
    """Why a file cannot be read, in Chinese; becomes a ``DocumentError`` with the file's name."""


def read_corpus(folder: Path) -> tuple[list[Document], list[DocumentError]]:
    """Every readable document under ``folder``, and an error for each one that is not."""
    documents, errors = [], []
    for path in corpus_files(folder):
        try:
            documents.append(read_document(path, folder))
        except DocumentError as err:
            errors.append(err)
    return documents, errors


def corpus_files(folder: Path) -> list[Path]:
    """The .txt/.md/.docx/.pdf files under ``folder``, sorted, without hidden files, READMEs, Word lock files
    or the lexicon/ folder."""
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in parts) or path.name.startswith("~$") or parts[0] in SKIPPED_DIRS:
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES and path.name.lower() not in SKIPPED_NAMES:
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_document(path: Path, root: Path) -> Document:
    """One document: its title, its name relative to ``root`` and its clean text."""
    source = path.relative_to(root).as_posix()
    try:
        text = clean_text(extract_text(path))
    except Unreadable as err:
        raise DocumentError(source, str(err)) from err
    except OSError as err:
        raise DocumentError(source, f"无法打开文件({err.strerror or err})") from err
    if not text:
        raise DocumentError(source, "没有可读的文字")
    return Document(title=find_title(text) or path.stem, source=source, text=text)


def extract_text(path: Path) -> str:
    """The raw text of a file, by its kind."""
    if path.stat().st_size == 0:
        raise Unreadable("文件为空")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return read_docx(path)
    if suffix == ".pdf":
        return read_pdf(path)
    text = decode_text(path.read_bytes())
    return strip_markdown(text) if suffix == ".md" else text


def decode_text(data: bytes) -> str:
    """Text from bytes: UTF-8 (BOM or not), UTF-16 with BOM, GB18030/GBK, else what charset-normalizer finds."""
    if not data.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise Unreadable("文件为空")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16")
        if text is None:
            raise Unreadable("无法识别的文本编码")
    elif b"\x00" in data or _share(data, CONTROL_BYTES) > MAX_CONTROL_SHARE:
        raise Unreadable("不是文本文件(疑似二进制)")
    else:
        text = _guess(data)
    if not text.strip():
        raise Unreadable("文件为空")
    if len(EXPECTED_CHARS.findall(text)) < MIN_EXPECTED_SHARE * len(text):
        raise Unreadable("无法识别的文本编码")
    return text


def strip_markdown(text: str) -> str:
    """Markdown headings lose their ``#`` marks; the words stay as they are."""
    return re.sub(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", r"\1", text)


def read_docx(path: Path) -> str:
    """Paragraphs and table cells, in document order, one per line."""
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            head = handle.read(4)
        raise Unreadable("这是旧版 Word(.doc)文件,请另存为 .docx" if head == OLE_MAGIC else "docx 文件已损坏")
    import docx  # python-docx

    try:
        return "\n".join(_docx_lines(docx.Document(str(path))))
    except Exception as err:  # a broken package fails in zipfile, lxml or python-docx alike
        raise Unreadable("docx 文件已损坏") from err


def read_pdf(path: Path) -> str:
    """The text layer of every page, with layout-wrapped lines joined again."""
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise Unreadable("不是有效的 PDF 文件")
    if b"%%EOF" not in data[-2048:]:
        raise Unreadable("PDF 文件不完整(可能已截断)")
    from pypdf import PasswordType, PdfReader

    # pypdf raises many kinds of errors on damaged files: any of them means "broken".
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted
    except Exception as err:
        raise Unreadable("PDF 文件已损坏") from err
    if locked and not _opens_without_password(reader, PasswordType.NOT_DECRYPTED):
        raise Unreadable("PDF 已加密,无法读取")
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as err:
        raise Unreadable("PDF 文件已损坏") from err
    if not any(page.strip() for page in pages):
        raise Unreadable("PDF 没有文字层(可能是扫描件)")
    return join_wrapped_lines([line for page in pages for line in page.splitlines()])


def _opens_without_password(reader, refused) -> bool:
    try:
        return reader.decrypt("") != refused
    except Exception:  # e.g. AES without the optional cryptography package
        return False


def _docx_lines(container):
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                # A merged cell is listed once per grid column it spans. Keeping the
                # elements alive makes lxml hand out the same object for the same cell.
                seen = []
                for cell in row.cells:
                    if not any(cell._tc is element for element in seen):
                        seen.append(cell._tc)
                        yield from _docx_lines(cell)
        else:
            yield block.text


def _guess(data: bytes) -> str:
    # Strict UTF-8 first (it rarely decodes anything else), then GB18030, and
    # charset-normalizer only when neither gives believable text.
    text = _strict(data, "utf-8-sig")
    if text is not None:
        return text
    chinese = _strict(data, "gb18030")
    if chinese is not None and _common_hanzi_share(chinese) >= MIN_COMMON_HANZI:
        return chinese
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    if chinese is not None:
        return chinese
    raise Unreadable("无法识别的文本编码")


def _strict(data: bytes, encoding: str) -> str | None:
    """Decoded text, forgiving only a last character cut off by truncation."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        truncated = err.end >= len(data) and len(data) - err.start <= 3
        cut = err.start
    if not truncated:
        return None
    try:
        return data[:cut].decode(encoding)
    except UnicodeDecodeError:
        return None


def _share(data: bytes, members: bytes) -> float:
    sample = data[:65536]
    return sum(sample.count(bytes([b])) for b in members) / max(len(sample), 1)


def _common_hanzi_share(text: str) -> float:
    wide = [char for char in text if ord(char) > 0x7F]
    if not wide:
        return 1.0
    return sum(_in_gb2312(char) for char in wide) / len(wide)


def _in_gb2312(char: str) -> bool:
    if "\u3040" <= char <= "\u30ff":  # kana: in GB2312, but a sign of Japanese bytes misread
        return False
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True
