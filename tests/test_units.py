"""The unit registry: every unit of the corpus, reachable by the names people use."""

import pytest

from qa.records import WorkItem
from qa.units import UnitRegistry, load_aliases, strip_prefix


def item(n, units):
    return WorkItem(id=f"d#{n}", doc="d", source="d", section=[], number=str(n), title=f"t{n}",
                    text="", sentences=[], units=units)


@pytest.fixture(scope="module")
def registry():
    return UnitRegistry([
        item(1, ["市教育体育局", "市公安局", "市委网信办"]),
        item(2, ["市卫生健康委", "市人力资源和社会保障局", "团市委"]),
        item(3, ["市教育体育局", "*市未成年人保护工作领导小组办公室", "各成员单位"]),
    ])


def test_counts_list_each_unit_with_its_items(registry):
    counts = dict(registry.counts())
    assert counts["市教育体育局"] == 2 and counts["团市委"] == 1
    assert registry.items_of["市教育体育局"] == ["d#1", "d#3"]


@pytest.mark.parametrize("name, full", [
    ("教体局", "市教育体育局"), ("教育体育局", "市教育体育局"), ("市教体局", "市教育体育局"),
    ("教育局", "市教育体育局"), ("卫健委", "市卫生健康委"), ("人社局", "市人力资源和社会保障局"),
    ("团委", "团市委"), ("网信办", "市委网信办"), ("公安局", "市公安局"),
    ("市公安局", "市公安局"), ("未保办", "*市未成年人保护工作领导小组办公室"),
])
def test_everyday_names_resolve_to_the_full_unit(registry, name, full):
    assert registry.resolve(name) == [full]


def test_unknown_or_absent_units_resolve_to_nothing(registry):
    assert registry.resolve("市民政局") == []  # a real body, but not named in this corpus
    assert registry.resolve("天气局") == []


def test_units_are_found_in_free_text_longest_name_first(registry):
    assert registry.find_in("教体局和卫健委分别负责什么?") == ["市教育体育局", "市卫生健康委"]
    assert registry.find_in("市教育体育局负责哪些工作") == ["市教育体育局"]
    assert registry.find_in("孩子被霸凌找谁") == []


def test_alias_table_is_data_with_common_abbreviations():
    table = load_aliases()
    assert "教育体育局" in table["教体局"] and "团市委" in table["团委"]


def test_prefix_is_stripped_but_names_without_one_are_kept():
    assert strip_prefix("市民政局") == "民政局"
    assert strip_prefix("市委宣传部") == "宣传部"
    assert strip_prefix("团市委") == "团市委"
    assert strip_prefix("各成员单位") == "各成员单位"
