"""Shape: a task-division table (附件：重点任务分工表) that carries a plan's units.

The header is found by its column names, variants tolerated. Each row is joined to the
body item it belongs to, by number or by task title (character-bigram similarity, so small
wording differences between body and table still meet); the item then carries the row's
lead and co units and its 完成时限. A row that meets no body item becomes an item itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..records import Document, Table, WorkItem
from ..units import looks_like_unit, split_units
from .anchors import number_value
from .workplan import item_title, split_sentences

NAME = "task_table"
# Column role -> header names; the first role whose pattern a header cell matches wins.
COLUMNS = [
    ("number", r"^(?:序号|编号|序)$"),
    ("lead", r"牵头|主责"),
    ("co", r"配合|协办|参与|协同|协助"),
    ("resp", r"责任(?:单位|部门|主体)|承办|实施(?:单位|主体)"),
    ("deadline", r"时限|完成时间|时间(?:节点|安排|进度|要求)|期限"),
    # A ledger's progress or remarks column: text only this table holds, which questions ask about.
    ("note", r"进展|进度|完成情况|落实情况|推进情况|成效|备注"),
    ("measure", r"具体|措施|任务(?:内容|要求)|工作(?:内容|要求)"),
    ("task", r"任务|事项|项目|工作"),
]
_MIN_SCORE = 0.5  # similarity needed to join a row to a body item
_NUMBER_BONUS = 0.35  # same number as the item, when the body numbers items uniquely
_SECOND_ROW = 0.8  # a second row joins an item already joined only when it names it this closely


@dataclass(frozen=True)
class Row:
    position: int  # row index in its table, counted from 1 after the header
    number: str
    task: str
    measure: str
    lead: list[str]
    co: list[str]
    units: list[str]
    deadline: str
    section: list[str]
    note: str = ""  # progress / remarks cell ("上半年进展情况"), as printed


def header_roles(row: list[str]) -> dict[str, int] | None:
    """Column index per role if the row reads as a task table's header."""
    roles: dict[str, int] = {}
    for col, cell in enumerate(row):
        name = re.sub(r"\s+", "", cell)
        for role, pattern in COLUMNS:
            if name and len(name) <= 12 and re.search(pattern, name) and role not in roles:
                roles[role] = col
                break
    has_task = "task" in roles or "measure" in roles
    has_units = any(r in roles for r in ("lead", "co", "resp"))
    return roles if has_task and has_units else None


def _find_header(table: Table) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(table.rows[:4]):
        roles = header_roles(row)
        if roles:
            return i, roles
    return None


def detect(doc: Document) -> float:
    return 1.0 if any(_find_header(t) for t in doc.tables) else 0.0


def rows_of(doc: Document) -> list[Row]:
    """Every task row of every task table in the document."""
    rows: list[Row] = []
    for table in doc.tables:
        found = _find_header(table)
        if not found:
            continue
        start, roles = found
        caption = [table.caption] if table.caption else []
        category: list[str] = []
        unit_columns = {roles[r] for r in ("lead", "co", "resp") if r in roles}
        for position, cells in enumerate(table.rows[start + 1:], 1):
            cells = [_unit_cell(c) if col in unit_columns else re.sub(r"\s+", "", c)
                     for col, c in enumerate(cells)]
            filled = [c for c in cells if c]
            if not filled or header_roles(cells):
                continue  # empty, or the header repeated after a page break
            if len(set(filled)) == 1 and len(cells) > 2:
                category = [filled[0]]  # a merged row across the table: a group heading
                continue
            rows.append(_row(cells, roles, position, caption + category))
    return _grouped(rows)


def _grouped(rows: list[Row]) -> list[Row]:
    """A task cell merged over several rows is a group heading: each row is named by its measure.

    "健全…工作体系" over rows 1–3 heads three measures; the rows' own tasks are the 具体措施 cells.
    """
    shared = {r.task for r in rows if r.task and r.measure and sum(1 for o in rows if o.task == r.task) > 1}
    return [replace(r, task="", section=[*r.section, r.task]) if r.task in shared and r.measure else r
            for r in rows]


def _unit_cell(cell: str) -> str:
    """Units one per line in a cell become a list; a line that is no unit name continues the one above."""
    names: list[str] = []
    for line in (re.sub(r"\s+", "", part) for part in cell.split("\n")):
        wrapped = not _is_name(line) or (len(line) <= 3 and line[0] not in "市县区省团各*")  # "办公室"
        if names and (wrapped or not _is_name(names[-1])):
            names[-1] += line
        elif line:
            names.append(line)
    return "、".join(names)


def _is_name(text: str) -> bool:
    return looks_like_unit(re.sub(r"[(（]牵头[)）]$", "", text))


