"""BM25 over jieba tokens, precomputed into a sparse term -> documents matrix.

Each document's term weights are computed once at build time (Lucene's BM25 variant),
so a query adds up a few columns. The matrix is stored the way bm25s stores it: its
three CSC arrays as plain ``.npy`` files, memory-mapped at load (no copy per server
process, nothing read until a term is asked for), plus ``vocab.json``. Serving needs
numpy only; scipy is used at build time.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable
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
    def fit(cls, tokenized: Iterable[list[str]]) -> "BM25":
        """Weights for documents given as token lists, read one at a time: at 50k items the token
        lists of the whole corpus, held at once, would be most of a build's memory."""
        from scipy import sparse

        vocab: dict[str, int] = {}
        rows, cols, tfs = array("i"), array("i"), array("f")  # 4 bytes an entry, not a Python int's 28
        lengths = array("f")
        for doc, tokens in enumerate(tokenized):
            lengths.append(len(tokens))
            for term, tf in Counter(tokens).items():
                rows.append(doc)
                cols.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        documents = len(lengths)
        lengths = np.frombuffer(lengths, dtype=np.float32)
        rows, cols = np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32)
        tfs = np.frombuffer(tfs, dtype=np.float32)
        avg = float(lengths.mean()) if documents and lengths.mean() > 0 else 1.0
        df = np.bincount(cols, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1 + (documents - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * lengths[rows] / avg) if len(rows) else np.zeros(0, np.float32)
        vals = idf[cols] * tfs * (K1 + 1) / (tfs + norm)
        shape = (documents, max(len(vocab), 1))
        matrix = sparse.csc_matrix((vals.astype(np.float32), (rows, cols)), shape=shape, dtype=np.float32)
        matrix.sort_indices()
        return cls(matrix.data, matrix.indices.astype(np.int32), matrix.indptr.astype(np.int64),
                   documents, vocab)

    def doc_share(self, term: str) -> float:
        """Share of documents containing the term (0 for unknown terms)."""
        if term not in self.vocab:
            return 0.0
        col = self.vocab[term]
        return int(self.indptr[col + 1] - self.indptr[col]) / max(1, self.documents)

    def scores(self, terms: dict[str, float]) -> np.ndarray:
        """BM25 score of every document for weighted query terms (unknown terms count zero)."""
        spans = [(self.indptr[col], self.indptr[col + 1], weight)
                 for col, weight in ((self.vocab.get(t), w) for t, w in terms.items()) if col is not None]
        if not spans:
            return np.zeros(self.documents, dtype=np.float32)
        # One pass over every posting of the query's terms: at 50k documents a common word's
        # column holds most of them, and a scatter-add per term cost more than the search.
        docs = np.concatenate([self.indices[start:end] for start, end, _ in spans])
        weights = np.concatenate([self.data[start:end] * np.float32(w) for start, end, w in spans])
        return np.bincount(docs, weights=weights, minlength=self.documents).astype(np.float32)

    def save(self, folder: Path) -> None:
        for name in _ARRAYS:
            np.save(folder / f"bm25.{name}.npy", getattr(self, name))
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        (folder / "bm25.json").write_text(json.dumps({"documents": self.documents, "k1": K1, "b": B}),
                                          encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> "BM25":
        mode = "r" if mmap else None
        # Plain ndarray views of the maps (same pages, no copy): slicing a np.memmap runs its
        # Python __array_finalize__ on every slice, a third of a query's scoring time.
        arrays = [np.load(folder / f"bm25.{name}.npy", mmap_mode=mode).view(np.ndarray) for name in _ARRAYS]
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        params = json.loads((folder / "bm25.json").read_text(encoding="utf-8"))
        return cls(*arrays, int(params["documents"]), vocab)
