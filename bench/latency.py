"""Warm, in-process latency of one answer, next to the query embedding it cannot avoid.

Each sample asks one question (``service.ask``) and then embeds the same question
alone (``service.encoder.encode_queries``), so both see the same machine load.
The answer/embedding ratio compares their medians: the share of an answer spent
outside the model. ``profile_answers`` shows where that share goes.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict
from pathlib import Path

from system import ROOT
from timing import percentiles_ms

WARMUP = 10
MIN_SAMPLES = 20


def measure(service, questions: list[dict], samples: int, budget_s: float | None = None,
            warmup: int = WARMUP) -> dict:
    """Percentiles of ``samples`` answers and embeddings, cycling through ``questions``.

    With ``budget_s``, sampling stops once that many seconds have passed (after at
    least MIN_SAMPLES), so a slow corpus size cannot hold the run up for long.
    """
    start = time.perf_counter()
    service.ask(questions[0]["question"])
    first_ms = (time.perf_counter() - start) * 1000
    for q in questions[:warmup]:
        service.ask(q["question"])
        service.encoder.encode_queries([q["question"]])
    answer_s, embed_s, by_kind = [], [], defaultdict(list)
    began = time.perf_counter()
    for n in range(samples):
        if budget_s and n >= MIN_SAMPLES and time.perf_counter() - began > budget_s:
            break
        q = questions[n % len(questions)]
        start = time.perf_counter()
        service.ask(q["question"])
        middle = time.perf_counter()
        service.encoder.encode_queries([q["question"]])
        answer_s.append(middle - start)
        embed_s.append(time.perf_counter() - middle)
        by_kind[q.get("kind", "?")].append(middle - start)
    answer, embedding = percentiles_ms(answer_s), percentiles_ms(embed_s)
    return {"samples": len(answer_s), "first_answer_ms": round(first_ms, 1), "answer_ms": answer,
            "embedding_ms": embedding,
            "ratio": round(answer["p50"] / embedding["p50"], 2) if embedding["p50"] else None,
            "answer_by_kind_ms": {k: {"n": len(v), **percentiles_ms(v, (50, 95))} for k, v in sorted(by_kind.items())}}


def profile_answers(service, questions: list[str], budget_s: float | None = None, limit: int = 12) -> dict:
    """cProfile over answering ``questions`` (or as many as fit in ``budget_s``, at least 3).

    Returns the costliest qa/ functions by cumulative time and the costliest functions
    anywhere by self time, per answer.
    """
    profiler = cProfile.Profile()
    asked, began = 0, time.perf_counter()
    profiler.enable()
    for q in questions:
        if budget_s and asked >= 3 and time.perf_counter() - began > budget_s:
            break
        service.ask(q)
        asked += 1
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    rows = [_profile_row(key, value, asked) for key, value in stats.items()]
    ours = [r for r in rows if r["where"].startswith("qa/")]
    return {"asks": asked, "qa_by_cumulative": sorted(ours, key=lambda r: -r["cum_ms_per_ask"])[:limit],
            "all_by_self": sorted(rows, key=lambda r: -r["self_ms_per_ask"])[:limit]}


def _profile_row(key, value, asks: int) -> dict:
    filename, line, function = key
    _, calls, self_s, cum_s, _ = value
    return {"where": f"{_short(filename)}:{line}", "function": function, "calls_per_ask": round(calls / asks, 1),
            "self_ms_per_ask": round(self_s * 1000 / asks, 2), "cum_ms_per_ask": round(cum_s * 1000 / asks, 2)}


def _short(filename: str) -> str:
    path = Path(filename)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        parts = path.parts
        if "site-packages" in parts:
            return "/".join(parts[parts.index("site-packages") + 1:])
        return filename  # built-ins: "~" or "<built-in method ...>"
