"""Document metadata read from the text itself: issuer, 文号, date, year, kind.

Field-general patterns only: labels a site prints ("发文机关：", "发文字号：", "成文日期："),
a red-header line ("…文件"), the 文号 form "X民发〔2024〕12号", the signature block
(issuer over a date at the end), and the kind word a title ends with.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath

from .records import Document
from .units import looks_like_unit
from .zh import DATE_RE, digits_to_int, parse_date

# 公文 kinds (GB/T 9704 and the names plans and rules go by), longest first so "实施方案" beats "方案".
KINDS = {"工作要点": "要点", "要点": "要点", "实施方案": "方案", "工作方案": "方案", "行动方案": "方案",
         "方案": "方案", "实施细则": "细则", "细则": "细则", "条例": "条例", "办法": "办法", "通知": "通知",
         "意见": "意见", "规划": "规划", "规定": "规定", "决定": "决定", "计划": "计划", "纲要": "纲要",
         "通报": "通报", "公告": "公告", "通告": "通告", "决议": "决议", "报告": "报告", "指南": "指南",
         "规则": "规则", "制度": "制度", "清单": "清单", "台账": "台账", "分工表": "分工表", "批复": "批复", "函": "函", "法": "法"}
_KIND_RE = re.compile("(" + "|".join(sorted(KINDS, key=len, reverse=True)) + ")$")
_TITLE_TAIL = re.compile(r"[(（](?:试行|暂行|修订|修正|征求意见稿|草案|\d{4}年修订|[^()（）]{0,12}版)[)）]$")
_NUMBER = re.compile(r"(?P<prefix>[A-Za-zＡ-Ｚ\u4e00-\u9fff]{1,12})\s*[〔\[［【(（]\s*(?P<y>\d{4})\s*[〕\]］】)）]\s*(?P<n>\d{1,4})\s*号")
_LABEL = r"\s*[:：]\s*(?P<v>[^\n]+)"
_ISSUER_LABEL = re.compile(r"(?:发文机关|发布机构|发文单位|发布单位|制发机关)" + _LABEL)
_NUMBER_LABEL = re.compile(r"(?:发文字号|文号)" + _LABEL)
_DATE_LABEL = re.compile(r"(?:成文日期|发文日期|发布日期|印发日期)" + _LABEL)
# "（2022年9月28日XX省第十三届人民代表大会常务委员会第三十六次会议通过）": a law's enacting body.
_ENACTED = re.compile(r"[(（]\s*(?:[^()（）]{0,20}?日)\s*(?P<v>[^()（）]{4,40}?)第[一二三四五六七八九十百\d]+次会议"
                      r"(?:通过|修订|修正|批准)")
_RED_HEAD = re.compile(r"^(?P<v>[\u4e00-\u9fff]{4,40}?)\s*文件$")
_YEAR = re.compile(r"((?:19|20)\d{2})(?:\s*[-—–－~至到]\s*(?:19|20)?\d{2,4})?\s*年")
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})年")
_PROMULGATION = re.compile(r"《(?P<name>[^《》]{4,60})》(?:已由|经)[^。]{0,160}(?:现予|予以)公布")
_HEAD_CHARS = 600  # metadata stands in the first lines or the signature block
_TAIL_LINES = 12


def describe(doc: Document) -> Document:
    """The document with issuer, number, date, year and kind filled where the text says them."""
    text = doc.text
    title = doc.title
    if not title or title == PurePosixPath(doc.source).stem:  # the reader found none
        title = find_title(text) or title
    title = promulgated(title, text) or title
    number = doc.number or find_number(text)
    date = doc.date or find_date(text)
    year = doc.year or find_year(title, number, date)
    return replace(doc, title=title, issuer=doc.issuer or find_issuer(text, title), number=number,
                   date=date, year=year, kind=doc.kind or find_kind(title, text))


def find_title(text: str) -> str:
    """A title wrapped over up to four lines (PDFs break "关于印发\n《…》的\n通知"), after the masthead."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:12]
    for start in range(len(lines)):
        if _RED_HEAD.match(lines[start]) or lines[start] == "文件" or _NUMBER.search(lines[start]):
            continue
        joined = ""
        for line in lines[start:start + 4]:
            joined += line
            if len(joined) > 80 or re.search(r"[。；，,]", line):
                break
            if _KIND_RE.search(_strip_tail(joined)):
                return joined
    return ""


