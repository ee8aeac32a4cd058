"""Shape: a work plan whose items end with their units ("…(市教育局、市公安局按照职责分工负责)").

Policy work plans number their parts 一、 / (一) / 1. / (1), and every work item
ends with a closer naming the units that carry it out:
"…(市教育体育局、市公安局按照职责分工负责)". Scraped text often runs all of this
on one line, and OCR loses or mangles numbers (".打击涉未犯罪", "1L履行兜底监护"),
so the parser trusts the closers first and the numbers second:

1. find heading markers, keeping only those that stand where a heading can
   (start of text or line, after a sentence end or a closer, or right after a
   heading title that has no full stop);
2. find closers: a bracketed unit list after a sentence end, or a 责任单位： line;
3. cut the text at markers and after closers into blocks; a block with a body
   is a work item, a title-only block is a section heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..records import Document, WorkItem
from ..units import Units, parse_closer
from .anchors import numbering_anchor

NAME = "workplan"

CN_NUM = "一二三四五六七八九十"
# OCR reads "1" as L, l, I or |: "1L履行兜底监护" is item 11.
_OCR_ONE = str.maketrans({"L": "1", "l": "1", "I": "1", "|": "1"})

_MARKERS = [
    # (level, pattern); lower level = higher in the outline
    (1, rf"([{CN_NUM}]{{1,3}})\s*、"),
    (2, rf"[(（]\s*([{CN_NUM}]{{1,3}})\s*[)）]"),
    (3, r"(\d{1,2})\s*[.．、](?![\d.．])"),
    (3, r"(\d[LlI|])(?=[\u4e00-\u9fff])"),
    (3, r"[.．](?=[\u4e00-\u9fff])"),  # the number itself was lost
    (4, r"[(（]\s*(\d{1,2})\s*[)）]"),
]
_MARKER_RE = re.compile("|".join(f"(?P<m{i}>{p})" for i, (_, p) in enumerate(_MARKERS)))

_SENTENCE_END = "。；;！!？?\n"
_CLOSE_BRACKETS = ")）"
_DUTY = r"(?:负责|牵头|配合|参与|落实|实施)"
# A bracketed closer that names units: after a sentence end, ends in a duty word or has a label.
# Names may hold short brackets of their own: "各县（区）人民政府".
_NAME_CHARS = r"(?:[^()（）]|[(（][^()（）]{0,12}[)）])"
_CLOSER_RE = re.compile(
    rf"(?<=[。；;！!？?\s])\s*[(（](?P<units>{_NAME_CHARS}{{2,400}}?"
    rf"(?:{_DUTY}|(?:牵头|配合|责任)单位[:：]{_NAME_CHARS}*))[)）]"
)
# "责任单位：A、B" on its own line or after the item's last sentence; a 牵头 label may carry 配合 too.
_LABEL_LINE_RE = re.compile(r"(?m)(?:^|(?<=[。；;]))[ \t]*(?P<units>(?:责任单位|牵头单位|主责单位)[:：][^\n。]+)。?")
_HEADING_TITLE_MAX = 40


@dataclass(frozen=True)
class Marker:
    start: int  # where the marker begins
    end: int  # where the title text begins
    level: int
    number: str | None


@dataclass(frozen=True)
class Closer:
    start: int
    end: int
    units: Units


def find_markers(text: str) -> list[Marker]:
    """Heading markers that stand where a heading can stand."""
    accepted: list[Marker] = []
    for m in _MARKER_RE.finditer(text):
        index = next(i for i in range(len(_MARKERS)) if m.group(f"m{i}") is not None)
        marker = Marker(m.start(), m.end(), _MARKERS[index][0], _number(m, index))
        if _can_start_heading(text, marker, accepted[-1] if accepted else None):
            accepted.append(marker)
    return accepted


def _number(m: re.Match, index: int) -> str | None:
    raw = m.group(f"m{index}")
    num = re.search(rf"[\d{CN_NUM}][\dLlI|{CN_NUM}]*", raw)
    if not num:
        return None
    digits = num.group().translate(_OCR_ONE) if num.group()[0].isdigit() else num.group()
    return f"({digits})" if _MARKERS[index][0] in (2, 4) else digits


def _can_start_heading(text: str, marker: Marker, previous: Marker | None) -> bool:
    before = text[:marker.start].rstrip(" \t")
    if not before or before[-1] in _SENTENCE_END + _CLOSE_BRACKETS + "：:":
        return True
    # "一、加强统筹谋划(一)强化理论学习": a heading title with no full stop runs into the next marker.
    if previous is None or previous.level > 3:
        return False
    title = text[previous.end:marker.start]
    return previous.level < marker.level and len(title) <= _HEADING_TITLE_MAX and not any(
        c in title for c in _SENTENCE_END)


def find_closers(text: str) -> list[Closer]:
    found = [Closer(m.start(), m.end(), parse_closer(m["units"])) for m in _CLOSER_RE.finditer(text)]
    found += [Closer(m.start(), m.end(), parse_closer(m["units"])) for m in _LABEL_LINE_RE.finditer(text)]
    return sorted((c for c in found if c.units.units), key=lambda c: c.start)


def detect(doc: Document) -> float:
    """Closers after a sentence end are this shape's signature; two make it likely."""
    closers = find_closers(doc.text)
    return min(1.0, 0.45 * len(closers))


