"""Write the reader fixtures of tests/ingest_data: one document per format, with tables.

Run from the repository root:  .venv/bin/python tests/ingest_data/make_reader_fixtures.py

Each is a small county plan for minor protection with its 附件 task-division
table, saved the way such files arrive: a web page saved from a county site
(GBK, with menus, breadcrumb, file-information box, related links, footer),
a Word file, an Excel sheet and a text PDF with ruling lines. The constants
below are what a careful reader finds in them; tests/test_ingest.py checks the
readers against them. (Kept apart from tests/data, whose every file is a
work-plan oracle.)
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "data"))

from make_fixtures import FONT_SIZE, LEADING, MARGIN, PAGE_H, _text_op, pdf_bytes  # noqa: E402

TITLE = "*县2024年未成年人保护工作要点"
BODY = [
    "一、加强家庭保护",
    "1.开展家庭教育指导服务。依托城乡社区家长学校，每季度至少开展一次家庭教育指导活动。",
    "2.加强家长学校建设。年内新建家长学校5所。",
    "二、加强学校保护",
    "3.防治学生欺凌。每学期开展一次专项排查。",
]
CAPTION = "附件：重点任务分工表"
# The lead unit 县妇联 is one cell merged down over rows 1 and 2 in every format.
ROWS = [["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
        ["1", "开展家庭教育指导服务", "县妇联", "县教育局、县民政局", "2024年12月底"],
        ["2", "加强家长学校建设", "县妇联", "县教育局", "2024年9月底"],
        ["3", "防治学生欺凌", "县教育局", "县公安局", "长期坚持"]]
SIGNATURE = "*县未成年人保护工作领导小组办公室"

# --- web page ---------------------------------------------------------------------
WEB_TITLE = "关于印发《*县2024年未成年人保护工作要点》的通知"
WEB_BOX = {"发文机关": "*县未成年人保护工作领导小组办公室", "发文字号": "*未保办〔2024〕3号",
           "成文日期": "2024年03月15日", "发布日期": "2024年03月18日"}
WEB_OPENING = ["各乡镇人民政府、街道办事处，县未成年人保护工作领导小组各成员单位：",
               "现将《*县2024年未成年人保护工作要点》印发给你们，请结合实际认真贯彻落实。"]
WEB_CLOSING = [SIGNATURE, "2024年3月15日"]


def web_page() -> str:
    body = "\n".join(f"<p>{line}</p>" for line in [*WEB_OPENING, TITLE, *BODY, CAPTION])
    head, one, two, three = ROWS
    table = (
        '<table border="1" cellspacing="0">\n'
        f"<tr>{''.join(f'<th>{cell}</th>' for cell in head)}</tr>\n"
        f"<tr><td>{one[0]}</td><td>{one[1]}</td><td rowspan=\"2\">{one[2]}</td>"
        f"<td>县教育局<br>县民政局</td><td>{one[4]}</td></tr>\n"
        f"<tr><td>{two[0]}</td><td>{two[1]}</td><td>{two[3]}</td><td>{two[4]}</td></tr>\n"
        f"<tr>{''.join(f'<td>{cell}</td>' for cell in three)}</tr>\n"
        f'<tr><td colspan="5">注：各单位于每季度末报送进展情况</td></tr>\n'
        "</table>")
    box = WEB_BOX
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{WEB_TITLE}_通知公告_*县人民政府</title>
<meta name="ArticleTitle" content="{WEB_TITLE}">
<meta name="PubDate" content="2024-03-18 09:30">
</head>
<body>
<div class="header"><div class="logo">*县人民政府</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>
<div class="xxgk-info">
<table class="info">
<tr><td>索引号：</td><td>11330000MB0000000X/2024-00123</td><td>主题分类：</td><td>民政、扶贫、救灾</td></tr>
<tr><td>发文机关：</td><td>{box['发文机关']}</td><td>成文日期：</td><td>{box['成文日期']}</td></tr>
<tr><td>标　　题：</td><td colspan="3">{WEB_TITLE}</td></tr>
<tr><td>发文字号：</td><td>{box['发文字号']}</td><td>发布日期：</td><td>{box['发布日期']}</td></tr>
</table>
</div>
<div class="article">
<h1 class="title">{WEB_TITLE}</h1>
<div class="source">发布时间：2024-03-18 09:30　来源：*县民政局　浏览次数：<span>1024</span>　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="TRS_Editor" id="zoom">
{body}
{table}
<p style="text-align:right">{WEB_CLOSING[0]}</p>
<p style="text-align:right">{WEB_CLOSING[1]}</p>
</div>
<div class="print">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</div>
<div class="related"><h3>相关文章</h3><ul><li><a href="/a.html">*县2023年未成年人保护工作总结</a></li><li><a href="/b.html">关于做好2024年寒假期间未成年人安全工作的通知</a></li></ul></div>
</div>
<div class="footer"><p>主办单位：*县人民政府办公室　承办单位：*县大数据中心</p><p>网站标识码：3300000000　<a href="https://beian.miit.gov.cn">浙ICP备05000000号-1</a>　浙公网安备 33000002000000号</p><p>地址：*县人民路1号　联系电话：0000-1234567</p></div>
</body></html>
"""


