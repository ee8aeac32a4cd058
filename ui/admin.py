"""The administrator's console (/admin) and its JSON API (/api/admin/…), the question log,
feedback, and duty-list exports. Mounted by ``mount_admin(app, service, settings)``; the
routes live in ui/admin_api.py (JSON) and ui/admin_console.py (pages), the access rules here.

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
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictStr

from qa.admin.export import duty_rows, to_docx, to_xlsx
from qa.errors import QAError

from .security import _cookie, token_matches

log = logging.getLogger("qa.admin")
SESSION = "qa_admin"
USER = "qa_admin_user"


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
    from .admin_api import api
    from .admin_console import console

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
