"""Document shapes: each fixture document parses into exactly its hand-checked items.

tests/shapes/<shape>/ holds one realistic document per shape (written for these tests),
its tables (tables.json, as a reader hands them over in Document.tables) where it has
any, and expected.json: the document's metadata and warnings and every item's id
anchor, section, number, title, units, lead, co, deadline and duty holders.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from qa.cli import cli
from qa.corpus import load_corpus
from qa.meta import describe, find_date, find_kind, find_number, find_year
from qa.records import Document, Table, WorkItem
from qa.shapes import BODY_SHAPES, analyse, register
from qa.shapes.articles import duty_holders
from qa.shapes.inline_units import inline_units
from qa.shapes.task_table import header_roles, similarity
from qa.units import UnitRegistry, parse_closer, slip_warnings

# Beside, not inside, tests/data: the reader's tests count every document under tests/data.
DATA = Path(__file__).resolve().parent / "shapes"

SHAPES = ["workplan", "articles", "task_table", "inline_units", "mixed"]
ITEM_FIELDS = ("section", "number", "title", "units", "lead_units", "co_units", "deadline", "duty_holders")
DOC_FIELDS = ("title", "issuer", "number", "date", "year", "kind", "shape", "warnings")


def fixture_document(shape: str) -> Document:
    """The shape's document through the real reader, with its tables as a reader hands them over."""
    from qa.read import read_document

    folder = DATA / shape
    doc = read_document(next(folder.glob("*.txt")), folder)
    tables = folder / "tables.json"
    if tables.exists():
        rows = json.loads(tables.read_text(encoding="utf-8"))
        doc = replace(doc, tables=[Table(t["rows"], len(doc.text), t["caption"]) for t in rows])
    return doc


@pytest.mark.parametrize("shape", SHAPES)
def test_fixture_document_parses_into_its_hand_checked_items(shape):
    want = json.loads((DATA / shape / "expected.json").read_text(encoding="utf-8"))
    doc, items = analyse(fixture_document(shape))
    assert {f: getattr(doc, f) for f in DOC_FIELDS} == want["document"]
    assert [it.id for it in items] == [f"{doc.id}#{w['id']}" for w in want["items"]]
    assert [{f: getattr(it, f) for f in ITEM_FIELDS} for it in items] == [
        {f: w[f] for f in ITEM_FIELDS} for w in want["items"]]
    assert all(it.doc_id == doc.id and it.year == want["document"]["year"] for it in items)


def test_article_keeps_its_clauses_and_items_inside_and_reads_large_numerals():
    text = ("某市某某管理办法\n第一章　总则\n第一百零一条　学校应当履行下列职责：\n（一）建立制度；\n（二）开展培训。\n"
            "监护人应当予以配合。\n第一百零二条　本办法自公布之日起施行。\n某市人民政府\n2024年1月5日\n")
    doc, items = analyse(Document("某市某某管理办法", "规章/某办法.txt", text))
    assert [(it.id, it.number) for it in items] == [
        ("规章--某办法#a101", "第一百零一条"), ("规章--某办法#a102", "第一百零二条")]
    assert "（二）开展培训" in items[0].text and "监护人应当予以配合" in items[0].text
    assert items[0].duty_holders == ["学校", "监护人"] and items[0].units == []
    assert items[1].text == "第一百零二条 本办法自公布之日起施行。"  # not the signature under it
    assert doc.shape == "articles" and doc.date == "2024-01-05"


def test_a_plan_names_units_in_closers_with_bracketed_names_and_in_a_point_without_one():
    text = ("某市2025年养老服务工作要点\n一、加强居家养老服务\n"
            "1.推进老年助餐。全年新增助餐点60个。（牵头单位：市民政局；配合单位：市财政局、各县（区）人民政府）\n"
            "2.推进医养结合。由市卫生健康委牵头，市民政局配合，推动养老机构与医疗机构签约合作。\n"
            "3.加强宣传。开展敬老月宣传活动。（市民政局、各县（区）人民政府按照职责分工负责）\n")
    doc, items = analyse(Document("某市2025年养老服务工作要点", "p.txt", text))
    assert doc.shape == "workplan"
    assert [(it.lead_units, it.co_units) for it in items] == [
        (["市民政局"], ["市财政局", "各县（区）人民政府"]), (["市卫生健康委"], ["市民政局"]), ([], [])]
    assert items[2].units == ["市民政局", "各县（区）人民政府"]


