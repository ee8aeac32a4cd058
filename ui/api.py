"""The JSON API: ask, units, items, health, reload, and its offline documentation page.

Routes are plain ``def`` so FastAPI runs them in its threadpool: the model's
forward pass is CPU-bound and must not block the event loop. Every error a
client can cause answers 4xx with a Chinese ``detail``; nothing else leaks.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from qa.answer import Result
from qa.conversation import ID_PATTERN
from qa.errors import BadQuestion, QAError

from .security import BodyTooLarge, is_loopback

log = logging.getLogger("qa.api")
STATIC = Path(__file__).parent / "static"
EXAMPLE = {"question": "谁负责校园欺凌防治?"}
USAGE = '请求内容应为 JSON 对象,例如 {"question": "谁负责校园欺凌防治?"}'
_reload_lock = threading.Lock()

router = APIRouter()


class AskRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE, {"question": "市民政局负责哪些工作?",
                                                                         "top_k": 3}]})
    question: StrictStr = Field(description="要问的问题(不超过 500 字)")
    top_k: StrictInt | None = Field(None, ge=1, le=50, description="最多列出的条目数,默认 5")
    doc: StrictStr | None = Field(None, max_length=300, description="只从这份文件回答(文件名、编号或标题)")
    year: StrictInt | None = Field(None, ge=1900, le=2100, description="只从这一年的文件回答,如 2024")
    conversation: StrictStr | None = Field(None, description="上一个回答的 conversation,用于追问;"
                                                             "空字符串开始新对话;不传则每个问题独立回答")


class AnswerOut(BaseModel):
    question: str
    refused: bool = Field(description="true:文件中没有能回答的内容")
    answer: str = Field(description="带出处的中文回答(Markdown,文件原文已做 HTML 转义)")
    results: list[Result]  # the library's own record: one definition of a cited item
    kind: str
    summary: str = Field(description="开头的一句直接回答,只由所引条目的内容组成(纯文本)")
    suggestions: list[str] = Field(description="可以接着问的 2–3 个问题,每个都能单独提问")
    conversation: str | None = Field(description="追问时随下一个问题发回;请求未带 conversation 时为 null")


class UnitOut(BaseModel):
    unit: str
    items: int


class Problem(BaseModel):
    detail: str


ERRORS = {413: {"model": Problem, "description": "请求过大"},
          422: {"model": Problem, "description": "问题或请求格式不正确"}}


@router.post("/api/ask", response_model=AnswerOut, responses=ERRORS, summary="提问")
def ask(request: Request, body: Annotated[AskRequest, Body(examples=[EXAMPLE])]):
    """回答一个问题:引用文件原文,注明出处和责任单位。问「X负责哪些工作」时列出该单位的全部工作。"""
    started = time.perf_counter()
    try:
        answer = request.app.state.service.ask(body.question, body.top_k, conversation_id(body.conversation),
                                               doc=body.doc, year=body.year)
    except BadQuestion as err:
        raise HTTPException(422, str(err)) from None
    log.info("ask %.0fms %s", (time.perf_counter() - started) * 1000, json.dumps(body.question, ensure_ascii=False))
    return JSONResponse(answer.to_dict())


def conversation_id(value: str | None) -> str | None:
    """None (stateless), "" (start one) or a well-formed id; anything else is a client error."""
    if value is None or value == "" or re.match(ID_PATTERN, value):
        return value
    raise HTTPException(422, "conversation 不是有效的对话编号:请使用上一个回答返回的 conversation。")


@router.get("/api/units", response_model=list[UnitOut], summary="责任单位列表")
def units(request: Request):
    """文件中出现的全部责任单位,以及每个单位参与的工作条目数(按条目数从多到少)。"""
    counts = request.app.state.service.index.registry.counts()
    return JSONResponse([{"unit": unit, "items": n} for unit, n in counts])


@router.get("/api/items/{item_id:path}", responses={404: {"model": Problem}}, summary="单条工作条目")
def item(request: Request, item_id: str):
    """按编号取一条工作条目的完整记录。编号形如 `minor-protection-workplan-2023.txt#3`,其中 `#` 要写成 `%23`。"""
    found = items_by_id(request.app, request.app.state.service.index).get(item_id)
    if found is None:
        raise HTTPException(404, f"没有编号为「{item_id[:100]}」的条目。")
    return JSONResponse(found.to_dict())


@router.get("/healthz", summary="运行状态")
async def healthz(request: Request):
    """服务状态和当前索引的概要(条目数、模型、构建时间)。无需令牌。"""
    # async on purpose: it only reads what is in memory, so it never queues behind answers
    # waiting for the threadpool.
    index = request.app.state.service.index
    manifest = index.manifest
    return {"status": "ok", "items": len(index.items), "units": len(index.registry.counts()),
            "sentences": manifest.get("sentences"), "documents": len(manifest.get("corpus") or {}),
            "model": manifest.get("model"), "built_at": manifest.get("built_at"),
            "format_version": manifest.get("format_version"), "qa_version": manifest.get("qa_version"),
            "build": Path(index.folder).name}


@router.post("/api/reload", responses={403: {"model": Problem}, 409: {"model": Problem}}, summary="重新加载索引")
def reload(request: Request):
    """在 `python -m qa build` 之后从磁盘重新加载索引;正在处理的请求仍用旧索引完成。
    设置了令牌时需要令牌,否则只接受本机请求。也可以向服务进程发送 SIGHUP。"""
    settings = request.app.state.settings
    if not settings.auth_token and not is_loopback(request.client.host if request.client else None):
        raise HTTPException(403, "只能从本机重新加载索引。")
    try:
        index = reload_index(request.app.state.service, settings)
    except QAError as err:
        raise HTTPException(409, f"重新加载失败,仍在使用原索引:{without_paths(str(err), settings.index_dir)}") from None
    return {"status": "reloaded", "items": len(index.items), "built_at": index.manifest.get("built_at"),
            "build": Path(index.folder).name}


def reload_index(service, settings):
    """Load the live build from disk and swap it in; one reload at a time."""
    from qa.index import load_index

    with _reload_lock:
        index = load_index(settings.index_dir, service.encoder.model_id)
        service.swap_index(index)
    log.info("index reloaded: %s", Path(index.folder).name)
    return index


def without_paths(message: str, index_dir: Path) -> str:
    """A message for HTTP clients: the index folder by its name, not where it lives on the server."""
    folder = Path(index_dir)
    for spelled in sorted({str(folder.resolve()), str(folder.absolute()), str(folder)}, key=len, reverse=True):
        message = message.replace(spelled, "索引目录")
    return message


def items_by_id(app: FastAPI, index) -> dict:
    """id -> WorkItem for the index being served, rebuilt when a reload swaps it."""
    cached = getattr(app.state, "items_by_id", None)
    if cached is None or cached[0] is not index:
        cached = (index, {item.id: item for item in index.items})
        app.state.items_by_id = cached
    return cached[1]


def install_error_handlers(app: FastAPI) -> None:
    """Chinese messages for every error a client can cause; no stack trace ever leaves."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError):
        return JSONResponse({"detail": explain(err.errors())}, status_code=422)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, err: BodyTooLarge):
        return JSONResponse({"detail": "请求内容过大。"}, status_code=413)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException):
        if request.scope.get("qa", {}).get("too_large"):
            return JSONResponse({"detail": "请求内容过大。"}, status_code=413)
        detail = err.detail if isinstance(err.detail, str) and _is_chinese(err.detail) else (
            STATUS_TEXT.get(err.status_code, "请求无法处理。"))
        return JSONResponse({"detail": detail}, status_code=err.status_code, headers=err.headers)

    @app.exception_handler(QAError)
    async def qa_error(request: Request, err: QAError):
        return JSONResponse({"detail": str(err)}, status_code=503)

    # Unexpected errors are answered by ui.security.Guard (inside the error middleware, so the
    # 500 carries the security headers, an error id, and no traceback reaches any log).


