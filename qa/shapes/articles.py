"""Shape: laws, regulations and measures, numbered 第X章 / 第X节 / 第X条.

An article is one item with its 款 and 项 ((一)(二)…) inside it. Its duty holders
("县级以上人民政府民政部门", "学校", "网吧经营者") are read from the text by pattern
(the subject before 应当/负责/不得…) and kept apart from ``units``: a law names
roles, not the bureaus a work plan assigns.
"""

from __future__ import annotations

import re

from ..records import Document, WorkItem
from ..zh import NUMERAL
from .anchors import number_value
from .inline_units import strip_closing_lines
from .workplan import split_sentences

NAME = "articles"
# A heading stands at the start of a line (or of scraped text run together after a sentence end).
_HEAD = re.compile(rf"(?:^|(?<=\n)|(?<=[。；]))[ \t　]*第(?P<n>[{NUMERAL}\d]{{1,6}})(?P<kind>[编章节条])[ \t　]*")
_TITLE_MAX = 20
_CLAUSE = re.compile(r"[^，,。；;：:！？!?\n]+")
# Subject of a duty: "X应当…", "X不得…", "X负责…"; "应" not as in 应急/应用/应对.
_DUTY_VERB = r"(?:应当|应(?![急用对])|负责|不得|有义务|必须|须|禁止)"
_SUBJECT = re.compile(rf"^(?P<who>[\u4e00-\u9fff、]{{2,24}}?)(?:依法|依照[^，,。]{{0,12}}|按照[^，,。]{{0,12}}|要)?{_DUTY_VERB}")
# Clause openings that are conditions or objects, not the one who must act.
_NOT_SUBJECT = re.compile(r"^(?:对|在|为|因|按|依|经|如|凡|除|当|从|向|将|把|以|与|自|于|被|使)|本条例|本办法|本法|本规定")


def detect(doc: Document) -> float:
    articles = sum(1 for m in _HEAD.finditer(doc.text) if m["kind"] == "条")
    return 0.95 if articles >= 3 else 0.5 if articles else 0.0


def parse(doc: Document) -> list[WorkItem]:
    """One item per article, in order; 章/节 headings form the section path."""
    text = doc.text
    heads = list(_HEAD.finditer(text))
    items: list[WorkItem] = []
    path: dict[str, str] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        if head["kind"] != "条":
            line = text[head.start():end].strip().split("\n")[0]
            level = "编章节".index(head["kind"])
            path = {k: v for k, v in path.items() if "编章节".index(k) < level}
            path[head["kind"]] = re.sub(r"[ \t　]+", " ", line)
            continue
        body = text[head.end():end].strip()
        if i + 1 == len(heads):  # the last article stops before the signature and date
            body = strip_closing_lines(body)
        number = f"第{head['n']}条"
        items.append(WorkItem(
            id=f"a{number_value(number)}" if number_value(number) else "",
            doc=doc.title, source=doc.source, section=[path[k] for k in "编章节" if k in path],
            number=number, title=article_title(body), text=f"{number} {body}",
            sentences=split_sentences(body), duty_holders=duty_holders(body)))
    return items


def article_title(body: str) -> str:
    """The article's first clause, trimmed: '学校应当建立学生欺凌防控工作制度，…' -> '学校应当建立学生欺凌防控工作制度'."""
    first = _CLAUSE.search(body)
    clause = first.group().strip() if first else body.strip()
    if len(clause) <= _TITLE_MAX:
        return clause
    import logging

    import jieba  # cut at a word boundary, not inside "纳入"

    jieba.setLogLevel(logging.WARNING)
    title = ""
    for word in jieba.cut(clause):
        if len(title) + len(word) > _TITLE_MAX:
            break
        title += word
    return title.rstrip("、") or clause[:_TITLE_MAX]


def duty_holders(body: str) -> list[str]:
    """Who the article obliges, in order of mention: the subjects of 应当/负责/不得… clauses."""
    found: list[str] = []
    for clause in _CLAUSE.findall(body):
        clause = re.sub(r"^[(（][一二三四五六七八九十\d]+[)）]|^\s+", "", clause)
        match = _SUBJECT.match(clause)
        if not match:
            continue
        subject = match["who"].split("的")[-1]  # "未成年人的父母" -> "父母"
        if _NOT_SUBJECT.search(subject):
            continue
        for who in re.split(r"、|以及", subject):
            if len(who) >= 2 and who not in found:
                found.append(who)
    return found
