"""405 with ``Allow`` for the app's own routes.

The chat is mounted at ``/``, so a request whose path matches an API route but not its
method would otherwise fall through to the mount and answer 404. Starlette's own route
matching (``Match.PARTIAL`` = path matches, method does not) decides, so this stays right
as routes are added.
"""

from __future__ import annotations

from starlette.routing import Match

from .security import _reply


class MethodCheck:
    def __init__(self, app, routes):
        self.app = app
        self.routes = routes  # the app's live route list: routes added later are seen too

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allowed = self.allowed_methods(scope)
        if allowed is not None:
            if scope["method"] == "HEAD" and "GET" in allowed:
                # FastAPI's GET routes do not take HEAD; answer it as a GET (uvicorn drops the body,
                # it still knows the request was HEAD from its own copy of the scope).
                scope = {**scope, "method": "GET"}
            else:
                allow = ", ".join(sorted(allowed | ({"HEAD"} if "GET" in allowed else set())))
                await _reply(send, 405, "不支持该请求方法。", headers=[(b"allow", allow.encode())])
                return
        await self.app(scope, receive, send)

    def allowed_methods(self, scope) -> set[str] | None:
        """None when a route takes the request (or none knows the path); else the methods it takes."""
        partial = set()
        for route in _flat(self.routes):
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return None
            if match is Match.PARTIAL:
                partial |= set(route.methods)
        return partial or None


def _flat(routes):
    """Routes with methods, including those of included routers (FastAPI keeps those as one
    ``_IncludedRouter`` entry holding the original router; prefixes given to the router itself
    are in its routes' paths, a prefix given only to ``include_router`` is not seen here)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes)
        elif getattr(route, "methods", None) is not None:
            yield route  # mounts have none: the chat checks its own methods
