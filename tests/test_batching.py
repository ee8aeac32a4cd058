"""Concurrent questions share forward passes and each gets its own vector back."""

import threading
import time

import numpy as np
import pytest

from qa.batching import QueryBatcher


def test_concurrent_questions_are_batched_and_answered_in_place():
    calls = []
    gate = threading.Event()

    def encode(texts):
        calls.append(list(texts))
        gate.wait(5)  # the first call blocks so that the others queue up behind it
        return np.array([[float(len(t))] for t in texts])

    batcher = QueryBatcher(encode)
    results = {}
    threads = [threading.Thread(target=lambda t=t: results.__setitem__(t, batcher.embed(t)))
               for t in ["a", "bb", "ccc", "dddd", "eeeee"]]
    threads[0].start()
    while not calls:  # the worker is now busy with "a"
        time.sleep(0.001)
    for t in threads[1:]:
        t.start()
    while batcher._queue.qsize() < 4:
        time.sleep(0.001)
    gate.set()
    for t in threads:
        t.join(5)
    assert {k: float(v[0]) for k, v in results.items()} == {"a": 1, "bb": 2, "ccc": 3, "dddd": 4, "eeeee": 5}
    assert calls[0] == ["a"] and len(calls) == 2 and sorted(sum(calls, [])) == ["a", "bb", "ccc", "dddd", "eeeee"]


def test_a_failing_batch_fails_its_requests_and_the_next_one_still_works():
    state = {"fail": True}

    def encode(texts):
        if state.pop("fail", False):
            raise RuntimeError("model broke")
        return np.ones((len(texts), 2))

    batcher = QueryBatcher(encode)
    with pytest.raises(RuntimeError):
        batcher.embed("x")
    assert batcher.embed("y").tolist() == [1.0, 1.0]
