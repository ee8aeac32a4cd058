"""Warnings about one document's items, in Chinese, for `qa docs` and the console."""

from __future__ import annotations

from ..records import WorkItem
from .anchors import number_value

_LISTED = 3  # titles named in a warning; the rest are counted


def document_warnings(items: list[WorkItem], shapes: list[str]) -> list[str]:
    warnings = []
    if "articles" not in shapes:  # a law names duty holders, not units
        missing = [it.title for it in items if not it.units]
        if missing:
            named = "、".join(f"“{t}”" for t in missing[:_LISTED]) + ("等" if len(missing) > _LISTED else "")
            warnings.append(f"{len(missing)} 个条目没有责任单位:{named}")
    warnings += numbering_warnings(items)
    return warnings


def numbering_warnings(items: list[WorkItem]) -> list[str]:
    """Jumps in the numbering at one depth (a restart at 1 is a new list, not a gap); lost numbers."""
    warnings, last = [], {}
    lost = 0
    for item in items:
        if item.id.split("#")[-1].startswith(("t-", "p")):
            continue  # table rows and paragraphs follow no printed numbering
        key = "article" if (item.number or "").endswith("条") else len(item.section)
        value = number_value(item.number)
        if value is None:
            lost += 1
            continue
        if key != "article" and not any(c.isdigit() for c in item.number):
            continue  # 一、(一) levels mix headings and items: a skipped number there is a heading
        before = last.get(key)
        if before is not None and value not in (before + 1, 1) and value > 0:
            warnings.append(f"编号不连续:{_shown(item, before)} 之后是 {item.number}")
        last[key] = value
    if lost:
        warnings.append(f"{lost} 个条目的编号缺失或无法识别")
    return warnings


def _shown(item: WorkItem, value: int) -> str:
    return f"第{value}条" if (item.number or "").endswith("条") else str(value)
