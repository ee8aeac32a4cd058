"""Issue 14, finding 5: the widget with a token, framed by another site over plain HTTP, in real Chromium.

The host page is served from http://localhost:<port>, the service from http://127.0.0.1:<port>:
two different sites, so the framed chat gets no SameSite=Lax cookie. The widget must still work.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.ui_fixtures import running

pytestmark = [pytest.mark.browser, pytest.mark.model]

TOKEN = "widget-Tok3n"


def host_page(where: dict):
    """A portal page on another site that embeds the widget with data-token."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    def page(request):
        return HTMLResponse(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>门户</title><body><h1>门户</h1>"
            f"<script src=\"{where['service']}/widget.js\" defer data-token=\"{TOKEN}\"></script></body></html>")

    return Starlette(routes=[Route("/", page)])


def test_widget_with_a_token_works_cross_site_over_http(service, settings, browser):
    from ui.server import create_app

    where = {}
    with running(host_page(where)) as portal_url:
        portal = portal_url.replace("127.0.0.1", "localhost")  # another site than 127.0.0.1
        app = create_app(service, dataclasses.replace(settings, allow_origins=(portal,), auth_token=TOKEN))
        with running(app) as service_url:
            where["service"] = service_url
            context = browser.new_context(locale="zh-CN")
            try:
                requests = []
                context.on("request", lambda request: requests.append(request.url))
                page = context.new_page()
                page.goto(portal + "/", wait_until="load")
                page.wait_for_function("!!window.PolicyQAWidget")
                page.locator("policy-qa-widget .launcher").click()
                frame = page.frame_locator("policy-qa-widget iframe")
                frame.locator("#qa-question textarea").fill("谁负责校园欺凌防治?", timeout=60_000)
                frame.locator("#qa-send").click()
                frame.locator("#qa-chat").get_by_text("提升校园安全管理").first.wait_for(timeout=60_000)
                assert not any(TOKEN in url.split("#")[0] for url in requests), [u for u in requests if TOKEN in u]
            finally:
                context.close()
