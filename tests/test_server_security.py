"""Server-side security over real HTTP: headers, CORS, the shared token, file access, uploads, bind host.

Two servers for the module: an open one as `serve` starts by default, and one
started with a token and one allowed origin.
"""

from __future__ import annotations

import dataclasses
import http.client
import signal
from urllib.parse import urlsplit

import httpx
import pytest

from tests.ui_fixtures import CJK, PORTAL, TOKEN, foreign_hosts

pytestmark = pytest.mark.model





def raw_get(base: str, path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send the path byte for byte: httpx would resolve ../ before sending."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- headers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/widget/", "/api/units", "/healthz", "/docs", "/demo", "/widget.js"])
def test_every_response_carries_the_security_headers(open_base, path):
    response = httpx.get(open_base + path)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and csp.rstrip().endswith("frame-ancestors 'self'")
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp


def test_allowed_origin_may_frame_the_chat(locked_base):
    response = httpx.get(locked_base + "/widget/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert f"frame-ancestors 'self' {PORTAL}" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers


def test_error_responses_carry_the_headers_too(open_base):
    response = httpx.post(open_base + "/api/ask", json={"question": ""})
    assert response.status_code == 422
    assert response.headers["x-content-type-options"] == "nosniff"


def test_server_does_not_announce_itself(open_base):
    assert "server" not in httpx.get(open_base + "/healthz").headers


# --- CORS ----------------------------------------------------------------------------------------

def preflight(base: str, origin: str) -> httpx.Response:
    return httpx.options(base + "/api/ask", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization"})


def test_cors_allows_the_configured_origin_only(locked_base):
    allowed = preflight(locked_base, PORTAL)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    assert allowed.headers.get("access-control-allow-credentials") != "true"
    refused = preflight(locked_base, "http://evil.example")
    assert "access-control-allow-origin" not in refused.headers

    headers = {"Origin": PORTAL, "Authorization": f"Bearer {TOKEN}"}
    simple = httpx.post(locked_base + "/api/ask", json={"question": "谁负责校园欺凌防治?"}, headers=headers)
    assert simple.status_code == 200
    assert simple.headers["access-control-allow-origin"] == PORTAL
    other = httpx.get(locked_base + "/api/units", headers={**headers, "Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:3000", "http://127.0.0.1:1"])
def test_cors_allows_no_origin_by_default(open_base, origin):
    for response in (preflight(open_base, origin),
                     httpx.get(open_base + "/api/units", headers={"Origin": origin}),
                     httpx.get(open_base + "/config", headers={"Origin": origin})):
        assert "access-control-allow-origin" not in response.headers
        assert response.headers.get("access-control-allow-credentials") != "true"


# --- the shared token ----------------------------------------------------------------------------

# The widget's page shell (/widget/) opens without the token by design (issue 14, finding 5):
# its requests carry the token in X-QA-Token, and asking through it needs the token.
@pytest.mark.parametrize("method, path", [("GET", "/api/units"), ("POST", "/api/ask"), ("GET", "/"),
                                          ("POST", "/widget/gradio_api/queue/join"), ("GET", "/config"), ("GET", "/docs"),
                                          ("POST", "/api/reload"), ("POST", "/gradio_api/queue/join"),
                                          ("GET", "/api/items/x"), ("GET", "/openapi.json")])
def test_token_is_required_everywhere(locked_base, method, path):
    response = httpx.request(method, locked_base + path, json={"question": "谁负责校园欺凌防治?"})
    assert response.status_code == 401
    assert CJK.search(response.text)


def test_health_and_widget_script_stay_open(locked_base):
    assert httpx.get(locked_base + "/healthz").status_code == 200
    assert httpx.get(locked_base + "/widget.js").status_code == 200


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {TOKEN}"}, {"authorization": f"bearer {TOKEN}"},
                                     {"X-QA-Token": TOKEN}], ids=["bearer", "lowercase", "x-qa-token"])
def test_token_in_a_header_opens_the_api(locked_base, headers):
    response = httpx.post(locked_base + "/api/ask", json={"question": "谁负责校园欺凌防治?"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["results"][0]["title"] == "提升校园安全管理"


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": TOKEN},
                                     {"X-QA-Token": TOKEN[:-1]}, {"Authorization": "Bearer"},
                                     {"Cookie": f"qa_session={TOKEN}"}, {"Cookie": "qa_session=\"; x=1"}],
                         ids=["longer", "no-scheme", "shorter", "empty", "token-as-cookie", "broken-cookie"])
def test_wrong_token_is_refused(locked_base, headers):
    assert httpx.get(locked_base + "/api/units", headers=headers).status_code == 401


