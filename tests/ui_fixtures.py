"""Helpers for the server tests: the real app under uvicorn on a free loopback port.

Imported by tests/test_api.py, test_server_security.py and test_browser.py; each
module starts one server (or two) and shares it between its tests.
"""

from __future__ import annotations

from pathlib import Path

import contextlib
import re
import socket
import threading
import time

CJK = re.compile(r"[\u4e00-\u9fff]")
URL = re.compile(r"""https?://[A-Za-z0-9.\-\[\]:]+|(?<=src=["'])//[^"'/]+|(?<=href=["'])//[^"'/]+|(?<=url\()//[^)/]+""")
# XML namespace names in inline SVG are identifiers, never fetched.
NAMESPACES = ("http://www.w3.org",)


def assert_slow_connections_closed(base: str, headers: dict | None = None, within: float = 15.0) -> None:
    """Silent, slow-header and slow-body connections to a `serve` started with
    QA_HEADER_TIMEOUT=2 and QA_BODY_TIMEOUT=3 are all closed within ``within`` seconds."""
    import httpx

    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items()).encode()
    socks = []
    for n in range(30):
        s = socket.create_connection((host, port))
        if n % 3 == 1:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # headers never finish
        elif n % 3 == 2:
            s.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      + extra + b"Content-Length: 1000\r\n\r\n{\"question\": ")
        socks.append(s)
    deadline = time.monotonic() + within
    closed = set()
    while len(closed) < len(socks) and time.monotonic() < deadline:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            s.settimeout(0.01)
            try:
                if s.recv(65536) == b"":  # an error reply (408) may come first, then the close
                    closed.add(i)
                    continue
            except socket.timeout:
                pass
            except OSError:
                closed.add(i)
                continue
            if i % 3 == 1:
                try:
                    s.sendall(b"x")  # a byte now and then keeps a slowloris alive unless bounded
                except OSError:
                    closed.add(i)
        time.sleep(0.2)
    for s in socks:
        s.close()
    assert len(closed) == len(socks), f"{len(socks) - len(closed)} connections still open after {within:.0f} s"
    assert httpx.get(base + "/healthz", headers=headers).status_code == 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running(app):
    """Serve ``app`` in a background thread; yield its base URL; stop it afterwards."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                            server_header=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def foreign_hosts(text: str, own: str) -> set[str]:
    """Hosts other than ``own`` that a page or stylesheet names in a URL."""
    own_host = own.split("://", 1)[-1]
    found = set()
    for match in URL.finditer(text):
        url = match.group(0)
        if url.startswith(NAMESPACES):
            continue
        host = url.split("//", 1)[1]
        if host != own_host:
            found.add(host)
    return found


class RawChat:
    """Talks to a mounted Gradio chat the way a script would: straight to the queue, no browser.

    ``ask(question)`` joins the `post` event and then its `answer` follow-up for one session,
    as the page does, and returns the last value the server sent for the chatbot.
    """

    def __init__(self, base: str, path: str = "/", headers: dict | None = None, session: str = "raw"):
        import httpx

        self.http = httpx.Client(base_url=base.rstrip("/") + path.rstrip("/"), headers=headers or {}, timeout=120)
        config = self.http.get("/config").json()
        box = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "qa-question")
        deps = self.config_deps = config["dependencies"]
        self.post_fn = next(d["id"] for d in deps if [box, "submit"] in [list(t) for t in d["targets"]])
        self.answer_fn = next(d["id"] for d in deps if d.get("trigger_after") == self.post_fn)
        self.box = box
        self.session = session

    def join(self, fn: int, data: list):
        """POST /gradio_api/queue/join; returns the response (200 with an event id, or an error)."""
        return self.http.post("/gradio_api/queue/join", json={
            "data": data, "fn_index": fn, "trigger_id": self.box, "session_hash": self.session,
            "event_data": None})

    def result(self, event_id: str) -> dict:
        """Read the session's event stream until ``event_id`` completes; its final message."""
        import json

        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                    return message
        raise AssertionError("the event stream ended before the event completed")

    def run(self, fn: int, data: list) -> dict:
        joined = self.join(fn, data)
        assert joined.status_code == 200, joined.text[:300]
        return self.result(joined.json()["event_id"])

    def ask(self, question: str) -> list:
        posted = self.run(self.post_fn, [question, None])
        inputs = len(next(d for d in self.config_deps if d["id"] == self.answer_fn)["inputs"])
        answered = self.run(self.answer_fn, [None] * inputs)  # pending, history (and conversation)
        chatbot = (answered.get("output") or {}).get("data", [None])[0]
        if chatbot is None or isinstance(chatbot, dict) and chatbot.get("__type__") == "update":
            chatbot = (posted.get("output") or {}).get("data", [None])[0]
        return chatbot

    def close(self):
        self.http.close()


CHROMIUM = Path("/usr/bin/chromium")  # Debian's: a browser download by Playwright is impossible offline
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "s3cret-Tok3n"  # the shared user token of the locked test server
PORTAL = "http://portal.example"  # the intranet page allowed to frame and call it