def _row(cells: list[str], roles: dict[str, int], position: int, section: list[str]) -> Row:
    def cell(role):
        return cells[roles[role]] if role in roles and roles[role] < len(cells) else ""
    lead, co = split_units(cell("lead")), split_units(cell("co"))
    resp = split_units(cell("resp"))
    marked = [re.sub(r"[(（]牵头[)）]$", "", u) for u in resp if re.search(r"[(（]牵头[)）]$", u)]
    if marked:  # "市民政局(牵头)、市财政局" in one 责任单位 column
        resp = [re.sub(r"[(（]牵头[)）]$", "", u) for u in resp]
        lead, co = lead + marked, co + [u for u in resp if u not in marked]
    units = list(dict.fromkeys(lead + co + resp))
    return Row(position, cell("number"), cell("task"), cell("measure"), lead, co, units,
               cell("deadline"), section, cell("note"))


def parse(doc: Document) -> list[WorkItem]:
    """The rows as items of their own (a document that is only a table, e.g. a spreadsheet)."""
    return [row_item(doc, row) for row in rows_of(doc)]


def row_item(doc: Document, row: Row) -> WorkItem:
    title_source = row.task or row.measure
    body = "。".join(part for part in (row.task, row.measure, _note(row)) if part)
    anchor = f"t-{number_value(row.number)}" if number_value(row.number) is not None else f"t-r{row.position}"
    return WorkItem(id=anchor, doc=doc.title, source=doc.source, section=row.section,
                    number=row.number or None, title=item_title(title_source), text=body,
                    sentences=split_sentences(body), units=row.units, lead_units=row.lead,
                    co_units=row.co, deadline=row.deadline)


def _note(row: Row) -> str:
    return f"进展情况：{row.note}" if row.note else ""


def merge(doc: Document, items: list[WorkItem], rows: list[Row]) -> tuple[list[WorkItem], list[str]]:
    """Body items carrying their rows' units and deadlines; unmatched rows appended as items.

    Rows are joined best match first, one row per item: a row that only resembles an item
    another row names exactly ("开展…示范创建" beside "建设乡镇…工作站", both under one
    task heading) is a task of its own, not a second table row of that item. An item takes
    a second row only when that row names it as closely as the first (a task split over rows).
    """
    numbers = [number_value(it.number) for it in items]
    unique = {n for n in numbers if n is not None and numbers.count(n) == 1}
    scored = [(row_pos, *_best_item(row, items, numbers, unique)) for row_pos, row in enumerate(rows)]
    taken: dict[int, float] = {}
    chosen: dict[int, int] = {}
    for row_pos, best, score in sorted(scored, key=lambda s: -s[2]):
        if best is None:
            continue
        if best in taken and score < min(_SECOND_ROW, taken[best]):
            continue
        taken.setdefault(best, score)
        chosen[row_pos] = best
    joined: dict[int, list[Row]] = {}
    leftovers: list[Row] = []
    for row_pos, row in enumerate(rows):  # document order within each item
        if row_pos in chosen:
            joined.setdefault(chosen[row_pos], []).append(row)
        else:
            leftovers.append(row)
    merged = [_with_rows(item, joined[i]) if i in joined else item for i, item in enumerate(items)]
    warnings = []
    if items:
        warnings = [f"附件表格第{r.position}行(序号{r.number or '无'})“{item_title(r.task or r.measure)}”"
                    "没有对应的正文条目,已单独列为条目" for r in leftovers]
    return merged + [row_item(doc, r) for r in leftovers], warnings


def _best_item(row: Row, items: list[WorkItem], numbers, unique) -> tuple[int | None, float]:
    best, best_score = None, _MIN_SCORE - 1e-9
    row_number = number_value(row.number)
    for i, item in enumerate(items):
        score = max(similarity(row.task, item.title), similarity(item_title(row.measure), item.title),
                    0.9 * containment(item.title, row.task + row.measure))
        if row_number is not None and row_number == numbers[i] and row_number in unique:
            score += _NUMBER_BONUS
        if score > best_score:  # the first of equals: rows are joined in document order
            best, best_score = i, score
    return best, best_score


def _with_rows(item: WorkItem, rows: list[Row]) -> WorkItem:
    lead = list(dict.fromkeys(u for r in rows for u in r.lead))
    co = list(dict.fromkeys(u for r in rows for u in r.co if u not in lead))
    units = list(dict.fromkeys(lead + co + [u for r in rows for u in r.units]))
    deadline = "；".join(dict.fromkeys(r.deadline for r in rows if r.deadline))
    notes = [_note(r) for r in rows if r.note]
    if notes:  # progress only the table reports becomes part of what the item says
        text = item.text.rstrip() + "\n" + "\n".join(notes)
        item = replace(item, text=text, sentences=[*item.sentences, *notes])
    return replace(item, units=units, lead_units=lead, co_units=co, deadline=deadline)


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\w]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams: '加强家庭教育指导' ~ '强化家庭教育指导服务'."""
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def containment(short: str, long: str) -> float:
    """Share of the short text's bigrams found in the long one (a title inside a row's text)."""
    x, y = _bigrams(short), _bigrams(long)
    return len(x & y) / len(x) if x else 0.0
