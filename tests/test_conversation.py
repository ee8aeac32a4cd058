"""Conversations: follow-up forms read right, the store's limits, and the six forms end to end.

The end-to-end tests run the real service (real model, jieba, FAISS) over tests/conversation:
two years of a district plan whose items name 牵头/配合 units and, some of them, a 完成时限.
"""

from __future__ import annotations

import httpx
import pytest

from qa.conversation import ConversationStore, FollowUp, Turn, read_follow_up, standalone
from tests.ui_fixtures import running

NOT_UNITS = lambda text: False  # noqa: E731


def item_id(service, title: str) -> str:
    return next(item.id for item in service.index.items if item.title == title)


@pytest.mark.parametrize("question, expected", [
    ("那配合单位呢?", FollowUp("aspect", aspect="co")),
    ("牵头单位呢？", FollowUp("aspect", aspect="lead")),
    ("它的完成时限是什么时候?", FollowUp("aspect", aspect="deadline")),
    ("2024年呢?", FollowUp("year", year=2024)),
    ("网络游戏防沉迷呢?", FollowUp("topic", topic="网络游戏防沉迷")),
    ("那2023年留守儿童呢", FollowUp("topic", topic="留守儿童", year=2023)),
    ("第二条说的是什么?", FollowUp("ordinal", position=2)),
    ("第3项呢", FollowUp("ordinal", position=3)),
])
def test_follow_up_forms_are_recognised(question, expected):
    assert read_follow_up(question, NOT_UNITS) == expected


@pytest.mark.parametrize("question", ["市公安局还负责哪些工作?", "谁负责校园欺凌防治?", "其他单位什么时候完成整改?",
                                      "留守儿童由谁照顾呢?", "学校及其周边谁来管?"])
def test_standalone_questions_are_not_follow_ups(question):
    assert read_follow_up(question, NOT_UNITS) is None


def test_ellipsis_keeps_the_kind_and_the_year():
    last = Turn("2023年谁负责校园欺凌防治?", "who", ["a#1"], year=2023)
    assert standalone(FollowUp("topic", topic="网络游戏防沉迷"), last) == "2023年网络游戏防沉迷由哪些单位负责?"
    assert standalone(FollowUp("year", year=2024), last) == "2024年谁负责校园欺凌防治?"
    unit_turn = Turn("区民政局负责哪些工作?", "unit", ["a#5"])
    assert standalone(FollowUp("topic", topic="区教育局", aspect="unit"), unit_turn) == "区教育局负责哪些工作?"


def test_store_expires_and_evicts_and_keeps_few_turns():
    now = [0.0]
    store = ConversationStore(ttl=60, limit=2, turns=2, clock=lambda: now[0])
    first = store.open("")
    for n in range(3):
        store.record(first, Turn(f"q{n}", "who", []))
    assert [t.question for t in first.turns] == ["q1", "q2"]
    assert store.open(first.id) is first
    second, third = store.open(None), store.open("unknown-id-123")
    assert third.id != "unknown-id-123" and len(store) == 2  # the least recently used one went
    assert store.open(first.id) is not first
    now[0] = 61
    assert store.open(second.id) is not second and len(store) == 1


@pytest.mark.model
def test_six_follow_up_forms_in_one_conversation(followup_service):
    svc = followup_service
    first = svc.ask("谁负责校园欺凌防治?", conversation="")
    assert first.conversation and not first.refused and len(first.results) >= 2
    assert first.summary.startswith(first.results[0].title) and "牵头" in first.summary
    talk = first.conversation
    top = first.results[0]

    co = svc.ask("那配合单位呢?", conversation=talk)
    assert co.conversation == talk and co.results[0].id == top.id
    assert co.summary == f"「{top.title}」的配合单位是{'、'.join(top.co_units)}(《{top.doc}》一(一)1)。"

    deadline = svc.ask("它的完成时限是什么时候?", conversation=talk)
    assert "完成时限是" in deadline.summary and str(top.year) in deadline.summary

    second = svc.ask("第二条说的是什么?", conversation=talk)
    assert second.results[0].id == first.results[1].id
    assert second.summary.startswith(f"「{first.results[1].title}」:")

    other_year = 2023 if top.year == 2024 else 2024
    year = svc.ask(f"{other_year}年呢?", conversation=talk)
    assert year.results and {r.year for r in year.results} == {other_year}
    assert "校园欺凌防治" in year.results[0].title and year.kind == "who"

    topic = svc.ask("网络游戏防沉迷呢?", conversation=talk)
    assert topic.kind == "who" and topic.results[0].id == item_id(svc, "落实网络游戏防沉迷")
    assert topic.summary.startswith("落实网络游戏防沉迷由区委网信办牵头,区文化旅游局、区公安分局配合")

    police = svc.ask("区公安分局还负责哪些工作?", conversation=talk)
    assert police.kind == "unit" and len(police.results) == 4
    assert "《示范区2023年未成年人保护工作要点》(2023年)3 项" in police.summary


