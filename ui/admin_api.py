"""The console's JSON API (/api/admin/…): documents, jobs, the question log and lexicon fixes.

Every route needs the admin token (``Admin``); publish, withdraw and fixes answer once the
rebuilt index serves, or 409 with the job (and its question-set figures) when refused.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictStr

from qa.admin.report import unanswered
from qa.errors import QAError

from .admin import Admin, Console, console_of

JOB_WAIT = 900  # s: API publish/withdraw answer once the new index serves

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
