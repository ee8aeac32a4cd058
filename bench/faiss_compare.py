"""Flat (exact) against HNSW (approximate) FAISS search, on real query vectors.

Both indexes come from ``qa.dense.build_faiss`` with its own parameters; searches
fetch ``qa.search.SENTENCE_CANDIDATES`` sentences, as an answer does. HNSW is run
at the efSearch qa sets and at EF_FACTOR times that, to show what recall costs.

Recall counts an HNSW hit as found when it scores at least the k-th exact score:
duplicate sentences tie, and which of them a search returns does not matter.
"""

from __future__ import annotations

import time

import numpy as np

from qa import dense
from qa.search import SENTENCE_CANDIDATES
from timing import percentiles_ms

RECALL_AT = 10  # the first recall figure; the second is at k, what an answer fetches
EF_FACTOR = 4
_TIE = 1e-5


def forced_faiss(vectors: np.ndarray, kind: str):
    """``qa.dense.build_faiss`` with its own parameters, made to build the kind asked for."""
    saved = dense.HNSW_THRESHOLD
    dense.HNSW_THRESHOLD = 0 if kind == "hnsw" else 2**62
    try:
        return dense.build_faiss(vectors)
    finally:
        dense.HNSW_THRESHOLD = saved


def breadth(index) -> int:
    """How much an approximate index searches: IVF's nprobe, or HNSW's efSearch."""
    return int(index.nprobe) if hasattr(index, "nprobe") else int(index.hnsw.efSearch)


def set_breadth(index, value: int) -> None:
    if hasattr(index, "nprobe"):
        index.nprobe = value
    else:
        index.hnsw.efSearch = value


def compare(flat, hnsw, queries: np.ndarray) -> dict:
    """``hnsw``: the approximate index qa builds (IVF today; the key names predate it)."""
    exact, flat_s = search_all(flat, queries, SENTENCE_CANDIDATES)
    shipped_ef = breadth(hnsw)
    result = {"queries": len(queries), "k": SENTENCE_CANDIDATES, "vectors": int(flat.ntotal),
              "flat_ms": percentiles_ms(flat_s), "hnsw": {}, "approx_kind": type(hnsw).__name__}
    try:
        for ef in (shipped_ef // 2, shipped_ef):
            set_breadth(hnsw, ef)
            result["hnsw"][str(ef)] = _hnsw_figures(hnsw, queries, exact)
    finally:
        set_breadth(hnsw, shipped_ef)
    result["shipped_ef"] = shipped_ef
    return result


def _hnsw_figures(hnsw, queries: np.ndarray, exact: list) -> dict:
    approx, seconds = search_all(hnsw, queries, SENTENCE_CANDIDATES)
    top, _ = search_all(hnsw, queries, RECALL_AT)
    exact_top = [(ids[:RECALL_AT], scores[:RECALL_AT]) for ids, scores in exact]
    return {"ms": percentiles_ms(seconds), "recall@10": recall(exact_top, top), "recall@k": recall(exact, approx)}


def search_all(index, queries: np.ndarray, k: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[float]]:
    hits, seconds = [], []
    for q in queries:
        start = time.perf_counter()
        found = dense.search(index, q, k)
        seconds.append(time.perf_counter() - start)
        hits.append(found)
    return hits, seconds


def recall(exact: list, approx: list) -> float:
    """Mean share of the exact top-k that the approximate top-k matches (ties count as matched)."""
    shares = [min(1.0, float(np.sum(a_scores >= e_scores[-1] - _TIE)) / len(e_ids))
              for (e_ids, e_scores), (_, a_scores) in zip(exact, approx) if len(e_ids)]
    return round(float(np.mean(shares)), 4) if shares else float("nan")
