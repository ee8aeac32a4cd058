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
        for route in self.routes:
            methods = getattr(route, "methods", None)
            if methods is None:
                continue  # mounts: the chat checks its own methods
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return None
            if match is Match.PARTIAL:
                partial |= set(methods)
        return partial or None
