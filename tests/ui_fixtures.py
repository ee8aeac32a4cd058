"""Helpers for the server tests: the real app under uvicorn on a free loopback port.

Imported by tests/test_api.py, test_server_security.py and test_browser.py; each
module starts one server (or two) and shares it between its tests.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

CJK = re.compile(r"[\u4e00-\u9fff]")
URL = re.compile(r"""https?://[A-Za-z0-9.\-\[\]:]+|(?<=src=["'])//[^"'/]+|(?<=href=["'])//[^"'/]+|(?<=url\()//[^)/]+""")
# XML namespace names in inline SVG are identifiers, never fetched.
NAMESPACES = ("http://www.w3.org",)


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
