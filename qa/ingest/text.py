"""Plain text and Markdown in any common Chinese encoding."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .extracted import Extracted, Unreadable
from .limits import ReadLimits

# Bytes that text files never hold: C0 controls other than tab, line feed,
# form feed, carriage return and escape.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
MAX_CONTROL_SHARE = 0.02
# Characters a correctly decoded Chinese (or English) text is made of; a wrong
# guess of encoding yields Thai, Cyrillic or accented Latin letters instead.
EXPECTED_CHARS = (
    r"\t\n\f\r\x20-\x7e\u00a0-\u00bf\u00d7\u00f7\u2000-\u27bf\u2e80-\u9fff\uf900-\ufaff"
    r"\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0002ffff"
)
UNEXPECTED_RUN = re.compile(rf"[^{EXPECTED_CHARS}]+")
EXPECTED_RUN = re.compile(rf"[{EXPECTED_CHARS}]+")
MIN_EXPECTED_SHARE = 0.8
MIN_COMMON_HANZI = 0.9  # GB18030 decodes Big5 or Shift-JIS bytes too, into rare characters
SAMPLE_CHARS = 65536  # the encoding guess looks at this much: a 50 MB file needs no more


def read_text(path: Path, limits: ReadLimits) -> Extracted:
    return Extracted(decode_text(path.read_bytes()).split("\n"))


def read_markdown(path: Path, limits: ReadLimits) -> Extracted:
    return Extracted(strip_markdown(decode_text(path.read_bytes())).split("\n"))


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
    # Counted by removing the expected runs: linear, and no per-character list on a 50 MB file.
    if len(EXPECTED_RUN.sub("", text)) > (1 - MIN_EXPECTED_SHARE) * len(text):
        raise Unreadable("无法识别的文本编码")
    return text


def strip_markdown(text: str) -> str:
    """Markdown headings lose their ``#`` marks; the words stay as they are."""
    return re.sub(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", r"\1", text)


def _guess(data: bytes) -> str:
    # Strict UTF-8 first (it rarely decodes anything else), then GB18030, and
    # charset-normalizer only when neither gives believable text.
    text = _strict(data, "utf-8-sig")
    if text is not None:
        return text
    chinese = _strict(data, "gb18030")
    if chinese is not None and _common_hanzi_share(chinese[:SAMPLE_CHARS]) >= MIN_COMMON_HANZI:
        return chinese
    from charset_normalizer import from_bytes

    best = from_bytes(data[:4 * SAMPLE_CHARS]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
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
