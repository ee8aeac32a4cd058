"""The conversational chat in a real headless Chromium: follow-ups, citation links, copy, accessibility.

Runs against the real server over tests/conversation (two years of a district plan with
牵头/配合 units and 完成时限), so the six follow-up forms have data to lean on. The axe-core
audit uses the npm package installed by `make test` into .npm-test/ and injected from disk.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from tests.test_browser import ANSWER_TIMEOUT, SHOTS, ask, chat_text, show_top_of_chat
from tests.ui_fixtures import running

pytestmark = [pytest.mark.browser, pytest.mark.model]

AXE = Path(__file__).resolve().parent.parent / ".npm-test" / "node_modules" / "axe-core" / "axe.min.js"
FOLLOW_UPS = [  # (question, text the answer must show)
    ("谁负责网络游戏防沉迷?", "由区委网信办牵头"),
    ("那配合单位呢?", "的配合单位是区文化旅游局"),
    ("它的完成时限是什么时候?", "该条目未写明完成时限"),  # the 2024 item states none
    ("2023年呢?", "落实网络游戏防沉迷由区委网信办牵头,区文化旅游局、区公安分局配合"),
    ("校园欺凌防治呢?", "开展校园欺凌防治由区教育局牵头,区公安分局、区司法局配合"),
    ("区公安分局还负责哪些工作?", "区公安分局共参与 4 项工作"),
    ("第二条说的是什么?", "「加强校园周边治理」:"),
]


@pytest.fixture(scope="module")
def base(followup_service):
    from ui.server import create_app

    settings = dataclasses.replace(followup_service.settings, allow_origins=(), auth_token="")
    with running(create_app(followup_service, settings)) as url:
        yield url


def wait_for_answers(page, count: int, scope=None) -> None:
    """Until the chat shows ``count`` assistant messages (each ends with its copy button)."""
    scope = scope or page
    scope.locator("#qa-chat .qa-copy").nth(count - 1).wait_for(timeout=ANSWER_TIMEOUT)


def test_six_follow_up_forms_work_in_the_chat(context, base):
    page = context(1280, 1100).new_page()
    page.goto(base + "/", wait_until="load")
    for n, (question, expected) in enumerate(FOLLOW_UPS, 1):
        ask(page, question)
        wait_for_answers(page, n)
        last = page.locator("#qa-chat .qa-copy").nth(n - 1).evaluate(
            "b => b.closest('.message-row, .message, [data-testid=bot]').innerText")
        assert expected in last, (question, last[:300])
    # After the last answer, its follow-up suggestions are buttons that ask at a click.
    suggestion = page.locator("#qa-suggest button:visible").first
    label = suggestion.inner_text()
    assert label.endswith("?")
    suggestion.click()
    wait_for_answers(page, len(FOLLOW_UPS) + 1)
    assert label in chat_text(page)


def test_citation_link_opens_the_document_with_the_item_highlighted(context, base):
    ctx = context(1280, 900)
    page = ctx.new_page()
    page.goto(base + "/", wait_until="load")
    ask(page, "谁负责留守儿童关爱服务?")
    wait_for_answers(page, 1)
    item = page.locator("#qa-chat details.qa-item").first
    item.locator("summary").click()
    link = item.locator("a.qa-source")
    href = link.get_attribute("href")
    assert re.fullmatch(r"/doc/[\w\-%]+#[\w\-%]+", href), href
    with ctx.expect_page() as opened:
        link.click()
    doc = opened.value
    doc.wait_for_load_state("load")
    anchor = href.split("#", 1)[1]
    assert doc.url == base + href  # a stable address, pasteable as it is
    target = doc.locator(f"[id='{anchor}']")
    assert doc.evaluate("location.hash") == "#" + anchor
    assert doc.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == anchor
    assert target.evaluate("e => getComputedStyle(e).backgroundColor") != doc.locator(".item:not(:target)").first.evaluate(
        "e => getComputedStyle(e).backgroundColor")
    box, height = target.bounding_box(), doc.viewport_size["height"]
    assert 0 <= box["y"] < height  # scrolled into view
    assert "留守儿童" in target.inner_text() and doc.locator("h2").count() >= 3
    SHOTS.mkdir(exist_ok=True)
    doc.screenshot(path=str(SHOTS / "doc-page.png"))


def test_copy_puts_the_answer_and_its_citation_on_the_clipboard_as_plain_text(context, base):
    ctx = context(1280, 900)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = ctx.new_page()
    page.goto(base + "/", wait_until="load")
    ask(page, "谁负责网络游戏防沉迷?")
    wait_for_answers(page, 1)
    page.locator("#qa-chat .qa-copy").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    first_line = copied.splitlines()[0]
    assert first_line.startswith("落实网络游戏防沉迷由区委网信办牵头") or first_line.startswith("严格网络游戏防沉迷管理")
    assert "出处:《示范区20" in copied and f"链接:{base}/doc/" in copied
    assert "<" not in copied and "**" not in copied


def test_widget_keeps_its_conversation_and_works_at_360px(context, base):
    page = context(360, 740, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    page.goto(base + "/demo", wait_until="load")
    page.wait_for_function("!!window.PolicyQAWidget")
    page.locator("policy-qa-widget .launcher").click()
    panel = page.locator("policy-qa-widget .panel")
    assert panel.get_attribute("role") == "dialog" and panel.get_attribute("aria-labelledby")
    frame = page.frame_locator("policy-qa-widget iframe")
    frame.locator("#qa-question textarea").fill("谁负责网络游戏防沉迷?")
    frame.locator("#qa-send").click()
    wait_for_answers(page, 1, frame)
    # The host page's link asks through the widget API: same page, same conversation.
    page.evaluate("window.PolicyQAWidget.ask('那配合单位呢?')")
    wait_for_answers(page, 2, frame)
    assert "的配合单位是区文化旅游局" in frame.locator("#qa-chat").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("policy-qa-widget .panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "widget-phone.png"))
    frame.locator("#qa-question textarea").focus()
    page.keyboard.press("Escape")  # pressed inside the chat frame: the panel still closes
    panel.wait_for(state="hidden")
    focused = page.evaluate("document.querySelector('policy-qa-widget').shadowRoot.activeElement.className")
    assert "launcher" in focused  # focus is back where the dialog was opened from


def axe_violations(page, frame=None) -> list[dict]:
    """Serious and critical axe-core violations of the page (axe injected from the local npm package)."""
    (frame or page).wait_for_timeout(800)  # let Gradio's progress indicators fade before judging colours
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test` (npm install into .npm-test/)")
    target = frame or page
    target.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = target.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [(n["target"], n["failureSummary"][-160:])
                                                            for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chat_widget_and_document_pass_an_axe_audit(context, base, scheme):
    found = {}
    page = context(1280, 900, color_scheme=scheme).new_page()
    page.goto(base + "/", wait_until="load")
    ask(page, "谁负责网络游戏防沉迷?")
    wait_for_answers(page, 1)
    page.locator("#qa-chat details.qa-item summary").first.click()
    found["chat"] = axe_violations(page)
    page.goto(base + "/demo", wait_until="load")
    page.wait_for_function("!!window.PolicyQAWidget")
    page.locator("policy-qa-widget .launcher").click()
    frame = page.frame_locator("policy-qa-widget iframe")
    frame.locator("#qa-question textarea").fill("区教育局负责哪些工作?")
    frame.locator("#qa-send").click()
    wait_for_answers(page, 1, frame)
    found["widget on the portal"] = axe_violations(page)
    found["widget chat"] = axe_violations(page, next(f for f in page.frames if "/widget/" in f.url))
    page.goto(base + "/doc/district-minor-protection-2023#2-1-3", wait_until="load")
    found["document page"] = axe_violations(page)
    assert found == {name: [] for name in found}


def test_chat_is_usable_at_360px_and_follows_the_dark_scheme(context, base):
    page = context(360, 740, is_mobile=True, has_touch=True, device_scale_factor=2, color_scheme="dark").new_page()
    page.goto(base + "/", wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ask(page, "谁负责校园欺凌防治?")
    wait_for_answers(page, 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    background = page.evaluate("getComputedStyle(document.querySelector('.gradio-container')).backgroundColor")
    assert sum(int(c) for c in re.findall(r"\d+", background)[:3]) < 200, background  # dark
    show_top_of_chat(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "chat-phone-dark.png"))
