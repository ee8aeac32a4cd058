"""Reading documents as they arrive: every format and encoding, and bad files reported by name, never fatal."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from qa.errors import DocumentError
from qa.records import Table
from qa.read import corpus_files, decode_text, read_corpus, read_document

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SCHOOL_TITLE = "*区2024年中小学校园安全工作要点"
ELDERLY_TITLE = "*县2024年养老服务工作要点"
POLICY = "区2024年工作要点\n一、总体要求\n1.加强组织领导。成立工作专班。(区教育局负责)\n"


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def test_default_corpus_file_reads_with_title_and_restored_text():
    doc = read_document(DEFAULT_CORPUS / "minor-protection-workplan-2023.txt", DEFAULT_CORPUS)
    assert doc.title == "市2023年未成年人保护工作要点"
    assert doc.source == "minor-protection-workplan-2023.txt"
    assert doc.text.startswith("市2023年未成年人保护工作要点2023年是新修订的")
    assert "淘文阁" not in doc.text and " 护热线" not in doc.text


def test_gbk_text_file_is_decoded_and_its_line_break_spaces_removed():
    with pytest.raises(UnicodeDecodeError):
        (DATA / "district-school-safety-2024.txt").read_bytes().decode("utf-8")  # really GBK
    doc = read_document(DATA / "district-school-safety-2024.txt", DATA)
    assert doc.title == SCHOOL_TITLE
    assert "区教育局与各中小学" in doc.text and "区教 育局" not in doc.text
    assert "（牵头单位：区教育局；配合单位：区公安分局、区卫生健康局）" in doc.text
    assert "\r" not in doc.text


def test_utf8_bom_markdown_reads_like_the_gbk_text():
    assert (DATA / "district-school-safety-2024-utf8bom.md").read_bytes().startswith(b"\xef\xbb\xbf# ")
    markdown = read_document(DATA / "district-school-safety-2024-utf8bom.md", DATA)
    text = read_document(DATA / "district-school-safety-2024.txt", DATA)
    assert markdown.title == SCHOOL_TITLE  # from "# *区…", the mark gone
    assert not markdown.text.startswith(("\ufeff", "#"))
    assert _lines(markdown.text) == _lines(text.text)


def test_docx_paragraphs_in_text_and_its_table_apart_in_document_order():
    doc = read_document(DATA / "county-elderly-care-2024.docx", DATA)
    lines = _lines(doc.text)
    assert doc.title == ELDERLY_TITLE
    assert lines[:4] == [ELDERLY_TITLE, lines[1], "一、完善养老服务网络", "（一）发展居家社区养老服务"]
    assert lines[-2:] == ["（1）落实运营补贴。按照床位数和服务人数对社区养老服务中心给予运营补贴，福利彩票公益金用于养老服务的"
                          "比例不低于55%。建立补贴资金绩效评价机制，确保资金使用效益。",
                          "责任单位：县财政局、县民政局"]
    # The contact table ends the document: its cells are a table, not lines of the text.
    assert doc.tables == [Table(rows=[["联系人", "县民政局养老服务股"], ["联系电话", "0000-12345678"]],
                                position=len(doc.text), caption="")]
    assert "联系人" not in doc.text


def test_docx_merged_and_nested_table_cells_fill_every_grid_cell(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("区2024年工作要点")
    document.add_paragraph("附件：重点任务分工表")
    table = document.add_table(rows=3, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 2))
    merged.text = "工作任务"
    for cell, text in zip(table.rows[1].cells, ("1", "加强组织领导", "区教育局")):
        cell.text = text
    table.cell(2, 0).text = "2"
    table.cell(2, 1).text = "完善工作机制"
    table.cell(1, 2).merge(table.cell(2, 2))  # one lead unit merged down over two rows
    table.cell(1, 2).add_table(rows=1, cols=1).cell(0, 0).text = "区公安分局"
    document.add_paragraph("二、保障措施")
    document.save(tmp_path / "t.docx")
    doc = read_document(tmp_path / "t.docx", tmp_path)
    assert _lines(doc.text) == ["区2024年工作要点", "附件：重点任务分工表", "二、保障措施"]
    [found] = doc.tables
    assert found.rows == [["工作任务", "工作任务", "工作任务"],
                          ["1", "加强组织领导", "区教育局\n区公安分局"],
                          ["2", "完善工作机制", "区教育局\n区公安分局"]]
    assert found.caption == "附件：重点任务分工表"
    assert doc.text[found.position:].startswith("二、保障措施")
    assert doc.id == "t"


def test_pdf_text_layer_reads_like_the_docx_it_was_printed_from():
    pdf = read_document(DATA / "county-elderly-care-2024-print.pdf", DATA)
    docx = read_document(DATA / "county-elderly-care-2024.docx", DATA)
    assert pdf.title == ELDERLY_TITLE
    assert docx.text.startswith(pdf.text)  # the docx adds its contact table
    assert pdf.text.endswith("责任单位：县财政局、县民政局")


def test_every_test_document_reads_with_its_title_and_has_an_oracle_beside_it():
    documents, errors = read_corpus(DATA)
    assert errors == [] and len(documents) == 6
    for doc in documents:
        assert doc.title in (SCHOOL_TITLE, ELDERLY_TITLE)
        oracle = json.loads((DATA / f"{Path(doc.source).stem}.expected.json").read_text(encoding="utf-8"))
        assert len(oracle) >= 8 and len({item["section"][0] for item in oracle}) >= 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "big5"])
def test_text_in_common_chinese_encodings_decodes_to_the_same_words(encoding):
    words = "區2024年工作要點\n一、總體要求\n1.加強組織領導。(區教育局負責)\n" if encoding == "big5" else POLICY
    assert decode_text(words.encode(encoding)) == words


def test_gbk_file_cut_off_inside_its_last_character_still_reads():
    assert decode_text(POLICY.rstrip("\n").encode("gbk")[:-1]) == POLICY.rstrip("\n")[:-1]


def test_files_are_found_recursively_sorted_without_hidden_files_or_readme(tmp_path):
    for name in ("b.txt", "a/c.md", "a/d.docx", ".hidden.txt", ".git/e.txt", "README.md", "~$lock.docx", "f.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in corpus_files(tmp_path)] == ["a/c.md", "a/d.docx", "b.txt"]


def test_source_is_relative_posix_path_and_title_falls_back_to_file_stem(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "no-title-here.txt"
    path.write_text("一、总体要求\n1.加强组织领导。(区教育局负责)\n", encoding="utf-8")
    doc = read_document(path, tmp_path)
    assert (doc.source, doc.title) == ("sub/no-title-here.txt", "no-title-here")


@pytest.fixture
def messy_corpus(tmp_path) -> Path:
    """Good documents next to every kind of bad file a corpus folder really gets."""
    from pypdf import PdfWriter

    good = ("district-school-safety-2024.txt", "county-elderly-care-2024.docx", "county-elderly-care-2024-print.pdf")
    for name in good:
        shutil.copy(DATA / name, tmp_path / name)
    docx_bytes = (DATA / "county-elderly-care-2024.docx").read_bytes()
    pdf_bytes = (DATA / "county-elderly-care-2024-print.pdf").read_bytes()
    blank, locked = io.BytesIO(), io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(blank)
    writer = PdfWriter(clone_from=DATA / "county-elderly-care-2024-print.pdf")
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    writer.write(locked)
    bad = {
        "empty.txt": b"",
        "blank.md": b"\xef\xbb\xbf \r\n\r\n",
        "binary.txt": bytes(range(256)) * 8,
        "random.docx": bytes((i * 7919 + 13) % 256 for i in range(4096)),
        "old-word.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048),
        "truncated.docx": docx_bytes[: len(docx_bytes) // 2],
        "truncated.pdf": pdf_bytes[: len(pdf_bytes) // 2],
        "scanned.pdf": blank.getvalue(),
        "locked.pdf": locked.getvalue(),
        "wrong-encoding.txt": bytes(range(0x80, 0x100)) * 4,
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_bad_files_are_reported_by_name_with_a_reason_and_the_rest_still_load(messy_corpus):
    documents, errors = read_corpus(messy_corpus)
    assert sorted(doc.source for doc in documents) == [
        "county-elderly-care-2024-print.pdf", "county-elderly-care-2024.docx", "district-school-safety-2024.txt"]
    reasons = {err.source: err.reason for err in errors}
    assert reasons == {
        "empty.txt": "文件为空",
        "blank.md": "文件为空",
        "binary.txt": "不是文本文件(疑似二进制)",
        "random.docx": "docx 文件已损坏",
        "old-word.docx": "这是旧版 Word(.doc)文件,请另存为 .docx",
        "truncated.docx": "docx 文件已损坏",
        "truncated.pdf": "PDF 文件不完整(可能已截断)",
        "scanned.pdf": "PDF 没有文字层,OCR 也未识别出文字(可能是空白页)",
        "locked.pdf": "PDF 已加密,无法读取",
        "wrong-encoding.txt": "无法识别的文本编码",
    }
    for err in errors:
        assert isinstance(err, DocumentError)
        assert str(err) == f"无法读取文件 {err.source}:{err.reason}"


def test_reading_one_bad_file_raises_a_document_error_naming_it(messy_corpus):
    with pytest.raises(DocumentError, match="truncated.pdf"):
        read_document(messy_corpus / "truncated.pdf", messy_corpus)
