"""The console's Chinese pages as plain HTML strings.

Every value that came from a document, a question, a comment or a file name goes
through ``e()`` (html.escape); nothing else is interpolated. No script, no external
resource: the stylesheet is ui/static/admin.css, served by our own host.
"""

from __future__ import annotations

import html
import time

e = html.escape
STATUS = {"draft": "草稿", "published": "已发布", "withdrawn": "已撤回", "replaced": "已被替换"}
JOB_STATE = {"running": "进行中", "done": "已完成", "failed": "失败", "refused": "已拒绝"}


def page(title: str, body: str, refresh: int | None = None) -> str:
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"{meta}<title>{e(title)} · 政策问答管理</title>"
            "<link rel=\"stylesheet\" href=\"/admin/static/admin.css\"></head><body>"
            "<nav><b>政策问答 · 管理</b> <a href=\"/admin\">文件</a> <a href=\"/admin/questions\">问题</a> "
            "<a href=\"/admin/audit\">操作记录</a> <a href=\"/\">返回问答</a></nav>"
            f"<main><h1>{e(title)}</h1>{body}</main></body></html>")


def when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else "—"


def csrf_field(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{e(token)}">'


def login(message: str = "") -> str:
    note = f'<p class="error">{e(message)}</p>' if message else ""
    return page("登录", note + """<form method="post" action="/admin/login" class="card">
<label>管理令牌 <input type="password" name="token" required autocomplete="current-password"></label>
<label>操作人(记入操作记录) <input name="user" maxlength="40" required></label>
<button type="submit">登录</button></form>""")


def documents(docs: list[dict], csrf: str, limit_mb: int, suffixes: list[str]) -> str:
    rows = "".join(
        f"<tr class=\"{e(d['status'])}\"><td><a href=\"/admin/documents/{e(d['id'])}\">{e(d['title'] or d['name'])}</a>"
        f"<div class=\"sub\">{e(d['name'])}</div></td>"
        f"<td>{e(str(d['meta'].get('year') or '—'))}</td><td>{e(d['meta'].get('kind') or '—')}</td>"
        f"<td>{e(d['meta'].get('shape') or '—')}</td><td>{d['items']}</td>"
        f"<td>{_warn_count(d['warnings'])}</td><td>{e(STATUS.get(d['status'], d['status']))}</td>"
        f"<td>{e(when(d['updated_at']))}</td></tr>" for d in docs)
    table = ("<table><tr><th>标题</th><th>年份</th><th>类型</th><th>结构</th><th>条目</th><th>提示</th>"
             f"<th>状态</th><th>更新时间</th></tr>{rows}</table>" if docs else "<p>还没有文件。</p>")
    return page("文件", upload_form(csrf, limit_mb, suffixes) + table)


def upload_form(csrf: str, limit_mb: int, suffixes: list[str], replaces: str = "") -> str:
    hidden = f'<input type="hidden" name="replaces" value="{e(replaces)}">' if replaces else ""
    label = "上传新版本(替换本文件)" if replaces else "上传文件"
    return (f'<form method="post" action="/admin/documents" enctype="multipart/form-data" class="card" id="upload">'
            f"{csrf_field(csrf)}{hidden}<label>{label} <input type=\"file\" name=\"file\" required "
            f"accept=\"{e(','.join(suffixes))}\"></label> <button type=\"submit\">上传并预览</button>"
            f"<p class=\"sub\">支持 {e('、'.join(suffixes))},不超过 {limit_mb} MB。上传后先生成预览,发布后才会用于问答。</p></form>")


def _warn_count(warnings: list) -> str:
    return f'<span class="warn">{len(warnings)}</span>' if warnings else "0"


def preview(doc: dict, view: dict, csrf: str, limit_mb: int, suffixes: list[str], published=()) -> str:
    d = view["doc"]
    facts = "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in (
        ("标题", d.get("title")), ("文件名", doc["name"]), ("状态", STATUS.get(doc["status"], doc["status"])),
        ("年份", d.get("year") or "—"), ("类型", d.get("kind") or "—"), ("结构", d.get("shape") or "—"),
        ("发文机关", d.get("issuer") or "—"), ("文号", d.get("number") or "—"), ("条目数", len(view["items"]))))
    warnings = "".join(f"<li>{e(w)}</li>" for w in view["warnings"])
    body = [f"<dl class=\"facts\">{facts}</dl>"]
    if warnings:
        body.append(f'<div class="warnings"><b>提示</b><ul>{warnings}</ul></div>')
    body.append(_actions(doc, csrf, limit_mb, suffixes, published))
    rows = "".join(_item_row(n, item) for n, item in enumerate(view["items"], 1))
    body.append("<h2>解析预览</h2><table class=\"items\"><tr><th>#</th><th>章节</th><th>编号</th><th>标题</th>"
                f"<th>责任单位</th><th>牵头 / 配合</th><th>完成时限</th><th>提示</th></tr>{rows}</table>")
    return page(d.get("title") or doc["name"], "".join(body))


