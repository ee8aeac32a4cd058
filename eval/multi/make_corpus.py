"""Build the multi-document evaluation corpus from the readable sources in source/.

Run from anywhere with the project's virtualenv:

    /work/main/.venv/bin/python eval/multi/make_corpus.py

Writes the files the product reads into corpus/ and a plain-text rendering of each
(what a reader sees; tables as "|"-separated rows) into text/ for the question writers.

Source markup (one paragraph per line, blank lines ignored):
    =F issuer's masthead (red, centred)  =T title (centred, large, bold)
    =C centred line                      =R right-aligned line
    =H heading (bold)                   =N unindented line    =P page break
    =TABLE ... =ENDTABLE  rows of "|"-separated cells; the first row is the header;
                          a cell "^" continues (vertically merges with) the cell above.
    anything else         body paragraph, first line indented two characters.
The PDF is printed by Debian's headless chromium (text layer, Noto CJK fonts).
"""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
import zipfile
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font
import pdfplumber
import pypdf
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import html as lxml_html

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MERGED = "^"


@dataclass
class Block:
    kind: str  # F T C R H N P body table
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Meta:
    """File properties as the issuing office's software would leave them."""
    title: str
    author: str
    when: datetime


def parse_source(path: Path) -> list[Block]:
    blocks: list[Block] = []
    table: list[list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == "=TABLE":
            table = []
            continue
        if line == "=ENDTABLE":
            blocks.append(Block("table", rows=table or []))
            table = None
            continue
        if table is not None:
            table.append([c.strip() for c in line.split("|")])
            continue
        if line.startswith("=") and len(line) >= 2 and line[1] in "FTCRHNP":
            blocks.append(Block(line[1], line[2:].strip()))
        else:
            blocks.append(Block("body", line))
    return blocks


def resolved_rows(rows: list[list[str]]) -> list[list[str]]:
    """Rows with every merged cell carrying the value of the cell it continues."""
    out: list[list[str]] = []
    for row in rows:
        out.append([out[-1][i] if c == MERGED and out else c for i, c in enumerate(row)])
    return out


# ---------------------------------------------------------------- plain text

def render_text(blocks: list[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if b.kind == "P":
            lines.append("")
            lines.append("-" * 20 + "（分页）" + "-" * 20)
            lines.append("")
        elif b.kind == "table":
            lines.extend(" | ".join(r) for r in resolved_rows(b.rows))
        else:
            lines.append(b.text)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- docx

def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc, text: str, kind: str):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(28)
    if kind == "F":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.space_after, fmt.line_spacing = Pt(18), Pt(40)
        run = p.add_run(text)
        _font(run, "方正小标宋简体", 26)
        run.font.color.rgb = RGBColor(0xE6, 0x00, 0x12)
    elif kind == "T":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.space_before, fmt.space_after = Pt(12), Pt(12)
        fmt.line_spacing = Pt(32)
        _font(p.add_run(text), "方正小标宋简体", 22)
    elif kind == "C":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(text), "仿宋_GB2312", 16)
    elif kind == "R":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(p.add_run(text), "仿宋_GB2312", 16)
    elif kind == "H":
        fmt.first_line_indent = Pt(32)
        face = "黑体" if text[:1] in "一二三四五六七八九十" else "楷体_GB2312"
        _font(p.add_run(text), face, 16, bold=face == "黑体")
    elif kind == "N":
        _font(p.add_run(text), "仿宋_GB2312", 16)
    else:
        fmt.first_line_indent = Pt(32)
        _font(p.add_run(text), "仿宋_GB2312", 16)
    return p


def _table(doc, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Merge runs of "^" into the cell above (Word's vertical merge, w:vMerge).
    for c in range(len(rows[0])):
        r = 0
        while r < len(rows):
            end = r
            while end + 1 < len(rows) and rows[end + 1][c] == MERGED:
                end += 1
            if end > r:
                table.cell(r, c).merge(table.cell(end, c))
            r = end + 1
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value == MERGED:
                continue
            cell = table.cell(r, c)
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 or len(value) <= 8 else WD_ALIGN_PARAGRAPH.LEFT
            _font(p.add_run(value), "黑体" if r == 0 else "仿宋_GB2312", 12, bold=r == 0)


def write_docx(blocks: list[Block], out: Path, meta: Meta) -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = meta.title, meta.author, meta.author
    props.created = props.modified = meta.when
    props.revision, props.comments, props.keywords, props.subject = 1, "", "", ""
    for b in blocks:
        if b.kind == "P":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif b.kind == "table":
            _table(doc, b.rows)
        else:
            _para(doc, b.text, b.kind)
    doc.save(out)
    freeze_zip(out, meta.when)


def freeze_zip(path: Path, when: datetime) -> None:
    """Give every zip entry and the 'modified' property the document's date, so a rebuild
    from unchanged sources writes identical bytes (Office files are zips stamped with now)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)


# ---------------------------------------------------------------- pdf

_CSS = """
@page { size: A4; margin: 3.7cm 2.6cm 3.5cm 2.8cm; }
body { font-family: "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 28pt; }
p { margin: 0; text-indent: 2em; text-align: justify; }
p.F { text-indent: 0; text-align: center; color: #e60012; font-size: 26pt; line-height: 40pt;
      font-weight: bold; margin-bottom: 18pt; letter-spacing: 1pt; }
p.T { text-indent: 0; text-align: center; font-size: 22pt; line-height: 32pt;
      font-weight: bold; margin: 12pt 0; }
p.C { text-indent: 0; text-align: center; }
p.R { text-indent: 0; text-align: right; }
p.N { text-indent: 0; }
p.H { font-family: "Noto Sans CJK SC", sans-serif; }
div.P { break-after: page; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; line-height: 18pt; }
td, th { border: 1px solid #000; padding: 4pt; }
"""


def render_html(blocks: list[Block], title: str) -> str:
    parts = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    for b in blocks:
        if b.kind == "P":
            parts.append('<div class="P"></div>')
        elif b.kind == "table":
            parts.append("<table>")
            for r, row in enumerate(b.rows):
                tag = "th" if r == 0 else "td"
                parts.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row) + "</tr>")
            parts.append("</table>")
        else:
            cls = "" if b.kind == "body" else f' class="{b.kind}"'
            parts.append(f"<p{cls}>{html.escape(b.text)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_pdf(blocks: list[Block], out: Path, meta: Meta) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(render_html(blocks, meta.title), encoding="utf-8")
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    fix_radical_mappings(out, meta)


_UNICODE_TARGET = re.compile(rb"<([0-9A-F]{4})>")
# Code points Noto CJK SC draws with the same glyph as a common simplified character.
# CJK Radicals Supplement has no NFKC decomposition, so these are listed by hand.
_GLYPH_ALIASES = dict(zip(
    "⺟⺠⻄⻅⻆⻈⻉⻋⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻨⻩⻬⻭⻰⻳戶―",
    "母民西见角讠贝车长门青韦页风飞食马骨鬼鱼鸟麦黄齐齿龙龟户—",
))


def _ideograph(cp: int) -> str:
    ch = chr(cp)
    if 0x2F00 <= cp <= 0x2FDF:  # Kangxi radicals decompose to (traditional) ideographs
        ch = unicodedata.normalize("NFKC", ch)
    return _GLYPH_ALIASES.get(ch, ch)


def fix_radical_mappings(pdf: Path, meta: Meta) -> None:
    """Map radical code points in the text layer back to the ideographs shown, and stamp
    the file's properties (Chromium would stamp the time of the build).

    Noto CJK draws 人 and the radical ⼈ (U+2F08) with one glyph, and Chromium's PDF
    writer names the lower code point in ToUnicode, so the text layer would read
    "未成年⼈". A Word/WPS export names the ideograph; this makes the PDF read the same.
    """
    def fix(m: re.Match) -> bytes:
        return b"<%04X>" % ord(_ideograph(int(m.group(1), 16)))

    reader = pypdf.PdfReader(io.BytesIO(pdf.read_bytes()))  # the file is rewritten below
    # Fonts also sit in form XObjects, so walk every object rather than page resources.
    for idnum in range(1, reader.trailer["/Size"]):
        obj = reader.get_object(idnum)
        if isinstance(obj, pypdf.generic.DictionaryObject) and "/ToUnicode" in obj:
            stream = obj["/ToUnicode"].get_object()
            stream.set_data(_UNICODE_TARGET.sub(fix, stream.get_data()))
    writer = pypdf.PdfWriter(clone_from=reader)
    stamp = meta.when.strftime("D:%Y%m%d%H%M%S+08'00'")
    writer.add_metadata({"/Title": meta.title, "/Author": meta.author,
                         "/CreationDate": stamp, "/ModDate": stamp})
    with open(pdf, "wb") as fh:
        writer.write(fh)


def check_pdf_text(pdf: Path, blocks: list[Block]) -> None:
    """The PDF's text layer must hold exactly the source text (whitespace aside)."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with pdfplumber.open(pdf) as doc:
        got = "".join(page.extract_text() or "" for page in doc.pages)
    want = "".join(b.text for b in blocks if b.kind != "P")
    got, want = re.sub(r"\s", "", got), re.sub(r"\s", "", want)
    if got != want:
        at = next(i for i, (a, b) in enumerate(zip(got + "\0", want + "\0")) if a != b)
        sys.exit(f"{pdf.name}: text layer differs from source at {at}: "
                 f"{got[at - 10:at + 10]!r} vs {want[at - 10:at + 10]!r}")


# ---------------------------------------------------------------- xlsx

def write_xlsx(blocks: list[Block], out: Path, sheet: str, meta: Meta) -> None:
    """A task ledger as offices circulate it: caption and note rows, header, one row per task."""
    rows = next(b.rows for b in blocks if b.kind == "table")
    width = len(rows[0])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for b in blocks:
        if b.kind == "table":
            for row in rows:
                ws.append([int(c) if c.isdigit() else c for c in row])
            ws.freeze_panes = ws.cell(ws.max_row - len(rows) + 2, 1)
            continue
        ws.append([b.text])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        ws.cell(ws.max_row, 1).font = Font(bold=b.kind == "T", size=16 if b.kind == "T" else 11)
        ws.cell(ws.max_row, 1).alignment = Alignment(horizontal="center" if b.kind == "T" else "left")
    for cell in ws[ws.max_row - len(rows) + 1]:
        cell.font = Font(bold=True)
    for col, w in zip("ABCDEFGHIJ", (6, 24, 56, 24, 44, 20, 44)):
        ws.column_dimensions[col].width = w
    wb.properties.title, wb.properties.creator = meta.title, meta.author
    wb.properties.lastModifiedBy = meta.author
    wb.properties.created = meta.when
    wb.save(out)
    freeze_zip(out, meta.when)


# ---------------------------------------------------------------- web page

def notice_text(page: Path) -> str:
    """What a reader of the saved page sees as the document: the file-info box and article."""
    tree = lxml_html.fromstring(page.read_bytes())
    lines = ["【信息公开目录】"]
    for tr in tree.xpath('//table[@class="xxgk_table"]//tr'):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        lines.append(" | ".join(cells))
    lines.append("")
    lines.append(tree.xpath('//div[@class="article"]/h1')[0].text_content().strip())
    for p in tree.xpath('//div[@class="TRS_Editor"]/p'):
        lines.append(p.text_content().strip())
    attach = tree.xpath('//div[@class="attach"]')
    if attach:
        lines.append(" ".join(attach[0].text_content().split()))
    return "\n".join(lines) + "\n"


def write_gbk_page(src: Path, out: Path) -> None:
    """Save the page as the site serves it: GBK bytes, charset declared in <meta>."""
    text = src.read_text(encoding="utf-8").replace("charset=utf-8", "charset=gbk")
    out.write_bytes(text.encode("gbk"))


# ---------------------------------------------------------------- 2023 reading copy

def reading_copy_2023(raw: str) -> str:
    """The scraped 2023 plan in page order, without page markers or line-break spaces,
    one item per line: for question writers only (the corpus keeps the raw scrape).

    The site serves its 36 pages as 1, 2, 3…36 but the document reads 1, 2, the tail of
    20 (from "人保护法办法"), 21…36, 3…19, the head of 20. Item-number slips ("1L", lost
    numbers before ".加强基础教育保障" etc.) are left as printed.
    """
    pages = [re.sub(r"^\d+、", "", line, count=1) for line in raw.split("\n")[1:] if line.strip()]
    page = dict(enumerate(pages, start=1))
    cut = page[20].index("人保护法办法")
    text = (page[1] + page[2] + page[20][cut:] + "".join(page[i] for i in range(21, 37))
            + "".join(page[i] for i in range(3, 20)) + page[20][:cut])
    text = re.sub(r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f])", "", text)
    text = re.sub(r"(?<=[^\x00-\x7f]) +(?=[0-9])|(?<=[0-9]) +(?=[^\x00-\x7f.])", "", text)
    text = re.sub(r"(\d+) \.", r"\1.", text)
    text = re.sub(r"(按照职责分工负责\))", r"\1\n", text)
    text = re.sub(r"(?<=[。)\n])(一、|二、)", r"\n\1", text)
    text = re.sub(r"(\([一二三四五六]\)(?:强化|加强)[^。(]{2,4}保护)(?=[\d.])", r"\n\1\n", text)
    text = re.sub(r"^(市2023年未成年人保护工作要点)", r"\1\n", text)
    text = re.sub(r"(?<=迈进。)", "\n", text)
    text = re.sub(r"(加强统筹谋划|统筹推进“六大保护”)", r"\1\n", text)
    return re.sub(r"\n+", "\n", text).strip() + "\n"


# ---------------------------------------------------------------- build

def main() -> None:
    src, corpus, text = HERE / "source", HERE / "corpus", HERE / "text"
    corpus.mkdir(exist_ok=True)
    text.mkdir(exist_ok=True)

    # 1. The city's 2023 plan, byte for byte as in the default corpus.
    plan2023 = REPO / "corpus" / "minor-protection-workplan-2023.txt"
    shutil.copyfile(plan2023, corpus / plan2023.name)
    shutil.copyfile(plan2023, text / plan2023.name)
    (text / "minor-protection-workplan-2023.reading.txt").write_text(
        reading_copy_2023(plan2023.read_text(encoding="utf-8")), encoding="utf-8")

    # 2. The city's 2024 plan as a text PDF.
    plan2024 = parse_source(src / "2024-plan.txt")
    write_pdf(plan2024, corpus / "jianglin-2024-workplan.pdf",
              Meta("江临市2024年未成年人保护工作要点", "江临市民政局", datetime(2024, 3, 18, 9, 30)))
    check_pdf_text(corpus / "jianglin-2024-workplan.pdf", plan2024)
    (text / "jianglin-2024-workplan.txt").write_text(render_text(plan2024), encoding="utf-8")

    # 3. The municipal regulation as .docx.
    reg = parse_source(src / "regulation.txt")
    write_docx(reg, corpus / "jianglin-minor-protection-regulation.docx",
               Meta("江临市未成年人保护条例", "江临市人大常委会法工委", datetime(2024, 7, 5, 10, 0)))
    (text / "jianglin-minor-protection-regulation.txt").write_text(render_text(reg), encoding="utf-8")

    # 4. The county implementation plan with its task-division table, as .docx.
    county = parse_source(src / "county-plan.txt")
    write_docx(county, corpus / "anping-2024-implementation-plan.docx",
               Meta("安平县2024年未成年人保护工作实施方案", "安平县人民政府办公室",
                    datetime(2024, 4, 8, 15, 20)))
    (text / "anping-2024-implementation-plan.txt").write_text(render_text(county), encoding="utf-8")

    # 5. The notice as saved from the government web page, GBK-encoded.
    write_gbk_page(src / "notice.html", corpus / "jianglin-2024-summer-action-notice.html")
    (text / "jianglin-2024-summer-action-notice.txt").write_text(
        notice_text(src / "notice.html"), encoding="utf-8")

    # 6. The 2024 city plan's division of work and mid-year progress as a spreadsheet.
    if (src / "2024-tasks.txt").exists():
        tasks = parse_source(src / "2024-tasks.txt")
        write_xlsx(tasks, corpus / "jianglin-2024-task-ledger.xlsx", "分工台账",
                   Meta("江临市2024年未成年人保护工作要点任务分工及进展台账", "江临市民政局",
                        datetime(2024, 7, 5, 11, 0)))
        (text / "jianglin-2024-task-ledger.txt").write_text(render_text(tasks), encoding="utf-8")

    for f in sorted(corpus.iterdir()):
        print(f"{f.stat().st_size:>8}  {f.relative_to(REPO)}")


if __name__ == "__main__":
    main()
