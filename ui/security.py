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
from urllib.parse import parse_qsl, quote, urlencode

from . import logs
from .origins import cross_site_write, host_allowed

COOKIE = "qa_session"
TOKEN_HEADER = b"x-qa-token"
OPEN_PATHS = ("/healthz", "/widget.js")  # no data behind them: monitors and host pages need them
# The widget's page shell and its assets hold no data either. A cross-site iframe gets no cookie
# over plain HTTP, so the shell opens without one and then sends the token in X-QA-Token itself
# (widget.js hands it over in the URL fragment, which never reaches a server or a log).
OPEN_SHELL = re.compile(
    r"^/widget/(?:|config/?|theme\.css|favicon\.ico|manifest\.json|robots\.txt"
    r"|assets/[\w\-.]+(?:/[\w\-.]+)*|static/[\w\-.]+(?:/[\w\-.]+)*)$")
API_BODY_LIMIT = 64 * 1024  # a question is at most a few KB of JSON
BODY_LIMIT = 64 * 1024  # the chat sends one question per event, its history stays server-side

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
                 bound_host: str = "127.0.0.1", allowed_hosts: tuple[str, ...] = ()):
        self.app = app
        self.headers = security_headers(tuple(allow_origins))
        self.token = auth_token
        self.allow_origins = tuple(allow_origins)
        self.host_names = (bound_host, *allowed_hosts)
        # Cross-site frames only get the cookie with SameSite=None, which browsers accept on HTTPS only.
        self.cross_site = bool(allow_origins)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        if not host_allowed(_header(scope, b"host"), self.host_names, self.allow_origins):
            await _reply(send, 400, "请求的主机名不在允许之列(Host 头不符)。如经反向代理访问,"
                                    "请用 --allowed-host 或 QA_ALLOWED_HOSTS 加上该主机名。")
            return
        limit = API_BODY_LIMIT if scope["path"].startswith("/api/") else BODY_LIMIT
        if _declared_length(scope) > limit:
            await _reply(send, 413, "请求内容过大。")
            return
        if self.token and scope["method"] == "GET" and token_matches(_query_token(scope), self.token):
            await self._set_cookie_and_redirect(scope, send)
            return
        if self.token and not self._allowed(scope):
            await _reply(send, 401, "需要访问令牌:请在请求头 Authorization: Bearer <令牌> 中提供,"
                                    "或在网址后加 ?token=<令牌> 打开页面。", _wants_html(scope))
            return
        if cross_site_write(scope, self.allow_origins):
            await _reply(send, 403, "不接受来自其他网站的此类请求。")
            return
        scope["qa"] = {}
        await self._call_app(scope, _limited(receive, limit, scope["qa"]), send)

    async def _call_app(self, scope, receive, send):
        """Run the app; an unexpected error is one log line with an id, and a 500 showing that id."""
        started = False

        async def tracking(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as err:  # a bug: never a traceback to the client or the operator's log
            error_id = logs.unexpected(err, f"{scope['method']} {scope['path']}")
            if not started:
                await _reply(send, 500, logs.internal_error_message(error_id), extra={"error_id": error_id})

    def _with_headers(self, send):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)
        return wrapped

    def _allowed(self, scope) -> bool:
        if scope["path"] in OPEN_PATHS:
            return True
        if scope["method"] in ("GET", "HEAD") and OPEN_SHELL.match(scope["path"]):
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
        location = same_site_location(scope.get("root_path", "") + scope["path"], query)
        secure = scope.get("scheme") == "https"
        same_site = "None; Secure" if self.cross_site and secure else "Lax" + ("; Secure" if secure else "")
        cookie = f"{COOKIE}={session_value(self.token)}; Path=/; HttpOnly; SameSite={same_site}"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode()),
            (b"cache-control", b"no-store"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


LEADING_JUNK = re.compile(r"^[/\\\s\x00-\x1f\x7f]+")


def same_site_location(path: str, query: str = "") -> str:
    """A redirect target that can only be a path on this site.

    ``path`` is already percent-decoded, so ``//host``, ``/\\host``, ``/%09/host`` and
    ``/%2F%2Fhost`` all arrive as a path starting with slashes, backslashes or blanks that
    a browser would read as another host. Those are collapsed to one slash and the rest is
    encoded again (CR and LF included), so the header is always one safe line.
    """
    rest = LEADING_JUNK.sub("", path)
    encoded = "/" + quote(rest, safe="/-._~!$&'()*+,;=:@")
    return encoded + (f"?{query}" if query else "")


def gradio_only_chat_routes(app):
    """Wrap a mounted Gradio app so only the routes the chat page needs are reachable."""

    async def guarded(scope, receive, send):
        if scope["type"] == "http":
            root = scope.get("root_path", "")
            path = scope["path"][len(root):] if scope["path"].startswith(root) else scope["path"]
            if ".." in path or not GRADIO_ALLOWED.match(path or "/"):
                await _reply(send, 404, "未找到。")
                return
            allow = GRADIO_POST if path in GRADIO_POST_PATHS else GRADIO_GET
            if scope["method"] not in allow:
                await _reply(send, 405, "不支持该请求方法。", headers=[(b"allow", ", ".join(allow).encode())])
                return
            if path == "/gradio_api/queue/join":
                send = _chinese_queue_full(send)
        await app(scope, receive, send)

    return guarded


GRADIO_POST_PATHS = ("/gradio_api/queue/join", "/gradio_api/cancel")
GRADIO_POST = ("POST",)
GRADIO_GET = ("GET", "HEAD")
QUEUE_RETRY_SECONDS = 5


def _chinese_queue_full(send):
    """Gradio answers a full queue with an English 503; say it in Chinese, with Retry-After."""
    replaced = False

    async def wrapped(message):
        nonlocal replaced
        if message["type"] == "http.response.start" and message["status"] == 503:
            replaced = True
            await _reply(send, 503, "当前提问的人较多,请稍等几秒再试。",
                         headers=[(b"retry-after", str(QUEUE_RETRY_SECONDS).encode())])
            return
        if replaced:
            return  # the original English body is dropped
        await send(message)

    return wrapped


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


async def _reply(send, status: int, message: str, html: bool = False, headers=(), extra=None):
    if html:
        body = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>政策问答</title>"
                f"<p style=\"font-family:sans-serif;padding:2em\">{message.replace('<', '&lt;')}</p></html>")
        payload, kind = body.encode("utf-8"), b"text/html; charset=utf-8"
    else:
        payload = json.dumps({"detail": message, **(extra or {})}, ensure_ascii=False).encode()
        kind = b"application/json"
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", kind), (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": payload})


class PreflightInChinese:
    """Outermost wrapper: Starlette's CORS middleware refuses a preflight in English plain text;
    say it in Chinese JSON like every other error. (A CORSMiddleware subclass would do, but
    Gradio adds its own permissive CORS unless the parent app uses CORSMiddleware itself.)"""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        app = self.app
        if scope["type"] != "http" or scope["method"] != "OPTIONS" or not _header(
                scope, b"access-control-request-method"):
            await app(scope, receive, send)
            return
        refused = False

        async def rewrite(message):
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 400:
                refused = True
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in (b"content-length", b"content-type")]
                await _reply(send, 400, "不允许该网站跨域访问本服务(来源、方法或请求头不在允许之列)。", headers=kept)
                return
            if not refused:
                await send(message)

        await app(scope, receive, rewrite)