@pytest.mark.model
def test_a_follow_up_says_plainly_what_the_item_lacks(followup_service):
    svc = followup_service
    talk = svc.ask("加强校园周边治理由哪些单位负责?", conversation="").conversation
    assert svc.ask("那配合单位呢?", conversation=talk).summary.startswith("「加强校园周边治理」未写明配合单位")
    assert svc.ask("它的完成时限是什么时候?", conversation=talk).summary.startswith("该条目未写明完成时限")


@pytest.mark.model
def test_without_an_id_every_question_stands_alone(followup_service):
    answer = followup_service.ask("那配合单位呢?")
    assert answer.conversation is None
    fresh = followup_service.ask("那配合单位呢?", conversation="")
    assert fresh.refused and "追问" in fresh.summary


@pytest.mark.model
def test_suggestions_name_the_units_and_another_year(followup_service):
    answer = followup_service.ask("2023年谁负责网络游戏防沉迷?")
    assert answer.results[0].id == item_id(followup_service, "落实网络游戏防沉迷")
    assert 2 <= len(answer.suggestions) <= 3
    assert "区委网信办还负责哪些工作?" in answer.suggestions
    assert "2024年落实网络游戏防沉迷由哪些单位负责?" in answer.suggestions
    for question in answer.suggestions:  # each one is answerable on its own
        assert not followup_service.ask(question).refused, question


@pytest.mark.model
def test_refusal_names_the_documents_the_corpus_covers(followup_service):
    answer = followup_service.ask("2030年谁负责校园欺凌防治?")
    assert answer.refused and "2030" in answer.summary
    assert "《示范区2023年未成年人保护工作要点》" in answer.summary


@pytest.fixture(scope="module")
def client(followup_service):
    from ui.server import create_app

    with running(create_app(followup_service, followup_service.settings)) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            yield c


@pytest.mark.model
def test_api_returns_and_accepts_the_conversation_id(client):
    first = client.post("/api/ask", json={"question": "谁负责网络游戏防沉迷?", "conversation": ""}).json()
    assert first["conversation"] and first["summary"] and first["suggestions"]
    assert all(r["doc_id"] for r in first["results"])
    co = client.post("/api/ask", json={"question": "那配合单位呢?", "conversation": first["conversation"]}).json()
    assert co["conversation"] == first["conversation"] and "配合单位是" in co["summary"]
    alone = client.post("/api/ask", json={"question": "谁负责网络游戏防沉迷?"}).json()
    assert alone["conversation"] is None
    bad = client.post("/api/ask", json={"question": "那配合单位呢?", "conversation": "<script>"})
    assert bad.status_code == 422 and "conversation" in bad.json()["detail"]


@pytest.mark.model
def test_document_json_and_page_show_the_whole_document(client):
    answer = client.post("/api/ask", json={"question": "谁负责网络游戏防沉迷?"}).json()
    cited = answer["results"][0]
    doc = client.get(f"/api/docs/{cited['doc_id']}").json()
    items = [b for b in doc["blocks"] if b["type"] == "item"]
    assert doc["title"] == cited["doc"] and doc["items"] == len(items)
    headings = [b["text"] for b in doc["blocks"] if b["type"] == "heading"]
    assert set(cited["section"]) <= set(headings) and len(headings) == len(set(headings))
    anchor = cited["id"].rsplit("#", 1)[1]
    assert any(b["anchor"] == anchor and b["title"] == cited["title"] for b in items)
    page = client.get(f"/doc/{cited['doc_id']}")
    assert page.status_code == 200 and f'id="{anchor}"' in page.text and cited["title"] in page.text
    missing = client.get("/api/docs/no-such-doc")
    assert missing.status_code == 404 and "没有编号" in missing.json()["detail"]


def test_document_page_escapes_everything_it_shows():
    from ui.docpage import render

    evil = "<script>alert(1)</script>"
    page = render({"title": evil, "source": evil, "year": 2024, "items": 1, "blocks": [
        {"type": "heading", "level": 1, "text": evil},
        {"type": "item", "id": "x#1", "anchor": '1"><b', "number": "1", "title": evil, "text": evil,
         "units": [evil], "lead_units": [], "co_units": [], "deadline": evil}]})
    assert "<script>" not in page and "<b" not in page.replace("<body", "").replace("<br", "")
    assert page.count("&lt;script&gt;") == 8  # title, h1, source, heading, item title, text, units, deadline
