"""Several processes: `qa serve --workers 2`, its bounded queue, and two replicas behind Debian's nginx."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.ui_fixtures import assert_slow_connections_closed

from .conftest import DATA, DEFAULT_CORPUS, ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(index_dir: Path, log: Path, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--index", str(index_dir), "--corpus", str(DEFAULT_CORPUS), *args]
    process = subprocess.Popen(command, cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                               env={**os.environ, "QA_AUTH_TOKEN": "", **(env or {})}, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen, url: str, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"server did not start:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def workers_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def ask(url: str, question: str) -> httpx.Response:
    return httpx.post(url + "/api/ask", json={"question": question}, timeout=60)


@pytest.mark.model
def test_two_workers_answer_turn_away_excess_and_close_slow_connections(service, tmp_path):
    log = tmp_path / "serve.log"
    process, url = start_serve(service.settings.index_dir, log, "--workers", "2",
                               env={"QA_QUEUE_LIMIT": "2", "QA_HEADER_TIMEOUT": "2", "QA_BODY_TIMEOUT": "3"})
    try:
        wait_ready(process, url, log)
        workers = workers_of(process.pid)
        assert len(workers) == 2, workers
        before = {pid: cpu_ticks(pid) for pid in workers}
        questions = ["谁负责校园欺凌防治?", "网络游戏防沉迷由哪些单位负责?", "孩子被霸凌找谁?"] * 8
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda q: ask(url, q), questions))
        ok = [a.json() for a in answers if a.status_code == 200]
        assert len(ok) >= len(questions) // 2 and all(not a["refused"] and a["results"] for a in ok)
        assert all(cpu_ticks(pid) > before[pid] for pid in workers), "one worker did all the work"

        with ThreadPoolExecutor(32) as pool:
            burst = list(pool.map(lambda q: ask(url, q), questions + questions))
        statuses = {r.status_code for r in burst}
        assert statuses <= {200, 503} and 200 in statuses and 503 in statuses, statuses
        busy = next(r for r in burst if r.status_code == 503)
        assert busy.headers["retry-after"] == "1" and "繁忙" in busy.json()["detail"]
        assert httpx.get(url + "/healthz", timeout=10).status_code == 200
        assert_slow_connections_closed(url)  # the same clocks as single-process serving
    finally:
        stop(process)


def test_admission_turns_away_requests_beyond_its_limit_at_once():
    from ui.admission import Admission

    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def scenario():
        transport = httpx.ASGITransport(app=Admission(slow_app, limit=2))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            held = [asyncio.create_task(client.get("/api/ask")) for _ in range(2)]
            await asyncio.sleep(0.05)
            turned_away = await client.get("/api/ask")
            health = asyncio.create_task(client.get("/healthz"))  # exempt: waits its turn instead
            release.set()
            return turned_away, [await t for t in held], await health

    turned_away, held, health = asyncio.run(scenario())
    assert turned_away.status_code == 503 and turned_away.headers["retry-after"] == "1"
    assert [r.status_code for r in held] == [200, 200] and health.status_code == 200


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$upstream_addr $status';
    access_log {dir}/access.log upstream;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    upstream qa {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://qa;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_next_upstream error timeout http_503;
        }}
    }}
}}
"""


def copy_build(build: Path, index_dir: Path) -> None:
    """Distribute a build: copy its folder next to the live one, then point CURRENT at it."""
    shutil.copytree(build, index_dir / build.name)
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(build.name, encoding="utf-8")
    os.replace(tmp, index_dir / "CURRENT")


@pytest.mark.model
def test_two_replicas_behind_nginx_answer_and_take_a_copied_build_on_reload(service, tmp_path):
    from qa.index import build_index

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: `make test` installs it (apt-get install nginx-light)"
    replicas = []
    try:
        for name in ("a", "b"):
            index_dir = tmp_path / name / "index"
            index_dir.mkdir(parents=True)
            copy_build(service.index.folder, index_dir)
            log = tmp_path / f"{name}.log"
            replicas.append((*start_serve(index_dir, log), log, index_dir))
        for process, url, log, _ in replicas:
            wait_ready(process, url, log)
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=tmp_path, a=replicas[0][1].rsplit(":", 1)[1],
                                          b=replicas[1][1].rsplit(":", 1)[1], port=port), encoding="utf-8")
        proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE,
                                 start_new_session=True)
        replicas.append((proxy, None, None, None))
        front = f"http://127.0.0.1:{port}"
        wait_ready(proxy, front, tmp_path / "error.log", timeout=30)
        answers = [ask(front, q) for q in ["谁负责校园欺凌防治?", "孩子被霸凌找谁?"] * 3]
        assert all(a.status_code == 200 and not a.json()["refused"] for a in answers)
        used = {line.split()[0] for line in (tmp_path / "access.log").read_text().splitlines()}
        assert used >= {r[1].removeprefix("http://") for r in replicas[:2]}, used

        corpus = tmp_path / "corpus"
        corpus.mkdir()
        shutil.copy(DATA / "district-school-safety-2024.txt", corpus)
        report = build_index(corpus, tmp_path / "new", service.encoder, lambda m: None)
        for _, url, _, index_dir in replicas[:2]:
            copy_build(report.folder, index_dir)
            reloaded = httpx.post(url + "/api/reload", timeout=60)
            assert reloaded.status_code == 200 and reloaded.json()["build"] == report.folder.name
        seen = [httpx.get(front + "/healthz", timeout=10).json() for _ in range(4)]
        assert {(h["build"], h["items"]) for h in seen} == {(report.folder.name, report.items)}
    finally:
        for process, *_ in replicas:
            stop(process)
