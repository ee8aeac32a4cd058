"""Issue 14 over real HTTP: one test (or a few) per finding of the adversarial probe.

Findings 1, 2, 5, 8, 9, 10, 12 and 13 against in-process uvicorn servers; findings 6, 8
and 13 (token file) against a real `python -m qa serve` subprocess, since they are about
how `serve` configures the server and its log.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.ui_fixtures import CJK, RawChat, TOKEN, assert_slow_connections_closed, free_port, running

from .conftest import ROOT

pytestmark = pytest.mark.model

LIMIT = 500  # Settings().max_question_chars




def raw(base: str, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    """Send the request line byte for byte (httpx would normalise the path)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True, skip_host="host" in {k.lower() for k in headers or {}})
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def chinese_json(body: bytes) -> str:
    detail = json.loads(body)["detail"]
    assert CJK.search(detail), detail
    return detail


# --- 1. every question is limited before it is stored or echoed; history is bounded -------------

def test_huge_question_posted_to_the_chat_queue_is_neither_stored_nor_echoed(open_base):
    chat = RawChat(open_base, session="huge")
    try:
        joined = chat.join(chat.post_fn, ["谁负责" + "x" * 900_000, None])  # 900 KB of question
        if joined.status_code == 200:
            message = chat.result(joined.json()["event_id"])
            assert len(json.dumps(message, ensure_ascii=False)) < 20_000
        else:
            assert joined.status_code == 413 and CJK.search(joined.text)
        history = chat.ask("谁负责校园欺凌防治?")
        assert len(json.dumps(history, ensure_ascii=False)) < 200_000
    finally:
        chat.close()


def test_chat_history_keeps_bounded_turns_and_characters(open_base):
    from ui.chat import HISTORY, HISTORY_CHARS

    chat = RawChat(open_base, session="many")
    try:
        for n in range(HISTORY // 2 + 3):
            history = chat.ask(f"市民政局负责哪些工作?{'请' * 1900}" if n % 2 else "市民政局负责哪些工作?")
        assert len(history) <= HISTORY
        assert sum(len(str(m.get("content"))) for m in history) <= HISTORY_CHARS
        asked = [m for m in history if m["role"] == "user"]
        assert all(len(str(m["content"])) <= LIMIT * 1.2 for m in asked), max(len(str(m["content"])) for m in asked)
        assert any("问题太长" in str(m["content"]) for m in history)
    finally:
        chat.close()


def test_chat_queue_keeps_no_growing_event_record(service, settings):
    """Gradio records every chat event for its monitoring (off here) and rebuilds a pandas
    summary of them after each one: memory and CPU per turn that grow with traffic."""
    from ui.server import create_app

    app = create_app(service, dataclasses.replace(settings, auth_token=""))
    with running(app) as base:
        chat = RawChat(base, session="analytics")
        try:
            for question in ("谁负责校园欺凌防治?", "那配合单位呢?", "孩子被霸凌找谁?"):
                chat.ask(question)
        finally:
            chat.close()
    queues = [gradio_app.get_blocks()._queue for gradio_app in app.state.gradio_apps]
    assert sum(q.events_recorded for q in queues) >= 6  # two events per turn went through the queue
    assert all(len(q.event_analytics) <= 1 for q in queues), [len(q.event_analytics) for q in queues]
    assert all(q.event_count_at_last_cache == 0 for q in queues), "a pandas summary was rebuilt"


def test_widget_first_question_from_the_url_is_limited(open_base):
    """?q= is asked on page load (demo.load): a long one is cut before it is shown or stored."""
    chat = RawChat(open_base, path="/widget", session="first")
    try:
        config = chat.http.get("/config").json()
        load_fn = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "first_question")
        chat.http.params = {"q": "欺" * 5000}
        joined = chat.http.post("/gradio_api/queue/join?q=" + "欺" * 5000, json={
            "data": [None], "fn_index": load_fn, "trigger_id": None, "session_hash": "first", "event_data": None})
        if joined.status_code == 200:
            message = chat.result(joined.json()["event_id"])
            assert len(json.dumps(message, ensure_ascii=False)) < 5000
        else:
            assert joined.status_code in (413, 414, 431)
    finally:
        chat.close()


def test_api_refuses_a_long_question_without_echoing_it(open_base):
    response = httpx.post(open_base + "/api/ask", json={"question": "欺" * 20_000})
    assert response.status_code == 422
    assert "欺欺欺欺欺欺" not in response.text


