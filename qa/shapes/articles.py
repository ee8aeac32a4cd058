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
_NAME = r"[\u4e00-\u9fff、（）()]"
# Subject of a duty: "X应当…", "X不得…", "X负责…"; not 应聘/应急, 负责人.
_DUTY_VERB = r"(?:应当|应(?=[予依按及])|负责(?!人)|不得|有义务|必须|禁止)"
_SUBJECT = re.compile(rf"^(?P<who>{_NAME}{{2,30}}?)(?:依法|依照[^，,。]{{0,12}}|按照[^，,。]{{0,12}}|要)?{_DUTY_VERB}")
# Who enforces a penalty article: "由文化和旅游部门责令限期改正", "由市人民政府负责解释".
_ENFORCER = re.compile(rf"由(?P<who>{_NAME}{{2,30}}?)(?:按照职责分工|依法|依照[^，,。]{{0,12}})?"
                       r"(?:责令|给予|处以?|予以|没收|吊销|负责)")
# Clause openings that are conditions or objects, not the one who must act.
_NOT_SUBJECT = re.compile(r"^(?:对|在|为|因|按|依|经|如|凡|除|当|从|向|将|把|以|与|自|于|被|使|应当|应[予依按及])|本条例|本办法|本法|本规定")
# A place or a matter, not someone: "幼儿园周边二百米范围内", "未成年人保护工作".
_NOT_HOLDER = re.compile(r"范围内|周边|期间|(?:工作|制度|行为|活动|情况|问题)$")
# Where a subject's own name ends and what it acts on begins: "学校对学生欺凌行为…".
_PREPOSITION = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:对|在|向|将|把)")
_SENTENCE = re.compile(r"[^。；;！？!?\n]+")
# Where the noun opening a condition ends: "父母或者其他监护人因外出务工…的" -> "父母或者其他监护人".
_CONDITION_VERB = re.compile(r"因|在|发现|接待|使用|招聘|对|向|从事|进行|未(?!成年)|不")


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
    """Who the article obliges, in order of mention: the subjects of 应当/负责/不得… clauses,
    the opening noun of a condition a subjectless duty follows ("网络服务提供者发现…的，应当…"),
    and the authority a penalty names ("由公安机关责令改正")."""
    found: list[str] = []
    for sentence in _SENTENCE.findall(body):
        clauses = [re.sub(r"^[(（][一二三四五六七八九十\d]+[)）]|^\s+", "", c) for c in _CLAUSE.findall(sentence)]
        for k, clause in enumerate(clauses):
            subjects = [m["who"] for m in _ENFORCER.finditer(clause)]
            match = _SUBJECT.match(clause)
            if match:
                subjects.insert(0, match["who"])
            elif (k and re.match(_DUTY_VERB, clause) and re.search(r"[的时]$", clauses[k - 1])
                  and not _SUBJECT.match(clauses[0])):
                subjects.insert(0, _CONDITION_VERB.split(clauses[0])[0])
            for who in (w for subject in subjects for w in holder_names(subject)):
                if who not in found:
                    found.append(who)
    return found


def holder_names(subject: str) -> list[str]:
    """The names in a subject phrase, as the law prints them.

    Written by hand: no segmenter knows that "市、县（区）人民政府" is one name, that
    "网信、公安等部门" is two, and that "未成年人的父母" are the parents."""
    subject = _PREPOSITION.split(subject.removeprefix("由"))[0]
    head, _, tail = subject.rpartition("的")
    if head and len(head) <= 4:  # "未成年人的父母" -> "父母"; "密切接触未成年人的单位" stays whole
        subject = tail
    if len(subject) < 2 or _NOT_SUBJECT.search(subject) or _NOT_HOLDER.search(subject):
        return []
    pieces = re.split(r"、|以及", subject)
    if len(pieces) == 1 or any(len(p) < 2 for p in pieces):  # "市、县（区）人民政府": levels of one name
        return [subject]
    examples, _, kind = pieces[-1].partition("等")
    if kind in ("部门", "机关"):  # "网信、新闻出版、公安等部门": each is a 部门
        return [p + kind for p in [*pieces[:-1], examples]]
    if len(kind) >= 4:  # "旅馆、宾馆、酒店等住宿经营者": examples of one kind of holder
        return [kind]
    return [p for p in pieces if not _NOT_HOLDER.search(p)]
