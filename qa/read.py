"""Read policy documents as they really arrive into ``Document``s of clean text and tables.

Formats (.txt .md .docx .xlsx .pdf .html, scans and photos through OCR) each
have a reader in ``qa.ingest``; this module lists the corpus, applies the
limits, cleans the text and puts each table at its place in it.

One bad file never stops the rest: ``read_corpus`` returns what it could read
and, for each file it could not, a ``DocumentError`` naming the file and the
reason in words a user can act on.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from .clean import clean_cell, clean_text, find_title
from .errors import DocumentError
from .ingest.extracted import MARK_LINE, Extracted, RawTable, Unreadable
from .ingest.files import scan
from .ingest.formats import SUFFIXES, reader_for
from .ingest.limits import ReadLimits, check_size
from .ingest.text import decode_text, strip_markdown
from .records import Document, Table, doc_id_for, unique_doc_ids

__all__ = ["SUFFIXES", "Unreadable", "corpus_files", "decode_text", "read_corpus", "read_document",
           "read_limits", "strip_markdown"]

# The line before a table is its caption when it reads as one ("附件2：重点任务分工表", "表1 …").
CAPTION = re.compile(r"附件|表|清单|一览")
MAX_CAPTION = 40
SENTENCE_END = "。；;！？!?"


def read_limits(settings=None) -> ReadLimits:
    from .settings import Settings

    return ReadLimits.from_settings(settings or Settings.from_env())


def read_corpus(folder: Path, limits: ReadLimits | None = None) -> tuple[list[Document], list[DocumentError]]:
    """Every readable document under ``folder``, and an error for each one that is not."""
    limits = limits or read_limits()
    paths, skipped = scan(Path(folder))
    documents, errors = [], [DocumentError(source, reason) for source, reason in skipped]
    for path in paths:
        try:
            documents.append(read_document(path, folder, limits))
        except DocumentError as err:
            errors.append(err)
    ids = unique_doc_ids([doc.source for doc in documents], [doc.id for doc in documents])
    return [replace(doc, id=found) for doc, found in zip(documents, ids)], errors


def corpus_files(folder: Path) -> list[Path]:
    """The document files under ``folder``, sorted, without hidden files, READMEs, Word lock files,
    links out or the corpus's own word tables (``lexicon/``, read by qa/lexicon.py)."""
    return scan(Path(folder))[0]


def read_document(path: Path, root: Path, limits: ReadLimits | None = None) -> Document:
    """One document: its title, its name relative to ``root``, its clean text and its tables."""
    source = Path(path).relative_to(root).as_posix()
    limits = limits or read_limits()
    try:
        raw = extract(Path(path), limits)
    except Unreadable as err:
        raise DocumentError(source, str(err)) from err
    except MemoryError as err:
        raise DocumentError(source, "文件过大,内存不足") from err
    except OSError as err:
        raise DocumentError(source, f"无法打开文件({err.strerror or err})") from err
    text, tables = place_tables(clean_text(raw.text), raw.tables)
    if not text and not tables:
        raise DocumentError(source, "没有可读的文字")
    return Document(title=find_title(text) or Path(path).stem, source=source, text=text, tables=tables,
                    id=doc_id_for(source), warnings=list(raw.warnings))


def extract(path: Path, limits: ReadLimits) -> Extracted:
    """The raw text and tables of a file, by its kind, within the size limits."""
    if path.stat().st_size == 0:
        raise Unreadable("文件为空")
    check_size(path, limits)
    return reader_for(path)(path, limits)


def place_tables(text: str, raw: list[RawTable]) -> tuple[str, list[Table]]:
    """Take the table marks out of the clean text, keeping where each stood, and clean the cells."""
    positions: dict[int, int] = {}
    pieces, taken = [], 0
    for match in MARK_LINE.finditer(text):
        pieces.append(text[taken:match.start()])
        taken = match.end()
        positions[int(match.group(1))] = sum(map(len, pieces))
    body = "".join(pieces) + text[taken:]
    if body.endswith("\n") and taken == len(text):
        body = body.rstrip("\n")
    tables = []
    for k, table in enumerate(raw):
        position = min(positions.get(k, len(body)), len(body))
        rows = [[clean_cell(cell) for cell in row] for row in table.rows]
        tables.append(Table(rows=rows, position=position, caption=table.caption or caption_before(body, position)))
    return body, tables


def caption_before(text: str, position: int) -> str:
    """The last line before ``position`` if it is short and names a table or attachment."""
    before = text[:position].rstrip("\n")
    line = before[before.rfind("\n") + 1:].strip()
    if line and len(line) <= MAX_CAPTION and line[-1] not in SENTENCE_END and CAPTION.search(line):
        return line
    return ""
