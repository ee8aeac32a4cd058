"""Readers of every format: web pages, Word and Excel tables, ruled PDF tables, scans through OCR,
formats that cannot be read, and the limits that keep a hostile corpus from hanging or filling memory."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from qa.corpus import file_hashes
from qa.errors import DocumentError
from qa.read import read_corpus, read_document
from qa.records import Table, doc_id_for

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "ingest_data"
DATA = HERE / "data"
sys.path.insert(0, str(DATA))
sys.path.insert(0, str(FIXTURES))
import make_fixtures as work_plans  # noqa: E402  (tests/data)
import make_reader_fixtures as fx  # noqa: E402  (tests/ingest_data)

ROOT = HERE.parent


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


# --- formats -------------------------------------------------------------------------

def test_web_page_gives_the_article_its_table_and_the_file_information_only():
    path = FIXTURES / "notice-web-2024.html"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # GBK, as the <meta charset> says
    doc = read_document(path, FIXTURES)
    assert doc.title == fx.WEB_TITLE
    box = [f"{label}：{value}" for label, value in fx.WEB_BOX.items()]
    assert _lines(doc.text) == [fx.WEB_TITLE, *box, *fx.WEB_OPENING, fx.TITLE, *fx.BODY, fx.CAPTION, *fx.WEB_CLOSING]
    for chrome in ("首页", "当前位置", "索引号", "主题分类", "浏览次数", "打印本页", "关闭窗口", "相关文章",
                   "主办单位", "ICP", "公网安备"):
        assert chrome not in doc.text
    [table] = doc.tables
    assert table.rows == fx.WEB_ROWS  # rowspan (lead unit) and colspan (note) resolved, <br> kept as a new line
    assert table.caption == fx.CAPTION
    assert doc.text[:table.position].endswith(fx.CAPTION + "\n")
    assert doc.text[table.position:].startswith(fx.SIGNATURE)


def test_word_table_is_a_table_at_its_place_with_the_merged_lead_unit_on_each_row():
    doc = read_document(FIXTURES / "plan-with-table-2024.docx", FIXTURES)
    assert doc.title == fx.TITLE and doc.id == "plan-with-table-2024"
    assert _lines(doc.text) == [fx.TITLE, *fx.BODY, fx.CAPTION, fx.SIGNATURE]
    assert doc.tables == [Table(fx.ROWS, doc.text.index(fx.SIGNATURE), fx.CAPTION)]


def test_excel_sheets_are_tables_named_after_their_sheets():
    doc = read_document(FIXTURES / "task-table-2024.xlsx", FIXTURES)
    assert doc.title == fx.SHEET_TITLE  # the title row merged across the sheet
    assert doc.text == fx.SHEET_TITLE
    assert doc.tables == [Table(fx.ROWS, len(doc.text), fx.SHEET),
                          Table([["项目", "说明"], ["报送时间", "每季度末"]], len(doc.text), "填报说明")]


def test_ruled_pdf_table_is_a_table_and_the_text_around_it_stays_in_order():
    doc = read_document(FIXTURES / "task-table-2024.pdf", FIXTURES)
    assert _lines(doc.text) == [*fx.PDF_BEFORE, fx.SIGNATURE]
    assert doc.tables == [Table(fx.PDF_ROWS, doc.text.index(fx.SIGNATURE), fx.CAPTION)]


def test_pdf_without_ruling_lines_keeps_its_text_layer_and_has_no_tables():
    doc = read_document(DATA / "county-elderly-care-2024-print.pdf", DATA)
    assert doc.tables == [] and doc.warnings == []


@pytest.mark.parametrize("source, expected", [
    ("minor-protection-workplan-2023.txt", "minor-protection-workplan-2023"),
    ("2024/县 养老/方案(试行).docx", "2024--县-养老--方案-试行"),
    ("2024/县 方案(试行).docx", "2024--县-方案-试行"),
    ("a--b.pdf", "a-b"),
    ("a/b/c.d.pdf", "a--b--c.d"),
    ("通知?#&.html", "通知"),
    ("-.txt", "document"),
])
def test_document_id_is_url_safe_keeps_chinese_and_joins_folders(source, expected):
    assert doc_id_for(source) == expected


def test_documents_differing_only_by_suffix_get_distinct_ids():
    documents, errors = read_corpus(FIXTURES)
    assert errors == []
    assert {doc.source: doc.id for doc in documents} == {
        "notice-web-2024.html": "notice-web-2024", "plan-with-table-2024.docx": "plan-with-table-2024",
        "task-table-2024.pdf": "task-table-2024-pdf", "task-table-2024.xlsx": "task-table-2024-xlsx"}


# --- OCR -----------------------------------------------------------------------------

CROP_BOTTOM = 460  # points: just under the second item's 责任单位 line on page 1 of the print PDF


@pytest.fixture(scope="session")
def scanned_page(tmp_path_factory) -> Path:
    """Page 1 of the text PDF (its first two items), rendered to an image and saved as an image-only PDF."""
    import pypdfium2 as pdfium

    folder = tmp_path_factory.mktemp("scan")
    pdf = pdfium.PdfDocument(DATA / "county-elderly-care-2024-print.pdf")
    image = pdf[0].render(scale=2, crop=(0, CROP_BOTTOM, 0, 0)).to_pil().convert("RGB")
    pdf.close()
    image.save(folder / "scanned.pdf", resolution=144)
    photo = image.crop((0, 0, image.width, 160 * 2))  # the title and the first lines
    photo.save(folder / "photo.png")
    _mixed_pdf(folder / "mixed.pdf", photo)
    return folder


def _mixed_pdf(path: Path, photo) -> None:
    """Page 2 of the text PDF, then a page that is only an image: one document, two kinds of page."""
    import io

    from pypdf import PdfReader, PdfWriter

    scan = io.BytesIO()
    photo.save(scan, format="PDF", resolution=144)
    writer = PdfWriter()
    writer.add_page(PdfReader(DATA / "county-elderly-care-2024-print.pdf").pages[1])
    writer.add_page(PdfReader(scan).pages[0])
    with path.open("wb") as out:
        writer.write(out)


def test_scanned_pdf_reads_through_ocr_into_the_items_of_its_text_version(scanned_page):
    from qa.structure import parse_document

    scanned = read_document(scanned_page / "scanned.pdf", scanned_page)
    text = read_document(DATA / "county-elderly-care-2024-print.pdf", DATA)
    assert scanned.warnings == ["第1页为扫描件,已OCR识别"]  # where OCR slips may be
    assert scanned.title == text.title
    ocr_items, text_items = parse_document(scanned), parse_document(text)[:2]
    assert len(ocr_items) == 2
    for ocr, true in zip(ocr_items, text_items):
        assert (ocr.section, ocr.number, ocr.title, ocr.units) == (true.section, true.number, true.title, true.units)
        assert difflib.SequenceMatcher(None, ocr.text, true.text).ratio() > 0.95


def test_a_page_without_text_among_text_pages_is_read_by_ocr_in_its_place(scanned_page):
    doc = read_document(scanned_page / "mixed.pdf", scanned_page)
    printed = read_document(DATA / "county-elderly-care-2024-print.pdf", DATA).text
    lines = doc.text.split("\n")
    # The text page first, word for word as printed, then the picture page read by OCR and re-joined into paragraphs.
    assert printed.endswith("\n".join(lines[:-2]))
    assert lines[-2:] == ["*县2024年养老服务工作要点",
                          "为积极应对人口老龄化，加快构建居家社区机构相协调、医养康养相结合的养老服务体系，"
                          "根据省、市关于推进基本养老服务体系建设的部署要求，结合我县实际，制定本要点。"]
    assert doc.warnings == ["第2页为扫描件,已OCR识别"]


NO_NETWORK = """
import json, socket, sys
from pathlib import Path
def refuse(*args, **kwargs):
    raise OSError("network use during OCR")
socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
from qa.read import read_document
path = Path(sys.argv[1])
doc = read_document(path, path.parent)
print(json.dumps({"title": doc.title, "text": doc.text, "warnings": doc.warnings}, ensure_ascii=False))
"""


def test_photo_of_a_page_reads_through_ocr_without_the_network(scanned_page):
    # In a process whose sockets refuse to connect: the OCR models must come with the package.
    run = subprocess.run([sys.executable, "-c", NO_NETWORK, str(scanned_page / "photo.png")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    doc = json.loads(run.stdout)
    assert doc["title"] == "*县2024年养老服务工作要点"
    assert doc["text"].startswith("*县2024年养老服务工作要点\n为积极应对人口老龄化")
    assert doc["warnings"] == ["图片经OCR识别,请核对文字"]


def test_ocr_models_ship_with_the_package():
    import rapidocr_onnxruntime

    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    assert {p.suffix for p in models.iterdir()} >= {".onnx"}
    assert len(list(models.glob("*det*.onnx"))) == 1 and len(list(models.glob("*rec*.onnx"))) == 1


# --- files that cannot be read -----------------------------------------------------

def test_unreadable_office_files_are_named_with_what_to_do_and_the_rest_builds(tmp_path):
    import shutil

    shutil.copy(FIXTURES / "plan-with-table-2024.docx", tmp_path / "good.docx")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)
    (tmp_path / "old.doc").write_bytes(ole)
    (tmp_path / "draft.wps").write_bytes(ole)
    (tmp_path / "sheet.xls").write_bytes(ole)
    (tmp_path / "old-under-new-name.xlsx").write_bytes(ole)
    (tmp_path / "locked.docx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + bytes(512))
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "empty.html").write_bytes(b"<html><body></body></html>")
    documents, errors = read_corpus(tmp_path)
    assert [doc.source for doc in documents] == ["good.docx"]
    assert {err.source: err.reason for err in errors} == {
        "old.doc": "这是旧版 Word(.doc)文件,请用 Word 另存为 .docx",
        "draft.wps": "这是 WPS 文字(.wps)文件,请在 WPS 中另存为 .docx",
        "sheet.xls": "这是旧版 Excel(.xls)文件,请用 Excel 另存为 .xlsx",
        "old-under-new-name.xlsx": "这是旧版 Excel 文件,请用 Excel 另存为 .xlsx",
        "locked.docx": "文件设有打开密码,请在 Word 中取消密码后另存为 .docx",
        "empty.xlsx": "文件为空",
        "empty.html": "网页中没有找到正文",
    }


# --- issue 14, finding 3: text scanning is linear ----------------------------------

@pytest.mark.timeout(60)
def test_a_one_megabyte_line_without_punctuation_reads_in_seconds(tmp_path):
    # Chinese letters are word characters: the old domain pattern rescanned the
    # whole run from every letter (12 s for 0.25 MB, minutes for 1 MB).
    line = ("未成年人保护工作要点加强组织领导" * 70000)[:350_000]  # ~1 MB of UTF-8
    (tmp_path / "long.txt").write_text(line + "由会员分享", encoding="utf-8")  # a site cue: every cue is tried
    started = time.perf_counter()
    doc = read_document(tmp_path / "long.txt", tmp_path)
    assert time.perf_counter() - started < 5
    assert len(doc.text) > 300_000


# --- issue 14, finding 4: bounded reads --------------------------------------------

def _zip_bomb(path: Path, unpacked_mb: int) -> None:
    """A .docx whose document.xml unpacks to ``unpacked_mb`` MB of blanks (a MB or so packed)."""
    source = zipfile.ZipFile(FIXTURES / "plan-with-table-2024.docx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for member in source.infolist():
            data = source.read(member)
            if member.filename != "word/document.xml":
                bomb.writestr(member, data)
                continue
            head, tail = data.split(b"<w:body>", 1)
            with bomb.open(member.filename, "w", force_zip64=True) as out:
                out.write(head + b"<w:body>")
                block = b" " * (1 << 20)
                for _ in range(unpacked_mb):
                    out.write(block)
                out.write(tail)


PROBE = """
import json, resource, sys
from pathlib import Path
from qa.errors import DocumentError
from qa.read import read_document
from qa.corpus import file_hashes
root = Path(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_document(root / "bomb.docx", root)
    reason = None
except DocumentError as err:
    reason = err.reason
hashes = file_hashes(root)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"reason": reason, "grown_mb": grown / 1024, "hashed": sorted(hashes)}))
"""


@pytest.mark.timeout(300)
def test_zip_bomb_and_huge_files_are_refused_before_they_are_read(tmp_path):
    _zip_bomb(tmp_path / "bomb.docx", 1024)
    assert (tmp_path / "bomb.docx").stat().st_size < 20 * 1024 * 1024
    with open(tmp_path / "disk.iso", "wb") as handle:  # sparse: 1.5 GB that takes no disk
        handle.truncate(1536 * 1024 * 1024)
    (tmp_path / "plan.txt").write_text(work_plans.school_text(), encoding="utf-8")
    # Bounded address space: the old reader, which unpacked everything, fails here instead of taking the machine.
    limited = f"import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n{PROBE}"
    result = subprocess.run([sys.executable, "-c", limited, str(tmp_path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout)
    assert probe["reason"].startswith("解压后过大(1025 MB,上限 200 MB)") and "压缩炸弹" in probe["reason"]
    assert probe["grown_mb"] < 100, probe
    assert probe["hashed"] == ["bomb.docx", "plan.txt"]  # never the .iso


def test_high_ratio_member_is_refused_even_under_the_total_limit(tmp_path):
    _zip_bomb(tmp_path / "bomb.docx", 150)
    with pytest.raises(DocumentError, match="压缩比异常"):
        read_document(tmp_path / "bomb.docx", tmp_path)


def test_file_over_the_size_limit_is_named_not_read_or_hashed(tmp_path):
    from qa.ingest.limits import MB, ReadLimits

    (tmp_path / "plan.txt").write_text(work_plans.school_text(), encoding="utf-8")
    with open(tmp_path / "huge.txt", "wb") as handle:
        handle.truncate(51 * MB)
    limits = ReadLimits(max_file_bytes=50 * MB)
    documents, errors = read_corpus(tmp_path, limits)
    assert [doc.source for doc in documents] == ["plan.txt"]
    assert [(err.source, err.reason) for err in errors] == [
        ("huge.txt", "文件过大(51 MB,上限 50 MB),请拆分后再放入语料目录")]
    assert list(file_hashes(tmp_path, limits)) == ["plan.txt"]


def test_size_limits_are_settings():
    from qa.read import read_limits
    from qa.settings import Settings

    limits = read_limits(Settings(max_file_mb=7, max_unpacked_mb=9))
    assert (limits.max_file_bytes, limits.max_unpacked_bytes) == (7 << 20, 9 << 20)


# --- issue 14, finding 11: links out of the corpus ---------------------------------

def test_symlinks_leaving_the_corpus_are_skipped_with_a_warning(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(work_plans.school_text(), encoding="utf-8")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "etc").symlink_to("/etc")
    (tmp_path / "outside.md").write_text(work_plans.school_text(), encoding="utf-8")
    (corpus / "outside.md").symlink_to(tmp_path / "outside.md")
    (corpus / "same-plan.txt").symlink_to(corpus / "plan.txt")  # stays inside: read
    documents, errors = read_corpus(corpus)
    assert [doc.source for doc in documents] == ["plan.txt", "same-plan.txt"]
    assert {err.source: err.reason for err in errors} == {
        "passwd.txt": "符号链接指向语料目录之外,不予读取", "etc": "符号链接指向语料目录之外,不予读取",
        "outside.md": "符号链接指向语料目录之外,不予读取"}
    assert sorted(file_hashes(corpus)) == ["plan.txt", "same-plan.txt"]
    assert all("root:" not in doc.text for doc in documents)


def test_page_laid_out_in_tables_keeps_its_article_as_text_and_only_the_data_table_as_a_table(tmp_path):
    # Older county sites put the whole page in nested layout tables.
    body = "".join(f"<p>{line}</p>" for line in [fx.TITLE, *fx.BODY, fx.CAPTION])
    data = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in fx.ROWS[:1] + fx.ROWS[3:])
    page = f"""<html><head><meta charset="utf-8"><title>{fx.TITLE}</title></head><body>
