"""The corpus stage: a folder of policy documents -> work items, with problems reported, not raised."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import CorpusEmpty, DocumentError
from .ingest.files import scan
from .ingest.limits import ReadLimits
from .read import read_corpus, read_limits
from .records import WorkItem
from .structure import parse_document

CHUNK = 1 << 20


def load_items(folder: Path, limits: ReadLimits | None = None) -> tuple[list[WorkItem], list[DocumentError]]:
    """Every work item of every readable document; unreadable files come back as problems."""
    if not Path(folder).is_dir():
        raise CorpusEmpty(f"找不到语料目录:{folder}")
    documents, problems = read_corpus(Path(folder), limits)
    items: list[WorkItem] = []
    for doc in documents:
        found = parse_document(doc)
        if not found:
            problems.append(DocumentError(doc.source, "没有找到任何工作条目"))
        items.extend(found)
    return items, problems


def file_hashes(folder: Path, limits: ReadLimits | None = None) -> dict[str, str]:
    """sha256 of every document file the reader would read, by relative path: what a rebuild compares.

    Other files (an .iso, a video) and files over the size limit are never
    opened; the rest are hashed in chunks, never held whole in memory.
    """
    folder = Path(folder)
    limits = limits or read_limits()
    hashes = {}
    for path in scan(folder)[0]:
        if path.stat().st_size > limits.max_file_bytes:
            continue
        with path.open("rb") as handle:
            hashes[path.relative_to(folder).as_posix()] = hashlib.file_digest(handle, "sha256").hexdigest()
    return hashes
