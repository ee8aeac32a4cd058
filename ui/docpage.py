"""The document page, /doc/{doc_id}, and its JSON twin, /api/docs/{doc_id}.

A citation links to ``/doc/{doc_id}#{anchor}``: the whole document as structured
(headings, items, their units and deadlines), the cited item highlighted by CSS
``:target`` and scrolled into view by the browser itself, so the page needs no
script. The URL is made of stable ids only: staff can paste it anywhere.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from qa.documents import documents_of

STATIC = Path(__file__).parent / "static"
router = APIRouter()


def documents(app, index) -> dict:
    """doc id -> DocumentView for the index being served, rebuilt when a reload swaps it."""
    cached = getattr(app.state, "documents", None)
    if cached is None or cached[0] is not index:
        cached = (index, documents_of(index.items))
        app.state.documents = cached
    return cached[1]


def find(request: Request, doc_id: str):
    found = documents(request.app, request.app.state.service.index).get(doc_id)
    if found is None:
        raise HTTPException(404, f"没有编号为「{doc_id[:100]}」的文件。")
    return found


@router.get("/api/docs/{doc_id}", summary="整份文件(结构化)")
def doc_json(request: Request, doc_id: str):
    """一份文件的全部内容:标题、年份,按原文顺序的各级标题(heading)和工作条目(item,含责任单位、
    牵头/配合单位、完成时限和锚点 anchor)。引用链接 `/doc/{doc_id}#{anchor}` 指向其中一条。"""
    return JSONResponse(find(request, doc_id).to_dict())


@router.get("/doc/{doc_id}", include_in_schema=False, response_class=HTMLResponse)
def doc_page(request: Request, doc_id: str):
    return HTMLResponse(render(find(request, doc_id).to_dict()))


def render(doc: dict) -> str:
    e = html.escape
    body = []
    for block in doc["blocks"]:
        if block["type"] == "heading":
            level = min(block["level"] + 1, 4)
            body.append(f"<h{level}>{e(block['text'])}</h{level}>")
        else:
            body.append(item_html(block))
    year = f"{doc['year']}年 · " if doc.get("year") else ""
    css = (STATIC / "doc.css").read_text(encoding="utf-8")
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"color-scheme\" content=\"light dark\">"
            f"<title>{e(doc['title'])} · 政策问答</title><style>{css}</style></head><body>"
            "<header><a class=\"back\" href=\"/\">← 返回政策问答</a></header>"
            f"<main><h1>{e(doc['title'])}</h1>"
            f"<p class=\"meta\">{e(year)}共 {doc['items']} 项工作 · 来源文件:{e(doc['source'])}</p>"
            + "".join(body) + "</main></body></html>")


def item_html(item: dict) -> str:
    e = html.escape
    number = item.get("number") or ""
    label = f"{number}. " if number[:1].isdigit() else f"{number} " if number else ""
    units = []
    if item["lead_units"]:
        units.append(f"牵头单位:{e('、'.join(item['lead_units']))}")
    if item["co_units"]:
        units.append(f"配合单位:{e('、'.join(item['co_units']))}")
    if not units:
        units.append(f"责任单位:{e('、'.join(item['units']))}" if item["units"] else "责任单位:文件未列明")
    if item.get("deadline"):
        units.append(f"完成时限:{e(item['deadline'])}")
    text = e(item["text"]).replace("\n", "<br>")
    anchor = e(item["anchor"])
    return (f"<section class=\"item\" id=\"{anchor}\" aria-labelledby=\"t-{anchor}\">"
            f"<h4 id=\"t-{anchor}\"><a href=\"#{anchor}\">{e(label)}{e(item['title'])}</a></h4>"
            f"<p class=\"text\">{text}</p><p class=\"units\">{';'.join(units)}</p></section>")
