"""A bounded queue in front of the app: past ``limit`` requests in flight, answer 503 at once.

Beyond capacity a client is better served by "busy, retry in a second" than by a request
that waits until a timeout somewhere. ``/healthz`` is never turned away, so a load
balancer can still see the process is alive. Pure ASGI: it counts a request from its
start to the end of its response, including a streamed one.
"""

from __future__ import annotations

import json

RETRY_AFTER_S = 1
BUSY = json.dumps({"detail": "服务繁忙,请稍后再试。"}, ensure_ascii=False).encode("utf-8")
EXEMPT = ("/healthz",)


class Admission:
    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit
        self.in_flight = 0  # one event loop per process: no lock needed

    @property
    def state(self):  # the wrapped app's state (uvicorn's shutdown hook reads it)
        return self.app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path") in EXEMPT:
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            return await _busy(send)
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _busy(send) -> None:
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(BUSY)).encode()),
        (b"retry-after", str(RETRY_AFTER_S).encode())]})
    await send({"type": "http.response.body", "body": BUSY})
