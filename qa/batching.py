"""Embed questions that arrive together in one forward pass.

On a CPU the model's per-call overhead dominates for short questions, so under
concurrent load one batch of eight costs far less than eight single calls. One
worker thread owns the model, which also keeps forward passes from running
concurrently on the same weights.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

import numpy as np

MAX_BATCH = 16


class QueryBatcher:
    def __init__(self, encode_queries, max_batch: int = MAX_BATCH):
        self._encode = encode_queries  # list[str] -> np.ndarray (n, dim)
        self._max_batch = max_batch
        self._queue: queue.Queue[tuple[str, Future]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        """The query vector of one question; blocks until its batch has run."""
        return self.submit(text).result()

    def submit(self, text: str) -> Future:
        """The query vector of one question, to come: the caller works on while the model runs."""
        future: Future = Future()
        self._ensure_worker()
        self._queue.put((text, future))
        return future

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="query-embedder", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._encode_batch(batch)

    def _encode_batch(self, batch: list[tuple[str, Future]]) -> None:
        try:
            vectors = self._encode([text for text, _ in batch])
        except Exception as err:  # hand the failure to every waiting request, keep serving
            for _, future in batch:
                future.set_exception(err)
            return
        for (_, future), vector in zip(batch, vectors):
            future.set_result(vector)
