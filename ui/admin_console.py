"""The console's pages (/admin/…): login, documents, preview, jobs, questions, audit.

Forms post with a CSRF token (``check_csrf``); pages are rendered by ui/admin_pages.py,
which escapes everything that came from a document, a question or a comment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from qa.admin.report import unanswered
from qa.errors import QAError
from qa.ingest.formats import READERS

from . import admin_pages as pages
from .admin import SESSION, USER, Admin, admin_user, check_csrf, console_of
from .admin_api import FIXES, _fix, _since, _upload
from .security import token_matches

STATIC = Path(__file__).parent / "static"

console = APIRouter(prefix="/admin", include_in_schema=False)
HTML = dict(response_class=HTMLResponse)


@console.get("/static/admin.css")
def css():
    return FileResponse(STATIC / "admin.css", media_type="text/css; charset=utf-8")


@console.get("/login", **HTML)
def login_page():
    return pages.login()


@console.post("/login", **HTML)
def login(request: Request, token: Annotated[str, Form()], user: Annotated[str, Form()]):
    c = console_of(request)
    if not token_matches(token, c.secret):
        return HTMLResponse(pages.login("管理令牌不正确。"), status_code=403)
    secure = "; Secure" if request.url.scheme == "https" else ""
    reply = RedirectResponse("/admin", status_code=303)
    reply.headers.append("set-cookie", f"{SESSION}={c.session}; Path=/; HttpOnly; SameSite=Strict{secure}")
    reply.headers.append("set-cookie", f"{USER}={quote(user.strip()[:40] or 'admin')}; Path=/admin; HttpOnly; "
                                       f"SameSite=Strict{secure}")
    return reply


@console.get("", **HTML)
@console.get("/", **HTML)
def documents_page(request: Request):
    c, user = _page_user(request)
    if user is None:
        return RedirectResponse("/admin/login", status_code=303)
    return pages.documents(c.db.document_list(), c.csrf, c.settings.max_upload_mb, sorted(READERS))


@console.post("/documents", **HTML)
def upload_page(request: Request, user: Admin, csrf: Annotated[str, Form()], file: Annotated[UploadFile, File()],
                replaces: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    try:
        draft = _upload(request, user, file)
    except HTTPException as err:
        return HTMLResponse(pages.message("上传失败", err.detail), status_code=err.status_code)
    query = f"?replaces={quote(replaces)}" if replaces else ""
    return RedirectResponse(f"/admin/documents/{draft['id']}{query}", status_code=303)


@console.get("/documents/{doc_id}", **HTML)
def document_page(request: Request, user: Admin, doc_id: str, replaces: str = ""):
    c = console_of(request)
    doc = c.db.document(doc_id)
    if doc is None:
        raise HTTPException(404, "没有这个文件。")
    try:
        view = c.publisher.preview(doc_id)
    except QAError as err:
        view = {"doc": doc["meta"] | {"title": doc["title"]}, "items": [], "warnings": [str(err)]}
    published = [d for d in c.db.document_list() if d["status"] == "published"]
    published.sort(key=lambda d: d["id"] != replaces)  # the one being replaced comes first (selected)
    return pages.preview(doc, view, c.csrf, c.settings.max_upload_mb, sorted(READERS), published)


@console.post("/documents/{doc_id}/publish")
def publish_page(request: Request, user: Admin, doc_id: str, csrf: Annotated[str, Form()],
                 replaces: Annotated[str, Form()] = "", force: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    return _job_redirect(lambda: console_of(request).publisher.publish(doc_id, user, replaces or None, bool(force)))


@console.post("/documents/{doc_id}/withdraw")
def withdraw_page(request: Request, user: Admin, doc_id: str, csrf: Annotated[str, Form()],
                  force: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    return _job_redirect(lambda: console_of(request).publisher.withdraw(doc_id, user, bool(force)))


@console.post("/fixes/{kind}")
async def fix_page(request: Request, kind: str):
    user = admin_user(request)
    if kind not in FIXES:
        raise HTTPException(404, "未找到。")
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    fields = {k: str(v) for k, v in form.items() if k not in ("csrf", "question_ids", "force")}
    fields.update(question_ids=[str(v) for v in form.getlist("question_ids")], force=bool(form.get("force")))
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_job_redirect, lambda: _fix(request, user, kind, fields, wait=False))


def _job_redirect(start):
    try:
        job = start()
    except HTTPException as err:
        return HTMLResponse(pages.message("无法处理", err.detail), status_code=err.status_code)
    except QAError as err:
        return HTMLResponse(pages.message("无法处理", str(err)), status_code=409)
    return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)


@console.get("/jobs/{job_id}", **HTML)
def job_page(request: Request, user: Admin, job_id: str):
    job = console_of(request).publisher.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "没有这个任务。")
    return pages.job(job.to_dict())


@console.get("/questions", **HTML)
def questions_page(request: Request, user: Admin):
    c = console_of(request)
    log_rows = c.db.question_log(limit=500, since=_since(c))
    groups = [g.to_dict() for g in unanswered(log_rows)]
    return pages.questions(groups, log_rows[:100], c.csrf, c.settings.retention_days)


@console.get("/audit", **HTML)
def audit_page(request: Request, user: Admin):
    return pages.audit(console_of(request).db.audit_entries())


def _page_user(request: Request):
    try:
        return console_of(request), admin_user(request)
    except HTTPException:
        return console_of(request), None
