"""The console's JSON API and pages against the real server, model, index and corpus folder.

One server per module over a temporary corpus (the school-safety plan and a question set);
tests run in file order and build on each other's changes to the corpus, as an
administrator's session would.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from urllib.parse import quote

import httpx
import pytest

from tests.admin_fixtures import ADMIN_TOKEN, PLAN_TITLE, USER_TOKEN, make_corpus, plan_docx
from tests.ui_fixtures import running

pytestmark = pytest.mark.model

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "X-QA-Admin-User": quote("测试员")}
USER = {"Authorization": f"Bearer {USER_TOKEN}"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def env(tmp_path_factory, settings):
    root = tmp_path_factory.mktemp("console")
    return dataclasses.replace(settings, corpus_dir=make_corpus(root / "corpus"), index_dir=root / "index",
                               admin_dir=root / "admin", admin_token=ADMIN_TOKEN, auth_token=USER_TOKEN,
                               allow_origins=())


@pytest.fixture(scope="module")
def live(env):
    from qa.service import QAService
    from ui.server import create_app

    service = QAService.open(env, progress=lambda m: None)
    with running(create_app(service, env)) as url:
        with httpx.Client(base_url=url, timeout=600) as client:
            yield client, service


def ask(client, question: str) -> dict:
    reply = client.post("/api/ask", json={"question": question}, headers=USER)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_admin_routes_need_the_admin_token(live):
    client, _ = live
    assert client.get("/api/admin/documents").status_code == 401
    assert client.get("/api/admin/documents", headers=USER).status_code in (401, 403)
    assert client.get("/api/admin/documents", headers={"Authorization": "Bearer wrong"}).status_code in (401, 403)
    assert client.get("/admin/questions").status_code == 401
    assert client.get("/administrator").status_code == 401  # only the console skips the user token
    assert client.post("/api/admin/documents/x/publish", headers=USER).status_code in (401, 403)
    listed = client.get("/api/admin/documents", headers=ADMIN)
    assert listed.status_code == 200
    assert [d["status"] for d in listed.json()] == ["published"]  # the corpus's own document


def test_console_is_off_without_an_admin_token(live, env):
    from ui.server import create_app

    _, service = live
    app = create_app(service, dataclasses.replace(env, admin_token="", auth_token=""))
    with running(app) as url, httpx.Client(base_url=url, timeout=120) as client:
        assert client.get("/admin").status_code == 404
        assert client.get("/api/admin/documents", headers=ADMIN).status_code == 404
        answer = client.post("/api/ask", json={"question": "校车安全谁来管?"}).json()
        assert answer["question_id"] is None  # no log without a console


def test_upload_checks_content_not_name(live, env):
    client, _ = live
    fake = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("plan.docx", b"just text", DOCX)})
    assert fake.status_code == 422 and "不符" in fake.json()["detail"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (100 * 1024 * 1024))
    refused = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("bomb.docx", bomb.getvalue(), DOCX)})
    assert refused.status_code == 422 and "压缩炸弹" in refused.json()["detail"]
    exe = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("a.txt", b"MZ\x90\x00binary", "text/plain")})
    assert exe.status_code == 422
    sneaky = client.post("/api/admin/documents", headers=ADMIN,
                         files={"file": ("../../<b>x</b>.txt", "一、总则\n1.测试条目。（县民政局负责）".encode(), "text/plain")})
    assert sneaky.status_code == 200, sneaky.text
    stored = list((env.admin_dir / "drafts").rglob("*.txt"))
    assert [p.name for p in stored] == ["b.txt"]  # folders (and "</b") stripped, "<>" replaced
    assert all(env.admin_dir / "drafts" in p.parents for p in stored)


def test_upload_preview_publish_answer_withdraw(live, env):
    client, _ = live
    draft = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("长者食堂 要点.docx", plan_docx(), DOCX)})
    assert draft.status_code == 200, draft.text
    body = draft.json()
    assert body["status"] == "draft" and body["doc"]["title"] == PLAN_TITLE
    assert [i["title"] for i in body["items"]] == ["建设社区长者食堂", "推广银发餐桌配送", "开展食堂运营评估"]
    assert body["items"][2]["warnings"] == ["未找到责任单位"] and body["warnings"]
    before = ask(client, "长者食堂由谁负责建设?")
    assert not any(r["doc"] == PLAN_TITLE for r in before["results"])

    published = client.post(f"/api/admin/documents/{body['id']}/publish", headers=ADMIN)
    assert published.status_code == 200, published.text
    assert published.json()["before"]["recall@1"] <= published.json()["after"]["recall@1"]
    assert (env.corpus_dir / "长者食堂_要点.docx").is_file()  # `qa build` sees what is served
    answer = ask(client, "长者食堂由谁负责建设?")
    assert not answer["refused"] and answer["question_id"]
    assert answer["results"][0]["title"] == "建设社区长者食堂"
    assert answer["results"][0]["units"] == ["县民政局", "县市场监管局"]

    withdrawn = client.delete(f"/api/admin/documents/{body['id']}", headers=ADMIN)
    assert withdrawn.status_code == 200, withdrawn.text
    assert not (env.corpus_dir / "长者食堂_要点.docx").exists()
    after = ask(client, "长者食堂由谁负责建设?")
    assert not any(r["doc"] == PLAN_TITLE for r in after["results"])
    statuses = {d["id"]: d["status"] for d in client.get("/api/admin/documents", headers=ADMIN).json()}
    assert statuses[body["id"]] == "withdrawn"

    # Back again, then replaced by a new version naming other units.
    assert client.post(f"/api/admin/documents/{body['id']}/publish", headers=ADMIN).status_code == 200
    v2 = client.post("/api/admin/documents", headers=ADMIN, files={"file": ("长者食堂 要点.docx", plan_docx(
        ("县民政局、县市场监管局", "县民政局、县卫生健康局")), DOCX)}).json()
    replaced = client.post(f"/api/admin/documents/{v2['id']}/publish?replaces={body['id']}", headers=ADMIN)
    assert replaced.status_code == 200, replaced.text
    assert ask(client, "长者食堂由谁负责建设?")["results"][0]["units"] == ["县民政局", "县卫生健康局"]
    statuses = {d["id"]: d["status"] for d in client.get("/api/admin/documents", headers=ADMIN).json()}
    assert (statuses[body["id"]], statuses[v2["id"]]) == ("replaced", "published")
    assert [p.name for p in env.corpus_dir.glob("*.docx")] == ["长者食堂_要点.docx"]


def test_document_text_is_escaped_in_the_console(live):
    client, _ = live
    text = "<script>window.x=1</script>工作要点\n一、总则\n1.<img src=x onerror=alert(1)>测试条目。（县民政局负责）"
    draft = client.post("/api/admin/documents", headers=ADMIN,
                        files={"file": ("x.txt", text.encode(), "text/plain")}).json()
    page = client.get(f"/admin/documents/{draft['id']}", headers=ADMIN).text
    assert "<script>window" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.x=1&lt;/script&gt;" in page and "&lt;img src=x" in page


def test_refusal_and_thumbs_down_reach_the_report_and_a_word_pair_fixes_it(live):
    client, _ = live
    question = "孩子戏水谁来管?"
    refused = ask(client, question)
    assert refused["refused"], "the school plan says 溺水, never 戏水"
    answered = ask(client, "校车安全谁来管?")
    vote = client.post("/api/feedback", json={"question_id": answered["question_id"], "vote": "down",
                                              "comment": "<i>没说清楚</i>"}, headers=USER)
    assert vote.status_code == 200
    assert client.post("/api/feedback", json={"question_id": "nope", "vote": "up"}, headers=USER).status_code == 404
    assert client.post("/api/feedback", json={"question_id": "x", "vote": "meh"}, headers=USER).status_code == 422

    report = client.get("/api/admin/questions?unanswered=true", headers=ADMIN).json()
    by_question = {g["question"]: g for g in report}
    assert "拒答" in by_question[question]["reasons"]
    assert "差评" in by_question["校车安全谁来管?"]["reasons"]
    assert by_question["校车安全谁来管?"]["comments"] == ["<i>没说清楚</i>"]
    page = client.get("/admin/questions", headers=ADMIN).text
    assert "&lt;i&gt;没说清楚&lt;/i&gt;" in page and "<i>没说清楚" not in page

    fix = client.post("/api/admin/lexicon/synonyms", headers=ADMIN,
                      json={"word": "戏水", "document_word": "溺水", "question_ids": by_question[question]["question_ids"]})
    assert fix.status_code == 200, fix.text
    fixed = ask(client, question)
    assert not fixed["refused"] and fixed["results"][0]["title"] == "防范学生溺水"
    report = client.get("/api/admin/questions?unanswered=true", headers=ADMIN).json()
    assert question not in {g["question"] for g in report}


def test_qa_build_reproduces_the_served_index(live, env):
    from qa.index import build_index

    _, service = live
    report = build_index(env.corpus_dir, env.index_dir, service.encoder, progress=lambda m: None)
    assert report.up_to_date and report.folder == service.index.folder


def test_a_change_that_lowers_recall_is_refused_unless_forced(live, env):
    client, service = live
    build = service.index.folder
    lexicon = env.corpus_dir / "lexicon" / "background.txt"
    refused = client.post("/api/admin/questions/out_of_scope", headers=ADMIN, json={"question": "防范学生溺水由谁负责?"})
    assert refused.status_code == 409
    job = refused.json()["job"]
    assert job["after"]["recall@1"] < job["before"]["recall@1"]
    assert service.index.folder == build and not lexicon.exists()  # nothing changed
    assert not ask(client, "防范学生溺水由谁负责?")["refused"]


def test_a_unit_alias_from_the_console_resolves(live):
    client, _ = live
    assert ask(client, "教育口负责哪些工作?")["kind"] != "unit"
    fix = client.post("/api/admin/lexicon/unit_aliases", headers=ADMIN, json={"alias": "教育口", "unit": "区教育局"})
    assert fix.status_code == 200, fix.text
    answer = ask(client, "教育口负责哪些工作?")
    assert answer["kind"] == "unit" and all("区教育局" in r["units"] for r in answer["results"])


def test_console_forms_need_the_csrf_token(live):
    client, _ = live
    with httpx.Client(base_url=client.base_url, timeout=60) as browser:
        login = browser.post("/admin/login", data={"token": ADMIN_TOKEN, "user": "张三"}, follow_redirects=False)
        assert login.status_code == 303 and "SameSite=Strict" in login.headers["set-cookie"]
        page = browser.get("/admin")
        assert page.status_code == 200 and "上传文件" in page.text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
        files = {"file": ("note.txt", "一、总则\n1.测试条目。（县民政局负责）".encode(), "text/plain")}
        assert browser.post("/admin/documents", files=files, data={"csrf": "forged"}).status_code == 403
        assert browser.post("/admin/documents", files=files, data={"csrf": csrf},
                            headers={"Origin": "http://evil.example"}).status_code == 403
        ok = browser.post("/admin/documents", files=files, data={"csrf": csrf}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"].startswith("/admin/documents/")
        audit = browser.get("/admin/audit").text
        assert "张三" in audit and "测试员" in audit
    assert client.post("/admin/documents", files=files, data={"csrf": csrf}).status_code == 401  # no session


def test_duty_lists_export_as_xlsx_and_docx(live):
    from docx import Document
    from openpyxl import load_workbook

    client, service = live
    expected = [i.title for i in service.index.items if "区教育局" in i.units]
    sheet = client.get("/api/units/区教育局/items.xlsx", headers=USER)
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("文件", "章节", "编号", "工作事项", "角色", "完成时限")
    assert [r[3] for r in rows[2:]] == expected
    assert {r[4] for r in rows[2:]} <= {"牵头", "配合", "负责"}
    word = client.get("/api/units/区教育局/items.docx", headers=USER)
    table = Document(io.BytesIO(word.content)).tables[0]
    assert [row.cells[3].text for row in table.rows[1:]] == expected
    assert client.get("/api/units/不存在的单位/items.xlsx", headers=USER).status_code == 404
