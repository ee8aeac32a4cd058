"""Build one synthetic corpus's index stage by stage, as ``qa build`` would (child process).

Stages, each timed, with the process's peak RSS after it: the synthetic corpus
(bench/synthetic.py, not part of a real build), the jieba segmenter with the
corpus's user words, jieba tokens of every item streamed into the BM25 fit, the FAISS index
(``qa.dense.build_faiss``: flat below ``HNSW_THRESHOLD`` vectors, HNSW from there)
and the folder written by the real index writer. Embedding is not run (see
synthetic.py); the model is never loaded here. Then the other FAISS kind is
built and the two are compared (bench/faiss_compare.py).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np

import qa.index as qa_index
from faiss_compare import compare, forced_faiss
from qa import __version__, dense
from qa.lexical import BM25
from qa.segment import Segmenter, corpus_words
from synthetic import SEED, RealCorpus, make_corpus, read_lines
from system import folder_mb, peak_rss_mb

BUILD_STAGES = ("segmenter", "bm25", "faiss", "write")  # what a real build runs besides embedding


class Stages:
    """Seconds and peak RSS (MB, so far) after each named stage; ``peak_mb["start"]`` is the peak before any."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, int] = {"start": round(peak_rss_mb())}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - start, 3)
        self.peak_mb[name] = round(peak_rss_mb())


def build_size(real_index: Path, size: int, folder: Path, queries: np.ndarray, seed: int = SEED) -> dict:
    real_idx = qa_index.load_index(real_index)
    stages = Stages()
    with stages.stage("synthesis"):
        synth = make_corpus(RealCorpus.from_index(real_idx), size, seed)
    with stages.stage("segmenter"):
        segmenter = Segmenter(corpus_words(synth.items))
    with stages.stage("bm25"):  # jieba tokens streamed into the fit, as qa.index.build_index does
        bm25 = BM25.fit(segmenter.tokens(qa_index.item_document(item)) for item in synth.items)
    with stages.stage("faiss"):
        shipped = dense.build_faiss(synth.vectors)
    with stages.stage("write"):
        build = write_index(folder, real_idx, synth, segmenter, bm25, shipped, seed)
    shipped_kind = "hnsw" if isinstance(shipped, _hnsw_type()) else "flat"
    other_kind = "flat" if shipped_kind == "hnsw" else "hnsw"
    with stages.stage("faiss_other"):
        other = forced_faiss(synth.vectors, other_kind)
    flat, hnsw = (shipped, other) if shipped_kind == "flat" else (other, shipped)
    return {"items": len(synth.items), "sentences": len(synth.passages), "distinct_vectors": synth.distinct,
            "background": len(real_idx.background), "units": len({u for it in synth.items for u in it.units}),
            "user_words": len(segmenter.user_words), "faiss_shipped": shipped_kind,
            "stages_s": stages.seconds, "peak_rss_after_mb": stages.peak_mb,
            f"faiss_{shipped_kind}_build_s": stages.seconds["faiss"],
            f"faiss_{other_kind}_build_s": stages.seconds["faiss_other"],
            "build_excl_embedding_s": round(sum(stages.seconds[k] for k in BUILD_STAGES), 3),
            "build_peak_rss_mb": stages.peak_mb["write"], "disk_mb": round(folder_mb(build), 1),
            "faiss_compare": compare(flat, hnsw, queries)}


def _hnsw_type():
    """The approximate kind qa.dense builds past its threshold (IVF or HNSW)."""
    import faiss

    return (faiss.IndexHNSW, faiss.IndexIVF)


def write_index(folder: Path, real_idx, synth, segmenter, bm25, faiss_index, seed: int) -> Path:
    """The real writer (qa.index._write_build), handed the FAISS index already built and timed."""
    manifest = {
        "format_version": qa_index.FORMAT_VERSION, "parse_version": qa_index.PARSE_VERSION,
        "qa_version": __version__, "model": real_idx.model_id,
        "dimension": int(synth.vectors.shape[1]), "corpus": {"synthetic": f"{len(synth.items)} items, seed {seed}"},
        "items": len(synth.items), "sentences": len(synth.passages), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    background = (read_lines(real_idx.folder / "background.jsonl"), real_idx.background)
    words = real_idx.lexicon  # the real corpus's tables: synthetic items add no lexicon of their own
    roles = qa_index.corpus_roles.corpus_roles(synth.items, words)
    with mock.patch.object(qa_index, "build_faiss", lambda vectors: faiss_index):
        return qa_index._write_build(folder, manifest, synth.items, segmenter, bm25, synth.passages,
                                     synth.texts, synth.vectors, background, words, roles)
