"""Load test of POST /api/ask on this machine only: throughput, latency percentiles, errors, server RSS.

    python bench/load.py --quick                 # a few seconds per level, to check it works
    python bench/load.py                         # 2 minutes in all (24 s at each of 1, 8, 32, 64, 128 clients)
    python bench/load.py --url http://127.0.0.1:7860 --pid 12345
    python bench/load.py --duration 60 --probe 4  # with 4 threads posting long questions to the chat queue

The memory probe (--probe N, default 2) runs beside every level: N threads post long questions
straight to the chat's queue (/gradio_api/queue/join), as a script would, over many sessions,
each followed by its answer event. Server RSS is sampled every second; the report gives its
start, peak and growth (the chat must bound what it keeps: growth stays under 200 MB).
Each level also reports the RSS after it (first-use warm-up shows in the early levels) and
the server's and this client's CPU ms per answer, which hold when others share the cores.
With --pid, RSS and CPU count the process and its children (the workers of --workers N).

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
    parser.add_argument("--levels", default="1,8,32,64,128", help="concurrent clients per level")
    parser.add_argument("--clients", type=int, default=None, help="one level only, with this many clients")
    parser.add_argument("--probe", type=int, default=2, help="memory-probe threads posting long chat questions (0: none)")
    parser.add_argument("--probe-chars", type=int, default=8000, help="characters per probe question")
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
    """Resident memory of the server: the process and its children (the workers of --workers N)."""
    if not pid:
        return None
    own = _rss_kb(pid)
    if own is None:
        return None
    return (own + sum(_rss_kb(child) or 0 for child in _children(pid))) / 1024


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) of the server and its children so far."""
    if not pid:
        return None
    ticks = 0
    for one in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


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
                              env={**os.environ, "QA_AUTH_TOKEN": "", "QA_AUTH_TOKEN_FILE": ""})
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


class ChatProbe:
    """Long questions through the chat queue, from ``threads`` threads, while RSS is sampled."""

    SESSIONS = 300  # sessions the probe cycles through: more than one client would ever hold

    def __init__(self, url: str, pid: int | None, threads: int, chars: int):
        self.url, self.pid, self.threads, self.chars = url, pid, threads, chars
        self.stop = threading.Event()
        self.posted, self.errors, self.samples = 0, {}, []
        self.lock = threading.Lock()
        self.workers: list[threading.Thread] = []

    def start(self) -> None:
        config = httpx.get(self.url + "/config", timeout=30).json()
        box = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-question")
        deps = config["dependencies"]
        self.post_fn = next(d["id"] for d in deps if [box, "submit"] in [list(t) for t in d["targets"]])
        self.answer_fn = next(d["id"] for d in deps if d.get("trigger_after") == self.post_fn)
        self.box = box
        # Warm the chat path first (Gradio's queue, its pandas-based analytics, the event stream):
        # one-time costs, not growth.
        with httpx.Client(base_url=self.url, timeout=120) as http:
            for fn, data in ((self.post_fn, ["x" * self.chars, None]), (self.answer_fn, [None, None])):
                self._run(http, "probe-warm-up", fn, data)
        self.workers = [threading.Thread(target=self._post_loop, args=(n,), daemon=True) for n in range(self.threads)]
        self.workers.append(threading.Thread(target=self._sample_loop, daemon=True))
        for worker in self.workers:
            worker.start()

    def finish(self) -> dict:
        self.stop.set()
        for worker in self.workers:
            worker.join(timeout=120)
        rss = [r for _, r in self.samples if r is not None]
        return {"threads": self.threads, "question_chars": self.chars, "posted": self.posted,
                "errors": self.errors, "rss_start_mb": rss[0] if rss else None,
                "rss_peak_mb": max(rss) if rss else None,
                "rss_growth_mb": round(max(rss) - rss[0], 1) if rss else None}

    def _sample_loop(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), rss_mb(self.pid)))
            self.stop.wait(1.0)
        self.samples.append((time.monotonic(), rss_mb(self.pid)))

    def _post_loop(self, offset: int) -> None:
        filler = "请问市民政局负责哪些工作以及相关政策如何落实" * (self.chars // 22 + 1)
        n = offset
        with httpx.Client(base_url=self.url, timeout=120) as http:
            while not self.stop.is_set():
                session = f"probe-{n % self.SESSIONS}"
                n += self.threads
                question = f"{n}{filler}"[: self.chars]
                try:
                    for fn, data in ((self.post_fn, [question, None]), (self.answer_fn, [None, None])):
                        self._run(http, session, fn, data)
                    with self.lock:
                        self.posted += 1
                except (httpx.HTTPError, RuntimeError) as err:
                    with self.lock:
                        key = str(err)[:60]
                        self.errors[key] = self.errors.get(key, 0) + 1

    def _run(self, http: httpx.Client, session: str, fn: int, data: list) -> None:
        joined = http.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn, "trigger_id": self.box,
                                                            "session_hash": session, "event_data": None})
        if joined.status_code != 200:
            raise RuntimeError(f"join {joined.status_code}")
        event_id = joined.json()["event_id"]
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                        return
        raise RuntimeError("stream ended early")


