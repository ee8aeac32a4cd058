"""Clean text scraped or extracted from policy documents, without changing its wording.

``clean_text`` composes small pure steps: normalise line ends, drop the
document site's boilerplate lines and bare page-number lines, put scraped
pages back in their true order (``qa.pages``), take out the spaces that line
breaks left inside Chinese text, and tidy the lines. Characters are only ever
removed, never replaced: quotes shown to users are the document's own words.
"""

from __future__ import annotations

import re

from .ingest.extracted import is_mark
from .pages import restore_order, split_pages

# Line ends of every origin: Windows, old Mac, Unicode separators, form feeds
# between PDF pages, vertical tabs from Word's soft breaks.
LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x0b\x0c\x85]")
INVISIBLE = re.compile(r"[\ufeff\u200b]")  # BOMs inside the text, zero-width spaces

# Document-site boilerplate ("《…》由会员分享,可在线阅读,更多相关《…(16页珍藏版)》请在…网上搜索。")
# is recognised by its cues, not by one site's wording. A line must show one
# site cue that policy text never uses, and enough cues in all: each site cue
# counts two, each weaker cue (which a policy line may well contain) one, and
# every cue counts once however often it appears (a Markdown table has many "|").
SITE_CUES = ("由会员分享", "在线阅读", "珍藏版", "上搜索", "文档贡献者", "本文档由", "下载积分", "下载文档")
WEAK_CUES = (re.compile(r"下载"), re.compile(r"更多相关"), re.compile(r"分享"), re.compile(r"网址"),
             re.compile(r"[|｜]"), re.compile(r"(?<![\w-])[\w-]+\.(?:com|cn|net|org)\b"),
             re.compile(r"\.(?:docx?|pdf|txt)\b"))
# The domain cue starts only where a word starts: tried at every letter of a long
# run of letters without a dot, "[\w-]+\." scanned the rest of the run each time,
# quadratic in the line's length (a 0.5 MB line took a minute).
BOILERPLATE_SCORE = 4

# A line that is nothing but a page number: "- 3 -", "— 3 —", "第3页", "第 3 页 共 16 页".
PAGE_NUMBER = re.compile(r"\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?)\s*")

# A line break inside Chinese text leaves one space behind ("未成 年人", "市法 院").
# Characters that never need a space beside them in Chinese text:
WIDE = (
    "\u2010-\u2027"  # dashes, quotes, ellipsis
    "\u3001-\u303f"  # CJK punctuation (not the ideographic space)
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\ufe30-\ufe4f\uff00-\uffef"  # CJK compatibility and full-width forms
    "\U00020000-\U0002ffff"  # rare ideographs
)
# One space (or tab, no-break space) with a wide character on either side goes,
# and so does the one in an item number ("12 .做好"); spaces between Latin words
# or between numbers ("0 6岁", an OCR-damaged 0-6) stay, and so do wider gaps
# and ideographic spaces, which are typed on purpose.
BREAK_SPACE = re.compile(
    rf"(?<=[{WIDE}])[ \t\u00a0](?=\S)|(?<=\S)[ \t\u00a0](?=[{WIDE}])|(?<=\d) (?=[.．]\w)"
)
LINE_EDGE_SPACE = "\u3000 \t\u00a0"

HEADING_START = re.compile(
    r"(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+\s*[.．、](?!\d)|第[一二三四五六七八九十百\d]+[章节条])"
)
SENTENCE_STOPS = "。！？；!?;"

# Words that end the title of a policy document, longest first, and the
# bracketed years or "(试行)" that may follow them.
TITLE_WORDS = (
    "工作要点|实施方案|任务分工表|分工表|任务清单|一览表|台账|工作方案|行动方案|行动计划|工作计划|实施意见|指导意见|实施细则|管理办法|"
    "要点|方案|计划|意见|通知|办法|规划|规定|细则|安排|决定|报告|总结|纲要|条例|措施|清单|公告|通告|批复|指南"
)
TITLE_LINE = re.compile(rf"[^。，；]{{2,58}}(?:{TITLE_WORDS})(?:[(（][^()（）]{{1,20}}[)）])?")
TITLE_PREFIX = re.compile(rf"[^。，；,;:：]{{2,58}}?(?:{TITLE_WORDS})(?![的之])")
TITLE_MORE = re.compile(rf"[^。，；,;:：\d]{{0,6}}?(?:{TITLE_WORDS})")  # "…规划" + "实施方案"
MAX_TITLE = 60
MAX_TITLE_LINES = 3
TITLE_SEARCH_LINES = 8  # a red-header file puts issuer, "文件" and its 文号 above the title
DOC_NUMBER = re.compile(r"[〔［\[(（]\d{4}[〕］\])）]\d+号")  # "X政办发〔2024〕12号" is never part of a title


