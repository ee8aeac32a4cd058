"""Which reader reads which file: the registry of built-in formats, by suffix.

A new format registers the same way the built-in ones are listed here. Readers
are imported only when a file of their kind turns up, so a corpus of text
files never loads the OCR models.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Callable

from .extracted import Extracted, Unreadable
from .limits import ReadLimits

Reader = Callable[[Path, ReadLimits], Extracted]

# suffix -> "module:function" under qa.ingest
READERS: dict[str, str] = {
    ".txt": "text:read_text",
    ".md": "text:read_markdown",
    ".docx": "docx:read_docx",
    ".xlsx": "xlsx:read_xlsx",
    ".pdf": "pdf:read_pdf",
    ".html": "html:read_html",
    ".htm": "html:read_html",
    ".png": "ocr:read_image",
    ".jpg": "ocr:read_image",
    ".jpeg": "ocr:read_image",
}

# Formats an office keeps that no reader here can open: named, with what to do, instead of silence.
REFUSED: dict[str, str] = {
    ".doc": "这是旧版 Word(.doc)文件,请用 Word 另存为 .docx",
    ".wps": "这是 WPS 文字(.wps)文件,请在 WPS 中另存为 .docx",
    ".xls": "这是旧版 Excel(.xls)文件,请用 Excel 另存为 .xlsx",
    ".et": "这是 WPS 表格(.et)文件,请在 WPS 中另存为 .xlsx",
    ".rtf": "暂不支持 RTF 文件,请用 Word 另存为 .docx",
    ".ofd": "暂不支持 OFD 文件,请另存为 PDF",
}

SUFFIXES = set(READERS) | set(REFUSED)


def reader_for(path: Path) -> Reader:
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        raise Unreadable(REFUSED[suffix])
    module, function = READERS[suffix].split(":")
    return getattr(import_module(f"{__package__}.{module}"), function)