STATUS_TEXT = {400: "请求内容无法读取。", 404: "未找到。", 405: "不支持该请求方法。", 413: "请求内容过大。"}


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def explain(errors) -> str:
    """The first validation error, said in Chinese."""
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        kind = err.get("type", "")
        field = loc[1] if len(loc) > 1 and loc[0] == "body" else None
        if kind == "json_invalid":
            return "请求内容不是有效的 JSON。" + USAGE
        if field == "question":
            return "缺少问题:" + USAGE if kind == "missing" else "question 必须是文字(字符串)。"
        if field == "conversation":
            return "conversation 必须是上一个回答返回的对话编号(字符串)。"
        if field == "top_k":
            return "top_k 必须是 1 到 50 之间的整数。"
        if field == "year":
            return "year 必须是 1900 到 2100 之间的整数年份,如 2024。"
        if field == "doc":
            return "doc 必须是文件名、编号或标题(字符串,不超过 300 字)。"
        if loc[:1] == ["body"]:
            return ("请求内容为空。" if kind == "missing" else "请求格式不正确(请以 JSON 发送)。") + USAGE
    return "请求格式不正确。"


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
def docs(request: Request):
    """A self-contained API page: FastAPI's default one loads Swagger UI from a CDN."""
    spec = request.app.openapi()
    schemas = spec.get("components", {}).get("schemas", {})
    root = str(request.base_url).rstrip("/")
    blocks = [_operation(root, path, method, op, schemas)
              for path, ops in spec["paths"].items() for method, op in ops.items()]
    info = spec["info"]
    css = (STATIC / "docs.css").read_text(encoding="utf-8")
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(info['title'])} · 接口文档</title><style>{css}</style></head><body>"
            f"<h1>{html.escape(info['title'])} <small>{html.escape(info['version'])}</small></h1>"
            f"<p>{_inline(info.get('description', ''))}</p>"
            "<p>机器可读的规范:<a href=\"openapi.json\">/openapi.json</a>(OpenAPI 3)。"
            "设置了访问令牌时,请求头加 <code>Authorization: Bearer &lt;令牌&gt;</code>。</p>"
            + "".join(blocks) + "</body></html>")


