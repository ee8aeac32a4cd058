"""Shared fixtures: the real corpus, the real embedding model, a real index built once per session."""

from __future__ import annotations

import dataclasses

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_CORPUS = ROOT / "corpus"

# Nothing in the suite may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_dir):
    from qa.settings import Settings

    # The model cache is shared with the user's (or CI's) so the conversion runs once per machine.
    return Settings.from_env(corpus_dir=DEFAULT_CORPUS, index_dir=index_dir)


@pytest.fixture(scope="session")
def service(settings):
    """The real service: converted multilingual-e5-small, jieba, FAISS, over the default corpus."""
    from qa.service import QAService

    return QAService.open(settings, progress=lambda message: None)


FOLLOWUP_CORPUS = Path(__file__).resolve().parent / "conversation"  # apart from tests/data: the reader tests count every file there


@pytest.fixture(scope="session")
def followup_settings(tmp_path_factory):
    """Two years of a district plan with 牵头/配合 units and inline 完成时限: what follow-ups need."""
    from qa.settings import Settings

    return Settings.from_env(corpus_dir=FOLLOWUP_CORPUS, index_dir=tmp_path_factory.mktemp("followup-index"))


@pytest.fixture(scope="session")
def followup_service(followup_settings, service):
    """The real service over the follow-up corpus; shares the loaded model with ``service``."""
    from qa.index import build_index, load_index
    from qa.service import QAService

    build_index(followup_settings.corpus_dir, followup_settings.index_dir, service.encoder, lambda m: None)
    index = load_index(followup_settings.index_dir, service.encoder.model_id)
    return QAService(index, service.encoder, followup_settings)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for a module's browser tests. Not per session: Playwright's sync API
    keeps an event loop running in this thread while it lives, and later tests use asyncio.run."""
    from playwright.sync_api import sync_playwright

    from tests.ui_fixtures import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.fail("Debian Chromium is missing: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def open_base(service, settings):
    """A real server on loopback with no token and no other origin allowed."""
    from tests.ui_fixtures import running
    from ui.server import create_app

    with running(create_app(service, dataclasses.replace(settings, allow_origins=(), auth_token=""))) as url:
        yield url


@pytest.fixture(scope="module")
def locked_base(service, settings):
    """A real server that needs the token and lets the portal frame and call it."""
    from tests.ui_fixtures import PORTAL, TOKEN, running
    from ui.server import create_app

    locked = dataclasses.replace(settings, allow_origins=(PORTAL,), auth_token=TOKEN)
    with running(create_app(service, locked)) as url:
        yield url


@pytest.fixture
def context(browser, base):
    """context(width, height, **options) -> a browser context on the module's ``base`` server;
    afterwards, no request any of them made may have left that server."""
    opened, requests = [], []

    def new(width: int = 1280, height: int = 900, **options):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **options)
        ctx.on("request", lambda request: requests.append(request.url))
        opened.append(ctx)
        return ctx

    yield new
    for ctx in opened:
        ctx.close()
    foreign = [url for url in requests if not url.startswith(base + "/") and not url.startswith(("data:", "blob:"))]
    assert requests and not foreign, foreign
