"""What every response carries and who may get one: headers, the shared token, origins, Gradio routes.

Everything here is plain ASGI so that Gradio's streamed (SSE) responses pass
through untouched; ``BaseHTTPMiddleware`` would buffer them.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

COOKIE = "qa_session"
TOKEN_HEADER = b"x-qa-token"
OPEN_PATHS = ("/healthz", "/widget.js")  # no data behind them: monitors and host pages need them
# The console checks its own (admin) token: the user token neither opens nor blocks it.
ADMIN_PREFIXES = ("/admin/", "/api/admin/")
API_BODY_LIMIT = 64 * 1024  # a question is at most a few KB of JSON
BODY_LIMIT = 1024 * 1024  # the chat sends one question per event, its history stays server-side

# Gradio routes the chat page really uses; everything else Gradio offers (file=, upload, proxy=,
# run history, monitoring, MCP, vibe editing…) answers 404 so it cannot read or store files.
GRADIO_ALLOWED = re.compile(
    r"^/(?:"
    r"|config/?|theme\.css|favicon\.ico|manifest\.json|robots\.txt"
    r"|assets/[\w\-.]+(?:/[\w\-.]+)*|static/[\w\-.]+(?:/[\w\-.]+)*"
    r"|gradio_api/(?:queue/join|queue/data|heartbeat/[\w\-]+|cancel)"
    r")$"
)


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison; an unset token on the server never matches."""
    if not token or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


def session_value(token: str) -> str:
    """What the cookie holds: derived from the token, so the cookie never reveals it."""
    return hmac.new(token.encode("utf-8"), b"policy-qa session", hashlib.sha256).hexdigest()


def is_admin_path(path: str) -> bool:
    return path == "/admin" or path.startswith(ADMIN_PREFIXES)


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


def security_headers(allow_origins: tuple[str, ...]) -> list[tuple[bytes, bytes]]:
    """Headers on every response: only our own host may serve anything to our pages."""
    ancestors = " ".join(["'self'", *allow_origins])
    csp = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if not allow_origins:
        headers.append((b"x-frame-options", b"SAMEORIGIN"))
    return headers


class Guard:
    """Outer middleware: security headers, body size limits, and the optional shared token.

    With a token set, a request needs ``Authorization: Bearer <token>``, ``X-QA-Token``
    or the session cookie. ``?token=`` on a page sets the cookie and redirects to the
    same URL without it, so the token does not stay in the address bar or history.
    """

    def __init__(self, app, allow_origins: tuple[str, ...] = (), auth_token: str = "",
                 upload_limit: int = BODY_LIMIT):
        self.app = app
        self.upload_limit = upload_limit  # console uploads (checked again, by content, in qa.admin.uploads)
        self.headers = security_headers(tuple(allow_origins))
        self.token = auth_token
        # Cross-site frames only get the cookie with SameSite=None, which browsers accept on HTTPS only.
        self.cross_site = bool(allow_origins)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        if is_admin_path(scope["path"]):
            limit = self.upload_limit
        else:
            limit = API_BODY_LIMIT if scope["path"].startswith("/api/") else BODY_LIMIT
        if _declared_length(scope) > limit:
            await _reply(send, 413, "请求内容过大。")
            return
        if self.token and not self._allowed(scope):
            given = _query_token(scope)
            if given is not None and token_matches(given, self.token) and scope["method"] == "GET":
                await self._set_cookie_and_redirect(scope, send)
                return
            await _reply(send, 401, "需要访问令牌:请在请求头 Authorization: Bearer <令牌> 中提供,"
                                    "或在网址后加 ?token=<令牌> 打开页面。", _wants_html(scope))
            return
        scope["qa"] = {}
        await self.app(scope, _limited(receive, limit, scope["qa"]), send)

    def _with_headers(self, send):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)
        return wrapped

    def _allowed(self, scope) -> bool:
        if scope["path"] in OPEN_PATHS or is_admin_path(scope["path"]):
            return True
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            return True  # CORS preflights never carry credentials; the real request is checked
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        if auth[:7].lower() == "bearer " and token_matches(auth[7:].strip(), self.token):
            return True
        if token_matches(headers.get(TOKEN_HEADER, b"").decode("latin-1") or None, self.token):
            return True
        cookie = _cookie(scope, COOKIE)
        return cookie is not None and hmac.compare_digest(cookie.encode(), session_value(self.token).encode())

    async def _set_cookie_and_redirect(self, scope, send):
        query = urlencode([(k, v) for k, v in parse_qsl(scope["query_string"].decode("latin-1"))
                           if k != "token"])
        location = scope.get("root_path", "") + scope["path"] + (f"?{query}" if query else "")
        secure = scope.get("scheme") == "https"
        same_site = "None; Secure" if self.cross_site and secure else "Lax" + ("; Secure" if secure else "")
        cookie = f"{COOKIE}={session_value(self.token)}; Path=/; HttpOnly; SameSite={same_site}"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode()),
            (b"cache-control", b"no-store"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def gradio_only_chat_routes(app):
    """Wrap a mounted Gradio app so only the routes the chat page needs are reachable."""

    async def guarded(scope, receive, send):
        if scope["type"] == "http":
            root = scope.get("root_path", "")
            path = scope["path"][len(root):] if scope["path"].startswith(root) else scope["path"]
            if ".." in path or not GRADIO_ALLOWED.match(path or "/"):
                await _reply(send, 404, "未找到。")
                return
        await app(scope, receive, send)

    return guarded


FOREIGN_META = re.compile(rb"<meta\b[^>]*\bcontent=\"https?://[^\"]*\"[^>]*>")


def without_foreign_links(app):
    """Gradio's page template names gradio.app and GitHub in its og:/twitter: meta tags.

    Browsers do not fetch them, but our pages promise to reference no host but their
    own, so HTML responses are rewritten without them (they are small: one page each).
    """

    async def rewritten(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start, chunks = None, []

        async def capture(message):
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if not kind.startswith(b"text/html"):
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                body = FOREIGN_META.sub(b"", b"".join(chunks))
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return rewritten


def _declared_length(scope) -> int:
    try:
        return int(_header(scope, b"content-length") or 0)
    except ValueError:
        return 0


def _limited(receive, limit: int, scope_flags: dict):
    """Stop reading a body (also a chunked one) once it passes the limit.

    FastAPI turns any error while reading a body into a 400, so the scope is flagged
    too and the API's error handler answers 413 instead.
    """
    seen = 0

    async def wrapped():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                scope_flags["too_large"] = True
                raise BodyTooLarge()
        return message

    return wrapped


class BodyTooLarge(Exception):
    """A body without Content-Length grew past the limit (the API answers 413)."""


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _cookie(scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header is the same as none
        return None
    return jar[name].value if name in jar else None


def _query_token(scope) -> str | None:
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if key == "token":
            return value
    return None


def _wants_html(scope) -> bool:
    return scope["method"] == "GET" and "text/html" in (_header(scope, b"accept") or "")


async def _reply(send, status: int, message: str, html: bool = False):
    if html:
        body = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>政策问答</title>"
                f"<p style=\"font-family:sans-serif;padding:2em\">{message.replace('<', '&lt;')}</p></html>")
        payload, kind = body.encode("utf-8"), b"text/html; charset=utf-8"
    else:
        payload, kind = json.dumps({"detail": message}, ensure_ascii=False).encode(), b"application/json"
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", kind), (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": payload})
