"""BM25 over jieba tokens, precomputed into a sparse matrix.

Each document's term weights are computed once at build time
(Lucene's BM25 variant), so a query is a weighted sum of a few matrix columns.
Saved as plain files: ``bm25.npz`` (scipy sparse, no pickle) and ``vocab.json``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

K1, B = 1.2, 0.75


@dataclass
class BM25:
    matrix: sparse.csc_matrix  # documents x vocabulary, BM25 weight of each term in each document
    vocab: dict[str, int]

    @classmethod
    def fit(cls, tokenized: list[list[str]]) -> "BM25":
        vocab: dict[str, int] = {}
        for tokens in tokenized:
            for t in tokens:
                vocab.setdefault(t, len(vocab))
        counts = [Counter(tokens) for tokens in tokenized]
        lengths = np.array([len(t) for t in tokenized], dtype=np.float32)
        avg = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        df = np.zeros(len(vocab), dtype=np.float32)
        for c in counts:
            df[[vocab[t] for t in c]] += 1
        idf = np.log(1 + (len(tokenized) - df + 0.5) / (df + 0.5))
        rows, cols, vals = [], [], []
        for doc, c in enumerate(counts):
            norm = K1 * (1 - B + B * lengths[doc] / avg)
            for term, tf in c.items():
                rows.append(doc)
                cols.append(vocab[term])
                vals.append(idf[vocab[term]] * tf * (K1 + 1) / (tf + norm))
        shape = (len(tokenized), max(len(vocab), 1))
        return cls(sparse.csc_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32), vocab)

    def doc_share(self, term: str) -> float:
        """Share of documents containing the term (0 for unknown terms)."""
        if term not in self.vocab:
            return 0.0
        column = self.matrix[:, self.vocab[term]]
        return column.count_nonzero() / max(1, self.matrix.shape[0])

    def scores(self, terms: dict[str, float]) -> np.ndarray:
        """BM25 score of every document for weighted query terms (unknown terms count zero)."""
        known = [(self.vocab[t], w) for t, w in terms.items() if t in self.vocab]
        if not known:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        cols, weights = zip(*known)
        return np.asarray(self.matrix[:, list(cols)] @ np.array(weights, dtype=np.float32)).ravel()

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "bm25.npz", self.matrix)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        matrix = sparse.load_npz(folder / "bm25.npz").tocsc()
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        return cls(matrix, vocab)
