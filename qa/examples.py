"""Example questions for the chat page, fitted to whatever corpus is being served.

The lexicon's examples (the field's common questions, plus a corpus's own ``examples.txt``)
are shown only when the corpus holds their words; the rest are made from the corpus itself:
its busiest unit, its most-named role and one of its item titles. Nothing here is written
for one document, so a new corpus gets examples it can answer on the day it is added.
"""

from __future__ import annotations

from .intent import GENERIC_SHARE
from .units import holders

SHOWN = 6


def example_questions(index, roles, answers=None, limit: int = SHOWN) -> list[str]:
    """Examples for the page; with ``answers`` (question -> refused?), only ones the corpus answers."""
    made = _from_corpus(index, roles)
    listed = [q for q in index.lexicon.examples if fits(q, index, roles)]
    if answers is not None:
        made = [q for q in made if not answers(q)]
        listed = [q for q in listed if not answers(q)]
    # the corpus's own and the field's examples, then ones made from the corpus itself
    picked = list(dict.fromkeys(listed[:max(0, limit - len(made))] + made))
    return picked[:limit]


def fits(question: str, index, roles) -> bool:
    """Every longer word of the question is in the corpus, and one of them points at items."""
    terms = [t for t, w in index.segmenter.query_terms(question).items() if w == 1.0]
    known = [t for t in terms if t in index.bm25.vocab]
    if any(len(t) >= 3 and t not in index.bm25.vocab for t in terms):
        return False
    role_names = {v for r in roles for v in getattr(r, "variants", (r,))}
    named_roles = {v for group in index.lexicon.roles for v in group if v in question}
    if named_roles and not named_roles & role_names:
        return False
    return any(0 < index.bm25.doc_share(t) <= GENERIC_SHARE for t in known)


def _from_corpus(index, roles) -> list[str]:
    made = []
    counts = index.registry.counts()
    if counts:
        made.append(f"{counts[0][0]}负责哪些工作?")
    named = [(sum(1 for item in index.items if r.in_text(item.text)), r.name) for r in roles
             if hasattr(r, "in_text")]
    if named:
        made.append(f"{max(named)[1]}要做什么?")
    with_units = [item for item in index.items if holders(item) and 4 <= len(item.title) <= 16]
    if with_units:
        made.append(f"谁负责{with_units[0].title}?")
    return made
