"""The default document's 26 work items, pinned item by item with their exact units.

The expected list was checked against an independent reading of the document
(eval/questions.jsonl "who" questions were written from the text alone).
"""

import json

import pytest

from qa.records import Document
from qa.structure import find_markers, item_title, parse_document
from qa.units import parse_closer

from .conftest import DATA, DEFAULT_CORPUS

S1 = "一、加强统筹谋划"
S2 = "二、统筹推进“六大保护”"

EXPECTED = [  # (number as printed, title, last section heading, units)
    ('(一)', '强化理论学习', '一、加强统筹谋划',
     ['*市未成年人保护工作领导小组办公室', '各成员单位']),
    ('(二)', '强化政策落实', '一、加强统筹谋划',
     ['市委网信办', '市人大', '市法院', '市检察院', '市公安局', '市教育体育局', '市民政局', '市司法局', '市卫生健康委', '团市委', '市妇联']),
    ('(三)', '强化总体部署', '一、加强统筹谋划',
     ['市委政法委', '市发展改革委', '市民政局', '市妇儿工委办', '团市委', '市统计局']),
    ('(四)', '强化机制建设', '一、加强统筹谋划',
     ['*市未成年人保护工作领导小组办公室', '各成员单位']),
    ('1', '加强家庭教育指导', '(一)强化家庭保护',
     ['市妇联', '市法院', '市检察院', '市公安局', '市民政局', '市关工委']),
    ('2', '加大家庭支持力度', '(一)强化家庭保护',
     ['市民政局', '市人力资源和社会保障局', '市住建局', '市农业农村局', '市卫生健康委', '市总工会', '市关工委']),
    (None, '加强基础教育保障', '(二)加强学校保护',
     ['市教育体育局', '市发展改革委']),
    ('3', '提升校园安全管理', '(二)加强学校保护',
     ['市教育体育局', '市公安局', '市委政法委', '市市场监管局', '市司法局', '市应急局', '市关工委']),
    ('4', '促进儿童全面发展', '(二)加强学校保护',
     ['市教育体育局', '市科技局', '市卫生健康委', '市科协']),
    ('5', '加强师德师风建设', '(二)加强学校保护',
     ['市教育体育局', '市人力资源和社会保障局']),
    ('6', '加强网络环境治理', '(三)加强网络保护',
     ['市委网信办', '市委宣传部', '市教育体育局', '市公安局', '团市委', '市关工委']),
    ('7', '强化网络安全保护', '(三)加强网络保护',
     ['市委网信办', '市委宣传部', '市工业和信息化局', '市公安局', '市文化和旅游局', '团市委']),
    ('8', '加强网络监测管理', '(三)加强网络保护',
     ['市委宣传部', '市委网信办', '市工业和信息化局', '市公安局', '市文化和旅游局']),
    (None, '夯实工作基础', '(四)加强政府保护',
     ['各成员单位']),
    ('11', '履行兜底监护', '(四)加强政府保护',
     ['市发展改革委', '市民政局', '市住建局', '市应急局']),
    ('12', '做好基本保障', '(四)加强政府保护',
     ['市民政局', '市残联']),
    ('13', '加强关爱服务', '(四)加强政府保护',
     ['市委宣传部', '市发展改革委', '市教育体育局', '市公安局', '市民政局', '市人力资源和社会保障局', '市卫生健康委', '团市委', '市妇联', '市残联', '市关工委']),
    ('14', '加强卫生保健', '(四)加强政府保护',
     ['市教育体育局', '市财政局', '市卫生健康委', '市医保局', '市残联']),
    ('15', '加强组织保障', '(五)加强司法保护',
     ['市法院', '市检察院', '市公安局']),
    (None, '打击涉未犯罪', '(五)加强司法保护',
     ['市法院', '市检察院', '市公安局']),
    ('16', '办好涉未案件', '(五)加强司法保护',
     ['市法院', '市检察院', '市教育体育局', '市公安局', '市司法局', '团市委']),
    ('17', '做好司法援助', '(五)加强司法保护',
     ['市法院', '市检察院', '市民政局', '市司法局']),
    ('18', '发展司法服务', '(五)加强司法保护',
     ['市检察院', '市民政局', '团市委']),
    ('19', '夯实保护措施', '(六)加强社会保护',
     ['市检察院', '市教育体育局', '市工业和信息化局', '市公安局', '市民政局', '市人力资源和社会保障局', '市文化和旅游局', '市卫生健康委', '市应急局', '市市场监管局']),
    ('20', '提供服务便利', '(六)加强社会保护',
     ['市委宣传部', '市交通运输局', '市文化和旅游局', '市国资委', '市教育体育局', '市科协', '市工商联']),
    ('21', '做好宣传引导', '(六)加强社会保护',
     ['市委宣传部', '市委网信办', '市法院', '市检察院', '市公安局', '市教育体育局', '市民政局', '市司法局', '市交通运输局', '市广电局', '团市委', '市关工委']),
]


@pytest.fixture(scope="module")
def items():
    from qa.read import read_document

    doc = read_document(DEFAULT_CORPUS / "minor-protection-workplan-2023.txt", DEFAULT_CORPUS)
    return parse_document(doc)


def test_default_document_has_26_items_4_under_first_section_22_under_second(items):
    assert len(items) == 26
    assert sum(1 for it in items if it.section[0] == S1) == 4
    assert sum(1 for it in items if it.section[0] == S2) == 22


