"""``qa serve --workers N``: N server processes on one port, sharing the memory-mapped index.

uvicorn's supervisor starts the workers on one listening socket (the kernel hands each
connection to one of them) and restarts them one by one on SIGHUP, so a reload never
leaves the port unanswered. Each worker loads the encoder and maps the index files
(page cache: one copy for all), gets 1/N of the cores for its encoder, and follows the
index folder's CURRENT pointer, so ``/api/reload`` on any worker (or a new build)
reaches them all.

Settings travel to the workers as ``QA_*`` environment variables, the same way a user
would give them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

WATCH_S = 1.0  # how often a worker looks at CURRENT
log = logging.getLogger("qa")


def serve_workers(settings, info=print) -> None:
    import uvicorn

    from qa.errors import QAError

    from .server import port_free, public_url

    if not port_free(settings.host, settings.port):
        raise QAError(f"端口 {settings.port} 已被占用,请用 --port 换一个端口。")
    if settings.threads == 0:  # N encoders each using every core would only fight over them
        settings = dataclasses.replace(settings, threads=max(1, (os.cpu_count() or 1) // settings.workers))
    _ensure_index(settings, info)
    os.environ.update(settings_env(settings))
    info(f"政策问答已启动({settings.workers} 个进程):{public_url(settings)}  (按 Ctrl-C 停止)")
    from .connections import WORKER_PROTOCOL, server_options

    uvicorn.run("ui.workers:worker_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, timeout_worker_healthcheck=120,
                **server_options(settings, WORKER_PROTOCOL))
    info("已停止。")


def settings_env(settings) -> dict[str, str]:
    env = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value is None:  # unset stays unset: "None" would read as a path or a name
            continue
        env[f"QA_{f.name.upper()}"] = ",".join(value) if isinstance(value, tuple) else str(value)
    return env


def worker_app():
    """One worker: its own service and app, built from the QA_* environment."""
    from qa.service import QAService
    from qa.settings import Settings

    from .admission import Admission
    from .connections import WorkerH11Protocol
    from .logs import log_to_stderr
    from .server import create_app

    settings = Settings.from_env()
    WorkerH11Protocol.limit(settings)  # before the first connection: uvicorn loads the app first
    service = QAService.open(settings, progress=lambda message: None)
    app = create_app(service, settings)
    log_to_stderr(settings.debug_log)
    _follow_current(service, settings)
    return Admission(app, settings.queue_limit)


def _ensure_index(settings, info) -> None:
    """Build (in a child process, so the parent stays small) when the index is missing or stale,
    so N workers never race to build the same one."""
    import json

    from qa.index import FORMAT_VERSION, current_build
    from qa.model import model_id, resolve_model

    from qa.errors import QAError

    expected = f"{model_id(resolve_model(settings, info))}+{settings.backend}"
    try:
        manifest = json.loads((current_build(settings.index_dir) / "manifest.json").read_text("utf-8"))
        if manifest.get("model") == expected and manifest.get("format_version") == FORMAT_VERSION:
            return
    except (QAError, OSError, ValueError):
        pass
    command = [sys.executable, "-m", "qa", "build", "--corpus", str(settings.corpus_dir),
               "--index", str(settings.index_dir), "--model", settings.model, "--backend", settings.backend]
    if subprocess.run(command, env={**os.environ, **settings_env(settings)}).returncode != 0:
        raise QAError("构建索引失败,见上方信息。")


def _follow_current(service, settings) -> None:
    from qa.errors import QAError

    from .api import reload_index

    pointer = Path(settings.index_dir) / "CURRENT"

    def watch():
        while True:
            threading.Event().wait(WATCH_S)
            try:
                live = pointer.read_text(encoding="utf-8").strip()
            except OSError:
                continue
            if live != Path(service.index.folder).name:
                try:
                    reload_index(service, settings)
                except QAError as err:
                    log.info("reload failed, keeping the old index: %s", err)

    threading.Thread(target=watch, name="qa-follow-current", daemon=True).start()
