"""One work item, two documents: a plan's item and the row of a ledger that restates it.

A task ledger (台账, 分工表 kept as a spreadsheet) repeats its plan's items row by row, under
the same titles, adding what only it holds: lead and co units, a deadline, progress. A
question about the item's content is the plan's; the row comes first only when the
question asks for what the row adds: 牵头/配合, 完成时限, or how far the work has got
(进展, "开通了没", "建档了多少") when the row reports progress.
"""

from __future__ import annotations

import re

from .documents import anchor_of

# Asking how far the work has got: progress words, or the perfective 了 / 没 of "开通了没".
_PROGRESS = re.compile(r"进展|进度|完成情况|落实情况|到哪一步|目前|已经|了(?:吗|没|多少|几)|了\s*[？?]?$")
_NOTE = "进展情况："  # how qa/shapes/task_table.py writes a row's progress cell into its text


def is_table_row(item) -> bool:
    """Items made from a table row alone carry anchors "t-…" (qa/shapes/task_table.py)."""
    return anchor_of(item).startswith("t-")


def _key(item) -> tuple:
    return re.sub(r"[\W_]+", "", item.title), item.year


def plan_first(hits: list, items, question: str) -> list:
    """Hits with each ledger row and the plan item it restates in the order the question wants:
    the row first when the question asks what only the row holds, else the plan's item first.
    Other hits keep their order."""
    if len(hits) < 2:
        return hits
    body_at = {}
    for hit in hits:
        item = items[hit.item]
        if not is_table_row(item):
            body_at.setdefault(_key(item), hit)
    out = list(hits)
    for hit in hits:
        item = items[hit.item]
        if not is_table_row(item) or _key(item) not in body_at:
            continue
        body = body_at[_key(item)]
        first, second = (hit, body) if _row_answers(question, item, items[body.item]) else (body, hit)
        first_pos, second_pos = out.index(first), out.index(second)
        if second_pos < first_pos:  # the one wanted first moves up to where the other stood
            out.pop(first_pos)
            out.insert(second_pos, first)
    return out


def _row_answers(question: str, row, body) -> bool:
    """The question asks for something the row holds and the plan's item does not."""
    if re.search(r"牵头|配合", question) and row.lead_units and not body.lead_units:
        return True
    if re.search(r"时限|截止日期|什么时候完成|何时完成", question) and row.deadline and not body.deadline:
        return True
    return bool(_PROGRESS.search(question)) and _has_note(row)


def _has_note(item) -> bool:
    return any(s.startswith(_NOTE) for s in item.sentences)
