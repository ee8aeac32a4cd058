"""Plain records handed from one stage to the next.

A ``Document`` is what the reader gives back: clean text in its true order.
A ``WorkItem`` is one numbered work item of a policy document with the units
that carry it out; everything after the structure stage works on these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Document:
    title: str  # e.g. "市2023年未成年人保护工作要点"
    source: str  # file name relative to the corpus folder
    text: str  # clean body text, true order, original wording


@dataclass(frozen=True)
class WorkItem:
    id: str  # stable: "<source>#<ordinal>"
    doc: str  # document title
    source: str  # file name relative to the corpus folder
    section: list[str]  # heading path, e.g. ['二、统筹推进“六大保护”', '(二)加强学校保护']
    number: str | None  # item number as printed ("3", "(一)"), None where it was lost
    title: str  # short phrase before the first "。", e.g. "提升校园安全管理"
    text: str  # the item's full text, closer included, in the document's own words
    sentences: list[str]
    units: list[str] = field(default_factory=list)  # all responsible units, printed order
    lead_units: list[str] = field(default_factory=list)  # 牵头单位 where the document says so
    co_units: list[str] = field(default_factory=list)  # 配合单位 where the document says so

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "WorkItem":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
