"""How cost grows with the corpus: synthetic corpora of increasing size, built and served for real.

Per size, three fresh processes (bench/worker.py), so each peak RSS is its own:

- scale-build (bench/scale_build.py): make the synthetic corpus and build its index
  stage by stage, then compare flat and HNSW FAISS search;
- scale-serve (bench/scale_serve.py): load the index with the real encoder into
  ``QAService`` and time warm answers; the largest size is also profiled;
- scale-memory (bench/scale_serve.py): the RSS each part of a loaded index adds.

Growth is reported as the slope of log(cost) against log(items): cost ~ items^slope.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from system import PYTHON, run_child
from timing import growth_exponent

WORKER = str(Path(__file__).with_name("worker.py"))
GOAL_ITEMS = 50_000
# Issue 12's goals at 50k items: answer p50 within 1.5x the query embedding's, serving and
# build (model excluded) peak RSS, dense recall against exact search.
GOAL_RATIO = 1.5
GOAL_RSS_MB = 1536.0
GOAL_BUILD_RSS_MB = 2048.0
GOAL_RECALL = 0.95


def scale(sizes: list[int], workdir: Path, real_index: Path, inputs: tuple[Path, Path], serving: dict,
          throughput: float, progress=print, cache: Path | None = None) -> dict:
    """Every size in turn. ``inputs``: (query vectors .npy, questions .json); ``serving``: samples,
    profile_asks, budget_s."""
    rows = []
    for size in sizes:
        profile = serving["profile_asks"] if size == max(sizes) else 0
        rows.append(measure_size(size, workdir, real_index, inputs, {**serving, "profile_asks": profile},
                                 throughput, cache))
        latency = rows[-1]["serve"]["latency"]
        progress(f"- {size:,} items: answer p50 {latency['answer_ms']['p50']} ms over {latency['samples']} "
                 f"samples, serving peak RSS {rows[-1]['serve']['serve_peak_rss_mb']} MB")
    return {"sizes": rows, "growth": growth(rows), "goals": goals(rows[-1])}


def measure_size(size: int, workdir: Path, real_index: Path, inputs: tuple[Path, Path], serving: dict,
                 throughput: float, cache: Path | None = None) -> dict:
    """With ``cache``, a synthetic index built before by the same code and model is reused
    (and a new one kept there); without, it is built in ``workdir`` and deleted."""
    queries_file, questions_file = inputs
    folder = cache_folder(cache, size, real_index) if cache else workdir / f"scale-{size}"
    try:
        build = _cached_build(folder) if cache else None
        if build is None:
            shutil.rmtree(folder, ignore_errors=True)
            build = _child(workdir, f"build-{size}", ["scale-build", "--real-index", str(real_index),
                                                      "--size", str(size), "--index", str(folder),
                                                      "--queries", str(queries_file)])
            if cache:
                (folder / "scale-build.json").write_text(json.dumps(build), encoding="utf-8")
        serve = _child(workdir, f"serve-{size}", [
            "scale-serve", "--index", str(folder), "--questions", str(questions_file),
            "--samples", str(serving["samples"]), "--profile", str(serving["profile_asks"]),
            "--budget", str(serving["budget_s"])])
        memory = _child(workdir, f"memory-{size}", ["scale-memory", "--index", str(folder)])
    finally:
        if not cache:
            shutil.rmtree(folder, ignore_errors=True)
    build["estimated_embedding_s"] = round((build["sentences"] + build["background"]) / throughput, 1)
    return {"size": size, "build": build, "serve": serve, "memory": memory}


def cache_folder(cache: Path, size: int, real_index: Path) -> Path:
    """One folder per (size, model, index code): a change to how indexes are built or read
    makes a new one, so a cached index never hides the effect of a change."""
    import hashlib

    import qa.index as qa_index

    real = qa_index.load_index(real_index)
    digest = hashlib.sha256(real.model_id.encode())
    for name in ("index.py", "dense.py", "lexical.py", "segment.py", "records.py"):
        digest.update((Path(qa_index.__file__).parent / name).read_bytes())
    for name in ("synthetic.py", "scale_build.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return cache / f"scale-{size}-{digest.hexdigest()[:10]}"


def _cached_build(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "scale-build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _child(workdir: Path, name: str, args: list[str]) -> dict:
    """Run one worker command; its JSON, plus its wall time and whole-process peak RSS."""
    out = workdir / f"{name}.json"
    run = run_child([PYTHON, WORKER, *args, "--out", str(out)], timeout=7200).check(name)
    return {**json.loads(out.read_text(encoding="utf-8")), "process_s": round(run.seconds, 1),
            "process_peak_rss_mb": round(run.peak_rss_mb)}


def _answer_minus_embedding(r: dict) -> float:
    latency = r["serve"]["latency"]
    return latency["answer_ms"]["p50"] - latency["embedding_ms"]["p50"]


GROWTH = {  # what is fitted -> how to read it from one size's row
    "segmenter (jieba user words)": lambda r: r["build"]["stages_s"]["segmenter"],
    "jieba tokens + BM25 fit": lambda r: r["build"]["stages_s"]["bm25"],
    "FAISS flat build": lambda r: r["build"]["faiss_flat_build_s"],
    "FAISS HNSW build": lambda r: r["build"]["faiss_hnsw_build_s"],
    "index write": lambda r: r["build"]["stages_s"]["write"],
    "build excl. embedding": lambda r: r["build"]["build_excl_embedding_s"],
    "embedding (estimated)": lambda r: r["build"]["estimated_embedding_s"],
    "build peak RSS (no model)": lambda r: r["build"]["build_peak_rss_mb"],
    "index load (load_index)": lambda r: r["serve"]["load_s"]["index_load"],
    "answer p50": lambda r: r["serve"]["latency"]["answer_ms"]["p50"],
    "answer p50 minus embedding p50": _answer_minus_embedding,
    "FAISS flat search p50": lambda r: r["build"]["faiss_compare"]["flat_ms"]["p50"],
    "FAISS HNSW search p50 (qa's efSearch)":
        lambda r: r["build"]["faiss_compare"]["hnsw"][str(r["build"]["faiss_compare"]["shipped_ef"])]["ms"]["p50"],
    "index size on disk": lambda r: r["build"]["disk_mb"],
    "serving peak RSS": lambda r: r["serve"]["serve_peak_rss_mb"],
    "serving RSS above the loaded model": lambda r: r["serve"]["above_model_mb"],
}


def growth(rows: list[dict]) -> dict:
    sizes = [r["size"] for r in rows]
    return {name: growth_exponent(sizes, [read(r) for r in rows]) for name, read in GROWTH.items()}


def goals(largest: dict) -> dict:
    ratio = largest["serve"]["latency"]["ratio"]
    rss = largest["serve"]["serve_peak_rss_mb"]
    build_rss = largest["build"]["build_peak_rss_mb"]
    compare = largest["build"]["faiss_compare"]
    shipped = compare["hnsw"].get(str(compare.get("shipped_ef")))  # the breadth qa.dense ships
    recall = shipped["recall@k"] if shipped and largest["build"]["faiss_shipped"] != "flat" else None
    return {"at_items": largest["size"], "goal_items": GOAL_ITEMS,
            "ratio": ratio, "ratio_goal": GOAL_RATIO, "ratio_met": ratio <= GOAL_RATIO,
            "rss_mb": rss, "rss_goal_mb": GOAL_RSS_MB, "rss_met": rss <= GOAL_RSS_MB,
            "build_rss_mb": build_rss, "build_rss_goal_mb": GOAL_BUILD_RSS_MB,
            "build_rss_met": build_rss <= GOAL_BUILD_RSS_MB,
            "recall": recall, "recall_goal": GOAL_RECALL, "recall_met": recall is None or recall >= GOAL_RECALL}
