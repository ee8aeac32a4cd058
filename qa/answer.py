"""Compose the cited answer: the document's own words, where they stand, and who carries them out.

Nothing here invents content: every quote is a sentence of the item, every unit
is one the item's closer names, and when units are assigned to a whole item the
answer says so instead of pinning them on one sentence.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field

from .documents import doc_id_of, link, year_of
from .records import WorkItem

REFUSAL = "抱歉,现有政策文件中没有找到能回答这个问题的内容。"
WHOLE_ITEM_NOTE = "本条工作由以下单位按照职责分工负责"


@dataclass(frozen=True)
class Result:
    doc: str
    source: str
    section: list[str]
    number: str | None
    title: str
    text: str
    units: list[str]
    lead_units: list[str]
    co_units: list[str]
    score: float
    highlights: list[str]
    id: str = ""
    year: int | None = None  # the document's year, shown in the citation
    doc_id: str = ""  # the document page is /doc/{doc_id}#{part of id after '#'}
    duty_holders: list[str] = field(default_factory=list)  # laws: who the article gives duties to

    @classmethod
    def of(cls, item: WorkItem, score: float, highlights: list[str]) -> "Result":
        return cls(item.doc, item.source, list(item.section), item.number, item.title, item.text,
                   list(item.units), list(item.lead_units), list(item.co_units), round(float(score), 4),
                   highlights, item.id, year_of(item), doc_id_of(item), list(item.duty_holders))


@dataclass(frozen=True)
class Answer:
    question: str
    refused: bool
    answer: str  # Markdown, Chinese
    results: list[Result] = field(default_factory=list)
    kind: str = "search"
    summary: str = ""  # one plain sentence from the cited item's fields; the Markdown answer opens with it
    suggestions: list[str] = field(default_factory=list)  # follow-up questions, each complete on its own
    conversation: str | None = None  # id to send with the next question to follow up on this one

    def to_dict(self) -> dict:
        return asdict(self)


def md(text: str) -> str:
    """Document or user text made inert for Markdown renderers: no HTML, no emphasis markers."""
    escaped = html.escape(text, quote=False)
    for ch in "\\`*_[]#|":
        escaped = escaped.replace(ch, "\\" + ch)
    return escaped


def citation(r: Result) -> str:
    """《文件》(2024年) › 一、… › (一)… › 第3条「提升校园安全管理」; the year where the title lacks it."""
    number = f"第{r.number}条" if r.number and r.number[0].isdigit() else (r.number or "")
    year = f"({r.year}年)" if r.year and str(r.year) not in r.doc else ""
    parts = [f"《{r.doc}》{year}", *r.section, f"{number}「{r.title}」"]
    return " › ".join(md(p) for p in parts)


def units_line(r: Result) -> str:
    if r.lead_units or r.co_units:
        parts = []
        if r.lead_units:
            parts.append("牵头单位:" + "、".join(md(u) for u in r.lead_units))
        if r.co_units:
            parts.append("配合单位:" + "、".join(md(u) for u in r.co_units))
        return ";".join(parts)
    if not r.units and r.duty_holders:
        return "本条规定的义务主体:" + "、".join(md(u) for u in r.duty_holders)
    if not r.units:
        return "文件未列明本条的责任单位。"
    return "、".join(md(u) for u in r.units)


def result_block(rank: int, r: Result) -> str:
    quotes = r.highlights or [r.text[:120]]
    lines = [f"**{rank}. {md(r.title)}**", f"出处:{citation(r)}", ""]
    lines += [f"> {md(q)}" for q in quotes]
    note = "" if r.lead_units or r.co_units or not r.units else f"({WHOLE_ITEM_NOTE})"
    lines += ["", f"**责任单位**{note}:{units_line(r)}"]
    return "\n".join(lines)


def compose_search(summary: str, results: list[Result]) -> str:
    """The direct answer first, then each cited item with its quotes and units."""
    blocks = [result_block(i + 1, r) for i, r in enumerate(results)]
    return "\n\n".join([md(summary), *blocks])


def compose_unit(summary: str, units: list[str], results: list[Result]) -> str:
    """The counts first, then every item naming the unit, grouped by section."""
    lines = [md(summary)]
    current: tuple | None = None
    several = len({r.doc for r in results}) > 1
    for r in results:
        group = (r.doc, tuple(r.section))
        if group != current:
            current = group
            label = " › ".join([f"《{r.doc}》"] * several + r.section) or r.doc
            lines += ["", f"**{md(label)}**"]
        others = [u for u in r.units if u not in units]
        role = "牵头" if any(u in r.lead_units for u in units) else (
            "配合" if any(u in r.co_units for u in units) else "负责")
        with_others = f"(与{'、'.join(md(u) for u in others)}按照职责分工{role})" if others else f"({role})"
        number = f"{r.number}." if r.number and r.number[0].isdigit() else (r.number or "")
        lines.append(f"- {md(number)}{md(r.title)} {with_others}")
    return "\n".join(lines)


def compose_role(summary: str, results: list[Result]) -> str:
    head = md(summary)
    return "\n\n".join([head, *(result_block(i + 1, r) for i, r in enumerate(results))])


def compose_refusal(related: list[Result], reason: str = REFUSAL) -> str:
    if not related:
        return md(reason)
    lines = [md(reason), "", "以下条目可能相关,仅供参考:"]
    lines += [f"- {citation(r)}" for r in related]
    return "\n".join(lines)


def plain_text(answer: Answer, shown: int = 5) -> str:
    """The answer as staff paste it into a document: the summary, then where each cited item stands."""
    lines = [answer.summary or answer.answer]
    for r in answer.results[:shown]:
        number = f"第{r.number}条" if r.number and r.number[0].isdigit() else (r.number or "")
        place = " › ".join([f"《{r.doc}》", *r.section, f"{number}「{r.title}」"])
        lines.append(f"出处:{place}  链接:{link(r.doc_id, r.id)}")
    if len(answer.results) > shown:
        lines.append(f"(另有 {len(answer.results) - shown} 条,见问答页面)")
    return "\n".join(lines)