def _operation(root: str, path: str, method: str, op: dict, schemas: dict) -> str:
    e = html.escape
    parts = [f"<section class=\"op\"><h2><span class=\"method {e(method)}\">{e(method.upper())}</span> "
             f"<code>{e(path)}</code> {e(op.get('summary', ''))}</h2>",
             f"<p>{_inline(op.get('description', ''))}</p>"]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if body:
        parts.append("<h3>请求</h3>" + _fields(body.get("schema", {}), schemas))
        parts.append(f"<pre>curl -X {e(method.upper())} {e(root + path)} -H 'Content-Type: application/json' "
                     f"-d '{e(json.dumps(EXAMPLE, ensure_ascii=False))}'</pre>")
    responses = op.get("responses", {})
    ok = responses.get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    codes = "、".join(f"{e(code)} {e(_CODE_TEXT.get(code, resp.get('description', '')))}"
                     for code, resp in responses.items())
    parts.append(f"<h3>响应</h3><p>{codes}</p>" + _fields(ok, schemas) + "</section>")
    return "".join(parts)


_CODE_TEXT = {"200": "成功", "401": "需要令牌", "403": "不允许", "404": "未找到", "409": "重新加载失败",
              "413": "请求过大", "422": "问题或请求格式不正确"}


def _fields(schema: dict, schemas: dict) -> str:
    """A table of an object schema's fields (a list of objects shows its item's fields)."""
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    properties = schema.get("properties")
    if not properties:
        return ""
    required = set(schema.get("required", []))
    rows = "".join(f"<tr><td><code>{html.escape(name)}</code>{'' if name in required else '(可选)'}</td>"
                   f"<td>{html.escape(_type(prop))}</td><td>{html.escape(prop.get('description', ''))}</td></tr>"
                   for name, prop in properties.items())
    return f"<table><tr><th>字段</th><th>类型</th><th>说明</th></tr>{rows}</table>"


def _type(prop: dict) -> str:
    if "anyOf" in prop:
        return " | ".join(_type(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list[{_type(prop.get('items', {}))}]"
    return prop.get("type") or prop.get("$ref", "").rsplit("/", 1)[-1] or "any"


def _inline(text: str) -> str:
    """Escaped text with `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))
