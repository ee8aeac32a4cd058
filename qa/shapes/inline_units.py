"""Shape: a notice or circular whose points name their units inline, at the start or the end.

"由A牵头，B、C配合，建立…", "…。A牵头，B配合。", "…(责任单位：A、B)",
"责任单位：A(牵头)、B", "A负责…". A numbered point is an item; a short point
followed by deeper ones is a heading.
"""

from __future__ import annotations

import re

from ..records import Document, WorkItem
from ..units import Units, looks_like_unit, parse_closer, split_units
from ..zh import DATE_RE
from .anchors import numbering_anchor
from .workplan import Marker, find_markers, item_title, split_sentences

NAME = "inline"
_LIST = r"[^。；;！？!?\n()（）]{2,200}?"
_PHRASE = (rf"由?{_LIST}牵头[，,、]?(?:{_LIST}(?:等(?:单位|部门)?)?(?:配合|参与|协助|协同)(?:实施|落实)?)?"
           rf"|(?:责任|牵头)单位[:：][^。；;\n()（）]*(?:[(（]牵头[)）][^。；;\n()（）]*)*"
           rf"|由?{_LIST}(?:按照职责分工|按职责)?负责(?:落实|实施)?")
# At the start: the phrase, then a comma and the work; at the end: after a sentence end, then the end.
_START = re.compile(rf"^(?:[^。；;\n]{{2,40}}[。；;])?\s*(?P<units>{_PHRASE})[，,：:]")
_END = re.compile(rf"(?:^|(?<=[。；;！？!?]))\s*(?:[(（](?P<b>{_PHRASE})[)）]|(?P<units>{_PHRASE}))[。；;]?\s*$")
# "市民政局负责，各县（区）人民政府抓好落实。": who is responsible, then who carries it out locally.
_CARRY = re.compile(r"(?:^|(?<=[。；;！？!?]))\s*由?(?P<a>[^。；;！？!?\n，,]{2,60}?)负责[，,]"
                    r"(?P<b>[^。；;！？!?\n，,]{2,60}?)(?:抓好|做好|具体|负责|组织)?(?:落实|实施)[。；;]?\s*$")
_HEADING_MAX = 40


def detect(doc: Document) -> float:
    blocks = _blocks(doc.text, find_markers(doc.text))
    found = sum(1 for _, body in blocks if inline_units(body)[0].units)
    return min(0.9, 0.4 * found)


def parse(doc: Document) -> list[WorkItem]:
    text = doc.text
    markers = find_markers(text)
    blocks = _blocks(text, markers)
    items: list[WorkItem] = []
    path: dict[int, tuple[str, str | None]] = {}
    for i, (marker, body) in enumerate(blocks):
        units, rest = inline_units(body)
        deeper_follows = i + 1 < len(blocks) and blocks[i + 1][0].level > marker.level
        if not units.units and deeper_follows:
            path = {lvl: h for lvl, h in path.items() if lvl < marker.level}
            heading = body if len(body) <= _HEADING_MAX else item_title(body)
            path[marker.level] = (text[marker.start:marker.end].strip() + heading, marker.number)
            continue
        if not units.units and not re.search(r"[。；;]", body):
            continue  # a bare heading with nothing under it
        levels = [lvl for lvl in sorted(path) if lvl < marker.level]
        items.append(WorkItem(
            id=numbering_anchor([path[lvl][1] for lvl in levels] + [marker.number]),
            doc=doc.title, source=doc.source, section=[path[lvl][0] for lvl in levels],
            number=marker.number, title=item_title(rest), text=text[marker.start:marker.end].strip() + body,
            sentences=split_sentences(rest), units=list(units.units),
            lead_units=list(units.lead_units), co_units=list(units.co_units)))
    return items


def _blocks(text: str, markers: list[Marker]) -> list[tuple[Marker, str]]:
    ends = [m.start for m in markers[1:]] + [len(text)]
    blocks = [(m, text[m.end:end].strip()) for m, end in zip(markers, ends)]
    if blocks:
        blocks[-1] = (blocks[-1][0], strip_closing_lines(blocks[-1][1]))
    return blocks


def strip_closing_lines(body: str) -> str:
    """The last point without what follows the text: 附件 list, signature, date."""
    lines = body.split("\n")
    while len(lines) > 1 and _is_closing_line(lines[-1].strip()):
        lines.pop()
    return "\n".join(lines).strip()


def _is_closing_line(line: str) -> bool:
    return (not line or re.match(r"^附件\s*\d*\s*[:：]", line) is not None or looks_like_unit(line)
            or (DATE_RE.search(line) is not None and len(line) <= 16))


def inline_units(body: str) -> tuple[Units, str]:
    """Units named at the start or end of a point, and the point's text without them."""
    carry = _CARRY.search(body)
    if carry:
        units = split_units(carry["a"]) + split_units(carry["b"])
        if units and all(looks_like_unit(u) for u in units):
            return Units(units), body[:carry.start()].strip()
    for pattern in (_END, _START):
        match = pattern.search(body)
        if not match:
            continue
        group = "b" if match.groupdict().get("b") else "units"
        units = parse_closer(match[group])
        if units.units and all(looks_like_unit(u) for u in units.units):
            # an end phrase closes the point; a start phrase goes with its comma, the title before it stays
            rest = body[:match.start()] if pattern is _END else body[:match.start(group)] + body[match.end():]
            return units, rest.strip()
    return Units(), body
