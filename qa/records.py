"""Plain records handed from one stage to the next.

A ``Document`` is what the reader gives back: clean text in its true order.
A ``WorkItem`` is one numbered work item of a policy document with the units
that carry it out; everything after the structure stage works on these.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Table:
    """A table as the reader found it (Word, PDF ruling lines, spreadsheet sheet)."""

    rows: list[list[str]]  # cell texts; a merged cell's text repeats in every grid cell it spans
    position: int = 0  # offset in Document.text where the table stood (its text is not in .text)
    caption: str = ""  # e.g. "附件：重点任务分工表" or a sheet name, when the reader knows it


@dataclass(frozen=True)
class Document:
    title: str  # e.g. "市2023年未成年人保护工作要点"
    source: str  # file name relative to the corpus folder
    text: str  # clean body text, true order, original wording
    tables: list[Table] = field(default_factory=list)  # in document order
    # Filled by the metadata stage (qa/meta.py) from the text itself; empty where the text does not say.
    id: str = ""  # stable, URL-safe, from the source path: "minor-protection-workplan-2023"
    issuer: str = ""  # 发文机关, e.g. "XX市未成年人保护工作领导小组办公室"
    number: str = ""  # 文号, e.g. "X民发〔2024〕12号"
    date: str = ""  # ISO date of issue, "2024-03-15"
    year: int | None = None  # the year the document is for: title, then 文号, then date
    kind: str = ""  # 要点/方案/条例/办法/通知/意见/规划/细则…
    shape: str = ""  # parser(s) that produced its items: "workplan", "articles", "task_table", "inline", "paragraphs"
    warnings: list[str] = field(default_factory=list)  # Chinese, for `qa docs` and the console


@dataclass(frozen=True)
class WorkItem:
    id: str  # stable across rebuilds and other documents: "<doc_id>#<anchor from its own numbering>"
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
    doc_id: str = ""  # Document.id of its document
    year: int | None = None  # Document.year, copied so search can filter without a join
    duty_holders: list[str] = field(default_factory=list)  # laws: "学校", "网吧经营者" named with duties
    deadline: str = ""  # 完成时限 from a task-division table, as printed

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "WorkItem":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def doc_id_for(source: str) -> str:
    """The stable id of a document from its path in the corpus folder.

    "2024/县 方案.docx" -> "2024--县-方案": suffix dropped, folders joined with "--",
    anything but letters (Chinese included), digits, "_", "-" and "." replaced by "-".
    Readers and the shapes stage both call this, so an id never depends on who made it.
    """
    path = PurePosixPath(str(source).replace("\\", "/"))
    parts = [*path.parent.parts, path.stem] if str(path.parent) != "." else [path.stem]
    cleaned = [re.sub(r"[^\w.-]+", "-", part).strip("-.") for part in parts]
    return "--".join(re.sub("-{2,}", "-", part) for part in cleaned if part) or "document"


def unique_doc_ids(sources: list[str], ids: list[str] | None = None) -> list[str]:
    """Ids made unique where two files differ only by suffix: "plan.txt", "plan.md" -> "plan-txt", "plan-md"."""
    ids = ids if ids is not None else [doc_id_for(s) for s in sources]
    counts: dict[str, int] = {}
    for found in ids:
        counts[found] = counts.get(found, 0) + 1
    return [found if counts[found] == 1 else f"{found}-{PurePosixPath(source).suffix.lstrip('.').lower()}"
            for found, source in zip(ids, sources)]
