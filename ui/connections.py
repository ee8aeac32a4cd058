"""How long a client may hold a connection without finishing a request.

uvicorn closes idle kept-alive connections (``timeout_keep_alive``) but sets no limit on
a fresh connection that sends nothing, or sends its headers or body a byte at a time
(slowloris); h11 bounds only their size. ``bounded_h11`` adds the two missing clocks
to uvicorn's own h11 protocol: headers complete within ``header_timeout`` seconds of the
request's first byte (or of the connection opening), the body within ``body_timeout``
seconds of the headers. Responses (the chat's long event streams) are never cut.
"""

from __future__ import annotations

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEADER_BYTES = 16 * 1024


class BoundedH11Protocol(H11Protocol):
    header_timeout: float = 10.0
    body_timeout: float = 30.0

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._deadline = None
        self._waiting_for = None
        self._arm("headers", self.header_timeout)

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        if self._deadline is None and (before is None or before.response_complete):
            self._arm("headers", self.header_timeout)  # the first byte of a next request
        super().data_received(data)
        self._follow(before)

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        if self._waiting_for == "body":
            self._disarm()
        super().on_response_complete()

    def _follow(self, before) -> None:
        cycle = self.cycle
        if cycle is not None and cycle is not before:  # a request's headers are complete
            self._disarm()
            if cycle.more_body:
                self._arm("body", self.body_timeout)
        elif cycle is not None and not cycle.more_body and self._waiting_for == "body":
            self._disarm()

    def _arm(self, what: str, seconds: float) -> None:
        self._disarm()
        self._waiting_for = what
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
        self._deadline = None
        self._waiting_for = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def bounded_h11(header_timeout: float, body_timeout: float) -> type[BoundedH11Protocol]:
    return type("BoundedH11Protocol", (BoundedH11Protocol,),
                {"header_timeout": float(header_timeout), "body_timeout": float(body_timeout)})


class WorkerH11Protocol(BoundedH11Protocol):
    """The same clocks for ``serve --workers N``. uvicorn hands its spawned workers the
    protocol by import name (a class made at run time cannot be pickled), so each worker
    sets this class's limits from its settings before it serves (ui.workers.worker_app)."""

    @classmethod
    def limit(cls, settings) -> None:
        cls.header_timeout = float(settings.header_timeout)
        cls.body_timeout = float(settings.body_timeout)


WORKER_PROTOCOL = f"{__name__}:WorkerH11Protocol"


def server_options(settings, http) -> dict:
    """What single-process and workers serving share: quiet, no server header, bounded connections."""
    return dict(log_level="warning",
                access_log=False,  # access lines would carry ?token= and client addresses
                server_header=False, timeout_graceful_shutdown=3, http=http,
                timeout_keep_alive=settings.keep_alive_timeout, h11_max_incomplete_event_size=MAX_HEADER_BYTES)


def server_config(app, settings, **extra):
    """The uvicorn configuration `serve` runs with: loopback by default, quiet, bounded connections."""
    import uvicorn

    return uvicorn.Config(app, host=settings.host, port=settings.port,
                          **server_options(settings, bounded_h11(settings.header_timeout, settings.body_timeout)),
                          **extra)