@pytest.mark.parametrize("position", range(26))
def test_each_item_has_its_number_title_section_and_exact_units(items, position):
    number, title, section, units = EXPECTED[position]
    item = items[position]
    assert (item.number, item.title, item.section[-1]) == (number, title, section)
    assert item.units == units
    assert item.lead_units == [] and item.co_units == []  # this document names no lead unit


def test_items_carry_document_title_source_and_full_text(items):
    item = next(it for it in items if it.title == "提升校园安全管理")
    assert item.doc == "市2023年未成年人保护工作要点"
    assert item.source == "minor-protection-workplan-2023.txt"
    assert item.section == [S2, "(二)加强学校保护"]
    assert item.text.startswith("3") and item.text.endswith("按照职责分工负责)")
    assert "开展防范中小学生欺凌专项治理行动" in item.text
    assert any("防范中小学生欺凌专项治理行动" in s for s in item.sentences)
    assert not any("按照职责分工负责" in s for s in item.sentences)  # the closer is not a duty


def test_ocr_slips_in_numbers_are_repaired_or_left_empty(items):
    by_title = {it.title: it for it in items}
    assert by_title["履行兜底监护"].number == "11"  # printed "1L"
    assert by_title["打击涉未犯罪"].number is None  # printed ".打击涉未犯罪"
    assert by_title["加强基础教育保障"].number is None


def test_no_spaces_or_page_markers_survive_in_item_text(items):
    import re

    for item in items:
        # "(2021 2025年)" keeps the gap where OCR lost a dash; no gap survives inside words
        assert not re.search(r"[^\d] | [^\d]", item.text), item.text
        assert "、急局" not in item.text and "31、" not in item.text


@pytest.mark.parametrize("content, units, lead, co", [
    ("市教育体育局、市 公安局等按照职责分工负责", ["市教育体育局", "市公安局"], [], []),
    ("牵头单位：区教育局；配合单位：区公安分局、区卫生健康局",
     ["区教育局", "区公安分局", "区卫生健康局"], ["区教育局"], ["区公安分局", "区卫生健康局"]),
    ("责任单位：区民政局、区妇联", ["区民政局", "区妇联"], [], []),
    ("区民政局牵头,区教育局、区公安分局配合", ["区民政局", "区教育局", "区公安分局"],
     ["区民政局"], ["区教育局", "区公安分局"]),
    ("*市未成年人保护工作领导小组办公室、各成员单位按照职责分工负责",
     ["*市未成年人保护工作领导小组办公室", "各成员单位"], [], []),
])
def test_closer_forms_give_units_in_printed_order_with_lead_and_co_apart(content, units, lead, co):
    parsed = parse_closer(content)
    assert (parsed.units, parsed.lead_units, parsed.co_units) == (units, lead, co)


def test_numbers_inside_sentences_are_not_headings():
    text = "1.做好信息工作。依托全国志愿服务信息系统2.0版本上线运行。(市民政局负责)2.加强管理。内容。(市公安局负责)"
    numbers = [m.number for m in find_markers(text)]
    assert numbers == ["1", "2"]


def test_items_directly_under_top_heading_and_full_width_brackets():
    text = ("区2024年工作要点\n一、总体要求\n1．加强组织领导。成立工作专班。（责任单位：区教育局、区民政局）\n"
            "2．强化督查。定期通报。（牵头单位：区政府办；配合单位：区财政局）\n"
            "二、重点任务\n（一）校园安全\n（1）开展排查。每月一次。（区公安分局负责）\n")
    items = parse_document(Document("区2024年工作要点", "t.txt", text))
    assert [(it.number, it.title, it.section) for it in items] == [
        ("1", "加强组织领导", ["一、总体要求"]),
        ("2", "强化督查", ["一、总体要求"]),
        ("(1)", "开展排查", ["二、重点任务", "（一）校园安全"]),
    ]
    assert items[1].lead_units == ["区政府办"] and items[1].co_units == ["区财政局"]
    assert items[2].units == ["区公安分局"]


def test_title_is_the_phrase_before_the_first_full_stop():
    assert item_title("提升校园安全管理。深入推进“护校安园”") == "提升校园安全管理"


@pytest.mark.parametrize("expected", sorted(DATA.glob("*.expected.json")), ids=lambda p: p.name)
def test_own_fixture_documents_parse_as_their_oracle_says(expected):
    from qa.read import read_document

    name = expected.name.removesuffix(".expected.json")
    source = next(p for p in DATA.iterdir() if p.stem == name and not p.name.endswith(".json"))
    want = json.loads(expected.read_text(encoding="utf-8"))
    got = parse_document(read_document(source, DATA))
    fields = ("section", "number", "title", "units", "lead_units", "co_units")
    assert [{f: getattr(it, f) for f in fields} for it in got] == [{f: w[f] for f in fields} for w in want]


def test_label_lines_name_units_on_their_own_line_or_after_the_last_sentence():
    text = ("一、总体\n1.加强领导。建立机制。\n牵头单位：区教育局；配合单位：区公安分局、区财政局\n"
            "2.强化督查。定期通报。责任单位：区政府办、区财政局。\n")
    first, second = parse_document(Document("x", "x.txt", text))
    assert (first.lead_units, first.co_units) == (["区教育局"], ["区公安分局", "区财政局"])
    assert second.units == ["区政府办", "区财政局"] and second.lead_units == []
