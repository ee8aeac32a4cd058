"""Fallback: text that fits no shape becomes one item per paragraph (never silence)."""

from __future__ import annotations

from ..records import Document, WorkItem
from .workplan import item_title, split_sentences

NAME = "paragraphs"
_MIN_CHARS = 15  # shorter lines are titles, signatures and dates


def detect(doc: Document) -> float:
    return 0.01 if doc.text.strip() else 0.0


def parse(doc: Document) -> list[WorkItem]:
    paragraphs = [p.strip() for p in doc.text.split("\n")]
    paragraphs = [p for p in paragraphs if len(p) >= _MIN_CHARS and p != doc.title]
    return [WorkItem(id=f"p{n}", doc=doc.title, source=doc.source, section=[], number=None,
                     title=item_title(p), text=p, sentences=split_sentences(p))
            for n, p in enumerate(paragraphs, 1)]
