"""The administrator's console (/admin) and its JSON API (/api/admin/…), the question log,
feedback, and duty-list exports. Mounted by ``mount_admin(app, service, settings)``.

Without an admin token the console and its API do not exist (404); the question log is
off too. With one, admin routes need ``Authorization: Bearer <admin token>`` or the
console's session cookie (set by /admin/login), and every console form carries a CSRF
token. Document text, questions and comments are escaped in ui/admin_pages.py.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, StrictStr

from qa.admin.export import duty_rows, to_docx, to_xlsx
from qa.admin.report import unanswered
from qa.errors import QAError
from qa.read import SUFFIXES

from . import admin_pages as pages
from .security import _cookie, token_matches

log = logging.getLogger("qa.admin")
STATIC = Path(__file__).parent / "static"
SESSION = "qa_admin"
USER = "qa_admin_user"
JOB_WAIT = 900  # s: API publish/withdraw answer once the new index serves


def mount_admin(app, service, settings) -> None:
    """Question log and feedback when an admin token is set; duty-list exports always."""
    app.include_router(exports)
    secret = settings.admin_secret()
    if not secret:
        return
    if settings.auth_token and hmac.compare_digest(secret, settings.auth_token):
        raise QAError("管理令牌不能与访问令牌相同。")
    from qa.admin.db import AdminDB
    from qa.admin.publish import Publisher

    db = AdminDB.open(settings)
    db.purge(settings.retention_days)
    publisher = Publisher(service, settings, db, settings.eval_questions)
    publisher.register_corpus()
    app.state.admin = Console(db, publisher, settings, secret)
    app.state.on_answer = app.state.admin.log_answer
    app.include_router(feedback_router)
    app.include_router(api)
    app.include_router(console)


class Console:
    """What the routes share: the database, the publisher and the secret."""

    def __init__(self, db, publisher, settings, secret: str):
        self.db, self.publisher, self.settings, self.secret = db, publisher, settings, secret
        self.session = hmac.new(secret.encode(), b"policy-qa admin session", hashlib.sha256).hexdigest()
        self.csrf = hmac.new(secret.encode(), b"policy-qa admin csrf", hashlib.sha256).hexdigest()
        self._purged = time.time()

    def log_answer(self, answer, latency_ms: float) -> str:
        """Record one answered question (no IP address, no user id); the id goes back with the answer."""
        results = answer.results
        score = None
        if results:
            second = results[1].score if len(results) > 1 else 0.0
            score = round(results[0].score - second, 4)  # how clearly the top item won
        if time.time() - self._purged > 86400:
            self._purged = time.time()
            self.db.purge(self.settings.retention_days)
        return self.db.log_question(answer.question, answer.kind, answer.refused, results[0].id if results else "",
                                    score, latency_ms, answer.answer, [r.id for r in results])


def console_of(request: Request) -> Console:
    return request.app.state.admin


def admin_user(request: Request) -> str:
    """The caller's name for the audit table, or 401/403."""
    c = console_of(request)
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        if token_matches(auth[7:].strip(), c.secret):
            return unquote(request.headers.get("x-qa-admin-user") or "api")[:40]  # percent-encoded UTF-8
        raise HTTPException(403, "管理令牌不正确。")
    cookie = _cookie(request.scope, SESSION)
    if cookie and hmac.compare_digest(cookie, c.session):
        return unquote(_cookie(request.scope, USER) or "admin")[:40]
    if cookie:
        raise HTTPException(403, "登录已失效,请重新登录。")
    raise HTTPException(401, "需要管理令牌:请求头 Authorization: Bearer <管理令牌>,或在 /admin/login 登录。")


Admin = Annotated[str, Depends(admin_user)]