def _item_row(n: int, item: dict) -> str:
    lead_co = "牵头:" + "、".join(e(u) for u in item["lead_units"]) if item.get("lead_units") else ""
    if item.get("co_units"):
        lead_co += (";" if lead_co else "") + "配合:" + "、".join(e(u) for u in item["co_units"])
    warn = "、".join(e(w) for w in item["warnings"])
    return (f"<tr class=\"{'flag' if item['warnings'] else ''}\"><td>{n}</td><td>{e(' › '.join(item['section']))}</td>"
            f"<td>{e(item.get('number') or '—')}</td><td><details><summary>{e(item['title'])}</summary>"
            f"<div class=\"text\">{e(item['text'])}</div></details></td>"
            f"<td>{'、'.join(e(u) for u in item['units']) or '—'}</td><td>{lead_co or '—'}</td>"
            f"<td>{e(item.get('deadline') or '—')}</td><td class=\"warn\">{warn}</td></tr>")


def _actions(doc: dict, csrf: str, limit_mb: int, suffixes: list[str], published) -> str:
    base = f"/admin/documents/{e(doc['id'])}"
    force = '<label class="sub"><input type="checkbox" name="force" value="1"> 强制发布(问题集召回率下降也发布)</label>'
    if doc["status"] in ("draft", "withdrawn"):
        replace = (f'<label>替换已发布的文件 <select name="replaces"><option value="">(不替换,新增)</option>'
                   + "".join(f'<option value="{e(p["id"])}">{e(p["title"] or p["name"])}</option>' for p in published)
                   + "</select></label>")
        return (f'<form method="post" action="{base}/publish" class="card">{csrf_field(csrf)}{replace}'
                f' {force} <button type="submit" id="publish">发布</button></form>')
    if doc["status"] == "published":
        return (f'<form method="post" action="{base}/withdraw" class="card">{csrf_field(csrf)}{force}'
                f' <button type="submit" id="withdraw" class="danger">撤回</button></form>'
                + upload_form(csrf, limit_mb, suffixes, replaces=doc["id"]))
    return ""


def job(j: dict) -> str:
    running = j["state"] == "running"
    steps = "".join(f"<li>{e(s)}</li>" for s in j["steps"])
    body = [f'<p class="state {e(j["state"])}" id="job-state">{e(JOB_STATE.get(j["state"], j["state"]))}</p>',
            f"<ol>{steps}</ol>"]
    if j.get("before") or j.get("after"):
        body.append(figures(j.get("before"), j.get("after")))
    if j["target"] and j["action"] in ("publish", "replace", "withdraw"):
        body.append(f'<p><a href="/admin/documents/{e(j["target"])}">返回文件</a></p>')
    body.append('<p><a href="/admin">文件列表</a> · <a href="/admin/questions">问题</a></p>')
    return page("处理进度", "".join(body), refresh=1 if running else None)


