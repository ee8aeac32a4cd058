"""Calibrated refusal: when the corpus cannot answer, say so, with thresholds measured per corpus.

A question is answered when its nearest corpus sentence is clearly nearer than its nearest
off-corpus statement (lexicon ``background.txt``). How much nearer is not a constant fitted
to one question set: each build runs a calibration over probes made from its own corpus:

- in-corpus probes: a clause of an item sentence, asked as a query, with that sentence left
  out of the corpus (the rest of its item still there, as for a reworded question);
- near-topic probes: the same clauses with their whole item left out, so the corpus holds
  only neighbouring items: what a question on a topic the corpus does not cover looks like;
- off-corpus probes: each background statement against the corpus and the other statements.

The margin threshold refuses ``OFF_REFUSED`` of the off-corpus probes, but never more than
``1 - TARGET_PASS`` of the in-corpus ones; the run's figures (near-topic probes included,
which show how far a margin can tell a neighbouring topic from the corpus's own) are stored
in the index manifest (``refusal``) so a build says how it will refuse. Background
statements the corpus answers about as well as its own sentences (a corpus that does cover
pensions) are dropped first, so they never refuse its own questions.
"""

from __future__ import annotations

import re

import numpy as np

PROBES = 160  # in-corpus probe sentences per build, spread over the items
TARGET_PASS = 0.98  # share of in-corpus probes that must pass the threshold
OFF_REFUSED = 0.85  # share of off-corpus probes the threshold aims to refuse
COVERED = 0.1  # a statement whose margin beats this share of in-corpus probes is a corpus topic
MIN_MARGIN, MAX_MARGIN = -0.03, 0.02  # bounds against a degenerate run (a corpus of one item)
DEFAULT_MARGIN = -0.005  # used by an index built before calibration existed
_CLAUSE = re.compile(r"[，,；;：:。！？!?]")


def calibrate(items, passages, vectors, background, background_vectors, encoder,
              always_keep: frozenset[int] = frozenset()) -> dict:
    """Probe the corpus; return the manifest's ``refusal`` entry (plus ``background_kept``).

    ``always_keep``: statements staff marked out of scope for this corpus (its own
    lexicon/background.txt). They are a decision, not a guess: never dropped as "covered"."""
    probes = _probe_sentences(items, passages)
    if not probes or len(background) < 2:
        return {"margin": DEFAULT_MARGIN, "probes": 0, "background_kept": list(range(len(background)))}
    queries = encoder.encode_queries([text for _, _, text in probes] + list(background))
    probe_q, bg_q = queries[:len(probes)], queries[len(probes):]
    item_of = np.array([i for i, _ in passages])
    inside, near = [], []
    for (row, item, _), q in zip(probes, probe_q):
        others = vectors @ q
        best_bg = float((background_vectors @ q).max())
        others[row] = -1.0
        inside.append(float(others.max()) - best_bg)
        others[item_of == item] = -1.0
        near.append(float(others.max()) - best_bg)
    inside, near = np.array(inside), np.array(near)
    outside = _background_margins(vectors, background_vectors, bg_q)
    kept = [k for k, m in enumerate(outside) if m < np.quantile(inside, COVERED) or k in always_keep]
    if len(kept) < 2:
        kept = list(range(len(background)))
    outside = _background_margins(vectors, background_vectors[kept], bg_q[kept])
    margin = choose_margin(inside, outside)
    return {"margin": margin, "probes": len(probes), "background": len(kept),
            "background_dropped": len(background) - len(kept),
            "in_corpus_pass": _share(inside >= margin),
            "near_topic_refused": _share(near < margin),
            "off_corpus_refused": _share(outside < margin),
            "background_kept": kept}


def choose_margin(inside: np.ndarray, outside: np.ndarray) -> float:
    """Refuse OFF_REFUSED of off-corpus probes, unless that would refuse too many in-corpus ones."""
    floor_for_answers = float(np.quantile(inside, 1 - TARGET_PASS))
    wanted = float(np.quantile(outside, OFF_REFUSED))
    return round(float(np.clip(min(wanted, floor_for_answers), MIN_MARGIN, MAX_MARGIN)), 4)


def _probe_sentences(items, passages) -> list[tuple[int, int, str]]:
    """(passage row, item, clause) for up to PROBES sentences, evenly spread, titles skipped."""
    rows = [row for row, (i, s) in enumerate(passages)
            if s != items[i].title and len(_clause(s)) >= 8]
    if len(rows) > PROBES:
        rows = [rows[k] for k in np.linspace(0, len(rows) - 1, PROBES).astype(int)]
    return [(row, passages[row][0], _clause(passages[row][1])) for row in rows]


def _clause(sentence: str) -> str:
    """The longest clause of a sentence: a part of it, as a question quotes part of a duty."""
    parts = [p for p in _CLAUSE.split(sentence) if p]
    return max(parts, key=len) if parts else sentence


def _background_margins(vectors: np.ndarray, bg: np.ndarray, bg_queries: np.ndarray) -> np.ndarray:
    """Each statement, asked as a question: nearest corpus sentence minus nearest other statement."""
    margins = []
    for k, q in enumerate(bg_queries):
        others = bg @ q
        others[k] = -1.0
        margins.append(float((vectors @ q).max()) - float(others.max()))
    return np.array(margins)


def _share(flags: np.ndarray) -> float:
    return round(float(flags.mean()), 3) if len(flags) else 0.0
