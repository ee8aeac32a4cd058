"""Hybrid retrieval: jieba BM25 over items and sentence embeddings in FAISS, fused by score.

Ranking is by item, evidence is by sentence: a long item (up to 700
characters) holds many duties, so each sentence is embedded on its own and an
item scores by its best sentence. Scores are fused after normalising each side
to its best candidate; a lexical side with no match at all gets no vote
(rank fusion would let its arbitrary order pull paraphrased questions down).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    sentences: tuple[int, ...]  # the item's best-matching sentences (positions in item.sentences)


@dataclass(frozen=True)
class Evidence:
    """What one query found before fusion: kept for refusal decisions and benchmarks."""

    lexical: np.ndarray  # BM25 per item
    dense: np.ndarray  # best sentence cosine per item (0 where no sentence was fetched)
    sentence_scores: dict[int, list[tuple[int, float]]]  # item -> [(sentence pos, cosine)]
    matched_terms: int  # query terms (synonyms included) found in the corpus vocabulary
    query_terms: int
    background: float  # best cosine to an off-corpus statement


def gather(index, query_vector: np.ndarray, question: str) -> Evidence:
    terms = index.segmenter.query_terms(question)
    lexical = index.bm25.scores(terms)
    ids, sims = dense_search(index.faiss, query_vector, SENTENCE_CANDIDATES)
    dense = np.zeros(len(index.items), dtype=np.float32)
    by_item: dict[int, list[tuple[int, float]]] = {}
    first_sentence = _first_sentence_offsets(index)
    for sid, sim in zip(ids.tolist(), sims.tolist()):
        item = index.sentences[sid][0]
        by_item.setdefault(item, []).append((sid - first_sentence[item], sim))
        dense[item] = max(dense[item], sim)
    matched = sum(1 for t in terms if t in index.bm25.vocab)
    background = float((index.background @ query_vector).max()) if len(index.background) else 0.0
    return Evidence(lexical, dense, by_item, matched, len(terms), background)


def _first_sentence_offsets(index) -> list[int]:
    cached = getattr(index, "_first_sentence", None)
    if cached is None:
        cached, seen = [0] * len(index.items), set()
        for sid, (item, _) in enumerate(index.sentences):
            if item not in seen:
                seen.add(item)
                cached[item] = sid
        index._first_sentence = cached
    return cached


def fuse(evidence: Evidence, favour: set[int] = frozenset()) -> list[Hit]:
    """Every candidate item, best first; ``favour`` items get a fixed bonus."""
    lexical, dense = evidence.lexical, evidence.dense
    candidates = set(evidence.sentence_scores) | set(np.flatnonzero(lexical).tolist())
    if not candidates:
        return []
    cand = sorted(candidates)
    lex_norm = _normalise(lexical[cand])
    dense_part = _dense_support(evidence, cand)
    dense_norm = _normalise(dense_part, floor=float(dense_part.min()) if len(cand) > 1 else 0.0)
    weight = DENSE_WEIGHT if lex_norm.max() > 0 else 1.0
    fused = weight * dense_norm + (1 - weight) * lex_norm
    fused += FAVOUR_BONUS * np.array([item in favour for item in cand], dtype=np.float32)
    fused /= fused.max() if fused.max() > 0 else 1.0
    hits = [Hit(item, float(f), float(l), float(dense[item]), _best_sentences(evidence, item))
            for item, f, l in zip(cand, fused, lex_norm)]
    return sorted(hits, key=lambda h: (-h.score, h.item))


def _dense_support(evidence: Evidence, cand: list[int]) -> np.ndarray:
    """Best sentence cosine, plus a little for a second close sentence."""
    out = np.zeros(len(cand), dtype=np.float32)
    for k, item in enumerate(cand):
        sims = sorted((s for _, s in evidence.sentence_scores.get(item, [])), reverse=True)
        if sims:
            out[k] = sims[0] + (SECOND_SENTENCE_SHARE * sims[1] if len(sims) > 1 else 0.0)
    floor = out[out > 0].min() if (out > 0).any() else 0.0
    out[out == 0] = floor  # items found only lexically sit at the dense floor
    return out


def _normalise(values: np.ndarray, floor: float = 0.0) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    if top <= floor:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - floor) / (top - floor)).astype(np.float32)


def _best_sentences(evidence: Evidence, item: int, limit: int = 2) -> tuple[int, ...]:
    scored = sorted(evidence.sentence_scores.get(item, []), key=lambda p: -p[1])
    return tuple(pos for pos, _ in scored[:limit])
