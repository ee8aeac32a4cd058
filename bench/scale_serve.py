"""Serve one synthetic index (child processes): warm answer latency, peak RSS, and what the memory holds.

``serve_size`` loads the folder with ``qa.index.load_index`` and the real encoder,
wraps them in ``QAService`` and times warm answers (real query embedding, search,
fusion, composed answer), then optionally profiles some.

``memory_breakdown`` (its own process, no model) loads the parts of an index one
after the other, as ``qa.index.load_index`` does, and notes the RSS each adds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import qa.index as qa_index
from synthetic import read_lines
from system import peak_rss_mb, rss_mb
from timing import Stopwatch

SCALE_WARMUP = 3  # answers before timing starts (the first one is timed on its own)


def serve_size(folder: Path, questions: list[dict], samples: int, profile_asks: int, budget_s: float) -> dict:
    from latency import measure, profile_answers
    from qa.encoders import load_encoder
    from qa.service import QAService
    from qa.settings import Settings

    settings = Settings.from_env(index_dir=folder)
    watch = Stopwatch()
    with watch.lap("model_load"):
        encoder = load_encoder(settings)
    model_rss = rss_mb()
    with watch.lap("index_load"):
        index = qa_index.load_index(folder, encoder.model_id)
    with watch.lap("service"):
        service = QAService(index, encoder, settings)
    latency = measure(service, questions, samples, budget_s, warmup=SCALE_WARMUP)
    serve_rss = peak_rss_mb()
    profile = (profile_answers(service, [q["question"] for q in questions[:profile_asks]], budget_s / 2)
               if profile_asks else None)
    return {"load_s": {k: round(v, 3) for k, v in watch.seconds.items()}, "latency": latency,
            "serve_peak_rss_mb": round(serve_rss), "model_rss_mb": round(model_rss),
            "above_model_mb": round(serve_rss - model_rss), "profile": profile}


def memory_breakdown(folder: Path) -> dict:
    """RSS (MB) added by each part of a loaded index, in the order qa.index.load_index loads them."""
    from qa.dense import load_faiss
    from qa.lexical import BM25
    from qa.records import WorkItem
    from qa.segment import Segmenter
    from qa.units import UnitRegistry

    build = qa_index.current_build(folder)
    parts: dict[str, int] = {}
    keep = []  # hold every part, as a loaded index does

    def part(name: str, load):
        before = rss_mb()
        keep.append(load())
        parts[name] = round(rss_mb() - before)
        return keep[-1]

    import faiss  # noqa: F401  (counted with the interpreter, as load_faiss would import it)
    import jieba  # noqa: F401

    parts["interpreter and imports (before loading)"] = round(rss_mb())
    items = part("work items (items.jsonl -> WorkItem)",
                 lambda: [WorkItem.from_dict(d) for d in read_lines(build / "items.jsonl")])
    words = (build / "user_words.txt").read_text(encoding="utf-8").split("\n")
    part("jieba segmenter with the user words", lambda: Segmenter([w for w in words if w]))
    part("BM25 matrix + vocabulary", lambda: BM25.load(build))
    part("sentence rows (sentence_item.npy, memory-mapped)",
         lambda: np.load(build / "sentence_item.npy", mmap_mode="r"))
    part("FAISS index (dense.faiss)", lambda: load_faiss(build / "dense.faiss"))
    part("unit registry (Index.__post_init__)", lambda: UnitRegistry(items))
    return {"parts_mb": parts, "total_mb": round(rss_mb()), "dense_faiss_file_mb": round(
        (build / "dense.faiss").stat().st_size / 2**20)}
