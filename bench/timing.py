"""Small timing and statistics helpers: a stopwatch, percentiles, growth exponents."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

import numpy as np


class Stopwatch:
    """Named laps: ``with watch.lap("bm25"): ...`` records seconds under "bm25"."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def lap(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def percentiles_ms(samples_s: list[float], points=(50, 95, 99)) -> dict[str, float]:
    """p50/p95/p99 of samples given in seconds, in milliseconds."""
    if not samples_s:
        return {f"p{p}": float("nan") for p in points}
    values = np.percentile(np.asarray(samples_s) * 1000, points)
    return {f"p{p}": round(float(v), 2) for p, v in zip(points, values)}


def growth_exponent(sizes: list[float], values: list[float]) -> float | None:
    """Slope of log(value) against log(size): value ~ size^slope. None with fewer than two points."""
    pairs = [(s, v) for s, v in zip(sizes, values) if s and v and v > 0]
    if len(pairs) < 2:
        return None
    x = np.log([s for s, _ in pairs])
    y = np.log([v for _, v in pairs])
    return round(float(np.polyfit(x, y, 1)[0]), 2)


def big_o(exponent: float | None) -> str:
    return "n/a" if exponent is None or math.isnan(exponent) else f"O(n^{exponent:.2f})"