def figures(before: dict | None, after: dict | None) -> str:
    def cell(d, key):
        return e(str(d.get(key))) if d and d.get(key) is not None else "—"
    keys = (("questions", "问题数"), ("recall@1", "Recall@1"), ("recall@3", "Recall@3"), ("mrr", "MRR"),
            ("refused_unanswerable", "应拒答已拒答"))
    rows = "".join(f"<tr><td>{label}</td><td>{cell(before, k)}</td><td>{cell(after, k)}</td></tr>" for k, label in keys)
    return f'<h2>问题集</h2><table class="figures"><tr><th></th><th>发布前</th><th>发布后</th></tr>{rows}</table>'


def questions(groups: list[dict], log: list, csrf: str, retention_days: int) -> str:
    body = [f"<p class=\"sub\">问题记录保留 {retention_days} 天,不记录 IP 地址。</p><h2>未答好的问题</h2>"]
    if not groups:
        body.append("<p>暂无。</p>")
    for n, g in enumerate(groups):
        body.append(_group(n, g, csrf))
    rows = "".join(
        f"<tr><td>{e(when(q.at))}</td><td>{e(q.question)}</td><td>{e(q.kind)}</td><td>{'是' if q.refused else '否'}</td>"
        f"<td>{e(q.top_item) or '—'}</td><td>{'' if q.score is None else f'{q.score:.3f}'}</td>"
        f"<td>{q.latency_ms:.0f}</td><td>{e(' '.join('赞' if v == 'up' else '踩' for v in q.votes))}</td></tr>"
        for q in log)
    body.append("<h2>问题记录</h2><table><tr><th>时间</th><th>问题</th><th>类型</th><th>拒答</th><th>首条</th>"
                f"<th>领先幅度</th><th>耗时 ms</th><th>反馈</th></tr>{rows}</table>")
    return page("问题", "".join(body))


def _group(n: int, g: dict, csrf: str) -> str:
    ids = "".join(f'<input type="hidden" name="question_ids" value="{e(i)}">' for i in g["question_ids"])
    hidden = csrf_field(csrf) + ids
    variants = "".join(f"<li>{e(v)}</li>" for v in g["variants"])
    comments = "".join(f"<li>{e(c)}</li>" for c in g["comments"])
    force = '<label class="sub"><input type="checkbox" name="force" value="1"> 强制</label>'
    return (f'<section class="card group" id="group-{n}"><h3>{e(g["question"])} <span class="count">×{g["count"]}</span> '
            f'<span class="warn">{e("、".join(g["reasons"]))}</span></h3>'
            f"<ul class=\"sub\">{variants}</ul>" + (f"<b>意见</b><ul>{comments}</ul>" if comments else "")
            + f'<details><summary>当时的回答</summary><div class="text">{e(g["answer"])}</div></details>'
            f'<form method="post" action="/admin/fixes/synonym">{hidden}<label>日常说法 <input name="word" required maxlength="20"></label>'
            f' → <label>文件用词 <input name="document_word" required maxlength="20"></label> {force}'
            f' <button type="submit">添加词对并发布</button></form>'
            f'<form method="post" action="/admin/fixes/alias">{hidden}<label>单位简称 <input name="alias" required maxlength="30"></label>'
            f' → <label>单位全称 <input name="unit" required maxlength="60"></label> {force}'
            f' <button type="submit">添加单位别名并发布</button></form>'
            f'<form method="post" action="/admin/fixes/scope">{hidden}<input type="hidden" name="question" value="{e(g["question"])}">'
            f' {force} <button type="submit" class="secondary">标记为超出范围(以后拒答)</button></form></section>')


def audit(entries: list[dict]) -> str:
    rows = "".join(f"<tr><td>{e(when(a['at']))}</td><td>{e(a['actor'])}</td><td>{e(a['action'])}</td>"
                   f"<td>{e(a['target'])}</td><td>{e(a['detail'])}</td></tr>" for a in entries)
    return page("操作记录", f"<table><tr><th>时间</th><th>操作人</th><th>操作</th><th>对象</th><th>内容</th></tr>{rows}</table>")


def message(title: str, text: str, back: str = "/admin") -> str:
    return page(title, f'<p class="error">{e(text)}</p><p><a href="{e(back)}">返回</a></p>')