# --- 2. ?token= redirects stay on this site ---------------------------------------------------------

EVIL_PATHS = ["//evil.example/", "/%5Cevil.example", "/%5C%5Cevil.example/", "/%09/evil.example",
              "/%2F%2Fevil.example", "/%2f%2fevil.example/x", "/\\evil.example", "/%0d%0aSet-Cookie:%20x=1",
              "/%0D%0ALocation:%20http://evil.example", "/%E2%80%AE/evil", "///evil.example"]


@pytest.mark.parametrize("path", EVIL_PATHS)
def test_token_redirect_goes_only_to_a_path_on_this_site(locked_base, path):
    status, headers, _ = raw(locked_base, f"{path}?token={TOKEN}", headers={"Host": urlsplit(locked_base).netloc})
    assert status == 303, (status, headers)
    location = headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert not re.search(r"[\x00-\x20\\]", location), location
    target = urlsplit(urljoin(locked_base + "/", location))
    assert target.netloc == urlsplit(locked_base).netloc, location
    assert "set-cookie" in {k.lower() for k in headers} and "x=1" not in headers.get("set-cookie", "")


# --- 5. the widget works cross-site over HTTP with a header token ----------------------------------

def test_widget_page_opens_without_a_cookie_and_asks_with_the_header_token(locked_base):
    page = httpx.get(locked_base + "/widget/?q=x")  # a cross-site iframe gets no cookie
    assert page.status_code == 200, page.text[:200]
    assert "X-QA-Token" in page.text  # the page's script sends the token taken from the fragment
    assert httpx.post(locked_base + "/widget/gradio_api/queue/join", json={}).status_code == 401
    assert httpx.get(locked_base + "/api/units").status_code == 401
    assert httpx.get(locked_base + "/").status_code == 401
    chat = RawChat(locked_base, path="/widget", headers={"X-QA-Token": TOKEN}, session="widget")
    try:
        history = chat.ask("谁负责校园欺凌防治?")
        assert "提升校园安全管理" in json.dumps(history, ensure_ascii=False)
    finally:
        chat.close()


def test_token_cookie_is_samesite_none_secure_behind_https(locked_base):
    response = httpx.get(f"{locked_base}/widget/?token={TOKEN}", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_widget_script_hands_the_token_over_in_the_fragment_only():
    script = (ROOT / "ui" / "static" / "widget.js").read_text(encoding="utf-8")
    assert 'searchParams.set("token"' not in script
    assert "#token=" in script or "url.hash" in script


# --- 8. logs escape control and bidi characters; unexpected errors get an id --------------------

class Exploding:
    """A service whose answers fail unexpectedly (a bug, not a user error)."""

    def __init__(self, real):
        self.real = real
        self.index = real.index
        self.settings = real.settings
        self.encoder = real.encoder

    def __getattr__(self, name):  # everything but answering (examples, reload…) as the real one
        return getattr(self.real, name)

    def ask(self, question, top_k=None, *args, **kwargs):
        raise RuntimeError("boom in " + question)


class Blocked(Exploding):
    """A service whose answers wait until ``release`` is set (at most a minute), then answer."""

    def __init__(self, real, release: threading.Event):
        super().__init__(real)
        self.release = release

    def ask(self, question, top_k=None, *args, **kwargs):
        self.release.wait(60)
        return self.real.ask(question, top_k, *args, **kwargs)


def test_unexpected_error_logs_one_line_with_the_id_the_response_shows(service, settings, tmp_path, caplog):
    from ui.server import create_app

    debug = tmp_path / "debug.log"
    app = create_app(Exploding(service), dataclasses.replace(settings, auth_token="", debug_log=debug))
    with caplog.at_level(logging.DEBUG), running(app) as base:
        response = httpx.post(base + "/api/ask", json={"question": "谁负责校园欺凌防治?"})
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    detail = response.json()["detail"]
    error_id = response.json()["error_id"]
    assert CJK.search(detail) and error_id in detail
    lines = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records if r.name != "qa.debug"), [
        r.name for r in caplog.records if r.exc_info]
    assert "Traceback" in debug.read_text(encoding="utf-8") and error_id in debug.read_text(encoding="utf-8")


def test_log_lines_escape_control_and_bidi_characters():
    from ui.logs import SafeFormatter

    record = logging.LogRecord("qa.chat", logging.INFO, __file__, 1, "chat %s", ("a\rb\x1b[31mc\x07d\u202ee\u2066f",), None)
    line = SafeFormatter("%(message)s").format(record)
    assert not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", line), repr(line)
    assert "\\r" in line and "\\x1b" in line and "\\u202e" in line