def test_token_in_the_url_sets_a_cookie_and_is_dropped_from_the_url(locked_base):
    with httpx.Client(base_url=locked_base) as browser:
        first = browser.get(f"/?token={TOKEN}&lang=zh", headers={"Accept": "text/html"})
        assert first.status_code == 303
        assert first.headers["location"] == "/?lang=zh"
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and TOKEN not in cookie
        assert browser.get("/?lang=zh").status_code == 200  # the client keeps the cookie
        assert browser.get("/widget/").status_code == 200
        assert browser.get("/api/units").status_code == 200
    wrong = httpx.get(f"{locked_base}/?token=wrong", headers={"Accept": "text/html"})
    assert wrong.status_code == 401 and "text/html" in wrong.headers["content-type"]


def test_reload_needs_the_token(locked_base):
    assert httpx.post(locked_base + "/api/reload").status_code == 401
    response = httpx.post(locked_base + "/api/reload", headers={"X-QA-Token": TOKEN})
    assert response.status_code == 200, response.text


def test_token_comparison_is_constant_time_and_never_matches_unset():
    from ui.security import session_value, token_matches

    assert token_matches(TOKEN, TOKEN)
    assert not token_matches(TOKEN + "x", TOKEN)
    assert not token_matches("", "")
    assert not token_matches(None, TOKEN)
    assert session_value(TOKEN) != TOKEN and TOKEN not in session_value(TOKEN)


# --- files and uploads -----------------------------------------------------------------------------

TRAVERSALS = [
    "/file=../../etc/passwd", "/file=/etc/passwd", "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=../../../../etc/passwd", "/gradio_api/file=%2Fetc%2Fpasswd",
    "/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2fpyproject.toml",
    "/assets/../../../pyproject.toml", "/assets/%2e%2e%2f%2e%2e%2fpyproject.toml", "/widget/static/../../../etc/passwd",
    "/widget/gradio_api/file=/etc/passwd", "/static/fonts/../../../../../../../../etc/passwd",
    "/gradio_api/proxy=http://127.0.0.1/", "/proxy=http://example.com/", "/api/items/../../pyproject.toml",
    "/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/widget.js/../pyproject.toml", "//etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_outside_the_static_assets_is_served(open_base, path):
    status, body = raw_get(open_base, path)
    assert 400 <= status < 500, (status, body[:200])
    assert b"root:" not in body and b"[project]" not in body and b"policy-qa" not in body


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/upload", "/widget/gradio_api/upload",
                                  "/gradio_api/upload?upload_id=x", "/gradio_api/process_recording"])
def test_upload_routes_are_closed(open_base, path):
    files = {"files": ("a.txt", b"hello", "text/plain")}
    response = httpx.post(open_base + path, files=files)
    assert response.status_code in (404, 405)


@pytest.mark.parametrize("path", ["/gradio_api/runs", "/monitoring", "/gradio_api/mcp/sse", "/gradio_api/call/answer",
                                  "/gradio_api/vibe-code/", "/gradio_api/run-history/buckets", "/login",
                                  "/gradio_api/dev/reload"])
def test_gradio_extras_are_closed(open_base, path):
    assert httpx.get(open_base + path).status_code == 404


def test_big_bodies_are_refused(open_base):
    response = httpx.post(open_base + "/gradio_api/queue/join", content=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/", "/widget/", "/demo", "/docs", "/theme.css", "/config", "/widget/config"])
def test_pages_reference_no_other_host(open_base, path):
    response = httpx.get(open_base + path)
    assert response.status_code == 200
    assert foreign_hosts(response.text, open_base) == set()


# --- binding -----------------------------------------------------------------------------------------

def test_serve_binds_loopback_by_default_and_reloads_on_sighup(monkeypatch, service):
    """`serve` as the CLI runs it, with uvicorn's loop replaced by a check and a SIGHUP."""
    import os
    import time

    import uvicorn

    from qa.service import QAService
    from qa.settings import Settings
    from ui import server

    own = QAService(service.index, service.encoder, service.settings)  # the reload swaps this one only
    seen = {}

    def fake_run(self):
        seen.update(host=self.config.host, port=self.config.port)
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 30
        while own.index is service.index and time.monotonic() < deadline:
            time.sleep(0.05)

    monkeypatch.setattr(QAService, "open", classmethod(lambda cls, settings, progress=None: own))
    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    messages = []
    defaults = Settings()
    hangup = signal.getsignal(signal.SIGHUP)
    try:
        server.serve(dataclasses.replace(service.settings, host=defaults.host, port=free_port()), messages.append)
    finally:
        signal.signal(signal.SIGHUP, hangup)
    assert defaults.host == "127.0.0.1"
    assert seen["host"] == "127.0.0.1"
    assert any(f"http://127.0.0.1:{seen['port']}/" in m for m in messages)
    assert own.index is not service.index, "SIGHUP did not reload the index"
    assert len(own.index.items) == len(service.index.items)


def test_serve_says_when_the_port_is_taken(service):
    import socket

    from qa.errors import QAError
    from ui import server

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(QAError, match=str(port)):
            server.serve(dataclasses.replace(service.settings, port=port), print)


def free_port() -> int:
    from tests.ui_fixtures import free_port as pick

    return pick()
