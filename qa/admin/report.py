"""The unanswered report: questions the product failed, grouped by similarity, most frequent first.

A question is "failed" when it was refused, voted 👎, or answered with low confidence:
the best two results scored almost alike, so the product could not tell which item answers.
Similar questions are grouped by shared character bigrams (Jaccard) of what is left once the
question words of qa/data/stopwords.txt (谁、哪些、负责…) are cut out: no model, and predictable
on short Chinese questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SIMILAR = 0.5  # bigram Jaccard at or above this: the same question in other words
LOW_MARGIN = 0.03  # top two fused scores closer than this: a low-confidence answer
_PUNCT = re.compile(r"[\s\W_]+")
_filler = None


def _question_words() -> re.Pattern:
    """The package's stop words (how people ask, not what about), longest first."""
    global _filler
    if _filler is None:
        from qa.segment import load_stopwords

        words = sorted(load_stopwords(), key=len, reverse=True)
        _filler = re.compile("|".join(re.escape(w) for w in words if w))
    return _filler


@dataclass
class Group:
    questions: list = field(default_factory=list)  # LoggedQuestion, newest first
    reasons: set = field(default_factory=set)

    @property
    def example(self):
        return self.questions[0]

    def to_dict(self) -> dict:
        ex = self.example
        return {"question": ex.question, "count": len(self.questions), "reasons": sorted(self.reasons),
                "answer": ex.answer, "refused": ex.refused, "top_item": ex.top_item,
                "question_ids": [q.id for q in self.questions],
                "variants": sorted({q.question for q in self.questions}),
                "comments": [c for q in self.questions for c in q.comments]}


def reasons(q) -> set[str]:
    found = set()
    if q.refused:
        found.add("拒答")
    if "down" in q.votes:
        found.add("差评")
    # Unit and role answers list every matching item at one score: no margin to read there.
    if q.score is not None and not q.refused and q.kind not in ("unit", "role") and q.score < LOW_MARGIN:
        found.add("低置信")
    return found


def bigrams(text: str) -> set[str]:
    text = _question_words().sub("", _PUNCT.sub("", text.lower()))
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def unanswered(log) -> list[Group]:
    """Failed, unresolved questions of the log, grouped, largest group first."""
    groups: list[tuple[set[str], Group]] = []
    for q in log:
        why = reasons(q)
        if not why or q.resolution:
            continue
        grams = bigrams(q.question)
        for seen, group in groups:
            if len(grams & seen) / len(grams | seen) >= SIMILAR:
                group.questions.append(q)
                group.reasons |= why
                break
        else:
            groups.append((grams, Group([q], set(why))))
    ranked = [g for _, g in groups]
    ranked.sort(key=lambda g: (-len(g.questions), -g.example.at))
    return ranked