# --- 9. state-changing routes check Origin; Host is checked against DNS rebinding -----------------

def test_cross_site_page_cannot_reload_an_open_server(open_base):
    evil = httpx.post(open_base + "/api/reload", headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403 and CJK.search(evil.json()["detail"])
    site = httpx.post(open_base + "/api/reload", headers={"Sec-Fetch-Site": "cross-site"})
    assert site.status_code == 403
    assert httpx.post(open_base + "/api/reload", headers={"Origin": open_base}).status_code == 200
    assert httpx.post(open_base + "/api/reload").status_code == 200  # curl on this machine


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "127.0.0.1.nip.io", "rebind.attacker.test:80"])
def test_foreign_host_header_is_refused(open_base, host):
    status, _, body = raw(open_base, "/api/units", headers={"Host": host})
    assert status == 400
    chinese_json(body)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]:8000", "portal.example"])
def test_own_host_names_are_accepted(locked_base, host):
    status, _, _ = raw(locked_base, "/healthz", headers={"Host": host})
    assert status == 200


def test_exposed_host_without_a_token_warns(settings):
    from ui.server import exposure_warnings

    exposed = exposure_warnings(dataclasses.replace(settings, host="0.0.0.0", auth_token=""))
    assert exposed and CJK.search(exposed[0])
    assert exposure_warnings(dataclasses.replace(settings, host="127.0.0.1", auth_token="")) == []
    assert exposure_warnings(dataclasses.replace(settings, host="0.0.0.0", auth_token="t")) == []


# --- 10. a wildcard origin is refused -------------------------------------------------------------