def clean_text(raw: str) -> str:
    """Text fit to read and quote: same words, true page order, no scraping debris."""
    lines = normalise_newlines(raw).split("\n")
    lines = [line for line in lines if not is_boilerplate(line) and not is_page_number(line)]
    pages = split_pages([line for line in lines if line.strip()])
    text = restore_order(pages) if pages else "\n".join(lines)
    return tidy_lines(remove_break_spaces(text))


def clean_cell(text: str) -> str:
    """A table cell's text: same cleaning as the body, lines kept (a cell may list units one per line)."""
    lines = normalise_newlines(text).split("\n")
    return tidy_lines(remove_break_spaces("\n".join(line for line in lines if line.strip())))


def normalise_newlines(text: str) -> str:
    return INVISIBLE.sub("", LINE_BREAKS.sub("\n", text))


def is_boilerplate(line: str) -> bool:
    """A document site's advertising line (uploaded by a member, read online, search on…)."""
    site = sum(cue in line for cue in SITE_CUES)
    if site == 0:
        return False
    weak = sum(cue.search(line) is not None for cue in WEAK_CUES)
    return 2 * site + weak >= BOILERPLATE_SCORE


def is_page_number(line: str) -> bool:
    return bool(line.strip()) and PAGE_NUMBER.fullmatch(line) is not None


def remove_break_spaces(text: str) -> str:
    """Take out single spaces next to Chinese characters or punctuation, left by line breaks."""
    return BREAK_SPACE.sub("", text)


def tidy_lines(text: str) -> str:
    """Strip every line, keep at most one blank line between paragraphs, none at the ends."""
    lines = [line.strip(LINE_EDGE_SPACE) for line in text.split("\n")]
    kept = [line for k, line in enumerate(lines) if line or (k > 0 and lines[k - 1])]
    return "\n".join(kept).strip("\n")


def join_wrapped_lines(lines: list[str]) -> str:
    """Re-join paragraphs that a PDF's layout wrapped onto several lines.

    A line that fills the measure and does not end a sentence goes on in the
    next line, unless that one starts a heading; short lines end paragraphs.
    """
    lines = [line.strip(LINE_EDGE_SPACE) for line in lines if not is_page_number(line)]
    widths = sorted(_width(line) for line in lines if line)
    if not widths:
        return ""
    full = 0.85 * widths[int(0.9 * (len(widths) - 1))]
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if previous and line and _width(previous) >= full and previous[-1] not in SENTENCE_STOPS \
                and not HEADING_START.match(line) and not is_mark(line) and not is_mark(previous):
            gap = "" if _is_wide(previous[-1]) or _is_wide(line[0]) else " "
            out[-1] = previous + gap + line
        else:
            out.append(line)
    return "\n".join(out)


def find_title(text: str) -> str | None:
    """The document's title: its first line that reads as one, or the title glued to the body.

    Scraped pages run the title straight into the text
    ("市2023年未成年人保护工作要点2023年是…"): then the title is the shortest
    opening that ends in a title word and is followed by more text.
    """
    lines = [line for line in text.split("\n") if line.strip()][:TITLE_SEARCH_LINES]
    for line in lines[:5]:
        if _reads_as_title(line):
            return line
    for k in range(len(lines)):
        joined = ""
        # A title set in large type breaks over lines ("…关于印发" / "《…要点》的" / "通知").
        for line in lines[k:k + MAX_TITLE_LINES]:
            if len(line) > MAX_TITLE or line[-1] in SENTENCE_STOPS + ":：" or DOC_NUMBER.search(line):
                break
            joined += line
            if _reads_as_title(joined):
                return joined
    if lines and len(lines[0]) > MAX_TITLE:
        first = lines[0]
        match = TITLE_PREFIX.match(first)
        if not match:
            return None
        end = match.end()
        while (more := TITLE_MORE.match(first, end)) and more.end() <= MAX_TITLE:
            end = more.end()
        if first[end] not in "。，；、,;:：)）":
            return first[:end]
    return None


def _reads_as_title(line: str) -> bool:
    return len(line) <= MAX_TITLE and TITLE_LINE.fullmatch(line) is not None and not HEADING_START.match(line)


def _is_wide(char: str) -> bool:
    return re.match(f"[{WIDE}]", char) is not None


def _width(line: str) -> float:
    return sum(1.0 if _is_wide(char) else 0.5 for char in line)