def parse(doc: Document) -> list[WorkItem]:
    """Work items of one document, in document order; ``id`` holds the item's numbering anchor."""
    text = doc.text
    markers, closers = find_markers(text), find_closers(text)
    closers = [c for c in closers if not any(c.start < m.start < c.end for m in markers)]
    items: list[WorkItem] = []
    path: dict[int, tuple[str, str | None]] = {}  # level -> (heading as printed, its number)
    for start, end, marker, closer in _blocks(text, markers, closers):
        body = text[marker.end if marker else start:closer.start if closer else end].strip()
        if _is_heading(body, marker, closer):
            path = {lvl: h for lvl, h in path.items() if lvl < marker.level}
            path[marker.level] = (text[marker.start:marker.end].strip() + body, marker.number)
            continue
        if closer is None and (marker is None or marker.level < 3):
            continue  # preamble or a section's lead-in text: not a work item
        levels = [lvl for lvl in sorted(path) if marker is None or lvl < marker.level]
        section = [path[lvl][0] for lvl in levels]
        anchor = numbering_anchor([path[lvl][1] for lvl in levels] + [marker.number if marker else None])
        items.append(_make_item(doc, anchor, section, marker, body, text[start:end].strip(), closer))
    return items


def _blocks(text: str, markers: list[Marker], closers: list[Closer]):
    """(start, end, marker or None, closer or None) spans; a closer ends its block."""
    cuts = sorted({0, len(text), *(m.start for m in markers), *(c.end for c in closers)})
    by_start = {m.start: m for m in markers}
    for start, end in zip(cuts, cuts[1:]):
        closer = next((c for c in closers if start <= c.start and c.end == end), None)
        if text[start:end].strip():
            yield start, end, by_start.get(start), closer


def _is_heading(body: str, marker: Marker | None, closer: Closer | None) -> bool:
    if marker is None or closer is not None or marker.level >= 3:
        return False
    return len(body) <= _HEADING_TITLE_MAX or not any(c in body for c in "。；;")


def _make_item(doc: Document, anchor: str, section: list[str], marker: Marker | None,
               body: str, full: str, closer: Closer | None) -> WorkItem:
    from .inline_units import inline_units  # that shape builds on this one's markers

    # without a closer, a plan may still say it in the point: "由市卫生健康委牵头，市民政局配合，…"
    units = closer.units if closer else inline_units(body)[0]
    return WorkItem(
        id=anchor,
        doc=doc.title,
        source=doc.source,
        section=section,
        number=marker.number if marker else None,
        title=item_title(body),
        text=full,
        sentences=split_sentences(body),
        units=list(units.units),
        lead_units=list(units.lead_units),
        co_units=list(units.co_units),
    )


def item_title(body: str) -> str:
    """The short phrase before the first full stop: '提升校园安全管理。深入推进…' -> '提升校园安全管理'."""
    head = re.split(r"[。：:\n]", body.strip(), maxsplit=1)[0].strip()
    return head if len(head) <= _HEADING_TITLE_MAX else re.split(r"[，,；;]", head)[0][:_HEADING_TITLE_MAX]


def split_sentences(body: str) -> list[str]:
    """Sentences and semicolon clauses: each states one duty, which is what questions ask about."""
    parts = re.findall(r"[^。；;！!？?\n]+[。；;！!？?]?", body)
    return [p.strip() for p in parts if len(p.strip()) > 1]
