"""BM25 over jieba tokens, precomputed into a sparse term -> documents matrix.

Each document's term weights are computed once at build time (Lucene's BM25 variant),
so a query adds up a few columns. The matrix is stored the way bm25s stores it: its
three CSC arrays as plain ``.npy`` files, memory-mapped at load (no copy per server
process, nothing read until a term is asked for), plus ``vocab.json``. Serving needs
numpy only; scipy is used at build time.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1, B = 1.2, 0.75
_ARRAYS = ("data", "indices", "indptr")


@dataclass
class BM25:
    data: np.ndarray  # BM25 weight of each (term, document) pair, grouped by term
    indices: np.ndarray  # document of each weight
    indptr: np.ndarray  # term t's weights are data[indptr[t]:indptr[t + 1]]
    documents: int
    vocab: dict[str, int]

    @classmethod
    def fit(cls, tokenized: list[list[str]]) -> "BM25":
        from scipy import sparse

        vocab: dict[str, int] = {}
        for tokens in tokenized:
            for t in tokens:
                vocab.setdefault(t, len(vocab))
        lengths = np.array([len(t) for t in tokenized], dtype=np.float32)
        avg = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        rows, cols, tfs = [], [], []
        for doc, tokens in enumerate(tokenized):
            for term, tf in Counter(tokens).items():
                rows.append(doc)
                cols.append(vocab[term])
                tfs.append(tf)
        rows, cols = np.array(rows, dtype=np.int32), np.array(cols, dtype=np.int32)
        tfs = np.array(tfs, dtype=np.float32)
        df = np.bincount(cols, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1 + (len(tokenized) - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * lengths[rows] / avg) if len(rows) else np.zeros(0, np.float32)
        vals = idf[cols] * tfs * (K1 + 1) / (tfs + norm)
        shape = (len(tokenized), max(len(vocab), 1))
        matrix = sparse.csc_matrix((vals.astype(np.float32), (rows, cols)), shape=shape, dtype=np.float32)
        matrix.sort_indices()
        return cls(matrix.data, matrix.indices.astype(np.int32), matrix.indptr.astype(np.int64),
                   len(tokenized), vocab)

    def doc_share(self, term: str) -> float:
        """Share of documents containing the term (0 for unknown terms)."""
        if term not in self.vocab:
            return 0.0
        col = self.vocab[term]
        return int(self.indptr[col + 1] - self.indptr[col]) / max(1, self.documents)

    def scores(self, terms: dict[str, float]) -> np.ndarray:
        """BM25 score of every document for weighted query terms (unknown terms count zero)."""
        out = np.zeros(self.documents, dtype=np.float32)
        for term, weight in terms.items():
            col = self.vocab.get(term)
            if col is None:
                continue
            start, end = self.indptr[col], self.indptr[col + 1]
            # A term occurs at most once per document column, so plain fancy-index adds are exact.
            out[self.indices[start:end]] += self.data[start:end] * np.float32(weight)
        return out

    def save(self, folder: Path) -> None:
        for name in _ARRAYS:
            np.save(folder / f"bm25.{name}.npy", getattr(self, name))
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        (folder / "bm25.json").write_text(json.dumps({"documents": self.documents, "k1": K1, "b": B}),
                                          encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> "BM25":
        mode = "r" if mmap else None
        arrays = [np.load(folder / f"bm25.{name}.npy", mmap_mode=mode) for name in _ARRAYS]
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        params = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        return cls(*arrays, int(params["documents"]), vocab)
