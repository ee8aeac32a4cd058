"""Benchmark: answer quality, speed, memory and how cost grows with the corpus, measured side by side.

    .venv/bin/python bench/run.py --quick    # under 3 minutes: fewer samples, synthetic corpora of 1k and 5k items
    .venv/bin/python bench/run.py            # full run (~25 minutes): 1k, 10k and 50k items; writes bench/RESULTS.md

Sections, each printed as a Markdown table as soon as it is measured:

1. Cold start, each step in a fresh process: model conversion, a forced index build of
   the default corpus into a temporary folder, process start to first answer
   (``python -m qa ask``), and a serving process answering many questions (peak RSS).
2. Quality on eval/questions.jsonl (tuned on) and eval/holdout.jsonl (never tuned on):
   lexical only, dense item-level, dense sentence-level and the shipped hybrid.
3. Warm latency of one answer next to the query embedding alone, their ratio, and a
   profile of where the rest of an answer's time goes.
4. Embedding throughput of the real model (sentences/s).
5. Scale: synthetic corpora built and served for real (bench/scale.py, bench/synthetic.py).

All figures come from this run. Results go to bench/results/latest.json (git-ignored);
a full run with default sizes also rewrites bench/RESULTS.md, which is committed. Not
part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from coldstart import cold_costs
from latency import measure, profile_answers
from quality import quality
from report import (cold_section, duration, latency_section, machine_section, quality_section,
                    scale_section, sections_section, throughput_section)
from scale import scale
from speed import engine_ratio, workers_ratio
from system import ROOT, CpuWatch, machine

QUESTION_SETS = {"questions": ROOT / "eval" / "questions.jsonl", "holdout": ROOT / "eval" / "holdout.jsonl"}
SET_NOTES = {"questions": "tuned on", "holdout": "written blind, never tuned on"}
RESULTS_DIR = ROOT / "bench" / "results"
RESULTS_MD = ROOT / "bench" / "RESULTS.md"

# serving_questions: how many questions the serving process answers (None: all, 0: no serving process);
# scale_budget_s: at most this long sampling answers per corpus size (half of it again for the profile).
FULL = {"samples": 300, "profile_asks": 60, "sizes": [1_000, 10_000, 50_000], "scale_samples": 200,
        "scale_profile_asks": 60, "scale_budget_s": 120.0, "repeats": 3, "serving_questions": None,
        "throughput_passages": None, "faiss_queries": None, "scale_cache": False, "engine_samples": 300,
        "workers_seconds": 30.0}
QUICK = {"samples": 100, "profile_asks": 20, "sizes": [50_000], "scale_samples": 60,
         "scale_profile_asks": 0, "scale_budget_s": 20.0, "repeats": 3, "serving_questions": 0,
         "throughput_passages": 32, "faiss_queries": 100, "scale_cache": True, "engine_samples": 120,
         "workers_seconds": 15.0}
SHUFFLE_SEED = 7


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer samples, the 50k synthetic index only, cached under bench/results/ (< 15 minutes)")
    parser.add_argument("--sizes", help="synthetic corpus sizes in items, comma-separated (e.g. 1000,5000)")
    parser.add_argument("--samples", type=int, help="warm latency samples on the default corpus")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="the default corpus")
    return parser.parse_args(argv)


def plan(args) -> dict:
    config = dict(QUICK if args.quick else FULL)
    if args.sizes:
        config["sizes"] = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if args.samples:
        config["samples"] = args.samples
    config["mode"] = "quick" if args.quick else "full"
    config["canonical"] = not (args.quick or args.sizes or args.samples)  # the run RESULTS.md records
    return config


@contextmanager
def section(results: dict, key: str, title: str):
    """Print the section heading; record how long it took and how busy other processes kept the CPU."""
    print(f"\n## {title}\n", flush=True)
    watch, start = CpuWatch(), time.perf_counter()
    yield
    results.setdefault("sections", {})[key] = {"seconds": round(time.perf_counter() - start, 1),
                                               "others_cores": watch.stop()}


def show(text: str) -> None:
    print(text, flush=True)


def load_sets() -> dict[str, list[dict]]:
    from qa.evaluate import load_questions

    return {name: load_questions(path) for name, path in QUESTION_SETS.items()}


def open_service(index_dir: Path, corpus: Path):
    from qa.service import QAService
    from qa.settings import Settings

    return QAService.open(Settings.from_env(index_dir=index_dir, corpus_dir=corpus), progress=lambda _: None)


def throughput(service, limit: int | None) -> dict:
    """Document-embedding speed of the real model on the real passages (what a build embeds)."""
    texts = [json.loads(line) for line in (service.index.folder / "passages.jsonl").read_text("utf-8").splitlines()]
    texts = texts[:limit] if limit else texts
    service.encoder.encode_documents(texts[:8])
    watch = CpuWatch()
    start = time.perf_counter()
    service.encoder.encode_documents(texts)
    seconds = time.perf_counter() - start
    return {"sentences": len(texts), "seconds": round(seconds, 2), "sentences_per_s": round(len(texts) / seconds, 1),
            "mean_chars": round(float(np.mean([len(t) for t in texts])), 1), "others_cores": watch.stop()}


def query_vectors(service, sets: dict[str, list[dict]]) -> dict[str, np.ndarray]:
    return {name: service.encoder.encode_queries([q["question"] for q in questions])
            for name, questions in sets.items()}


def scale_inputs(service, workdir: Path, sets, vectors, limit: int | None) -> tuple[Path, Path]:
    """Real query vectors (both sets and the off-corpus background statements, ``limit`` of them spread
    evenly when given) and the questions, on disk."""
    from qa.index import background_statements

    background = service.encoder.encode_queries(background_statements())
    queries = np.concatenate([*vectors.values(), background])
    if limit and limit < len(queries):
        queries = queries[np.linspace(0, len(queries) - 1, limit).astype(int)]
    queries_file, questions_file = workdir / "queries.npy", workdir / "questions.json"
    np.save(queries_file, queries)
    questions_file.write_text(json.dumps(mixed_questions(sets), ensure_ascii=False), encoding="utf-8")
    return queries_file, questions_file


def set_labels(sets: dict[str, list[dict]]) -> dict[str, str]:
    return {name: f"{QUESTION_SETS[name].relative_to(ROOT)} ({len(qs)} questions, {SET_NOTES[name]})"
            for name, qs in sets.items()}


def mixed_questions(sets: dict[str, list[dict]]) -> list[dict]:
    """Both sets in one fixed shuffled order, so any prefix mixes kinds and sets."""
    mixed = [{"question": q["question"], "kind": q.get("kind", "?")} for qs in sets.values() for q in qs]
    random.Random(SHUFFLE_SEED).shuffle(mixed)
    return mixed


def run(config: dict, corpus: Path, workdir: Path) -> dict:
    results = {"mode": config["mode"], "config": {k: v for k, v in config.items() if k != "canonical"},
               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine()}
    with section(results, "machine", "Machine"):
        show(machine_section(results["machine"]))
    sets = load_sets()
    questions = mixed_questions(sets)
    results["question_sets"] = set_labels(sets)
    with section(results, "cold", "Cold start (each step in a fresh process)"):
        serving = [q["question"] for q in questions][:config["serving_questions"]]
        results["cold"] = cold_costs(corpus, workdir, serving, config["repeats"])
        show(cold_section(results["cold"]))
    with section(results, "open", "Loading the service in-process (model + fresh index)"):
        service = open_service(Path(results["cold"]["index_dir"]), corpus)
        show(f"QAService.open over {service.index.folder} ({len(service.index.items)} items)")
    with section(results, "quality", "Quality (both question sets)"):
        vectors = query_vectors(service, sets)
        results["quality"] = quality(service, sets, vectors)
        show(quality_section(results["quality"], results["question_sets"]))
    with section(results, "latency", "Latency of one answer (warm, in-process, default corpus)"):
        watch = CpuWatch()
        results["latency"] = measure(service, questions, config["samples"])
        results["latency"]["others_cores"] = watch.stop()
        results["profile"] = profile_answers(service, [q["question"] for q in questions[:config["profile_asks"]]])
        show(latency_section(results["latency"], results["profile"]))
    with section(results, "engine", "Query embedding: ONNX (default) against torch"):
        results["engine"] = engine_ratio(service.encoder, service.settings, [q["question"] for q in questions],
                                         config["engine_samples"])
        show(f"query embedding p50: {results['engine']['default_p50_ms']} ms ({results['engine']['default_backend']})"
             f" vs {results['engine']['torch_p50_ms']} ms (torch)")
    with section(results, "workers", "Throughput: qa serve --workers 1 against --workers 2 (16 clients)"):
        results["workers"] = workers_ratio(Path(results["cold"]["index_dir"]), corpus,
                                           [q["question"] for q in questions], workdir,
                                           seconds=config["workers_seconds"])
        for n, level in results["workers"]["levels"].items():
            show(f"{n} worker(s): {level['throughput']} answers/s, p50 {level['p50_ms']} ms, "
                 f"p95 {level['p95_ms']} ms, errors {level['errors'] or 0}, cores busy: server "
                 f"{level.get('server_cores')}, clients {level.get('client_cores')} of {os.cpu_count()}")
    with section(results, "throughput", "Embedding throughput (real model)"):
        results["throughput"] = throughput(service, config["throughput_passages"])
        show(throughput_section(results["throughput"]))
    with section(results, "scale", f"Scale: synthetic corpora of {', '.join(f'{n:,}' for n in config['sizes'])} items"):
        queries_file, questions_file = scale_inputs(service, workdir, sets, vectors, config["faiss_queries"])
        serving = {"samples": config["scale_samples"], "profile_asks": config["scale_profile_asks"],
                   "budget_s": config["scale_budget_s"]}
        results["scale"] = scale(config["sizes"], workdir, service.index.folder.parent, (queries_file, questions_file),
                                 serving, results["throughput"]["sentences_per_s"], progress=show,
                                 cache=RESULTS_DIR / "scale-cache" if config["scale_cache"] else None)
        show(scale_section(results["scale"], results["throughput"]))
    return results


def markdown(results: dict) -> str:
    """The whole report as one Markdown document (what RESULTS.md holds)."""
    sections = [
        "# Benchmark results",
        f"Produced by `python bench/run.py` ({results['mode']} run) on {results['started']}, "
        f"in {duration(results['duration_s'])}. Every figure below comes from that run; rerun to refresh.",
        "## Machine", machine_section(results["machine"], results.get("load_average_end")),
        "## Cold start (each step in a fresh process)", cold_section(results["cold"]),
        "## Quality (both question sets)", quality_section(results["quality"], results["question_sets"]),
        "## Latency of one answer (warm, in-process, default corpus)",
        latency_section(results["latency"], results["profile"]),
        "## Embedding throughput (real model)", throughput_section(results["throughput"]),
        "## Scale", scale_section(results["scale"], results["throughput"]),
        "## Run time", sections_section(results["sections"], results["duration_s"]),
    ]
    return "\n\n".join(sections) + "\n"


def headline(results: dict) -> list[str]:
    """The issue-12 figures, one per line, labels exactly as the issue spells them."""
    at_50k = [r for r in results["scale"]["sizes"] if r["size"] == 50_000]
    scale_ratio = at_50k[0]["serve"]["latency"]["ratio"] if at_50k else "n/a (no 50k size in this run)"
    return [f"answer/embedding ratio: {results['latency']['ratio']}",
            f"onnx/torch query ratio: {results['engine']['ratio']}",
            f"scale 50k answer/embedding ratio: {scale_ratio}",
            f"cold start s: {results['cold']['first_answer']['median_s']}",
            f"workers throughput ratio: {results['workers']['ratio']}",
            # On a shared machine wall time waits for cores; CPU time is what an idle one would take.
            f"(cold start CPU s: {results['cold']['first_answer'].get('median_cpu_s')}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"]


def save(results: dict, canonical: bool) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=2)
    (RESULTS_DIR / "latest.json").write_text(text, encoding="utf-8")
    (RESULTS_DIR / f"{results['mode']}-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(text, encoding="utf-8")
    print(f"\nwrote {RESULTS_DIR.relative_to(ROOT)}/latest.json", flush=True)
    if canonical:
        RESULTS_MD.write_text(markdown(results), encoding="utf-8")
        print(f"wrote {RESULTS_MD.relative_to(ROOT)}", flush=True)
    else:
        print(f"{RESULTS_MD.relative_to(ROOT)} left as it is (only a full run with default settings rewrites it)")


def main(argv=None) -> None:
    args = parse_args(argv)
    config = plan(args)
    os.chdir(ROOT)
    start = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="policy-qa-bench-"))
    try:
        results = run(config, args.corpus.resolve(), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["duration_s"] = round(time.perf_counter() - start, 1)
    results["load_average_end"] = os.getloadavg()
    print("\n## Run time\n")
    print(sections_section(results["sections"], results["duration_s"]))
    print()
    for line in headline(results):
        print(line, flush=True)
    save(results, config["canonical"])


if __name__ == "__main__":
    sys.exit(main())
