"""One server for everything: the chat at /, the widget chat at /widget/, the JSON API, /docs, /demo.

``create_app(service, settings)`` builds the app around an already loaded
service (tests build one per module); ``serve(settings, info)`` loads the
service once, prints the URL and runs uvicorn until Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path

from fastapi import Request  # at module level: FastAPI resolves route annotations here

HERE = Path(__file__).parent


def offline() -> None:
    """Nothing may phone home: Gradio's telemetry and version checks, or the model hub."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # read by Gradio at import and on every call
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # FastAPI's OpenTelemetry hooks export only when told to by the environment: never here.
    os.environ["FASTAPI_OTEL_AUTO_CONFIGURE"] = "false"
    os.environ["OTEL_SDK_DISABLED"] = "true"


def gradio_bounds() -> None:
    """Gradio's queue records every event for its monitoring dashboard (off here, its routes
    blocked) and, after each event, rebuilds a pandas summary of up to 10,000 such records:
    memory that grows with traffic, and 8 ms of CPU per event that grows to 27 ms at 10,000
    records (two events per chat turn). Keep one record and never summarise. Read when a
    queue is made."""
    os.environ["GRADIO_ANALYTICS_MAX_EVENTS"] = "1"
    os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"] = str(10**9)


offline()  # before anything imports gradio
gradio_bounds()


def create_app(service, settings):
    """The FastAPI app: API routes first, then the two Gradio chats, all behind the guard."""
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

    from qa import __version__

    from . import api, docpage
    from .admin import mount_admin
    from .methods import MethodCheck
    from .origins import check_origins
    from .security import Guard, PreflightInChinese

    offline()
    gradio_bounds()
    check_origins(settings.allow_origins)
    if settings.debug_log:
        from .logs import debug_to

        debug_to(settings.debug_log)
    app = FastAPI(title="政策问答 API", version=__version__, docs_url=None, redoc_url=None,
                  telemetry={"auto_configure": False, "tracing": False, "metrics": False, "logs": False,
                             "operation_spans": False},
                  description="引用政策文件原文回答问题,注明出处和责任单位。所有错误信息均为中文的 detail 字段。")
    app.state.service = service
    app.state.settings = settings
    app.state.on_answer = lambda answer, latency_ms: None  # the question log replaces it (ui.admin)
    api.install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(docpage.router)
    mount_admin(app, service, settings)

    @app.get("/widget.js", include_in_schema=False)
    def widget_js():
        return FileResponse(HERE / "static" / "widget.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @app.get("/demo", include_in_schema=False, response_class=HTMLResponse)
    def demo_page():
        return HTMLResponse((HERE / "demo.html").read_text(encoding="utf-8"))

    @app.get("/widget", include_in_schema=False)
    def widget_slash(request: Request):
        query = request.url.query
        return RedirectResponse("/widget/" + (f"?{query}" if query else ""), status_code=307)

    mount_chat(app, service, settings, "/widget", compact=True)
    mount_chat(app, service, settings, "/", compact=False)
    app.add_middleware(MethodCheck, routes=app.router.routes)
    app.add_middleware(Guard, allow_origins=tuple(settings.allow_origins), auth_token=settings.auth_token,
                       bound_host=settings.host, allowed_hosts=tuple(settings.allowed_hosts),
                       upload_limit=(settings.max_upload_mb + 1) * 1024 * 1024)
    # Outermost, so preflights are answered and error responses still carry CORS headers.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.allow_origins), allow_credentials=False,
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type", "Authorization", "X-QA-Token"],
                       max_age=600)
    app.add_middleware(PreflightInChinese)
    return app


def mount_chat(app, service, settings, path: str, compact: bool) -> None:
    """Mount one Gradio chat at ``path`` with everything that could reach outside turned off."""
    import gradio as gr
    from starlette.routing import Mount

    from .chat import PAGE_HEAD, build_chat, css_paths, theme
    from .security import gradio_only_chat_routes, without_foreign_links

    gr.mount_gradio_app(
        app, build_chat(service, compact=compact, log=chat_log(app)), path=path,
        server_name=settings.host, server_port=settings.port,
        footer_links=[], run_history=False, ssr_mode=False, pwa=False, mcp_server=False,
        enable_monitoring=False, show_error=False, max_file_size=1,
        theme=theme(), css_paths=css_paths(), head=PAGE_HEAD,
    )
    mount = app.router.routes[-1]
    assert isinstance(mount, Mount), "mount_gradio_app no longer appends a Mount"
    app.state.gradio_apps = [*getattr(app.state, "gradio_apps", []), mount.app]
    mount.app = gradio_only_chat_routes(without_foreign_links(mount.app))


def chat_log(app):
    """The question log and feedback store for the chat (ui.admin.Console); None when the console is off."""
    return getattr(app.state, "admin", None)


def serve(settings, info=print) -> None:
    """Load the model and index once, then serve until Ctrl-C (SIGHUP reloads the index)."""
    from qa.errors import QAError
    from qa.service import QAService
    from qa.settings import with_token_file

    from .connections import server_config
    from .logs import log_to_stderr
    from .origins import check_origins

    check_origins(settings.allow_origins)  # before the model loads: a bad option fails at once
    settings = with_token_file(settings)
    if settings.workers > 1:
        from .workers import serve_workers

        return serve_workers(settings, info)
    if not port_free(settings.host, settings.port):
        raise QAError(f"端口 {settings.port} 已被占用,请用 --port 换一个端口。")
    for warning in exposure_warnings(settings):
        info(warning)
    service = QAService.open(settings, info)
    app = create_app(service, settings)
    from .admission import Admission

    app = Admission(app, settings.queue_limit)
    log_to_stderr(settings.debug_log)
    signal.signal(signal.SIGHUP, lambda *_: _reload_in_background(service, settings, info))
    info(f"政策问答已启动:{public_url(settings)}  (API 文档 /docs,按 Ctrl-C 停止)")
    config = server_config(app, settings)
    try:
        stopping_server(config).run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled; the shutdown itself is done
    info("已停止。")


def exposure_warnings(settings) -> list[str]:
    """What to tell the operator before serving beyond this machine without a token."""
    from .security import is_loopback

    if settings.auth_token or is_loopback(settings.host):
        return []
    return [f"警告:服务监听 {settings.host},本机以外也能访问,但没有设置访问令牌;"
            "任何能连到本机的人都能提问和重新加载索引。请用 --auth-token-file 或 QA_AUTH_TOKEN_FILE 设置令牌。"]


def stopping_server(config):
    """A uvicorn server whose Ctrl-C first ends the open chat pages' heartbeat streams,
    which would otherwise hold the shutdown until its timeout."""
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets=None):
            for gradio_app in getattr(self.config.app.state, "gradio_apps", []):
                gradio_app.stop_event.set()
            await super().shutdown(sockets)

    return Server(config)


def public_url(settings) -> str:
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}/"


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _reload_in_background(service, settings, info) -> None:
    """SIGHUP: reload off the signal handler, so serving goes on meanwhile."""
    from qa.errors import QAError

    from .api import reload_index

    def run():
        try:
            index = reload_index(service, settings)
            info(f"索引已重新加载:{len(index.items)} 条工作")
        except QAError as err:
            info(f"重新加载失败,仍在使用原索引:{err}")

    threading.Thread(target=run, name="qa-reload", daemon=True).start()
