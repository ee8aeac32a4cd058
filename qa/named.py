"""Documents a question names: by kind ("条例里", "按条例"), by name ("暑期专项行动里"), by place ("某县").

A corpus of several documents answers "台账里市检察院牵头的任务" from the ledger only, and
"某县教体局要干啥" from the county's documents only. What is matched is each document's
own name and kind (the enclosed 《…》 of a covering notice or 公告, else the title) and the
place it opens with; nothing here knows any corpus. A named scope is dropped when it would
leave no document or every document (it then says nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .meta import KINDS, find_kind

# "法规" asks for a law of any kind.
_KIND_WORDS = {**KINDS, "法规": "法规"}
_LAWS = {"条例", "办法", "规定", "细则", "法"}
_AFFIXED = re.compile(
    r"(?:(?:按|依|依据|根据|按照|对照)(?:本|该|这个|那个)?(?P<pre>{k}))|(?:(?P<post>{k})(?:里|中|上|内|规定|要求|提出|明确|说|写))".format(
        k="|".join(sorted((k for k in _KIND_WORDS if len(k) >= 2), key=len, reverse=True))))
# "暑期专项行动里", "暑期行动中": a phrase naming a document, by the words of its name.
_PHRASE = re.compile(r"(?:在|按|从|据)?(?P<p>[\u4e00-\u9fff]{2,10}?)(?:里|中|内)(?=[\u4e00-\u9fff，,、 ]|$)")
_PLACE = re.compile(r"^(?:关于印发)?(?P<place>[\u4e00-\u9fff]{2,5}?(?:自治州|自治县|省|市|县|区|州|旗|盟))")
_YEAR_TAIL = re.compile(r"^(?:(?:19|20)\d{2}年度?)+|的$")
NAME_MATCH = 0.6  # share of a phrase's character pairs a document's name must hold
# A year before one of these asks for that year's document ("2022年工作要点"), not for a date.
DOC_NOUN = re.compile(r"(?:19|20)\d{2}年度?(?:的)?[\u4e00-\u9fff]{0,14}?(?:工作要点|要点|实施方案|工作方案|行动方案|条例|规划|细则|台账|分工表)")


@dataclass(frozen=True)
class DocName:
    title: str  # as items carry it (item.doc)
    name: str  # the document's own name: the enclosed 《…》 of a covering notice, else the title
    kind: str  # 要点/方案/条例/台账/通知…
    place: str  # the place the name opens with ("某县"), "" when it names none

    @classmethod
    def of(cls, title: str, text: str = "", kind: str = "") -> "DocName":
        enclosed = re.findall(r"《([^《》]+)》", title)
        if not enclosed and text and find_kind(title) in ("公告", "通告", "通知"):
            enclosed = re.findall(r"《([^《》]+)》", text[:600])[:1]  # a 公告 publishing a law
        name = enclosed[-1] if enclosed else title
        place = _PLACE.match(name) or _PLACE.match(title)
        return cls(title, name, kind or find_kind(title, text), place["place"] if place else "")

    def to_dict(self) -> dict:
        return {"title": self.title, "name": self.name, "kind": self.kind, "place": self.place}


@dataclass(frozen=True)
class Named:
    titles: frozenset[str]  # documents the question may be answered from; empty: any
    spans: tuple[str, ...]  # the words that named them, to leave out of the topic


def named_documents(question: str, docs: list[DocName]) -> Named:
    if len(docs) < 2:
        return Named(frozenset(), ())
    allowed = {d.title for d in docs}
    spans: list[str] = []
    for limit, span in (_by_kind(question, docs), _by_place(question, docs), _by_phrase(question, docs)):
        if limit and limit & allowed and limit & allowed != allowed:
            allowed &= limit
            spans.append(span)
    every = {d.title for d in docs}
    return Named(frozenset() if allowed == every else frozenset(allowed), tuple(spans))


def without(question: str, spans: tuple[str, ...]) -> str:
    for span in spans:
        question = question.replace(span, " ")
    return re.sub(r"\s+", " ", question).strip()


def _by_kind(question: str, docs: list[DocName]):
    found = _AFFIXED.search(question)
    if not found:
        return None, ""
    word = found["pre"] or found["post"]
    kind = _KIND_WORDS[word]
    kinds = _LAWS if kind == "法规" else {kind}
    return {d.title for d in docs if d.kind in kinds}, found.group()


def _by_place(question: str, docs: list[DocName]):
    places = {d.place for d in docs if d.place}
    if len(places) < 2:
        return None, ""
    for place in sorted(places, key=len, reverse=True):
        stem = re.sub(r"(?:自治州|自治县|省|市|县|区|州|旗|盟)$", "", place)
        word = place if place in question else stem if len(stem) >= 2 and stem in question else ""
        if word:
            # the named place's documents, and those that name no place unless their bare level
            # says they are another level's ("市2023年…" is a city's, never a 县's)
            level = place[-1]
            return {d.title for d in docs if d.place == place
                    or not d.place and _bare_level(d.name) in ("", level)}, word
    return None, ""


def _bare_level(name: str) -> str:
    """"市" for "市2023年…工作要点": a document of some city, its name left out."""
    found = re.match(r"^(?:\*)?([省市县区])(?=\d|[\u4e00-\u9fff])", name)
    return found.group(1) if found else ""


def _by_phrase(question: str, docs: list[DocName]):
    for found in _PHRASE.finditer(question):
        phrase = _YEAR_TAIL.sub("", found["p"])
        pairs = {phrase[i:i + 2] for i in range(len(phrase) - 1)}
        if len(pairs) < 2 or phrase in _KIND_WORDS:
            continue
        hit = {d.title for d in docs if sum(p in d.name for p in pairs) / len(pairs) >= NAME_MATCH}
        if hit and len(hit) <= len(docs) // 2:  # words most names share ("未成年人保护") name none
            return hit, found.group()
    return None, ""


def doc_names(stored: list[dict] | None, titles: list[str]) -> list[DocName]:
    """The names the build stored (manifest ``documents``), else names made from the titles alone."""
    if stored:
        return [DocName(d["title"], d.get("name") or d["title"], d.get("kind", ""), d.get("place", ""))
                for d in stored]
    return [DocName.of(t) for t in titles]
