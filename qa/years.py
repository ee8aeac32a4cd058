"""Years and documents in questions and results: which items a question may be answered from.

- a question naming a year ("2024年", "今年" against the corpus's latest year) is answered
  from that year's documents only; a year the corpus lacks is refused, never guessed;
- ``doc`` / ``year`` filters (API, CLI) limit the items the same way;
- without a year, when the best items come from several years' documents on one topic,
  the latest comes first and the answer says which year each is from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年度?|年份)?")
_YEAR_WORD = re.compile(r"((?:19|20)\d{2})\s*年度?")
# Relative years count back from the latest year the corpus has a document for.
_RELATIVE = {"今年": 0, "本年度": 0, "本年": 0, "去年": 1, "上一年": 1, "前年": 2}
SAME_TOPIC = 0.9  # hits within this share of the best score are one topic in several years


_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def item_year(item) -> int | None:
    """The item's document year: the metadata stage's, else the title's ("2024年"), else a year
    in the file name ("plan-2024.pdf"), which is how offices name the yearly plans they keep."""
    if getattr(item, "year", None):
        return int(item.year)
    found = _YEAR_WORD.search(item.doc or "") or _FILE_YEAR.search(Path(item.source or "").stem)
    return int(found.group(1)) if found else None


def corpus_years(items) -> set[int]:
    return {y for y in (item_year(item) for item in items) if y}


@dataclass(frozen=True)
class Scope:
    """Which items a question may be answered from."""

    years: frozenset[int] = frozenset()  # empty: any year
    doc: str = ""  # a source file name, document id or title; empty: any document
    missing: frozenset[int] = frozenset()  # years asked for that the corpus has no document of
    docs: frozenset[str] = frozenset()  # titles of the documents the question names (qa/named.py)
    spans: tuple[str, ...] = ()  # the words that named them ("台账里", "某县")
    asks_document: bool = False  # a year stands before a document's name ("2022年工作要点")

    @property
    def limited(self) -> bool:
        return bool(self.years or self.doc or self.docs)

    def allows(self, item) -> bool:
        if self.years and item_year(item) not in self.years:
            return False
        if self.docs and item.doc not in self.docs:
            return False
        if self.doc and self.doc not in (item.source, getattr(item, "doc_id", ""), item.doc):
            return False
        return True


def scope_of(question: str, known: set[int], year: int | None = None, doc: str | None = None,
             titles: set[str] = frozenset(), documents: list | None = None) -> Scope:
    """The scope a question (and any explicit filters) sets; ``known`` are the corpus's years,
    ``documents`` its documents' names (qa.named.DocName; made from ``titles`` when not given).
    A document named in the question limits it only when that leaves some document and not all."""
    from .named import DOC_NOUN, DocName, named_documents

    asked = {int(y) for y in _YEAR_WORD.findall(question)}
    latest = max(known) if known else None
    for word, back in _RELATIVE.items():
        if word in question and latest:
            asked.add(latest - back)
    if year:
        asked = {int(year)}
    if documents is None:
        documents = [DocName.of(t) for t in sorted(titles)]
    named = named_documents(question, documents)
    return Scope(frozenset(asked & known), doc or "", frozenset(asked - known), named.titles, named.spans,
                 bool(DOC_NOUN.search(question)))


def without_years(question: str) -> str:
    """The question with its year words removed: "2024年市民政局负责哪些工作" -> "市民政局负责哪些工作"."""
    text = _YEAR_WORD.sub(" ", question)
    for word in _RELATIVE:
        text = text.replace(word, " ")
    return re.sub(r"\s+", " ", text).strip() or question


def latest_first(hits: list, items) -> list:
    """Hits of one topic from several years: the latest year's first, the rest keep their order."""
    if len(hits) < 2:
        return hits
    best = hits[0].score
    close = [h for h in hits if h.score >= SAME_TOPIC * best]
    if len({item_year(items[h.item]) for h in close}) < 2:
        return hits
    close.sort(key=lambda h: -(item_year(items[h.item]) or 0))  # stable: score order within a year
    return close + [h for h in hits if h.score < SAME_TOPIC * best]


def year_note(results) -> str:
    """A line saying which year each answer is from, when they come from several years."""
    years = [r.year for r in results if getattr(r, "year", None)]
    if len(set(years)) < 2:
        return ""
    if years[0] == max(years):
        return f"以下条目来自不同年份的文件,最新的({years[0]}年)在前。"
    return f"以下条目来自不同年份({'、'.join(f'{y}年' for y in sorted(set(years), reverse=True))})的文件。"
