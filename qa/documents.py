"""Documents as their items show them: stable ids, anchors, years, and the whole document in order.

The index keeps work items, not documents, so a document is rebuilt from its items:
title, then each heading where the section path changes, then the items. This is also
the ONE place that fills in item fields older indexes or parsers leave empty
(``doc_id``, ``year``, ``deadline``), so every caller agrees on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from .records import WorkItem, doc_id_for

# A sentence of the item that states its deadline, when no table gave one: "完成时限：2023年12月底前。"
_DEADLINE = re.compile(r"(?:完成时限|完成时间|时限要求|截止时间)\s*[:：]\s*(?P<when>[^。；;，,]+)")


def doc_id_of(item: WorkItem) -> str:
    """Document.id when the index has it, else the id the reader would give (indexes built before ids)."""
    return item.doc_id or doc_id_for(item.source)


def anchor_of(item: WorkItem) -> str:
    """The item's place in its own document: the part of its stable id after '#'."""
    return item.id.rsplit("#", 1)[-1]


def year_of(item: WorkItem) -> int | None:
    """The year of the item's document (one rule for the whole product: qa/years.py)."""
    from .years import item_year

    return item_year(item)


def deadline_of(item: WorkItem) -> str:
    """完成时限 as printed: from the task table, else from a sentence of the item that states it."""
    if item.deadline:
        return item.deadline
    found = _DEADLINE.search(item.text)
    return found["when"].strip() if found else ""


def link(doc_id: str, item_id: str) -> str:
    """Stable address of an item in its document page; safe to paste into documents and messages."""
    return f"/doc/{quote(doc_id, safe='')}#{quote(item_id.rsplit('#', 1)[-1], safe='')}"


@dataclass
class DocumentView:
    id: str
    title: str
    source: str
    year: int | None
    items: list[WorkItem] = field(default_factory=list)

    def blocks(self) -> list[dict]:
        """Headings and items in document order; a heading is emitted where the section path changes."""
        out: list[dict] = []
        shown: list[str] = []
        for item in self.items:
            keep = 0
            while keep < min(len(shown), len(item.section)) and shown[keep] == item.section[keep]:
                keep += 1
            for level, heading in enumerate(item.section[keep:], start=keep + 1):
                out.append({"type": "heading", "level": level, "text": heading})
            shown = list(item.section)
            out.append({"type": "item", "id": item.id, "anchor": anchor_of(item), "number": item.number,
                        "title": item.title, "text": item.text, "units": list(item.units),
                        "lead_units": list(item.lead_units), "co_units": list(item.co_units),
                        "deadline": deadline_of(item)})
        return out

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "source": self.source, "year": self.year,
                "items": len(self.items), "blocks": self.blocks()}


def documents_of(items: list[WorkItem]) -> dict[str, DocumentView]:
    """doc id -> the document, items in index order (which is document order)."""
    docs: dict[str, DocumentView] = {}
    for item in items:
        key = doc_id_of(item)
        if key not in docs:
            docs[key] = DocumentView(key, item.doc, item.source, year_of(item))
        docs[key].items.append(item)
    return docs
