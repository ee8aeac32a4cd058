"""Hybrid retrieval: jieba BM25 over items and sentence embeddings in FAISS, fused by score.

Ranking is by item, evidence is by sentence: a long item (up to 700
characters) holds many duties, so each sentence is embedded on its own and an
item scores by its best sentence. Scores are fused after normalising each side
to its best candidate; a lexical side with no match at all gets no vote
(rank fusion would let its arbitrary order pull paraphrased questions down).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from .dense import search as dense_search

DENSE_WEIGHT = 0.6  # share of the dense side when the lexical side found something
SENTENCE_CANDIDATES = 256  # nearest sentences fetched before grouping by item
SECOND_SENTENCE_SHARE = 0.1  # an item with several close sentences edges out a one-sentence match
FAVOUR_BONUS = 0.15  # items of a unit the question names ("民政局在留守儿童方面做什么") move up


@dataclass(frozen=True)
class Hit:
    item: int  # position in index.items
    score: float  # fused, 0..1
    lexical: float  # BM25 normalised to the best item, 0..1
    dense: float  # best sentence cosine, raw


@dataclass(frozen=True)
class Evidence:
    """What one query found before fusion: kept for refusal decisions and benchmarks."""

    lexical: np.ndarray  # BM25 per item
    dense: np.ndarray  # best sentence cosine per item (0 where no sentence was fetched)
    sentence_scores: dict[int, list[tuple[int, float]]]  # item -> [(sentence pos, cosine)]
    matched_terms: int  # query terms (synonyms included) found in the corpus vocabulary
    query_terms: int
    background: float  # best cosine to an off-corpus statement
    plain_best: float = 0.0  # best sentence cosine among the items the question may use
    terms: dict[str, float] = field(default_factory=dict)  # the question's weighted query terms


def gather(index, query_vector: np.ndarray | Future, question: str, allowed: set[int] | None = None) -> Evidence:
    """Evidence for a question; with ``allowed``, only those items (a year's or a document's) count.
    ``query_vector`` may still be on its way (a Future): the lexical side is scored meanwhile."""
    terms = index.segmenter.query_terms(question)
    lexical = index.bm25.scores(terms)
    fetch = SENTENCE_CANDIDATES
    if allowed is not None:
        mask = np.zeros(len(index.items), dtype=bool)
        mask[list(allowed)] = True
        lexical = np.where(mask, lexical, 0).astype(np.float32)
        # enough neighbours that the allowed documents' own sentences are among them
        fetch = int(SENTENCE_CANDIDATES * min(16, max(1, len(index.items) / max(1, len(allowed)))))
    if isinstance(query_vector, Future):
        query_vector = query_vector.result()
    ids, sims = dense_search(index.faiss, query_vector, fetch)
    items = index.sentences.item[ids].tolist()  # sentence row -> item, from the memory-mapped array
    firsts = index.first_sentence[items].tolist() if len(items) else []
    keep = [k for k, item in enumerate(items) if allowed is None or item in allowed]
    plain_best = float(sims[keep[0]]) if keep else 0.0
    dense = np.zeros(len(index.items), dtype=np.float32)
    by_item: dict[int, list[tuple[int, float]]] = {}
    for sid, item, first, sim in zip(ids.tolist(), items, firsts, sims.tolist()):
        if allowed is not None and item not in allowed:
            continue
        by_item.setdefault(item, []).append((sid - first, sim))
        dense[item] = max(dense[item], sim)
    matched = sum(1 for t in terms if t in index.bm25.vocab)
    background = float((index.background @ query_vector).max()) if len(index.background) else 0.0
    return Evidence(lexical, dense, by_item, matched, len(terms), background, plain_best, terms)


def fuse(evidence: Evidence, favour: set[int] = frozenset(), limit: int | None = None,
         among: list[int] | None = None) -> list[Hit]:
    """Candidate items, best first (the best ``limit`` of them); ``favour`` items get a fixed bonus.
    With ``among``, only those items are returned (scored against every candidate).

    Scores are computed for every candidate with numpy; Hit records are built only for the
    ones returned, since at scale most items share some word with a question.
    """
    lexical, dense = evidence.lexical, evidence.dense
    # A mask over all items, not np.union1d: at 50k items most share a word with the
    # question, and sorting tens of thousands of ids cost more than the whole search.
    mask = lexical > 0
    mask[np.fromiter(evidence.sentence_scores, dtype=np.int64)] = True
    cand = np.flatnonzero(mask).astype(np.int64)
    if not len(cand):
        return []
    lex_norm = _normalise(lexical[cand])
    dense_part = _dense_support(evidence, cand)
    dense_norm = _normalise(dense_part, floor=float(dense_part.min()) if len(cand) > 1 else 0.0)
    weight = DENSE_WEIGHT if lex_norm.max() > 0 else 1.0
    fused = weight * dense_norm + (1 - weight) * lex_norm
    if favour:
        fused += FAVOUR_BONUS * np.isin(cand, list(favour)).astype(np.float32)
    fused /= fused.max() if fused.max() > 0 else 1.0
    if among is None:
        order = _best(cand, fused, limit)
    else:
        keep = np.flatnonzero(np.isin(cand, np.asarray(among, dtype=np.int64)))
        order = keep[_best(cand[keep], fused[keep], limit)]
    return [Hit(int(cand[k]), float(fused[k]), float(lex_norm[k]), float(dense[cand[k]])) for k in order]


def _best(cand: np.ndarray, fused: np.ndarray, limit: int | None) -> np.ndarray:
    """Positions of the ``limit`` best scores, best first, lower item first on ties.

    Only the few candidates at or above the limit-th score are sorted: at 50k items
    there are tens of thousands of candidates.
    """
    if limit is not None and 0 < limit < len(fused):
        kth = np.partition(fused, len(fused) - limit)[len(fused) - limit]
        keep = np.flatnonzero(fused >= kth)  # ties with the limit-th score included, then cut below
        return keep[np.lexsort((cand[keep], -fused[keep]))][:limit]
    return np.lexsort((cand, -fused))[:limit]


def _dense_support(evidence: Evidence, cand: np.ndarray) -> np.ndarray:
    """Best sentence cosine, plus a little for a second close sentence."""
    out = np.zeros(len(cand), dtype=np.float32)
    # The second sentence counts by how far it stands above the weakest sentence fetched: every
    # sentence of a long item is "a second sentence", and its raw cosine (~0.9) would lift any
    # item of several sentences above a one-sentence row that matches better.
    lowest = min((s for scored in evidence.sentence_scores.values() for _, s in scored), default=0.0)
    items, support = [], []
    for item, scored in evidence.sentence_scores.items():  # at most SENTENCE_CANDIDATES items
        sims = sorted((s for _, s in scored), reverse=True)
        second = SECOND_SENTENCE_SHARE * (sims[1] - lowest) if len(sims) > 1 else 0.0
        items.append(item)
        support.append(sims[0] + second)
    if items:  # one search for all: a call per item cost more than the rest of fusion at 50k items
        out[np.searchsorted(cand, np.array(items, dtype=np.int64))] = support
    floor = out[out > 0].min() if (out > 0).any() else 0.0
    out[out == 0] = floor  # items found only lexically sit at the dense floor
    return out


def _normalise(values: np.ndarray, floor: float = 0.0) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    if top <= floor:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - floor) / (top - floor)).astype(np.float32)