@pytest.mark.parametrize("text, holders", [
    ("县级以上人民政府民政部门负责本行政区域内未成年人保护工作。", ["县级以上人民政府民政部门"]),
    ("网吧经营者不得允许未成年人进入；网络游戏服务提供者应当建立防沉迷制度。", ["网吧经营者", "网络游戏服务提供者"]),
    ("发现未成年人遭受侵害的，学校、幼儿园应当立即报告。", ["学校", "幼儿园"]),
    ("对未成年人应当给予特殊、优先保护。", []),  # an object, not a duty holder
    ("应急管理部门应当加强校园安全隐患排查。", ["应急管理部门"]),
    ("市、县（区）人民政府网信部门负责统筹协调。", ["市、县（区）人民政府网信部门"]),  # levels of one name
    ("学校对学生欺凌行为应当及时制止。", ["学校"]),
    ("密切接触未成年人的单位招聘工作人员时，应当向公安机关查询。", ["密切接触未成年人的单位"]),
    ("网络服务提供者发现用户发布违法信息的，应当立即停止传输。", ["网络服务提供者"]),  # the condition's noun
    ("旅馆、宾馆、酒店等住宿经营者接待未成年人时，应当询问有关情况。", ["住宿经营者"]),
    ("违反本条例规定的，由网信、公安等部门按照职责分工责令改正。", ["网信部门", "公安部门"]),  # the enforcer
    ("学校、幼儿园周边二百米范围内，不得设置营业性娱乐场所。", []),  # a place
])
def test_duty_holders_are_the_subjects_of_duty_clauses(text, holders):
    assert duty_holders(text) == holders


@pytest.mark.parametrize("body, units, lead, co", [
    ("做好排查。由市民政局牵头，市教育局、市公安局配合，建立台账。", ["市民政局", "市教育局", "市公安局"],
     ["市民政局"], ["市教育局", "市公安局"]),
    ("开展检查。每月一次。市公安局牵头，市教育局配合。", ["市公安局", "市教育局"], ["市公安局"], ["市教育局"]),
    ("加强督导。（责任单位：市教育局、市卫生健康委）", ["市教育局", "市卫生健康委"], [], []),
    ("建立机制。责任单位：市民政局（牵头）、市财政局。", ["市民政局", "市财政局"], ["市民政局"], ["市财政局"]),
    ("市妇联负责，开展家庭教育宣传周活动。", ["市妇联"], [], []),
    ("开展暑期关爱。组织走访。市民政局负责，各县（区）人民政府抓好落实。", ["市民政局", "各县（区）人民政府"], [], []),
    ("各地要切实负责，做好各项工作。", [], [], []),  # no body named: not a unit
])
def test_inline_responsibility_forms_at_start_or_end_of_a_point(body, units, lead, co):
    found, rest = inline_units(body)
    assert (found.units, found.lead_units, found.co_units) == (units, lead, co)
    if units:
        assert not any(u in rest for u in units)  # the phrase leaves the point's own text


