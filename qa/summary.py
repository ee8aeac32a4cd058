"""The answer's first sentence: one direct statement built only from the cited item's fields.

Connectives ("由…负责", "牵头", "配合", "共参与") are fixed; every name, title, sentence
and date comes from the item as printed, so the sentence cannot say more than the
document does. Plain text (no Markdown): it is also what "copy" puts on the clipboard.
"""

from __future__ import annotations

import re
from collections import Counter

# The marker at the start of a heading: "二、统筹推进…" -> "二", "（二）加强学校保护" -> "(二)".
_HEADING_MARKER = re.compile(r"^\s*(?:(?P<cn>[一二三四五六七八九十]{1,3})\s*、|[(（]\s*(?P<par>[^()（）]{1,3})\s*[)）])")
_END_PUNCT = "。；;，,、:： "


def short_place(section: list[str], number: str | None) -> str:
    """'二(二)3': the item's outline numbers, as staff write them in a citation."""
    parts = []
    for heading in section:
        m = _HEADING_MARKER.match(heading)
        if m:
            parts.append(m["cn"] or f"({m['par']})")
    if number:
        parts.append(number)
    return "".join(parts)


def cite(r) -> str:
    """(《市2023年未成年人保护工作要点》二(二)3)"""
    place = short_place(r.section, r.number)
    return f"(《{r.doc}》{place})"


def sentence(text: str) -> str:
    return text.strip().rstrip(_END_PUNCT)


def names(units: list[str]) -> str:
    return "、".join(units)


def duty_clause(r) -> str:
    """'由A牵头,B、C配合' / '由A、B按照职责分工负责' / '' when the item names no unit."""
    if r.lead_units and r.co_units:
        return f"由{names(r.lead_units)}牵头,{names(r.co_units)}配合"
    if r.lead_units:
        return f"由{names(r.lead_units)}牵头负责"
    if len(r.units) > 1:
        return f"由{names(r.units)}按照职责分工负责"
    if r.units:
        return f"由{r.units[0]}负责"
    return ""


def who(r) -> str:
    clause = duty_clause(r)
    if not clause and r.duty_holders:  # a law: its own sentence says who must do what
        best = best_sentence(r)
        named = any(h in best for h in r.duty_holders)
        return f"{best}{'' if named else f'(义务主体:{names(r.duty_holders)})'}{cite(r)}。"
    if not clause:
        return f"「{r.title}」一项,文件未写明责任单位{cite(r)}。"
    return f"{r.title}{clause}{cite(r)}。"


def best_sentence(r) -> str:
    """The item's sentence that answers best: the first highlight, else its text."""
    return sentence((r.highlights or [r.text])[0])


def fact(r) -> str:
    """The item's sentence that answers best, with where it stands."""
    return f"{best_sentence(r)}{cite(r)}。"


def item(r) -> str:
    """What an item says: its title, then its first sentence that is more than the title."""
    body = next((s for s in (r.highlights or []) if sentence(s) != r.title), "")
    if not body:
        rest = r.text.split("。", 1)
        body = rest[1] if len(rest) > 1 and sentence(rest[0]) == r.title else r.text
    return f"「{r.title}」:{sentence(body)}{cite(r)}。"


def aspect(r, which: str, deadline: str = "") -> str:
    """A follow-up about one field of the item just cited; says plainly when the item lacks it."""
    topic = f"「{r.title}」"
    if which == "co":
        if r.co_units:
            return f"{topic}的配合单位是{names(r.co_units)}{cite(r)}。"
        return f"{topic}未写明配合单位;{who(r)}"
    if which == "lead":
        if r.lead_units:
            return f"{topic}的牵头单位是{names(r.lead_units)}{cite(r)}。"
        return f"{topic}未写明牵头单位;{who(r)}"
    if which == "deadline":
        if deadline:
            return f"{topic}的完成时限是{sentence(deadline)}{cite(r)}。"
        return f"该条目未写明完成时限{cite(r)}。"
    return who(r)


def unit(units: list[str], results) -> str:
    """'区教育局共参与 5 项工作:《A》(2023年)3 项,《B》(2024年)2 项。'"""
    counts = Counter((r.doc, r.year) for r in results)
    head = f"{names(units)}共参与 {len(results)} 项工作"
    if len(counts) <= 1 and results:
        (doc, year), = counts
        return f"{head},均在《{doc}》{_year(year)}。"
    if not results:
        return f"{head}。"
    per = ",".join(f"《{doc}》{_year(year)}{n} 项" for (doc, year), n in counts.items())
    return f"{head}:{per}。"


def role(name: str, results) -> str:
    counts = Counter(r.doc for r in results)
    where = "、".join(f"《{doc}》{n} 项" for doc, n in counts.items())
    return f"文件中共有 {len(results)} 项工作提到「{name}」" + (f":{where}。" if where else "。")


def refusal(reason: str, covered: list[str], shown: int = 5) -> str:
    """The reason, then what the corpus does cover, so the reader knows where the edge is."""
    if not covered:
        return reason
    listed = "、".join(f"《{t}》" for t in covered[:shown])
    more = f"等 {len(covered)} 份文件" if len(covered) > shown else ""
    return f"{sentence(reason)}。现有文件包括{listed}{more}。"


def _year(year: int | None) -> str:
    return f"({year}年)" if year else ""
