"""Cleaning scraped text: debris goes, the document's own words stay exactly as written."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.clean import (
    clean_text,
    find_title,
    is_boilerplate,
    join_wrapped_lines,
    normalise_newlines,
    remove_break_spaces,
)

DEFAULT_FIRST_LINE = (
    "《【材料】市2023年未成年人保护工作要点.docx》由会员分享,可在线阅读,更多相关《【材料】市2023年未成年人"
    "保护工作要点.docx(16页珍藏版)》请在taowenge.com淘文阁网|工程机械CAD图纸|机械工程制图|CAD装配图下载|"
    "SolidWorks_CaTia_CAD_UG_PROE_设计图分享下载上搜索。"
)


def test_document_site_boilerplate_line_is_dropped():
    assert is_boilerplate(DEFAULT_FIRST_LINE)
    text = clean_text(DEFAULT_FIRST_LINE + "\n一、总体要求\n1.加强领导。(区教育局负责)")
    assert text == "一、总体要求\n1.加强领导。(区教育局负责)"


def test_boilerplate_of_another_site_is_recognised_by_its_cues():
    other = "《*县养老服务工作方案.doc》由会员分享,可在线阅读,更多相关《*县养老服务工作方案(8页珍藏版)》请在某某文库上搜索。"
    assert is_boilerplate(other)
    assert is_boilerplate("本文档由用户上传,下载文档请访问 www.example.cn 在线阅读全文")


def test_policy_lines_that_mention_a_website_or_download_are_kept():
    assert not is_boilerplate("申请表可登录县政府网站(网址:www.example.gov.cn)下载,填写后报县民政局。")
    assert not is_boilerplate("推动优质数字教育资源共享,鼓励教师分享教学经验。")


def test_bare_page_number_lines_are_dropped():
    text = clean_text("一、总体要求\n- 2 -\n第 3 页 共 16 页\n1.加强领导。\n第3页")
    assert text == "一、总体要求\n1.加强领导。"


def test_line_break_spaces_inside_chinese_words_are_removed():
    assert remove_break_spaces("未成 年人") == "未成年人"
    assert remove_break_spaces("(市法 院、市检察院)") == "(市法院、市检察院)"
    assert remove_break_spaces("(*市未 成年人保护工作领导小组办公室、 各成员单位)") == "(*市未成年人保护工作领导小组办公室、各成员单位)"
    assert remove_break_spaces("行动计划 (20212025年)") == "行动计划(20212025年)"
    assert remove_break_spaces("负责)12 .做好基本保障") == "负责)12.做好基本保障"


def test_spaces_between_numbers_or_latin_words_and_deliberate_gaps_stay():
    assert remove_break_spaces("继续实施0 6岁儿童健康管理") == "继续实施0 6岁儿童健康管理"
    assert remove_break_spaces("提升计划(2021 2025年)") == "提升计划(2021 2025年)"
    assert remove_break_spaces("Office Word 2016") == "Office Word 2016"
    assert remove_break_spaces("联系人：张三　电话") == "联系人：张三　电话"  # ideographic space, typed on purpose
    assert remove_break_spaces("区教育局  区公安分局") == "区教育局  区公安分局"


def test_ocr_damaged_year_ranges_get_no_invented_dashes():
    text = clean_text("方案(20212025),健全完善特殊教育。继续实施0 6岁儿童健康管理。")
    assert "(20212025)" in text and "0 6岁" in text and "-" not in text


def test_line_endings_of_every_origin_become_newlines():
    assert normalise_newlines("一\r\n二\r三\u2028四\x0c五") == "一\n二\n三\n四\n五"
    assert clean_text("\ufeff一、总体要求\r\n\r\n\r\n\r\n1.加强领导。\r\n") == "一、总体要求\n\n1.加强领导。"


def test_wording_and_punctuation_are_untouched():
    text = "“护苗2021”、“一 号检察建议”;做好第 七次全国人口普查资料开发工作,(以下简 称未成年人保护法)。"
    assert clean_text(text) == "“护苗2021”、“一号检察建议”;做好第七次全国人口普查资料开发工作,(以下简称未成年人保护法)。"


def test_glued_title_is_found_at_the_start_of_a_scraped_stream():
    text = ("市2023年未成年人保护工作要点2023年是新修订的中华人民共和国未成年人保护法(以下简称未成年人保护法)"
            "施行的第三年,也是“十四五”和全面建设社会主义现代化国家新征程的关键之年。")
    assert find_title(text) == "市2023年未成年人保护工作要点"
    assert find_title("*县养老服务发展规划实施方案为积极应对人口老龄化,加快构建居家社区机构相协调、医养康养相结合的养老服务体系,"
                      "根据省、市有关部署,结合我县实际,制定本方案。") == "*县养老服务发展规划实施方案"


def test_title_line_is_found_and_headings_or_body_are_not_titles():
    assert find_title("*县2024年养老服务工作要点\n为积极应对人口老龄化,制定本要点。") == "*县2024年养老服务工作要点"
    assert find_title("关于印发《*县养老服务实施方案》的通知\n各乡镇") == "关于印发《*县养老服务实施方案》的通知"
    assert find_title("*县养老服务体系建设规划(2021—2025年)\n正文") == "*县养老服务体系建设规划(2021—2025年)"
    assert find_title("一、总体要求\n为深入贯彻落实有关意见,现提出如下要求。") is None
    red_header = ("*市民政局\n文件\n*民发〔2024〕5号\n*市民政局关于印发\n《*市2024年养老服务工作要点》的\n通知\n"
                  "各县（区）民政局：\n现将《*市2024年养老服务工作要点》印发给你们。")
    assert find_title(red_header) == "*市民政局关于印发《*市2024年养老服务工作要点》的通知"
    assert find_title("*县2024年重点任务分工及进展台账\n填报单位：县民政局") == "*县2024年重点任务分工及进展台账"
    assert find_title("*政办发〔2024〕12号\n*县人民政府办公室关于印发《*县养老服务实施方案》\n的通知\n各乡镇：") == (
        "*县人民政府办公室关于印发《*县养老服务实施方案》的通知")
    assert find_title("*政办发〔2024〕12号\n*县人民政府办公室关于印发《*县养老服务实施方案》的通知\n各乡镇：") == (
        "*县人民政府办公室关于印发《*县养老服务实施方案》的通知")


def test_pdf_lines_wrapped_by_layout_are_joined_and_paragraphs_kept():
    lines = [
        "*县2024年养老服务工作要点",
        "（1）推进社区养老服务设施建设。新建住宅小区按照每百户不少于20平方米",
        "的标准配建养老服务设施，与住宅同步规划、同步建设、同步验收、同步交付。老",
        "旧小区通过购置、置换、租赁等方式补足短板。",
        "- 1 -",
        "责任单位：县民政局、县自然资源局",
    ]
    assert join_wrapped_lines(lines).split("\n") == [
        "*县2024年养老服务工作要点",
        "（1）推进社区养老服务设施建设。新建住宅小区按照每百户不少于20平方米的标准配建养老服务设施，"
        "与住宅同步规划、同步建设、同步验收、同步交付。老旧小区通过购置、置换、租赁等方式补足短板。",
        "责任单位：县民政局、县自然资源局",
    ]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_text_never_raises_on_any_text(raw):
    clean_text(raw)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("未成年人保护工作 市县区、,。()（）12 .\n\r\u3000\u00a0a-“”")))
def test_cleaning_only_removes_characters_never_replaces_them(raw):
    cleaned = clean_text(raw)
    source = iter(normalise_newlines(raw))
    assert all(char in source for char in cleaned)  # cleaned is a subsequence of the source


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("未成年人保护 市县、,。()（）12 .\n\r\u3000\u00a0a-“”\t")))
def test_cleaning_twice_changes_nothing(raw):
    once = clean_text(raw)
    assert clean_text(once) == once
