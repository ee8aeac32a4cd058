"""The corpus stage: a folder of policy documents -> work items, with problems reported, not raised."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import CorpusEmpty, DocumentError
from .read import read_corpus
from .records import WorkItem
from .structure import parse_document


def load_items(folder: Path) -> tuple[list[WorkItem], list[DocumentError]]:
    """Every work item of every readable document; unreadable files come back as problems."""
    if not Path(folder).is_dir():
        raise CorpusEmpty(f"找不到语料目录:{folder}")
    documents, problems = read_corpus(Path(folder))
    items: list[WorkItem] = []
    for doc in documents:
        found = parse_document(doc)
        if not found:
            problems.append(DocumentError(doc.source, "没有找到任何工作条目"))
        items.extend(found)
    return items, problems


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under the corpus folder, by relative path: what a rebuild compares."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}
