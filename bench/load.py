"""Load test of POST /api/ask on this machine only: throughput, latency percentiles, errors, server RSS.

    python bench/load.py --quick                 # a few seconds per level, to check it works
    python bench/load.py                         # 2 minutes in all (30 s at each of 1, 8, 32, 64 clients)
    python bench/load.py --url http://127.0.0.1:7860 --pid 12345

Without --url it starts `python -m qa serve` itself on a free loopback port and
stops it afterwards. Only loopback addresses are accepted as targets. Every level
is bounded in time (--duration split across levels) and in count (--max-requests).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
BUILT_IN = ["谁负责校园欺凌防治?", "网络游戏防沉迷由哪些单位负责?", "孩子被霸凌找谁?",
            "村里留守的孩子谁来照顾?", "儿童主任要做什么?", "市民政局负责哪些工作?",
            "控辍保学归哪个部门管?", "今天天气怎么样?"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running server (loopback only); default: start one")
    parser.add_argument("--pid", type=int, help="the running server's process id, to report its RSS")
    parser.add_argument("--index", type=Path, default=None, help="index folder for the server started here")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the server started here")
    parser.add_argument("--levels", default="1,8,32,64", help="concurrent clients per level")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds in all, split across levels")
    parser.add_argument("--quick", action="store_true", help="3 seconds per level")
    parser.add_argument("--max-requests", type=int, default=50_000, help="stop a level after this many")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--json", dest="json_", action="store_true", help="print the report as JSON")
    return parser.parse_args(argv)


def load_questions(path: Path) -> list[str]:
    if not path.is_file():
        return BUILT_IN
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            question = json.loads(line).get("question")
            if isinstance(question, str) and question.strip():
                found.append(question)
    return found or BUILT_IN


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit(f"refusing to load {host!r}: only loopback addresses (127.0.0.0/8, ::1) are targets")


def rss_mb(pid: int | None) -> float | None:
    if not pid:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def start_server(index: Path | None, workers: int = 1) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    if index:
        command += ["--index", str(index)]
    # The server logs a line per answer: a pipe nobody drains would fill and stall it.
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True,
                              env={**os.environ, "QA_AUTH_TOKEN": ""})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900  # the first start may build the index
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            sys.exit(f"server exited:\n{log.read()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    server.kill()
    sys.exit("server did not start within 15 minutes")


def run_level(url: str, questions: list[str], clients: int, seconds: float, max_requests: int) -> dict:
    """`clients` threads, each asking in turn until time or the request budget runs out."""
    latencies, errors, lock = [], {}, threading.Lock()
    budget = iter(range(max_requests))
    deadline = time.monotonic() + seconds

    def client(offset: int):
        with httpx.Client(base_url=url, timeout=60) as http:
            i = offset
            while time.monotonic() < deadline and next(budget, None) is not None:
                question = questions[i % len(questions)]
                i += 1
                started = time.perf_counter()
                try:
                    status = http.post("/api/ask", json={"question": question}).status_code
                except httpx.HTTPError as err:
                    status = type(err).__name__
                took = time.perf_counter() - started
                with lock:
                    if status == 200:
                        latencies.append(took)
                    else:
                        errors[str(status)] = errors.get(str(status), 0) + 1

    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {"clients": clients, "seconds": round(elapsed, 1), "ok": len(latencies), "errors": errors,
            "throughput": round(len(latencies) / elapsed, 2) if elapsed else 0.0, **percentiles(latencies)}


def percentiles(latencies: list[float]) -> dict:
    if len(latencies) < 2:
        only = round(latencies[0] * 1000, 1) if latencies else None
        return {"p50_ms": only, "p95_ms": only, "p99_ms": only}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1)}


def print_report(report: dict) -> None:
    print(f"server {report['url']}  questions {report['questions']}  RSS before {fmt(report['rss_before_mb'])} MB")
    print(f"{'clients':>7} {'secs':>6} {'ok':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors")
    for level in report["levels"]:
        print(f"{level['clients']:>7} {level['seconds']:>6} {level['ok']:>6} {level['throughput']:>7} "
              f"{fmt(level['p50_ms']):>8} {fmt(level['p95_ms']):>8} {fmt(level['p99_ms']):>8}  "
              f"{level['errors'] or 0}")
    print(f"RSS after {fmt(report['rss_after_mb'])} MB")


def fmt(value) -> str:
    return "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


def main(argv=None) -> None:
    args = parse_args(argv)
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    seconds = 3.0 if args.quick else args.duration / len(levels)
    questions = load_questions(args.questions)
    server, url, pid = None, args.url, args.pid
    if url:
        check_loopback(url)
    else:
        server, url = start_server(args.index, args.workers)
        pid = server.pid
    try:
        httpx.post(url + "/api/ask", json={"question": questions[0]}, timeout=120)  # warm-up
        report = {"url": url, "questions": len(questions), "rss_before_mb": rss_mb(pid), "levels": []}
        for clients in levels:
            report["levels"].append(run_level(url, questions, clients, seconds, args.max_requests))
        report["rss_after_mb"] = rss_mb(pid)
    finally:
        if server:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json_ else "", end="")
    if not args.json_:
        print_report(report)


if __name__ == "__main__":
    main()
