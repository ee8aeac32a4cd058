"""Page-order restoration: scraped pages whose content is out of order are put back; pages in order are left alone."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.clean import clean_text, is_boilerplate
from qa.pages import restore_order, split_pages

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "corpus" / "minor-protection-workplan-2023.txt"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def default_raw() -> str:
    return DEFAULT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def default_clean(default_raw) -> str:
    return clean_text(default_raw)


def _pages(path: Path) -> list[str]:
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return split_pages([line for line in lines if not is_boilerplate(line)])


def _repage(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)]


def test_default_document_starts_with_its_title_and_first_sentence(default_clean):
    assert default_clean.startswith("市2023年未成年人保护工作要点2023年是新修订的")


def test_default_document_joins_each_cut_where_the_words_continue(default_clean):
    assert "一、加强统筹谋划(一)强化理论学习" in default_clean
    assert "贯彻落实*省实施中华人民共和国未成年人保护法办法和*省预防未成年人犯罪条例" in default_clean
    assert "12345政务服务便民热线”承担未成年人保护热线职能有关工作的通知要求" in default_clean
    assert default_clean.endswith("团市委、市关工委按照职责分工负责)")


def test_default_document_headings_come_in_order(default_clean):
    top = [default_clean.index(h) for h in ("一、加强统筹谋划", "二、统筹推进“六大保护”")]
    first = [default_clean.index(h) for h in ("(一)强化理论学习", "(二)强化政策落实", "(三)强化总体部署", "(四)强化机制建设")]
    second = [default_clean.index(h, top[1]) for h in (
        "(一)强化家庭保护", "(二)加强学校保护", "(三)加强网络保护",
        "(四)加强政府保护", "(五)加强司法保护", "(六)加强社会保护")]
    assert top == sorted(top) and first == sorted(first) and second == sorted(second)
    assert top[0] < first[0] and first[-1] < top[1] < second[0]


def test_default_document_items_1_to_21_come_in_order(default_clean):
    numbers = [int(m.group(1)) for m in re.finditer(r"(?<![\d.])(\d{1,2})\.(?=[\u4e00-\u9fff])", default_clean)]
    printed = [n for n in numbers if n <= 21]
    assert printed == sorted(printed)
    # 9, 10 and 11 were lost or damaged by OCR (".夯实工作基础", "1L履行兜底监护").
    assert set(range(1, 22)) - {9, 10, 11} <= set(printed)
    assert default_clean.index("1.加强家庭教育指导") < default_clean.index("21.做好宣传引导")


def test_default_document_loses_and_duplicates_nothing(default_raw, default_clean):
    pages = default_raw.split("\n")[1:]
    source = "".join(re.sub(r"^\d+、", "", page) for page in pages)
    assert Counter(source.replace(" ", "")) == Counter(default_clean.replace(" ", ""))


def test_shuffled_test_document_is_restored_to_its_in_order_text():
    in_order = clean_text((DATA / "paged_in_order.txt").read_text(encoding="utf-8"))
    naive = "".join(_pages(DATA / "paged_shuffled.txt")).replace(" ", "")
    assert naive != in_order  # read in file order, it is scrambled
    assert clean_text((DATA / "paged_shuffled.txt").read_text(encoding="utf-8")) == in_order


def test_paged_test_document_reads_as_its_text_file():
    from qa.read import decode_text

    text_file = clean_text(decode_text((DATA / "district-school-safety-2024.txt").read_bytes()))
    paged = clean_text((DATA / "paged_in_order.txt").read_text(encoding="utf-8"))
    assert paged == text_file.replace("\n", "")


def test_pages_in_order_come_through_byte_identical():
    pages = _pages(DATA / "paged_in_order.txt")
    assert restore_order(pages) == "".join(pages)


@pytest.mark.parametrize("width", [160, 300, 430])
def test_default_document_in_true_order_is_left_alone_at_any_page_width(default_clean, width):
    pages = _repage(default_clean, width)
    assert restore_order(pages) == default_clean


@pytest.fixture(scope="module")
def own_streams() -> list[str]:
    """The two test documents as single lines, the way a scraper serves them."""
    from qa.read import read_document

    elderly = read_document(DATA / "county-elderly-care-2024.docx", DATA).text
    return ["".join(_pages(DATA / "paged_in_order.txt")), elderly.replace("\n", "")]


@pytest.mark.parametrize("width", [120, 170, 260])
def test_test_documents_in_order_are_left_alone_at_any_page_width(own_streams, width):
    for text in own_streams:
        assert restore_order(_repage(text, width)) == text


def test_text_without_page_markers_is_not_paged():
    lines = ["1、加强组织领导。成立工作专班,统筹推进各项工作。",
             "2、强化督查。" + "定期通报进展情况," * 12,
             "3、做好宣传。" + "广泛宣传," * 30]
    assert split_pages(lines) is None  # numbered items, but of every length
    assert clean_text("\n".join(lines)) == "\n".join(lines)


def test_pages_must_be_numbered_one_after_another():
    page = "甲" * 120
    assert split_pages([f"1、{page}", f"2、{page}", f"3、{page}"]) == [page] * 3
    assert split_pages([f"1、{page}", f"3、{page}", f"4、{page}"]) is None
    assert split_pages([f"1、{page}", f"2、{page}"]) is None  # too few to tell pages from items


CJK = st.sampled_from("未成年人保护工作市县区教育局公安民政负责按照职责分工开展加强推进落实。,、;“”()（）一二三12 ")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(CJK, min_size=100, max_size=100), min_size=3, max_size=6), st.text(CJK, max_size=150))
def test_restoration_only_reorders_pages_never_loses_or_adds_characters(pages, last):
    pages = pages + [last]
    restored = restore_order(pages)
    assert Counter(restored) == Counter("".join(pages))
