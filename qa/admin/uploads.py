"""Uploaded files checked before anything reads them: size, type by content, zip bombs, safe names."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from qa.errors import QAError
from qa.ingest.formats import READERS, REFUSED

# What each zip-based format must contain; a .docx that is really an .xlsx (or a renamed .zip) is refused.
ZIP_MEMBERS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
IMAGE_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}
UNPACKED_FACTOR = 4  # a zip may unpack to at most this many times the upload limit
MAX_RATIO = 200  # deflate rarely beats 20:1 on real documents; bombs reach 1000:1
MAX_MEMBERS = 5000
OTHER_MAGIC = (b"PK\x03\x04", b"%PDF-", b"\xd0\xcf\x11\xe0", b"\x7fELF", b"MZ", b"\x89PNG", b"\xff\xd8\xff",
               b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


class UploadRejected(QAError):
    """The upload is refused; the message says why, in Chinese."""


def safe_name(name: str) -> str:
    """The file's own name, without any folder, with only letters, digits, CJK, '-', '_' and one '.'."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name  # strips both / and \\ folders
    base = unicodedata.normalize("NFKC", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", stem).strip("._-")[:80] or "document"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower())[:8]
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(name: str, data: bytes, limit_bytes: int) -> str:
    """The sanitised file name, or UploadRejected: too big, unsupported, or not what its name says."""
    clean = safe_name(name)
    suffix = "." + clean.rpartition(".")[2] if "." in clean else ""
    if not data:
        raise UploadRejected("上传的文件是空的。")
    if len(data) > limit_bytes:
        raise UploadRejected(f"文件过大(超过 {limit_bytes // (1024 * 1024)} MB)。")
    if suffix in REFUSED:
        raise UploadRejected(REFUSED[suffix] + "。")
    if suffix not in READERS:
        raise UploadRejected(f"不支持的文件类型「{suffix or '无扩展名'}」,支持:{'、'.join(sorted(READERS))}。")
    if suffix in ZIP_MEMBERS:
        _check_zip(data, ZIP_MEMBERS[suffix], limit_bytes * UNPACKED_FACTOR)
    elif suffix == ".pdf":
        if not data.lstrip()[:5] == b"%PDF-":
            raise UploadRejected("文件内容不是 PDF(文件名与内容不符)。")
    elif suffix in IMAGE_MAGIC:
        if not data.startswith(IMAGE_MAGIC[suffix]):
            raise UploadRejected(f"文件内容不是 {suffix} 图片(文件名与内容不符)。")
    else:
        _check_text(data, suffix)
    return clean


def _check_zip(data: bytes, member: str, unpacked_limit: int) -> None:
    kind = "Word(.docx)" if member.startswith("word/") else "Excel(.xlsx)"
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRejected(f"文件内容不是 {kind}(文件名与内容不符)。")
    bomb = UploadRejected(f"{kind} 解压后过大,疑似压缩炸弹,已拒绝。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if member not in {info.filename for info in infos}:
                raise UploadRejected(f"文件内容不是 {kind}(文件名与内容不符)。")
            if len(infos) > MAX_MEMBERS:
                raise bomb
            # Unpack for real, counting: the sizes a zip's directory declares can lie.
            total = 0
            for info in infos:
                with archive.open(info) as stream:
                    while chunk := stream.read(1 << 20):
                        total += len(chunk)
                        if total > unpacked_limit or total > MAX_RATIO * len(data):
                            raise bomb
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise UploadRejected(f"{kind} 文件已损坏,无法打开。") from None


def _check_text(data: bytes, suffix: str) -> None:
    if data.startswith(OTHER_MAGIC) or b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadRejected(f"文件内容不是文本({suffix} 文件名与内容不符)。")
