"""The corpus stage: a folder of policy documents -> work items, with problems reported, not raised."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import CorpusEmpty, DocumentError
from .ingest.files import scan
from .ingest.limits import ReadLimits
from .read import read_corpus, read_limits
from .records import Document, WorkItem, doc_id_for, unique_doc_ids
from .shapes import analyse
from .units import slip_warnings


@dataclass(frozen=True)
class Corpus:
    documents: list[Document]  # with metadata, shape and warnings filled in
    items: list[WorkItem]
    problems: list[DocumentError]  # files that could not be read


def load_corpus(folder: Path, limits: ReadLimits | None = None) -> Corpus:
    """Every readable document and its items; unreadable files come back as problems, never dropped."""
    if not Path(folder).is_dir():
        raise CorpusEmpty(f"找不到语料目录:{folder}")
    read, problems = read_corpus(Path(folder), limits)
    documents, items = [], []
    ids = unique_doc_ids([d.source for d in read], [d.id or doc_id_for(d.source) for d in read])
    for doc, doc_id in zip(read, ids):
        doc, found = analyse(replace(doc, id=doc_id))
        documents.append(doc)
        items.extend(found)
    slips = slip_warnings(items)  # a unit seen once beside a frequent near-twin: across documents
    documents = [replace(d, warnings=[*d.warnings, *slips.get(d.id, [])]) for d in documents]
    return Corpus(documents, items, problems)


def load_items(folder: Path, limits: ReadLimits | None = None) -> tuple[list[WorkItem], list[DocumentError]]:
    """Every work item of every readable document; unreadable files come back as problems."""
    corpus = load_corpus(folder, limits)
    return corpus.items, corpus.problems


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