def percentiles(latencies: list[float]) -> dict:
    if len(latencies) < 2:
        only = round(latencies[0] * 1000, 1) if latencies else None
        return {"p50_ms": only, "p95_ms": only, "p99_ms": only}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1)}


def print_report(report: dict) -> None:
    print(f"server {report['url']}  questions {report['questions']}  RSS before {fmt(report['rss_before_mb'])} MB")
    print(f"{'clients':>7} {'secs':>6} {'ok':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'RSS MB':>7} {'CPU ms/answer server':>20} {'client':>6}  errors")
    for level in report["levels"]:
        print(f"{level['clients']:>7} {level['seconds']:>6} {level['ok']:>6} {level['throughput']:>7} "
              f"{fmt(level['p50_ms']):>8} {fmt(level['p95_ms']):>8} {fmt(level['p99_ms']):>8} "
              f"{fmt(level.get('rss_mb')):>7} {fmt(level.get('server_cpu_ms')):>20} "
              f"{fmt(level.get('client_cpu_ms')):>6}  {level['errors'] or 0}")
    print(f"RSS after {fmt(report['rss_after_mb'])} MB")
    probe = report.get("probe")
    if probe:
        print(f"chat-queue probe: {probe['threads']} threads, {probe['posted']} long questions of "
              f"{probe['question_chars']} chars posted, errors {probe['errors'] or 0}; RSS start "
              f"{fmt(probe['rss_start_mb'])} MB, peak {fmt(probe['rss_peak_mb'])} MB, "
              f"growth {fmt(probe['rss_growth_mb'])} MB")


def fmt(value) -> str:
    return "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


def main(argv=None) -> None:
    args = parse_args(argv)
    levels = [args.clients] if args.clients else [int(n) for n in args.levels.split(",") if n.strip()]
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
        probe = ChatProbe(url, pid, args.probe, args.probe_chars) if args.probe else None
        if probe:
            probe.start()
        report = {"url": url, "questions": len(questions), "rss_before_mb": rss_mb(pid), "levels": []}
        try:
            for clients in levels:
                server_before, client_before = cpu_s(pid), time.process_time()
                level = run_level(url, questions, clients, seconds, args.max_requests)
                level["rss_mb"] = rss_mb(pid)  # after each level: warm-up and growth tell apart
                # CPU per answer does not depend on who else uses the cores (wall-clock figures do);
                # the server's includes the probe's chat work when the probe runs.
                answered = max(level["ok"], 1)
                if server_before is not None:
                    level["server_cpu_ms"] = round((cpu_s(pid) - server_before) * 1000 / answered, 2)
                level["client_cpu_ms"] = round((time.process_time() - client_before) * 1000 / answered, 2)
                report["levels"].append(level)
        finally:
            if probe:
                report["probe"] = probe.finish()
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