<table width="1000"><tr><td colspan="2"><img src="logo.gif">*县人民政府门户网站</td></tr>
<tr><td width="200"><table><tr><td><a href="/">首页</a></td></tr><tr><td><a href="/zw">政务公开</a></td></tr></table></td>
<td><table><tr><td>{body}<table border="1">{data}</table><p>{fx.SIGNATURE}</p></td></tr></table></td></tr>
<tr><td colspan="2">版权所有：*县人民政府 浙ICP备05000000号</td></tr></table></body></html>"""
    (tmp_path / "old-site.htm").write_text(page, encoding="utf-8")
    doc = read_document(tmp_path / "old-site.htm", tmp_path)
    assert _lines(doc.text) == [fx.TITLE, *fx.BODY, fx.CAPTION, fx.SIGNATURE]
    assert doc.tables == [Table([fx.ROWS[0], fx.ROWS[3]], doc.text.index(fx.SIGNATURE), fx.CAPTION)]


def test_page_without_charset_and_with_a_list_style_information_box(tmp_path):
    page = f"""<html><head><title>{fx.WEB_TITLE}_政务公开_*县人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/zw">政务公开</a></div>
<ul class="xxgk"><li><b>索引号：</b>000/2024-1</li><li><b>发文机关：</b>{fx.WEB_BOX['发文机关']}</li>
<li><b>发文字号：</b>{fx.WEB_BOX['发文字号']}</li><li><b>成文日期：</b>{fx.WEB_BOX['成文日期']}</li></ul>
<div class="content"><h1>{fx.WEB_TITLE}</h1>{''.join(f'<p>{line}</p>' for line in [*fx.WEB_OPENING, fx.TITLE, *fx.BODY])}</div>
<div class="foot">【打印本页】【关闭窗口】 浙ICP备05000000号</div></body></html>"""
    (tmp_path / "notice.html").write_bytes(page.encode("gbk"))  # no <meta charset>: the bytes tell
    doc = read_document(tmp_path / "notice.html", tmp_path)
    box = [f"{label}：{fx.WEB_BOX[label]}" for label in ("发文机关", "发文字号", "成文日期")]
    assert _lines(doc.text) == [fx.WEB_TITLE, *box, *fx.WEB_OPENING, fx.TITLE, *fx.BODY]
    assert doc.tables == []


@pytest.mark.parametrize("title, expected", [
    ("关于印发《*县养老服务实施方案》的通知_通知公告_*县人民政府", "关于印发《*县养老服务实施方案》的通知"),
    ("首页 | 关于印发《*县养老服务实施方案》的通知", "关于印发《*县养老服务实施方案》的通知"),
    ("*县民政局 - 关于做好暑期安全工作的通知 - 门户网站", "关于做好暑期安全工作的通知"),
    ("", ""),
])
def test_page_title_drops_the_site_trail(title, expected):
    from qa.ingest.html import page_title

    assert page_title(title) == expected


def test_ocr_boxes_are_read_line_by_line_left_to_right():
    from qa.ingest.ocr import reading_order

    def box(left, top, right, bottom, text):
        return [[[left, top], [right, top], [right, bottom], [left, bottom]], text, 0.99]

    # Two lines; the second line's boxes come first and out of order, one sits a little higher.
    boxes = [box(300, 62, 500, 88, "配合单位：县教育局"), box(40, 60, 290, 86, "牵头单位：县妇联，"),
             box(40, 10, 400, 40, "一、加强家庭保护"), box(410, 12, 480, 40, "(2024)")]
    assert reading_order(boxes) == ["一、加强家庭保护(2024)", "牵头单位：县妇联，配合单位：县教育局"]
    assert reading_order([box(40, 10, 100, 30, "Page"), box(110, 10, 150, 30, "3")]) == ["Page 3"]


def test_word_list_numbering_is_printed_as_word_shows_it(tmp_path):
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    numbering = document.part.numbering_part.element
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")]
    numbering.insert(0, parse_xml(f'<w:abstractNum {w} w:abstractNumId="90">' + "".join(
        f'<w:lvl w:ilvl="{k}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for k, (fmt, text) in enumerate(levels)) + "</w:abstractNum>"))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    document.add_paragraph("区2024年工作要点")
    outline = [(0, "总体要求"), (1, "加强组织领导"), (2, "成立工作专班。"), (2, "建立例会制度。"),
               (1, "完善工作机制"), (2, "健全考核办法。"), (0, "保障措施")]
    for level, text in outline:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    document.add_paragraph("一项要点", style="List Bullet")  # a bullet is not a number
    document.save(tmp_path / "numbered.docx")
    doc = read_document(tmp_path / "numbered.docx", tmp_path)
    assert _lines(doc.text) == ["区2024年工作要点", "一、总体要求", "（一）加强组织领导", "1.成立工作专班。",
                                "2.建立例会制度。", "（二）完善工作机制", "1.健全考核办法。", "二、保障措施", "一项要点"]


@pytest.mark.parametrize("value, fmt, shown", [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (15, "chineseCountingThousand", "十五"),
    (21, "chineseCounting", "二十一"), (105, "chineseCounting", "一百零五"), (3, "decimalEnclosedCircle", "③"),
    (2, "ideographTraditional", "乙"), (12, "decimalFullWidth", "１２"), (4, "upperRoman", "IV"), (7, "decimal", "7"),
])
def test_word_number_formats(value, fmt, shown):
    from qa.ingest.docx_numbering import format_number

    assert format_number(value, fmt) == shown
