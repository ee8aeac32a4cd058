"""Questions to offer: examples drawn from the corpus, and follow-ups to an answer.

Every suggestion is built from what the index holds (unit names, item titles, roles,
years), never from fixed strings, so a new corpus brings its own examples. Each one
is a complete question: it also works outside a conversation.
"""

from __future__ import annotations

import random

FOLLOW_UPS = 3  # at most this many after an answer


def examples(index, roles: list[str], count: int = 6, rng: random.Random | None = None) -> list[str]:
    """A fresh mix on every call: units with most items, titles of items that name units, roles."""
    rng = rng or random.Random()
    units = [u for u, _ in index.registry.counts()[:12]]
    titles = list(dict.fromkeys(it.title for it in index.items if it.units and 4 <= len(it.title) <= 16))
    pools = [
        [f"{u}负责哪些工作?" for u in rng.sample(units, min(len(units), count))],
        [f"{t}由哪些单位负责?" for t in rng.sample(titles, min(len(titles), count))],
        [f"{r}要做什么?" for r in rng.sample(roles, min(len(roles), count))],
    ]
    out: list[str] = []
    while len(out) < count and any(pools):
        for pool in pools:
            if pool and len(out) < count:
                out.append(pool.pop(0))
    return out


def after(answer, years: list[int], asked_units: list[str] = ()) -> list[str]:
    """2-3 follow-ups: other duties of the cited item's units, the same topic in another year."""
    if answer.refused or not answer.results:
        return []
    top = answer.results[0]
    out: list[str] = []
    if answer.kind == "unit":
        out += [f"{top.title}由哪些单位负责?"]
        out += [f"{y}年{asked_units[0]}负责哪些工作?" for y in _other_years(top.year, years)[:1] if asked_units]
    else:
        units = [u for u in [*top.lead_units, *top.units] if u not in asked_units]
        out += [f"{u}还负责哪些工作?" for u in dict.fromkeys(units)][:2]
        out += [f"{y}年{top.title}由哪些单位负责?" for y in _other_years(top.year, years)[:1]]
    return list(dict.fromkeys(out))[:FOLLOW_UPS]


def _other_years(year: int | None, years: list[int]) -> list[int]:
    """Corpus years other than the answer's, nearest first."""
    if year is None:
        return []
    return sorted((y for y in years if y != year), key=lambda y: (abs(y - year), -y))
