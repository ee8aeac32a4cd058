"""The chat, the unit picker and the widget in a real headless Chromium, against the real server.

Every request a page makes is recorded; a test fails if any of them goes to a
host other than the server's own. Screenshots land in screenshots/ (git-ignored).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from tests.ui_fixtures import running

pytestmark = [pytest.mark.browser, pytest.mark.model]

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
SCHOOL_UNITS = ["市教育体育局", "市公安局", "市委政法委", "市市场监管局", "市司法局", "市应急局", "市关工委"]
ANSWER_TIMEOUT = 60_000  # ms; the first answer also warms the model up


@pytest.fixture(scope="module")
def base(service, settings):
    from ui.server import create_app

    with running(create_app(service, dataclasses.replace(settings, allow_origins=(), auth_token=""))) as url:
        yield url



@pytest.fixture
def open_page(context, base):
    """open_page(path, width, height) -> a page; afterwards, no request may have left the server."""

    def open_(path: str, width: int = 1280, height: int = 900, **options):
        page = context(width, height, **options).new_page()
        page.goto(base + path, wait_until="load")
        return page

    return open_


def ask(page, question: str) -> None:
    page.locator("#qa-question textarea").fill(question)
    page.locator("#qa-send").click()


def wait_for_text(scope, text: str) -> None:
    scope.get_by_text(text, exact=False).first.wait_for(timeout=ANSWER_TIMEOUT)


def chat_text(page) -> str:
    return page.locator("#qa-chat").inner_text()


def show_top_of_chat(page) -> None:
    """Gradio scrolls to the newest message; for a screenshot, show the question and the answer's start."""
    page.evaluate("""() => {
        for (const el of document.querySelectorAll('#qa-chat *')) {
            if (el.scrollHeight > el.clientHeight + 4 && getComputedStyle(el).overflowY !== 'visible') {
                el.scrollTop = 0;
            }
        }
    }""")


def test_chat_answers_school_bullying_with_its_seven_units(open_page):
    page = open_page("/", 1280, 1120)
    ask(page, "谁负责校园欺凌防治?")
    wait_for_text(page.locator("#qa-chat"), "提升校园安全管理")
    text = chat_text(page)
    for unit in SCHOOL_UNITS:
        assert unit in text
    first = page.locator("#qa-chat details.qa-item").first
    first.locator("summary").click()
    assert first.locator("mark").count() >= 1  # the matching sentences are highlighted
    assert "位置" in first.inner_text() and "市教育体育局" in first.inner_text()
    page.wait_for_timeout(400)  # let Gradio's autoscroll settle before scrolling back up
    show_top_of_chat(page)
    page.wait_for_timeout(200)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "chat-desktop.png"))


def test_example_questions_come_from_the_corpus_and_ask_with_one_click(open_page, service):
    page = open_page("/")
    # examples are fitted to the corpus served: one asks what its busiest unit does
    button = page.get_by_role("button", name=re.compile("负责哪些工作\\?$")).first
    unit = button.inner_text().removesuffix("负责哪些工作?")
    button.click()
    wait_for_text(page.locator("#qa-chat"), "共参与")
    assert unit and unit in chat_text(page)


def test_unit_picker_lists_the_units_items(open_page):
    page = open_page("/")
    page.locator("#qa-units input").click()
    page.locator("#qa-units input").fill("市教育体育局")
    page.get_by_role("option", name=re.compile("^市教育体育局")).first.click()
    wait_for_text(page.locator("#qa-chat"), "共参与")
    text = chat_text(page)
    assert "市教育体育局负责哪些工作" in text
    assert re.search(r"市教育体育局\s*共参与 \d+ 项工作", text)


def test_html_in_a_question_is_shown_as_text_and_never_runs(open_page):
    page = open_page("/")
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    ask(page, payload)
    wait_for_text(page.locator("#qa-chat"), '<img src=x onerror="window.__xss=1">')
    page.locator("#qa-chat .message-row, #qa-chat [data-testid='bot']").last.wait_for(timeout=ANSWER_TIMEOUT)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#qa-chat img[src='x']").count() == 0
    assert page.locator("#qa-chat script").count() == 0


def test_widget_on_the_demo_portal_answers_inside_its_panel(open_page):
    page = open_page("/demo")
    page.wait_for_function("window.portal && window.portal.ready && !!window.PolicyQAWidget")
    button_style = page.evaluate("getComputedStyle(document.querySelector('#portal-button')).backgroundColor")
    page.locator("policy-qa-widget .launcher").click()
    frame = page.frame_locator("policy-qa-widget iframe")
    frame.locator("#qa-question textarea").fill("孩子被霸凌找谁?")
    frame.locator("#qa-send").click()
    wait_for_text(frame.locator("#qa-chat"), "提升校园安全管理")
    # The portal's own styles, scripts and globals are untouched.
    assert page.evaluate("getComputedStyle(document.querySelector('#portal-button')).backgroundColor") == button_style
    page.locator("#portal-button").click()
    assert page.evaluate("portal.clicks") == 1
    added = page.evaluate("Object.keys(window).filter(k => !window.__portalGlobals.includes(k))")
    assert set(added) - {"__portalGlobals"} == {"PolicyQAWidget"}
    page.keyboard.press("Escape")
    assert not page.locator("policy-qa-widget .panel").is_visible()
    # PolicyQAWidget.ask() (what data-question uses) opens the panel and asks at once.
    page.locator("#ask-link").click()
    wait_for_text(frame.locator("#qa-chat"), "强化网络安全保护")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "widget-demo.png"))


def test_chat_works_in_the_browser_with_a_token(browser, service, settings):
    from ui.server import create_app

    token = "browser-Tok3n"
    app = create_app(service, dataclasses.replace(settings, allow_origins=(), auth_token=token))
    with running(app) as url:
        context = browser.new_context(locale="zh-CN")
        try:
            page = context.new_page()
            assert page.goto(url + "/").status == 401
            page.goto(f"{url}/?token={token}", wait_until="load")
            assert page.url == url + "/"  # the token does not stay in the address bar
            ask(page, "谁负责校园欺凌防治?")
            wait_for_text(page.locator("#qa-chat"), "提升校园安全管理")
        finally:
            context.close()


def test_chat_is_usable_at_phone_width(open_page):
    page = open_page("/", 375, 740, is_mobile=True, has_touch=True, device_scale_factor=2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for selector in ("#qa-question textarea", "#qa-send"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    ask(page, "谁负责校园欺凌防治?")
    wait_for_text(page.locator("#qa-chat"), "提升校园安全管理")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    show_top_of_chat(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "chat-phone.png"))
