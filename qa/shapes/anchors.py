"""Item anchors: the part of an item id after "#", from the item's own numbering in its document.

"二、(二)3." -> "2-2-3", "第十五条" -> "a15", a table row "序号 7" -> "t-7". Where the numbering
is missing or repeats, a short hash of the heading path and title keeps the anchor stable:
it changes only when that item's own place or title changes, never when others are added.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from ..records import WorkItem
from ..zh import cn_to_int


def number_value(number: str | None) -> int | None:
    """'(二)' -> 2, '3' -> 3, '第十五条' -> 15; None where no number can be read."""
    if not number:
        return None
    core = re.sub(r"^第|[条章节款项]$|[()（）.．、\s]", "", number)
    return cn_to_int(core)


def numbering_anchor(numbers: list[str | None]) -> str:
    """'2-2-3' from the numbers on the path to an item; '2-2-' if the item's own number is lost."""
    values = [number_value(n) for n in numbers]
    path = "-".join(str(v) for v in values[:-1] if v is not None)
    if not values or values[-1] is None:
        return f"{path}-" if path else ""
    return f"{path}-{values[-1]}" if path else str(values[-1])


def heading_hash(item: WorkItem) -> str:
    key = "/".join([*item.section, item.title])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:6]


def assign_ids(doc_id: str, items: list[WorkItem]) -> list[WorkItem]:
    """Final ids "<doc_id>#<anchor>": a missing or repeated anchor gets the heading-path hash."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.id] = counts.get(item.id, 0) + 1
    seen: set[str] = set()
    final = []
    for item in items:
        anchor = item.id
        if not anchor or anchor.endswith("-") or counts[anchor] > 1:
            anchor = f"{anchor.rstrip('-')}-h{heading_hash(item)}".lstrip("-")
        base, n = anchor, 2
        while anchor in seen:  # same heading path and title twice: order among the twins
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        final.append(replace(item, id=f"{doc_id}#{anchor}"))
    return final
