"""Answer quality of the shipped hybrid search against three single-signal baselines.

- lexical:        jieba BM25 alone (index.bm25 over index.segmenter.query_terms), items with
                  no matching term are not ranked;
- dense (item):   each item's title + text embedded as one passage, ranked by cosine;
- dense (sentence): index.faiss over all sentences, an item ranked by its best sentence;
- hybrid:         the service itself (``service.ask``), scored by ``qa.evaluate.evaluate``.

Baselines rank every item and never refuse, so their refusal figures are n/a. Ranks
are scored exactly as ``qa.evaluate`` scores the service (first expected title).
"""

from __future__ import annotations

import numpy as np

from qa.dense import search as dense_search
from qa.evaluate import _recall, evaluate, rank_of

METHODS = ("lexical", "dense (item)", "dense (sentence)", "hybrid")


def item_passages(items) -> list[str]:
    return [f"{item.title}\n{item.text}" for item in items]


def lexical_ranking(index, question: str) -> list[int]:
    scores = index.bm25.scores(index.segmenter.query_terms(question))
    order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order if scores[i] > 0]


def dense_item_ranking(item_vectors: np.ndarray, query: np.ndarray) -> list[int]:
    return [int(i) for i in np.argsort(-(item_vectors @ query), kind="stable")]


def dense_sentence_ranking(index, query: np.ndarray) -> list[int]:
    ids, _ = dense_search(index.faiss, query, index.faiss.ntotal)
    ranked, seen = [], set()
    for sid in ids.tolist():
        item = index.sentences[sid][0]
        if item not in seen:
            seen.add(item)
            ranked.append(item)
    return ranked


def baseline_row(question: dict, ranked: list[int], items) -> dict:
    row = {"question": question["question"], "kind": question.get("kind", "?")}
    expect = question.get("expect", [])
    if expect:
        rank = rank_of([items[i].title for i in ranked], expect)
        row.update(rank=rank, rr=1 / rank if rank else 0.0)
    return row


def summarise(rows: list[dict]) -> dict:
    kinds = sorted({r["kind"] for r in rows if "rank" in r})
    return {"questions": len(rows), "overall": _recall(rows),
            "by_kind": {k: _recall([r for r in rows if r["kind"] == k]) for k in kinds},
            "refused_unanswerable": None, "false_refusals": None, "units_exact": None, "exact_sets": None}


def hybrid_summary(service, questions: list[dict]) -> dict:
    report = evaluate(service, questions)
    report["misses"] = len(report["misses"])
    return report


def quality(service, question_sets: dict[str, list[dict]], query_vectors: dict[str, np.ndarray]) -> dict:
    """{set name: {method: summary}} for every question set."""
    index = service.index
    item_vectors = service.encoder.encode_documents(item_passages(index.items))
    out = {}
    for name, questions in question_sets.items():
        vectors = query_vectors[name]
        rankings = {
            "lexical": [lexical_ranking(index, q["question"]) for q in questions],
            "dense (item)": [dense_item_ranking(item_vectors, v) for v in vectors],
            "dense (sentence)": [dense_sentence_ranking(index, v) for v in vectors],
        }
        out[name] = {method: summarise([baseline_row(q, r, index.items) for q, r in zip(questions, ranks)])
                     for method, ranks in rankings.items()}
        out[name]["hybrid"] = hybrid_summary(service, questions)
    return out