def promulgated(title: str, text: str) -> str:
    """The law a promulgation announcement publishes: "…常务委员会公告" names no document,
    "《某市未成年人保护条例》已由…通过，…现予公布" does, and citations should carry it."""
    if not title.endswith("公告"):
        return ""
    match = _PROMULGATION.search(text[:_HEAD_CHARS])
    return match["name"] if match else ""


def _strip_tail(name: str) -> str:
    while _TITLE_TAIL.search(name):
        name = _TITLE_TAIL.sub("", name)
    return name


def find_number(text: str) -> str:
    """'X民发〔2024〕12号' as printed (brackets made 〔〕), from a label, else the head of the text."""
    label = _NUMBER_LABEL.search(text)
    for area in ([label["v"]] if label else []) + [text[:_HEAD_CHARS]]:
        match = _NUMBER.search(area)
        if match:
            return f"{match['prefix']}〔{match['y']}〕{match['n']}号"
    return ""


def find_date(text: str) -> str:
    """ISO date of issue: a label, else a date alone on a line (the signature), else one near the top."""
    label = _DATE_LABEL.search(text)
    if label and (match := DATE_RE.search(label["v"])):
        return parse_date(match) or ""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for above, line in zip(lines, lines[1:]):  # a signature over its date, wherever it stands
        match = DATE_RE.search(line)
        if match and len(line) - len(match.group()) <= 4 and looks_like_unit(above):
            return parse_date(match) or ""
    for line in reversed(lines[-_TAIL_LINES:]):
        match = DATE_RE.search(line)
        if match and len(line) - len(match.group()) <= 4:  # the line is the date, perhaps bracketed
            return parse_date(match) or ""
    for line in lines[:6]:  # "（2022年9月28日…会议通过）" under a law's title
        match = DATE_RE.search(line)
        if match and (line.startswith(("(", "（")) or len(line) - len(match.group()) <= 4):
            return parse_date(match) or ""
    return ""


def find_year(title: str, number: str, date: str) -> int | None:
    """The year the document is for: its title, then its 文号, then its date."""
    match = _YEAR.search(title)
    if match:
        return int(match.group(1))
    match = _CN_YEAR.search(title)
    if match:
        return digits_to_int(match.group(1))
    match = re.search(r"〔(\d{4})〕", number)
    if match:
        return int(match.group(1))
    return int(date[:4]) if date else None


def find_kind(title: str, text: str = "") -> str:
    """要点/方案/条例/办法/通知/意见…: of the enclosed document where a notice or 公告 names one (《…条例》)."""
    kind = _kind_of(re.findall(r"《([^《》]+)》", title) + [title])
    if kind in _COVERING and text:  # "《X条例》已由…通过，现予公布": the 公告 carries the 条例
        kind = _kind_of(re.findall(r"《([^《》]+)》", text[:_HEAD_CHARS])[:1]) or kind
    return kind


_COVERING = {"通知", "公告", "通告"}


def _kind_of(names: list[str]) -> str:
    for name in reversed(names[:-1]) if len(names) > 1 else names:
        match = _KIND_RE.search(_strip_tail(re.sub(r"\s+", "", name)))
        if match:
            return KINDS[match.group(1)]
    if len(names) > 1:
        match = _KIND_RE.search(_strip_tail(re.sub(r"\s+", "", names[-1])))
        return KINDS[match.group(1)] if match else ""
    return ""


def find_issuer(text: str, title: str) -> str:
    """发文机关: a label, a red header ("…文件"), the signature over the date, or the title's opening."""
    label = _ISSUER_LABEL.search(text)
    if label:
        return label["v"].strip()
    enacted = _ENACTED.search(text[:_HEAD_CHARS])
    if enacted:
        return enacted["v"].strip()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for above, line in zip([""] + lines[:4], lines[:4]):
        match = _RED_HEAD.match(line)
        if match:
            return match["v"]
        if line == "文件" and looks_like_unit(above):  # a masthead wrapped before 文件
            return above
    tail = lines[-_TAIL_LINES:]
    for above, line in zip(tail, tail[1:]):
        match = DATE_RE.search(line)
        if match and len(line) - len(match.group()) <= 4 and looks_like_unit(above) and len(above) <= 40:
            return above
    match = re.match(r"^(?P<v>[\u4e00-\u9fff]{2,40}?)关于", title)
    if match and looks_like_unit(match["v"]):
        return match["v"]
    return ""