@pytest.mark.parametrize("header", [
    ["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "完成时限"],
    ["编号", "工作任务", "责任 单位", "完成时间"],
    ["序号", "主要任务", "工作措施", "牵头部门", "协办单位", "时间节点"],
])
def test_task_table_header_is_found_by_column_names_and_variants(header):
    roles = header_roles(header)
    assert roles is not None and ("task" in roles or "measure" in roles)


def test_plain_tables_are_not_task_tables():
    assert header_roles(["姓名", "职务", "电话"]) is None
    assert header_roles(["年份", "金额(万元)"]) is None


def test_lead_unit_merged_over_rows_applies_to_each_and_rows_join_despite_wording():
    body = "一、重点任务\n1.加强家庭教育指导。开展讲座。\n2.健全儿童关爱服务体系。建立台账。\n"
    merged = "市民政局"  # a merged cell: the reader repeats its text in every row it spans
    table = Table([["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
                   ["1", "强化家庭教育指导服务", merged, "市妇联", "2025年底"],
                   ["2", "健全儿童关爱服务体系建设", merged, "团市委、市教育局", "长期"]], 0, "附件")
    _, items = analyse(Document("市方案", "p.txt", body, [table]))
    assert [(it.title, it.lead_units, it.co_units, it.deadline) for it in items] == [
        ("加强家庭教育指导", ["市民政局"], ["市妇联"], "2025年底"),
        ("健全儿童关爱服务体系", ["市民政局"], ["团市委", "市教育局"], "长期")]


def test_units_one_per_line_in_a_cell_are_a_list_and_a_wrapped_name_stays_whole():
    wrapped = Table([["序号", "工作任务", "牵头单位", "配合单位"],
                     ["1", "开展排查", "县未成年人保护工作领导小组\n办公室", "县教育局\n县卫生健康局"]], 0, "")
    listed = Table([["序号", "工作任务", "责任单位"],
                    ["2", "建立台账", "县教育局\n县公安局（牵头）\n县卫生健康局"]], 0, "")
    _, items = analyse(Document("表", "t.xlsx", "", [wrapped, listed]))
    assert [(it.lead_units, it.co_units) for it in items] == [
        (["县未成年人保护工作领导小组办公室"], ["县教育局", "县卫生健康局"]),
        (["县公安局"], ["县教育局", "县卫生健康局"])]


def test_a_document_that_is_only_a_table_gives_one_item_per_row_without_warnings():
    table = Table([["序号", "工作任务", "责任单位"], ["1", "开展排查", "县民政局(牵头)、县公安局"]], 0, "Sheet1")
    doc, items = analyse(Document("分工表", "t.xlsx", "", [table]))
    assert [(it.id, it.lead_units, it.co_units) for it in items] == [("t#t-1", ["县民政局"], ["县公安局"])]
    assert doc.warnings == [] and doc.shape == "task_table"


def test_text_that_fits_no_shape_becomes_paragraph_items_with_a_warning():
    text = "关于儿童友好城市建设的几点思考\n儿童友好城市建设需要久久为功，在规划、服务、环境等方面持续发力。\n" \
           "城市公共空间应更多考虑儿童的尺度和需求，让孩子们在社区中安全地玩耍。\n"
    doc, items = analyse(Document("关于儿童友好城市建设的几点思考", "x.txt", text))
    assert len(items) == 2 and [it.id for it in items] == ["x#p1", "x#p2"]
    assert doc.shape == "paragraphs" and any("按段落切分为 2 条" in w for w in doc.warnings)


def test_a_document_with_no_items_says_so():
    doc, items = analyse(Document("通知", "short.txt", "通知\n特此通知。"))
    assert items == [] and doc.warnings == ["没有找到任何条目:正文过短或无法识别,这份文件不会被检索到"]


def test_a_new_shape_registers_like_the_built_in_ones():
    class Bullets:
        NAME = "bullets"

        @staticmethod
        def detect(doc):
            return 1.0 if doc.text.startswith("●") else 0.0

        @staticmethod
        def parse(doc):
            return [WorkItem(id=f"b{n}", doc=doc.title, source=doc.source, section=[], number=None,
                             title=line[1:], text=line, sentences=[line[1:]])
                    for n, line in enumerate(doc.text.split("\n"), 1) if line.startswith("●")]

    register(Bullets)
    try:
        doc, items = analyse(Document("t", "t.txt", "●开展排查\n●建立台账"))
        assert doc.shape == "bullets" and [it.id for it in items] == ["t#b1", "t#b2"]
    finally:
        BODY_SHAPES.remove(Bullets)


def test_item_ids_survive_rebuilds_and_other_documents(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(next((DATA / "workplan").glob("*.txt")), corpus)
    first = [it.id for it in load_corpus(corpus).items]
    (corpus / "2025").mkdir()
    shutil.copy(next((DATA / "inline_units").glob("*.txt")), corpus / "2025")
    shutil.copy(next((DATA / "articles").glob("*.txt")), corpus / "a-regulation.txt")
    again = load_corpus(corpus)
    assert [it.id for it in again.items if "workplan" in it.source] == first
    assert any(it.id.startswith("2025--city-summer-safety-notice-2024#") for it in again.items)
    assert len({it.id for it in again.items}) == len(again.items)


def test_two_formats_of_one_name_get_two_document_ids(tmp_path):
    source = next((DATA / "workplan").glob("*.txt"))
    shutil.copy(source, tmp_path / "plan.txt")
    shutil.copy(source, tmp_path / "plan.md")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["plan-md", "plan-txt"]
    assert len({it.id for it in corpus.items}) == len(corpus.items) == 14


@pytest.mark.parametrize("text, date", [
    ("正文。\n某某局\n2024年3月15日\n", "2024-03-15"),
    ("正文。\n某某局\n二〇二四年三月十五日\n", "2024-03-15"),
    ("某条例\n（2019年9月27日某省人民代表大会常务委员会第十三次会议通过）\n第一条 …", "2019-09-27"),
    ("成文日期：2023年12月01日\n正文于2024年5月1日前完成。", "2023-12-01"),
    ("正文。各单位于2025年12月10日前报送总结。", ""),  # a deadline is not the date of issue
])
def test_issue_date_from_signature_label_or_enacting_line(text, date):
    assert find_date(text) == date


def test_number_year_and_kind_from_title_number_and_date():
    assert find_number("某县民政局文件\n县民发〔2024〕12号\n关于…") == "县民发〔2024〕12号"
    assert find_number("发文字号：市政办函[2023]5号") == "市政办函〔2023〕5号"
    assert find_year("市2023年未成年人保护工作要点", "", "") == 2023
    assert find_year("二〇二四年工作要点", "", "") == 2024
    assert find_year("关于加强校园安全的通知", "市教发〔2022〕3号", "2023-01-05") == 2022
    assert find_year("关于加强校园安全的通知", "", "2023-01-05") == 2023
    assert find_kind("关于印发《某县未成年人保护工作实施方案（试行）》的通知") == "方案"
    assert find_kind("某省未成年人保护条例") == "条例" and find_kind("关于做好暑期工作的通知") == "通知"
    assert find_kind("某县2024年重点工作任务分工及进展台账") == "台账"


def test_a_law_published_with_an_announcement_is_cited_by_its_own_name():
    text = ("某市人民代表大会常务委员会公告\n（第3号）\n《某市养犬管理条例》已由某市人民代表大会常务委员会"
            "第五次会议于2024年4月26日通过，现予公布，自2024年10月1日起施行。\n某市人民代表大会常务委员会\n"
            "2024年5月6日\n某市养犬管理条例\n第一条　为了规范养犬行为，制定本条例。\n")
    doc = describe(Document("某市人民代表大会常务委员会公告", "a.docx", text))
    assert (doc.title, doc.kind, doc.year) == ("某市养犬管理条例", "条例", 2024)
    notice = describe(Document("某区教育局公告", "b.txt", "某区教育局公告\n今年秋季招生工作安排如下。\n"))
    assert notice.title == "某区教育局公告"  # an announcement publishing no law keeps its own title


def test_a_title_wrapped_over_lines_is_joined_when_the_reader_found_none():
    text = "某县民政局\n文件\n县民发〔2024〕3号\n某县民政局关于印发\n《某县2024年儿童关爱工作方案》的\n通知\n各乡镇：现将方案印发给你们。"
    doc = describe(Document("scan-0001", "scan-0001.pdf", text))
    assert doc.title == "某县民政局关于印发《某县2024年儿童关爱工作方案》的通知"
    assert (doc.issuer, doc.number, doc.year, doc.kind) == ("某县民政局", "县民发〔2024〕3号", 2024, "方案")


def test_metadata_given_by_a_reader_is_kept():
    doc = describe(Document("关于…的通知", "n.html", "正文", issuer="某市民政局", number="某民发〔2021〕1号"))
    assert (doc.issuer, doc.number, doc.year) == ("某市民政局", "某民发〔2021〕1号", 2021)


def test_city_and_county_units_never_merge_and_aliases_resolve():
    items = [WorkItem(id=f"d#{n}", doc="d", source="d", section=[], number=None, title="t", text="",
                      sentences=[], units=units) for n, units in enumerate([["市教育体育局"], ["县教育体育局"]])]
    registry = UnitRegistry(items)
    assert registry.resolve("市教体局") == ["市教育体育局"] and registry.resolve("县教体局") == ["县教育体育局"]
    assert registry.resolve("教体局") == ["县教育体育局", "市教育体育局"]
    assert registry.find_in("县教育体育局负责哪些工作") == ["县教育体育局"]


def test_a_unit_seen_once_a_character_away_from_a_frequent_one_is_flagged():
    def item(n, doc, units):
        return WorkItem(id=f"{doc}#{n}", doc=doc, source=doc, section=[], number=None, title="t", text="",
                        sentences=[], units=units, doc_id=doc)
    items = [item(n, "a", ["市公安局", "市民政局"]) for n in range(3)]
    items += [item(9, "b", ["市公安屬", "市财政局", "县公安局"])]
    warnings = slip_warnings(items)
    assert list(warnings) == ["b"] and len(warnings["b"]) == 1 and "市公安屬" in warnings["b"][0]


def test_closer_marks_the_lead_after_its_name():
    units = parse_closer("责任单位：区民政局（牵头）、区财政局、区教育局")
    assert (units.units, units.lead_units, units.co_units) == (
        ["区民政局", "区财政局", "区教育局"], ["区民政局"], ["区财政局", "区教育局"])


def test_bigram_similarity_tolerates_small_wording_differences():
    assert similarity("加强家庭教育指导服务", "加强家庭教育指导") > 0.8
    assert similarity("开展防溺水专项行动", "加强家庭教育指导") < 0.2


def test_docs_command_lists_every_document_with_year_shape_and_warnings(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for shape in ("workplan", "articles", "inline_units"):
        shutil.copy(next((DATA / shape).glob("*.txt")), corpus)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["docs", "--corpus", str(corpus), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["source"], r["year"], r["kind"], r["shape"], r["items"]) for r in rows] == [
        ("city-summer-safety-notice-2024.txt", 2024, "通知", "inline", 6),
        ("county-child-welfare-workplan-2024.txt", 2024, "要点", "workplan", 7),
        ("province-minor-protection-regulations.txt", 2022, "条例", "articles", 10)]
    assert rows[0]["warnings"] == ["1 个条目没有责任单位:“强化值班值守”"] and rows[1]["units"] == 10
    assert "empty.txt" in result.stderr  # an unreadable file is named, never dropped silently
    plain = CliRunner().invoke(cli, ["docs", "--corpus", str(corpus)])
    assert "提示:1 个条目没有责任单位" in plain.stdout


def test_items_json_adds_document_fields_duty_holders_and_deadline(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(next((DATA / "articles").glob("*.txt")), corpus)
    result = CliRunner().invoke(cli, ["items", "--corpus", str(corpus), "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[7]["id"] == "province-minor-protection-regulations#a8"
    assert rows[7]["duty_holders"] == ["网吧经营者"] and rows[7]["deadline"] == ""
    assert rows[7]["document"]["kind"] == "条例" and rows[7]["document"]["year"] == 2022
    assert WorkItem.from_dict(rows[7]).number == "第八条"


@pytest.mark.model
def test_one_build_over_a_corpus_mixing_shapes_saves_the_new_fields(tmp_path, service, monkeypatch):
    from qa.index import load_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for shape in ("workplan", "articles", "inline_units", "mixed"):
        shutil.copy(next((DATA / shape).glob("*.txt")), corpus)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    # The session's real model, already loaded, instead of a second copy in memory.
    monkeypatch.setattr("qa.encoders.load_encoder", lambda settings: service.encoder)
    result = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "跳过:无法读取文件 empty.txt" in result.stderr
    assert "city-summer-safety-notice-2024.txt:2024 通知,形式 inline,提示 1 条" in result.stderr
    assert "province-minor-protection-regulations.txt:2022 条例,形式 articles,提示 0 条" in result.stderr
    index = load_index(tmp_path / "index", service.encoder.model_id)
    article = next(it for it in index.items if it.id.endswith("#a8"))
    assert article.duty_holders == ["网吧经营者"] and article.year == 2022
    assert article == WorkItem.from_dict(article.to_dict())
    assert {it.doc_id for it in index.items} == {
        "city-summer-safety-notice-2024", "county-child-welfare-workplan-2024",
        "district-minor-protection-plan-2025", "province-minor-protection-regulations"}


SOUP = list("一二三十百零第章节条、(（)）1234.．。；，负责市县局委按照职责分工应当不得 \n牵头配合单位：序号任务时限由")


@hypothesis_settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(SOUP + [chr(c) for c in range(0x4e00, 0x4e30)]), max_size=300),
       cells=st.lists(st.lists(st.text(alphabet=st.sampled_from(SOUP), max_size=12), min_size=1, max_size=6),
                      max_size=6))
def test_every_shape_survives_soup_with_ids_unique_and_warnings_in_words(text, cells):
    table = Table([["序号", "重点任务", "牵头单位", "配合单位", "完成时限"], *cells], 0, "")
    doc, items = analyse(Document("t", "t.txt", text, [table]))
    assert len({it.id for it in items}) == len(items)
    assert all(it.id.startswith("t#") and it.doc_id == "t" for it in items)
    assert all(u for it in items for u in it.units) and all(isinstance(w, str) and w for w in doc.warnings)


def test_a_ledger_keeps_its_progress_column_as_item_text():
    ledger = Table([["序号", "工作任务", "具体内容", "牵头单位", "配合单位", "完成时限", "上半年进展情况"],
                    ["1", "加强困境儿童关爱服务", "一人一档动态管理", "市民政局", "市妇联", "长期坚持",
                     "建档留守儿童1.3万人"]], 0, "台账")
    _, items = analyse(Document("市2024年工作要点任务分工及进展台账", "l.xlsx", "", [ledger]))
    assert items[0].title == "加强困境儿童关爱服务" and items[0].deadline == "长期坚持"
    assert "进展情况：建档留守儿童1.3万人" in items[0].sentences and "1.3万人" in items[0].text


def test_a_task_merged_over_rows_is_a_heading_and_a_row_without_body_item_stays_its_own():
    body = ("三、重点任务\n（一）健全工作体系\n1.完善工作协调机制。每半年召开一次全体会议。\n"
            "2.建设乡镇未成年人保护工作站。各乡镇建设工作站。\n")
    group = "健全未成年人保护工作体系"  # merged over three rows: the reader repeats it in each
    table = Table([["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "完成时限"],
                   ["1", group, "完善工作协调机制", "县民政局", "县财政局", "6月底前"],
                   ["2", group, "建设乡镇未成年人保护工作站", "县民政局", "各乡镇人民政府", "12月底前"],
                   ["3", group, "开展未成年人保护示范创建", "县民政局", "县教育体育局", "12月底前"]], 0, "分工表")
    doc, items = analyse(Document("县方案", "c.docx", body, [table]))
    assert [(it.title, it.co_units) for it in items] == [
        ("完善工作协调机制", ["县财政局"]), ("建设乡镇未成年人保护工作站", ["各乡镇人民政府"]),
        ("开展未成年人保护示范创建", ["县教育体育局"])]
    assert items[2].section[-1] == group and any("开展未成年人保护示范创建" in w for w in doc.warnings)


def test_the_last_item_ends_where_the_attachment_begins():
    body = ("一、保障措施\n（一）严格督导考核。对各乡镇工作落实情况开展督导。\n各单位请于12月10日前报送。\n"
            "附件：石门县重点任务分工表\n\n附件\n石门县重点任务分工表")
    _, items = analyse(Document("县方案", "c.txt", body))
    assert items[-1].text.endswith("报送。") and not any("附件" in s for s in items[-1].sentences)