def check_csrf(request: Request, csrf: str) -> None:
    """Console forms: the CSRF token only our own pages know, and no foreign Origin."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise HTTPException(403, "请求来源不被允许。")
    if not hmac.compare_digest(csrf or "", console_of(request).csrf):
        raise HTTPException(403, "表单已过期,请刷新页面后重试。")


# --- feedback (public, the answer's own question_id is the handle) ------------------------------
feedback_router = APIRouter()


class FeedbackIn(BaseModel):
    question_id: StrictStr = Field(max_length=64)
    vote: StrictStr = Field(pattern="^(up|down)$", description="up 或 down")
    comment: StrictStr = Field("", max_length=1000, description="可选意见")


@feedback_router.post("/api/feedback", summary="对回答的反馈")
def feedback(request: Request, body: Annotated[FeedbackIn, Body()]):
    """对一次回答点赞或点踩(可附意见),与回答引用的条目一起保存。`question_id` 来自回答对象。"""
    if not console_of(request).db.add_feedback(body.question_id, body.vote, body.comment.strip()):
        raise HTTPException(404, "没有这个问题记录(可能已过保留期)。")
    return {"status": "ok"}


# --- duty-list exports ---------------------------------------------------------------------------
exports = APIRouter()


@exports.get("/api/units/{unit}/items.{fmt}", summary="单位责任清单(xlsx / docx)",
             responses={404: {"description": "未找到"}})
def unit_items(request: Request, unit: str, fmt: str):
    """一个单位负责的全部工作,导出为 Excel(`items.xlsx`)或 Word(`items.docx`)。"""
    if fmt not in ("xlsx", "docx"):
        raise HTTPException(404, "只支持 items.xlsx 或 items.docx。")
    index = request.app.state.service.index
    rows = duty_rows(index, unit)
    if not rows:
        raise HTTPException(404, f"文件中没有单位「{unit[:60]}」的工作。")
    data = to_xlsx(unit, rows) if fmt == "xlsx" else to_docx(unit, rows)
    kind = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    name = quote(f"{unit}-责任清单.{fmt}")
    return Response(data, media_type=kind, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


# --- JSON API ------------------------------------------------------------------------------------
api = APIRouter(prefix="/api/admin", tags=["admin"])


@api.get("/documents", summary="文件列表(管理)")
def list_documents(request: Request, user: Admin):
    return console_of(request).db.document_list()


@api.post("/documents", summary="上传文件为草稿(管理)")
def upload_document(request: Request, user: Admin, file: Annotated[UploadFile, File()]):
    """multipart 字段 `file`;返回草稿编号、文件信息、全部条目和提示。"""
    return _upload(request, user, file)


def _upload(request: Request, user: str, file: UploadFile) -> dict:
    limit = console_of(request).settings.max_upload_mb * 1024 * 1024
    data = file.file.read(limit + 1)
    try:
        return console_of(request).publisher.upload(file.filename or "", data, user)
    except QAError as err:
        raise HTTPException(422, str(err)) from None


@api.get("/documents/{doc_id}", summary="文件解析预览(管理)")
def get_document(request: Request, user: Admin, doc_id: str):
    return _call(lambda: console_of(request).publisher.preview(doc_id), 404)


@api.post("/documents/{doc_id}/publish", summary="发布文件(管理)")
def publish_document(request: Request, user: Admin, doc_id: str, force: bool = False, replaces: str | None = None):
    """后台重建索引;新索引上线后返回 200。问题集召回率下降时返回 409(force=true 可强制)。"""
    publisher = console_of(request).publisher
    job = _call(lambda: publisher.publish(doc_id, user, replaces or None, force), 409)
    return _finished(publisher.wait(job, JOB_WAIT))


@api.delete("/documents/{doc_id}", summary="撤回文件(管理)")
def withdraw_document(request: Request, user: Admin, doc_id: str, force: bool = False):
    publisher = console_of(request).publisher
    job = _call(lambda: publisher.withdraw(doc_id, user, force), 409)
    return _finished(publisher.wait(job, JOB_WAIT))


@api.get("/jobs/{job_id}", summary="处理进度(管理)")
def get_job(request: Request, user: Admin, job_id: str):
    job = console_of(request).publisher.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "没有这个任务。")
    return job.to_dict()


@api.get("/questions", summary="问题记录 / 未答好的问题(管理)")
def list_questions(request: Request, user: Admin, unanswered_only: bool = False, limit: int = 500):
    """`?unanswered=true`:拒答、低置信和差评的问题,按相似度分组,最常见的在前。"""
    c = console_of(request)
    flag = request.query_params.get("unanswered", "").lower() in ("1", "true", "yes") or unanswered_only
    log_rows = c.db.question_log(limit=max(1, min(limit, 5000)), since=_since(c))
    if flag:
        return [g.to_dict() for g in unanswered(log_rows)]
    return [_question(q) for q in log_rows]


class PairIn(BaseModel):
    word: StrictStr = Field(min_length=1, max_length=20)
    document_word: StrictStr = Field(min_length=1, max_length=20)
    question_ids: list[StrictStr] = []
    force: bool = False


class AliasIn(BaseModel):
    alias: StrictStr = Field(min_length=1, max_length=30)
    unit: StrictStr = Field(min_length=1, max_length=60)
    question_ids: list[StrictStr] = []
    force: bool = False


class ScopeIn(BaseModel):
    question: StrictStr = Field(min_length=1, max_length=500)
    question_ids: list[StrictStr] = []
    force: bool = False


@api.post("/lexicon/synonyms", summary="添加词对并发布(管理)")
def add_synonym(request: Request, user: Admin, body: PairIn):
    return _finished(_fix(request, user, "synonym", body.model_dump()))


@api.post("/lexicon/unit_aliases", summary="添加单位别名并发布(管理)")
def add_alias(request: Request, user: Admin, body: AliasIn):
    return _finished(_fix(request, user, "alias", body.model_dump()))


@api.post("/questions/out_of_scope", summary="标记问题超出范围并发布(管理)")
def add_scope(request: Request, user: Admin, body: ScopeIn):
    return _finished(_fix(request, user, "scope", body.model_dump()))


FIXES = {  # kind -> (table, line from the form, resolution recorded on the questions)
    "synonym": ("synonyms.tsv", lambda f: f"{f['word']}\t{f['document_word']}", "词对"),
    "alias": ("unit_aliases.tsv", lambda f: f"{f['alias']}\t{f['unit']}", "单位别名"),
    "scope": ("background.txt", lambda f: f["question"], "超出范围"),
}


def _fix(request: Request, user: str, kind: str, form: dict, wait: bool = True):
    c = console_of(request)
    values = {k: " ".join(str(v).split()) for k, v in form.items() if isinstance(v, str)}
    if any(not values.get(k) for k in values):
        raise HTTPException(422, "请填写完整。")
    table, line, resolution = FIXES[kind]
    try:
        text = line(values)
    except KeyError:
        raise HTTPException(422, "请填写完整。") from None
    ids = list(form.get("question_ids") or [])
    job = c.publisher.add_line(table, text, user, kind, bool(form.get("force")),
                               on_done=lambda: c.db.resolve(ids, resolution) if ids else None)
    return c.publisher.wait(job, JOB_WAIT) if wait else job


def _finished(job):
    if job.state != "done":
        return JSONResponse({"detail": job.error or "处理失败。", "job": job.to_dict()}, status_code=409)
    return job.to_dict()


def _call(fn, status: int):
    try:
        return fn()
    except QAError as err:
        raise HTTPException(status, str(err)) from None


def _since(c: Console) -> float:
    return time.time() - c.settings.retention_days * 86400


def _question(q) -> dict:
    return {"id": q.id, "at": q.at, "question": q.question, "kind": q.kind, "refused": q.refused,
            "top_item": q.top_item, "score": q.score, "latency_ms": q.latency_ms, "item_ids": q.item_ids,
            "votes": list(q.votes), "comments": list(q.comments), "resolution": q.resolution}


# --- console pages -------------------------------------------------------------------------------
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
    return pages.documents(c.db.document_list(), c.csrf, c.settings.max_upload_mb, sorted(SUFFIXES))


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
    return pages.preview(doc, view, c.csrf, c.settings.max_upload_mb, sorted(SUFFIXES), published)


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
