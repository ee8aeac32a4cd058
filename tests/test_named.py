"""Questions that name a document: by kind, by the words of its name, by its place (qa/named.py)."""

from __future__ import annotations

from qa.named import DocName, named_documents, without
from qa.records import WorkItem
from qa.restated import plan_first
from qa.search import Hit
from qa.units import UnitRegistry
from qa.years import scope_of

PLAN = "青川市未成年人保护工作领导小组关于印发《青川市2024年未成年人保护工作要点》的通知"
LEDGER = "青川市2024年未成年人保护工作要点任务分工及进展台账"
NOTICE = "青川市未成年人保护工作领导小组办公室关于开展2024年暑期未成年人保护专项行动的通知"
COUNTY = "石门县人民政府办公室关于印发《石门县2024年未成年人保护工作实施方案》的通知"
OLD = "市2023年未成年人保护工作要点"
LAW = DocName.of("青川市人民代表大会常务委员会公告", "《青川市未成年人保护条例》已由…通过，现予公布。")
DOCS = [DocName.of(t) for t in (PLAN, LEDGER, NOTICE, COUNTY, OLD)] + [LAW]


def test_a_document_keeps_its_own_name_kind_and_place():
    assert (LAW.name, LAW.kind, LAW.place) == ("青川市未成年人保护条例", "条例", "青川市")
    county = DocName.of(COUNTY)
    assert (county.name, county.kind, county.place) == ("石门县2024年未成年人保护工作实施方案", "方案", "石门县")
    assert DocName.of(OLD).place == ""  # "市2023年…" names no place


def test_kind_name_and_place_each_limit_the_documents():
    assert named_documents("台账里市检察院牵头的任务有哪些?", DOCS).titles == {LEDGER}
    assert named_documents("要点里市体育局负责啥", DOCS).titles == {PLAN, OLD}  # not the 要点's ledger
    assert named_documents("按条例，临时监护由哪个部门负责?", DOCS).titles == {LAW.title}
    assert named_documents("按法规，临时监护由哪个部门负责?", DOCS).titles == {LAW.title}
    assert named_documents("暑期行动中市公安局负责哪些任务", DOCS).titles == {NOTICE}
    # a place: its documents, never another place's nor one of another level ("市2023年…" is a city's)
    assert named_documents("石门这边儿童主任多久探访一次?", DOCS).titles == {COUNTY}
    assert named_documents("青川市儿童主任多久探访一次?", DOCS).titles == {PLAN, LEDGER, NOTICE, OLD, LAW.title}


def test_words_every_document_shares_or_no_document_has_name_nothing():
    for question in ("在未成年人保护里要做什么?", "办法里怎么说?", "通知家长了吗", "孩子锁在家里行吗",
                     "给中小学配法治副校长是谁的职责?"):
        assert not named_documents(question, DOCS).titles, question
    assert not named_documents("台账里有什么?", [DocName.of(LEDGER)]).titles  # one document: nothing to choose


def test_the_naming_words_leave_the_question():
    assert without("石门县教体局要干啥", named_documents("石门县教体局要干啥", DOCS).spans) == "教体局要干啥"
    assert without("台账里市检察院负责啥", named_documents("台账里市检察院负责啥", DOCS).spans) == "市检察院负责啥"


def test_a_year_before_a_documents_name_asks_for_that_years_document():
    assert scope_of("2022年未成年人保护工作要点有哪些任务?", {2023, 2024}, titles={OLD, PLAN}).asks_document
    assert not scope_of("2025年底前要完成什么?", {2023, 2024}, titles={OLD, PLAN}).asks_document


def _item(n, doc, title, anchor):
    return WorkItem(f"{doc}#{anchor}", doc, doc, [], str(n), title, title + "。", [title + "。"], year=2024)


def test_a_ledger_row_follows_the_plan_item_it_restates_unless_asked_what_only_it_holds():
    row = WorkItem(**{**_item(1, LEDGER, "加强队伍建设", "t-1").to_dict(), "lead_units": ["市民政局"],
                      "sentences": ["加强队伍建设。", "进展情况：已培训1860人次"]})
    items = [row, _item(1, PLAN, "加强队伍建设", "2-1"), _item(2, PLAN, "提升热线服务效能", "2-2")]
    row_ahead = [Hit(0, 1.0, 1.0, 0.9), Hit(2, 0.9, 0.5, 0.8), Hit(1, 0.8, 1.0, 0.9)]
    plan_ahead = [Hit(1, 1.0, 1.0, 0.9), Hit(2, 0.9, 0.5, 0.8), Hit(0, 0.8, 1.0, 0.9)]
    order = lambda hits, q: [h.item for h in plan_first(hits, items, q)]  # noqa: E731
    # the one wanted first takes the place of the other, which follows it
    assert order(row_ahead, "儿童主任培训是怎么安排的?") == [1, 0, 2]
    assert order(row_ahead, "儿童主任培训谁牵头?") == [0, 2, 1]  # the plan names no lead
    assert order(plan_ahead, "儿童主任培训谁牵头?") == [0, 1, 2]
    assert order(plan_ahead, "儿童主任培训了多少人?") == [0, 1, 2]  # progress: only the row reports it
    assert order(plan_ahead, "现在儿童主任培训怎么安排?") == [1, 2, 0]


def test_a_regular_short_name_picks_its_own_unit_over_a_loose_alias():
    items = [WorkItem(f"d#{n}", "d", "d", [], None, "t", "", [], units=units)
             for n, units in enumerate([["市教育体育局"], ["市教育局"]])]
    registry = UnitRegistry(items)
    assert registry.find_in("市教体局负责哪些工作") == ["市教育体育局"]
    assert set(registry.find_in("市教育局负责哪些工作")) == {"市教育局", "市教育体育局"}  # a full name keeps its aliases