@pytest.mark.parametrize("origin", ["*", "https://*.example.gov.cn", "null", "portal.example"])
def test_serve_refuses_a_wildcard_or_malformed_origin(origin, tmp_path):
    out = subprocess.run([sys.executable, "-m", "qa", "serve", "--allow-origin", origin, "--port", str(free_port()),
                          "--index", str(tmp_path / "none")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out
    assert CJK.search(out.stderr) and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


# --- 12. errors are Chinese with the right status --------------------------------------------------

def test_disallowed_preflight_is_chinese_json(locked_base):
    response = httpx.options(locked_base + "/api/ask", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 400
    assert "application/json" in response.headers["content-type"]
    chinese_json(response.content)


@pytest.mark.parametrize("method, path, allow", [
    ("PUT", "/", "GET"), ("DELETE", "/widget/", "GET"), ("GET", "/api/ask", "POST"), ("OPTIONS", "/api/ask", "POST"),
    ("HEAD", "/api/ask", "POST"), ("GET", "/api/reload", "POST"), ("POST", "/api/units", "GET"),
    ("PUT", "/healthz", "GET")])
def test_wrong_method_is_405_with_allow_in_chinese(open_base, method, path, allow):
    status, headers, body = raw(open_base, path, method=method)
    assert status == 405, (status, body[:200])
    assert allow in headers.get("allow", ""), headers
    if method != "HEAD":
        chinese_json(body)


def test_head_healthz_works(open_base):
    assert httpx.head(open_base + "/healthz").status_code == 200


def test_full_chat_queue_says_so_in_chinese(service, settings):
    from ui.server import create_app

    release = threading.Event()
    app = create_app(Blocked(service, release), dataclasses.replace(settings, auth_token=""))
    with running(app) as base:
        chats = [RawChat(base, path="/widget", session=f"s{n}") for n in range(80)]
        try:
            refused = None
            for chat in chats:
                for fn in (chat.post_fn, chat.answer_fn):  # the answers block, the queue fills
                    joined = chat.join(fn, ["谁负责校园欺凌防治?", None] if fn == chat.post_fn else [None, None, None])
                    if joined.status_code != 200:
                        refused = joined
                        break
                    if fn == chat.post_fn:
                        chat.result(joined.json()["event_id"])
                if refused is not None:
                    break
            assert refused is not None, "the queue never filled"
            assert refused.status_code == 503 and CJK.search(refused.json()["detail"]), refused.text
            assert "retry-after" in refused.headers
        finally:
            release.set()
            for chat in chats:
                chat.close()


def test_reload_failure_names_no_absolute_path(service, settings, tmp_path):
    import shutil

    from qa.service import QAService
    from ui.server import create_app

    own_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir, own_dir)
    own = QAService(service.index, service.encoder, dataclasses.replace(settings, index_dir=own_dir))
    (own_dir / "CURRENT").write_bytes(b"build-\xff\xfe\x00")
    with running(create_app(own, own.settings)) as base:
        response = httpx.post(base + "/api/reload")
        assert response.status_code == 409, response.text
        assert response.headers["x-content-type-options"] == "nosniff"
        detail = chinese_json(response.content)
        assert str(tmp_path) not in detail and "/" not in detail.replace("python -m qa", ""), detail
        assert httpx.get(base + "/healthz").json()["items"] == len(service.index.items)


# --- 13. /healthz does not wait behind answers ------------------------------------------------------

def test_healthz_answers_while_every_worker_is_busy(service, settings):
    from ui.server import create_app

    release = threading.Event()
    with running(create_app(Blocked(service, release), dataclasses.replace(settings, auth_token=""))) as base:
        askers = [threading.Thread(target=lambda: httpx.post(base + "/api/ask", json={"question": "谁?"}, timeout=90))
                  for _ in range(48)]
        for t in askers:
            t.start()
        try:
            time.sleep(1.5)
            started = time.perf_counter()
            health = httpx.get(base + "/healthz", timeout=10)
            took = time.perf_counter() - started
            assert health.status_code == 200 and took < 2, took
        finally:
            release.set()
            for t in askers:
                t.join(30)


def test_reload_racing_a_build_gives_a_clear_message(service, settings, tmp_path, monkeypatch):
    import shutil

    from qa import index as index_module
    from qa.errors import QAError

    own_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir, own_dir)
    real_load = index_module.load_faiss

    def vanish(path):
        shutil.rmtree(Path(path).parent)  # the build removes this folder while we read it
        return real_load(path)

    monkeypatch.setattr(index_module, "load_faiss", vanish)
    with pytest.raises(QAError) as raised:
        index_module.load_index(own_dir)
    assert not re.search(r"[A-Za-z]+Error", str(raised.value)) and "重新" in str(raised.value), str(raised.value)


# --- the real `serve`: idle and slow connections, the log, the token file ------------------------

@pytest.fixture(scope="module")
def served(service, settings, tmp_path_factory):
    """`python -m qa serve` with the token in a file and short connection timeouts."""
    folder = tmp_path_factory.mktemp("served")
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    log = open(folder / "stderr.log", "w+b")
    port = free_port()
    env = {**os.environ, "QA_AUTH_TOKEN_FILE": str(token_file), "QA_HEADER_TIMEOUT": "2", "QA_BODY_TIMEOUT": "3",
           "QA_AUTH_TOKEN": ""}
    server = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--index", str(settings.index_dir),
                               "--port", str(port)], cwd=ROOT, stdout=log, stderr=log, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        assert server.poll() is None, (folder / "stderr.log").read_text(errors="replace")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "serve did not start"
        time.sleep(0.3)
    try:
        yield {"base": base, "pid": server.pid, "log": folder / "stderr.log"}
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_token_file_keeps_the_token_out_of_ps(served):
    assert TOKEN.encode() not in Path(f"/proc/{served['pid']}/cmdline").read_bytes()
    assert TOKEN.encode() not in Path(f"/proc/{served['pid']}/environ").read_bytes()
    assert httpx.get(served["base"] + "/api/units").status_code == 401
    assert httpx.get(served["base"] + "/api/units", headers={"X-QA-Token": TOKEN}).status_code == 200


def test_idle_and_slow_connections_are_closed(served):
    assert_slow_connections_closed(served["base"], {"X-QA-Token": TOKEN})


def test_log_of_the_real_server_escapes_control_and_bidi_characters(served):
    headers = {"X-QA-Token": TOKEN}
    evil = "谁负责\r\x1b[2J\x1b[31m校园\x07欺凌\u202e防治?"
    httpx.post(served["base"] + "/api/ask", json={"question": evil}, headers=headers, timeout=60)
    chat = RawChat(served["base"], headers=headers, session="log")
    try:
        chat.ask(evil)
    finally:
        chat.close()
    time.sleep(0.5)
    log = served["log"].read_bytes().decode("utf-8", "replace")
    lines = [line for line in log.splitlines() if "校园" in line]
    assert len(lines) >= 2, log[-2000:]
    for line in lines:
        assert not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", line), repr(line)
    assert "\r" not in log and "\x1b" not in log and "\x07" not in log and "\u202e" not in log
    assert "Traceback" not in log