WEB_ROWS = [ROWS[0], [*ROWS[1][:3], "县教育局\n县民政局", ROWS[1][4]], *ROWS[2:],
            ["注：各单位于每季度末报送进展情况"] * 5]


# --- Word --------------------------------------------------------------------------
def write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    for line in BODY:
        document.add_paragraph(line)
    document.add_paragraph(CAPTION)
    table = document.add_table(rows=len(ROWS), cols=len(ROWS[0]))
    table.style = "Table Grid"
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            if not (r == 2 and c == 2):
                table.cell(r, c).text = text
    table.cell(1, 2).merge(table.cell(2, 2))  # vertical merge keeps the top cell's text
    document.add_paragraph(SIGNATURE)
    document.save(path)


# --- Excel -------------------------------------------------------------------------
SHEET = "重点任务分工表"
SHEET_TITLE = "*县2024年未成年人保护重点任务分工表"


def write_xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([SHEET_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    for r, row in enumerate(ROWS):
        sheet.append([int(cell) if r and c == 0 else (None if (r, c) == (2, 2) else cell)
                      for c, cell in enumerate(row)])
    sheet.merge_cells("C3:C4")
    notes = book.create_sheet("填报说明")
    notes.append(["项目", "说明"])
    notes.append(["报送时间", "每季度末"])
    book.save(path)


# --- text PDF with ruling lines ----------------------------------------------------
COLUMNS = [72, 112, 272, 352, 452, 523]
ROW_H = 24
PDF_BEFORE = [TITLE, BODY[0], BODY[2], CAPTION]  # item 1's line is too wide for the page; item 2 stands in
PDF_ROWS = [row[:3] + [row[3].split("、")[0]] + row[4:] for row in ROWS]  # one co unit per cell: narrow columns


def table_pdf() -> bytes:
    ops, y = [], PAGE_H - MARGIN
    for line in PDF_BEFORE:
        ops.append(_text_op(MARGIN, y, FONT_SIZE, line))
        y -= LEADING
    top = y + FONT_SIZE - 4
    bottoms = [top - ROW_H * (r + 1) for r in range(len(PDF_ROWS))]
    left, right = COLUMNS[0], COLUMNS[-1]
    ops.append(f"0.8 w {left} {top} m {right} {top} l S")
    for r, bottom in enumerate(bottoms):
        if r == 1:  # the merged lead-unit cell: no rule under row 1 in column 3
            ops.append(f"{left} {bottom} m {COLUMNS[2]} {bottom} l S")
            ops.append(f"{COLUMNS[3]} {bottom} m {right} {bottom} l S")
        else:
            ops.append(f"{left} {bottom} m {right} {bottom} l S")
    ops.extend(f"{x} {top} m {x} {bottoms[-1]} l S" for x in COLUMNS)
    for r, row in enumerate(PDF_ROWS):
        for c, text in enumerate(row):
            if (r, c) == (2, 2):
                continue  # drawn once, in the middle of the merged cell
            baseline = bottoms[r] + 8 - (ROW_H / 2 if (r, c) == (1, 2) else 0)
            ops.append(_text_op(COLUMNS[c] + 4, baseline, 10, text))
    ops.append(_text_op(MARGIN, bottoms[-1] - LEADING, FONT_SIZE, SIGNATURE))
    chars = {c for line in [*PDF_BEFORE, SIGNATURE] for c in line} | {c for row in PDF_ROWS for t in row for c in t}
    return pdf_bytes([ops], chars, encoding=b"Identity-H")


def main() -> None:
    (HERE / "notice-web-2024.html").write_bytes(web_page().encode("gb18030"))
    write_docx(HERE / "plan-with-table-2024.docx")
    write_xlsx(HERE / "task-table-2024.xlsx")
    (HERE / "task-table-2024.pdf").write_bytes(table_pdf())


if __name__ == "__main__":
    main()
