"""Web pages saved from a government site: the article body, its tables, and the file-information box.

trafilatura finds the body (no menus, breadcrumb, related links, footer).
Tables are taken from the page itself before that, because trafilatura drops
row and column spans: each body table is swapped for a placeholder paragraph,
which marks where it stood. The file-information box (索引号, 发文机关, 发文字号,
成文日期…) is taken out of the body, and its values come back as lines under the
title ("发文机关：…") for the metadata stage.
"""

from __future__ import annotations

import re
from pathlib import Path

from .extracted import Extracted, Unreadable
from .limits import ReadLimits
from .text import decode_text

PLACEHOLDER = "QATABLEPLACEHOLDER{}QATABLEPLACEHOLDER"
PLACEHOLDER_ANY = re.compile(r"QATABLEPLACEHOLDER(\d+)QATABLEPLACEHOLDER")
SITE_TRAIL = re.compile(r"\s*[_|｜]\s*|\s+[-—]\s+")
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
# What the metadata stage needs from the box, in the order the lines are written.
KEPT_LABELS = ("发文机关", "发文字号", "成文日期", "发布日期")
BOX_LABELS = ("索引号", "主题分类", "发文机关", "发文字号", "文号", "成文日期", "发布日期", "标题", "有效性",
              "主题词", "体裁分类", "组配分类", "公开方式", "公开范围", "信息来源", "生效日期", "废止日期", "名称")
LABEL = re.compile(rf"^({'|'.join(sorted(BOX_LABELS, key=len, reverse=True))})\s*[:：]\s*(.*)$")
BOX_MIN_LABELS = 2
MAX_CELL_CHARS = 400  # a cell holding more is a layout cell around an article, not a table cell  # a table with this many label cells is the file-information box
# Site chrome that sometimes survives in the body: print/close links, visit counters, font size, ICP number.
CHROME = re.compile(r"打印本页|关闭窗口|【字体|浏览次数|访问次数|ICP备|公网安备|网站标识码|当前位置[:：]")


def read_html(path: Path, limits: ReadLimits) -> Extracted:
    import lxml.html
    import trafilatura

    page = decode_page(path.read_bytes())
    try:
        tree = lxml.html.fromstring(page)
    except Exception as err:  # lxml raises ParserError or ValueError on pages with nothing in them
        raise Unreadable("网页文件为空或已损坏") from err
    box = file_info(tree)
    tables = _swap_tables(tree)
    from trafilatura.metadata import extract_metadata

    title = page_title(extract_metadata(tree).title or "")
    body = trafilatura.extract(tree, output_format="txt", include_tables=False, include_comments=False) or ""
    out = Extracted([title] if title else [])
    out.lines.extend(f"{label}：{box[label]}" for label in KEPT_LABELS if box.get(label))
    found = 0
    for line in body.split("\n"):
        # A placeholder is a paragraph of its own, but trafilatura may glue text to it: split it out.
        for k, piece in enumerate(PLACEHOLDER_ANY.split(line)):
            if k % 2:
                out.add_table(tables[int(piece)])
            elif piece.strip() and piece.strip() != title and not CHROME.search(piece) and not _from_box(piece, box):
                out.lines.append(piece.strip())
                found += 1
    if not found and not out.tables:
        raise Unreadable("网页中没有找到正文")
    return out


def page_title(title: str) -> str:
    """The article's title without the site's trail ("…的通知_通知公告_*县人民政府")."""
    parts = [part for part in SITE_TRAIL.split(title.strip()) if part]
    if not parts:
        return ""
    longer = [part for part in parts[1:] if len(part) > 2 * len(parts[0])]  # "首页 | 关于…的通知"
    return longer[0] if longer else parts[0]


def decode_page(data: bytes) -> str:
    """The page's text in the charset its <meta> names (GB2312/GBK read as their superset GB18030)."""
    declared = CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_text(data)


def file_info(tree) -> dict[str, str]:
    """The values of the file-information box ("发文机关：" followed by its value, in one node or the next)."""
    tokens = [text.strip() for text in tree.xpath("//body//text()") if text.strip()]
    found: dict[str, str] = {}
    for k, token in enumerate(tokens):
        match = LABEL.match(_squeeze(token))
        if not match:
            continue
        value = match.group(2).strip()
        if not value and k + 1 < len(tokens) and not LABEL.match(_squeeze(tokens[k + 1])):
            value = tokens[k + 1]
        label = "发文字号" if match.group(1) == "文号" else match.group(1)
        found.setdefault(label, value)
    return {label: value for label, value in found.items() if value}


def _from_box(line: str, box: dict[str, str]) -> bool:
    """Whether a body line repeats the file-information box ("发文字号：…" with the box's own value)."""
    match = LABEL.match(_squeeze(line.strip()))
    return match is not None and (not match.group(2) or any(value in line for value in box.values()))


def _squeeze(token: str) -> str:
    return re.sub(r"[\s\u3000]+", "", token[:8]) + token[8:]


def _swap_tables(tree) -> list[list[list[str]]]:
    """Resolve every data table into rows and put a placeholder paragraph in its place.

    Older sites lay whole pages out in tables: only tables holding no other
    table, with two rows of two cells or more and no article-length cell, are
    data; layout tables stay for trafilatura to read through. The
    file-information box is dropped: its values are read by ``file_info``.
    """
    import lxml.html

    tables = []
    for table in list(tree.iter("table")):
        if table.getparent() is None or next(table.iterdescendants("table"), None) is not None:
            continue
        rows = table_rows(table)
        if not _is_data(rows):
            continue
        labels = sum(1 for row in rows for cell in row if _is_label(cell))
        placeholder = lxml.html.Element("p")
        placeholder.tail = table.tail
        if labels < BOX_MIN_LABELS:
            placeholder.text = PLACEHOLDER.format(len(tables))
            tables.append(rows)
        table.getparent().replace(table, placeholder)
    return tables


def _is_data(rows: list[list[str]]) -> bool:
    wide_rows = sum(1 for row in rows if sum(1 for cell in row if cell) >= 2)
    return wide_rows >= 2 and max(len(cell) for row in rows for cell in row) <= MAX_CELL_CHARS


def _is_label(cell: str) -> bool:
    squeezed = _squeeze(cell)
    return LABEL.match(squeezed) is not None or squeezed.rstrip("：:") in BOX_LABELS


def table_rows(table) -> list[list[str]]:
    """The grid of a <table>: a cell spanning rows or columns repeats its text in each grid cell it covers."""
    grid: dict[tuple[int, int], str] = {}
    rows = [row for row in table.iter("tr") if _owner(row) is table]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = _cell_text(cell)
            for dr in range(_span(cell, "rowspan")):
                for dc in range(_span(cell, "colspan")):
                    grid.setdefault((r + dr, c + dc), text)
            c += _span(cell, "colspan")
    height = len(rows)
    width = max((c for _, c in grid), default=-1) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def _owner(row):
    return next((a for a in row.iterancestors() if a.tag == "table"), None)


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(cell.get(name, "1")), 100))  # a span of 10000 is a trap, not a table
    except ValueError:
        return 1


def _cell_text(cell) -> str:
    """A cell's text with its line breaks (<br>, <p>) kept as new lines."""
    for br in cell.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in cell.iter("p", "div", "li"):
        block.tail = "\n" + (block.tail or "")
    return "\n".join(line.strip() for line in cell.text_content().split("\n") if line.strip())
