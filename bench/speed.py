"""Engine and process figures of issue 12: ONNX against torch query embedding, and 1 against 2 workers.

- ``engine_ratio``: p50 of one query embedding with the default encoder (ONNX) over the
  p50 with the torch backend, the same questions in the same order, in this process;
- ``workers_ratio``: answers/s of ``qa serve --workers 2`` over ``--workers 1``, each a
  real server on a free loopback port loaded by bench/load.py's clients for a bounded time,
  with the cores the server and the clients kept busy (the clients share the machine).
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from load import cpu_s, run_level
from system import ROOT

WARMUP = 5


def query_p50_ms(encoder, questions: list[str], samples: int) -> float:
    for q in questions[:WARMUP]:
        encoder.encode_queries([q])
    times = []
    for n in range(samples):
        start = time.perf_counter()
        encoder.encode_queries([questions[n % len(questions)]])
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def engine_ratio(default_encoder, settings, questions: list[str], samples: int) -> dict:
    import dataclasses

    from qa.encoders import load_encoder

    torch_encoder = load_encoder(dataclasses.replace(settings, backend="torch"))
    # Interleave the two engines in blocks so a burst of other load skews both alike.
    default_ms, torch_ms = [], []
    for block in range(4):
        part = questions[block::4]
        default_ms.append(query_p50_ms(default_encoder, part, max(5, samples // 4)))
        torch_ms.append(query_p50_ms(torch_encoder, part, max(5, samples // 4)))
    default_p50, torch_p50 = statistics.median(default_ms), statistics.median(torch_ms)
    return {"default_backend": settings.backend, "default_p50_ms": round(default_p50, 2),
            "torch_p50_ms": round(torch_p50, 2), "ratio": round(default_p50 / torch_p50, 2)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(index_dir: Path, corpus: Path, workers: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--index", str(index_dir), "--corpus", str(corpus), "--workers", str(workers)]
    log = open(log_path, "w", encoding="utf-8")
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "QA_AUTH_TOKEN": ""}, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    ready = 0
    while time.monotonic() < deadline and server.poll() is None:
        try:
            # Every worker must have loaded: ask until several answers came back in a row.
            ok = httpx.post(url + "/api/ask", json={"question": "谁负责校园欺凌防治?"}, timeout=30).status_code == 200
            ready = ready + 1 if ok else 0
            if ready >= 4 * workers:
                return server, url
        except httpx.TransportError:
            time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"qa serve --workers {workers} did not start: see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)  # its own session: the workers go with it
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def workers_ratio(index_dir: Path, corpus: Path, questions: list[str], workdir: Path,
                  clients: int = 16, seconds: float = 15.0) -> dict:
    levels = {}
    for workers in (1, 2):
        server, url = start_server(index_dir, corpus, workers, workdir / f"serve-{workers}.log")
        try:
            run_level(url, questions, clients, 2.0, 10_000)  # warm every worker
            server_before, client_before = cpu_s(server.pid), time.process_time()
            level = run_level(url, questions, clients, seconds, 100_000)
            # Cores kept busy: 1 worker near the machine's count leaves a second little to add.
            level["server_cores"] = round((cpu_s(server.pid) - server_before) / level["seconds"], 2)
            level["client_cores"] = round((time.process_time() - client_before) / level["seconds"], 2)
            levels[workers] = level
        finally:
            stop_server(server)
    one, two = levels[1]["throughput"], levels[2]["throughput"]
    return {"clients": clients, "seconds": seconds, "levels": levels,
            "ratio": round(two / one, 2) if one else None}
