"""Answers that hold on documents nobody tuned for, over several documents and years.

Real parts: the converted multilingual-e5-small model, jieba, a FAISS index built from
fixture corpora under tests/data (never the default corpus, whose answers these tests
must not depend on), a real HTTP server for the API filters.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import DATA, DEFAULT_CORPUS
from tests.ui_fixtures import running

pytestmark = pytest.mark.model

YEARS = Path(__file__).resolve().parent / "recall" / "years"  # not under tests/data: the reader tests scan that folder whole


@pytest.fixture(scope="module")
def encoder(settings):
    from qa.encoders import load_encoder

    return load_encoder(settings)


def open_service(corpus: Path, index_dir: Path, encoder, settings):
    from qa.index import build_index, load_index
    from qa.service import QAService

    build_index(corpus, index_dir, encoder, progress=lambda m: None)
    own = dataclasses.replace(settings, corpus_dir=corpus, index_dir=index_dir)
    return QAService(load_index(index_dir, encoder.model_id), encoder, own)


@pytest.fixture(scope="module")
def years(tmp_path_factory, encoder, settings):
    """Two years' plans of one county, with the same topics worded differently."""
    corpus = tmp_path_factory.mktemp("years") / "corpus"
    shutil.copytree(YEARS, corpus)
    return open_service(corpus, tmp_path_factory.mktemp("years-index"), encoder, settings)


@pytest.fixture(scope="module")
def other(tmp_path_factory, encoder, settings):
    """A corpus without the default document: one district's school-safety plan (GBK)."""
    corpus = tmp_path_factory.mktemp("other") / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "district-school-safety-2024.txt", corpus)
    return open_service(corpus, tmp_path_factory.mktemp("other-index"), encoder, settings)


def default_document_phrases() -> set[str]:
    """What would give away the default document: its title, item titles and quoted campaign
    names ("情暖童心"); quoted post names (“法治副校长”) are the field's vocabulary, not its own."""
    from qa.corpus import load_items
    from qa.roles import _SUFFIX

    items, _ = load_items(DEFAULT_CORPUS)
    phrases = {items[0].doc} | {item.title for item in items}
    phrases |= {q for item in items for q in re.findall(r"“([^”]{2,12})”", item.text)
                if not _SUFFIX.search(q[-3:])}
    return {p for p in phrases if len(p) >= 4}


# ---- no corpus knowledge in package data or on the page ----

def test_package_tables_name_nothing_of_the_default_document():
    from qa import lexicon

    words = lexicon.package()
    shown = [*words.examples, *words.background, *(v for group in words.roles for v in group)]
    leaks = {p for p in default_document_phrases() for text in shown if p in text}
    assert not leaks


def test_examples_roles_and_background_on_another_corpus_say_nothing_of_the_default_document(other):
    examples = other.examples()
    roles = [v for role in other.roles for v in role.variants]
    background = (other.index.folder / "background.jsonl").read_text(encoding="utf-8")
    assert len(examples) >= 3, examples
    for text in [*examples, *roles, background]:
        leaks = {p for p in default_document_phrases() if p in text}
        assert not leaks, (text, leaks)
    # the examples fit the corpus served: a role it never names is not offered
    assert not any("儿童主任" in q for q in examples)
    assert any(other.index.registry.counts()[0][0] in q for q in examples)


def test_examples_are_answered_by_the_corpus_they_are_shown_for(other):
    for question in other.examples():
        assert not other.ask(question).refused, question


# ---- one lexicon: package defaults plus the corpus's own tables, hashed into the build ----

def test_corpus_tables_add_to_the_package_and_are_not_read_as_documents(tmp_path):
    from qa import lexicon
    from qa.read import corpus_files

    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "staff.tsv").write_text("看娃\t托育\t照护\n", encoding="utf-8")
    (tmp_path / "lexicon" / "roles.tsv").write_text("护河员\t巡河员\n", encoding="utf-8")
    (tmp_path / "lexicon" / "examples.txt").write_text("看娃找谁?\n", encoding="utf-8")
    words = lexicon.load(tmp_path)
    assert words.synonyms["看娃"] == ["托育", "照护"]
    assert "霸凌" in words.synonyms  # package defaults stay
    assert ["护河员", "巡河员"] in words.roles
    assert words.examples[0] == "看娃找谁?"  # the corpus's own first
    assert words.digest() != lexicon.package().digest()
    assert corpus_files(tmp_path) == []


def test_a_changed_word_table_rebuilds_and_queries_use_the_built_tables(tmp_path, encoder, settings):
    from qa.index import build_index, load_index

    corpus = tmp_path / "corpus"
    shutil.copytree(YEARS, corpus)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder, progress=lambda m: None)
    assert build_index(corpus, index_dir, encoder, progress=lambda m: None).up_to_date
    (corpus / "lexicon").mkdir()
    (corpus / "lexicon" / "words.tsv").write_text("巡河\t防溺水\n", encoding="utf-8")
    report = build_index(corpus, index_dir, encoder, progress=lambda m: None)
    assert not report.up_to_date and report.embedded == 0  # nothing re-embedded, tables re-read
    index = load_index(index_dir)
    assert index.manifest["lexicon_files"] == ["lexicon/words.tsv"]
    assert "防溺水" in index.segmenter.query_terms("巡河")
    # a table edited after the build does not change how queries are cut until the next build
    (corpus / "lexicon" / "words.tsv").write_text("巡河\t网络素养\n", encoding="utf-8")
    assert "网络素养" not in load_index(index_dir).segmenter.query_terms("巡河")


# ---- roles from the corpus ----

def test_roles_are_found_in_the_text_by_pattern():
    from qa.roles import found_by_pattern

    text = ("网吧经营者应当在显著位置设置未成年人禁入标志。每个乡镇配备儿童督导员，"
            "村（居）配备儿童主任。学校应当聘请法治副校长。")
    found = found_by_pattern(text)
    for role in ("网吧经营者", "儿童督导员", "儿童主任", "法治副校长"):
        assert role in found, found


def test_role_answers_count_every_variant_name(years):
    from qa.lexicon import Lexicon
    from qa.records import WorkItem
    from qa.roles import corpus_roles

    items = [WorkItem("d#1", "文件", "d.txt", [], "1", "配备社工", "配备社会工作者。", ["配备社会工作者。"]),
             WorkItem("d#2", "文件", "d.txt", [], "2", "培训社工", "每年培训社工。", ["每年培训社工。"])]
    roles = corpus_roles(items, Lexicon(roles=[["社会工作者", "社工"]]))
    role = next(r for r in roles if r.name == "社会工作者")
    assert set(role.variants) == {"社会工作者", "社工"}
    assert all(role.in_text(item.text) for item in items)


def test_a_role_is_asked_by_any_of_its_names_even_one_the_text_never_uses():
    from qa.lexicon import Lexicon
    from qa.records import WorkItem
    from qa.roles import corpus_roles

    items = [WorkItem("d#1", "文件", "d.txt", [], "1", "配备社工", "配备社会工作者。", ["配备社会工作者。"])]
    role = next(r for r in corpus_roles(items, Lexicon(roles=[["社会工作者", "社工"]])) if r.name == "社会工作者")
    assert role.variants == ("社会工作者", "社工")


@pytest.mark.parametrize("question", ["儿童督导员要做什么?",
                                      "儿童督导员在未成年人关爱保护方面要做什么?",  # the corpus's field
                                      "儿童督导员在关爱孩子方面要做什么?"])  # ...in everyday words
def test_role_question_on_a_new_corpus_lists_every_item_naming_it(years, question):
    answer = years.ask(question)
    assert answer.kind == "role"
    assert [r.title for r in answer.results] == ["加强儿童督导员队伍建设"]


# ---- years and documents ----

def test_a_figure_is_answered_only_by_items_that_state_one(other):
    """A ratio the plan states is quoted; an amount it never gives is refused, the item on
    the topic shown as related instead of passed off as the answer."""
    stated = other.ask("学校食堂覆盖率要达到多少?")
    assert not stated.refused and "95%" in stated.results[0].text
    absent = other.ask("学校食堂一顿饭收多少钱?")
    assert absent.refused and absent.kind == "none"
    assert absent.answer.startswith("现有政策文件中没有写明具体金额")
    assert [r.title for r in absent.results][:1] == [stated.results[0].title]


def test_a_trade_charged_by_a_law_gets_its_duties_and_the_penalty_for_breaking_them(tmp_path, encoder, settings):
    """"网吧经营者有哪些义务": the article charging it and the article punishing it, not the
    one article where it is the grammatical duty holder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    regulation = next((YEARS.parent.parent / "shapes" / "articles").glob("*.txt")).read_text(encoding="utf-8")
    penalty = ("第五章　法律责任\n第十一条　违反本条例第八条规定，网吧经营者允许未成年人进入营业场所的，"
               "由文化和旅游部门责令限期改正，给予警告，可以并处五万元以下罚款。\n")
    (corpus / "regulation.txt").write_text(regulation.replace("第四章　附则", penalty + "第四章　附则"),
                                            encoding="utf-8")
    service = open_service(corpus, tmp_path / "index", encoder, settings)
    for question in ("网吧经营者有哪些义务", "网吧经营者要遵守哪些规定?"):
        answer = service.ask(question)
        assert answer.kind == "role"
        assert [r.number for r in answer.results] == ["第八条", "第十一条"]
    who = service.ask("网吧违规接纳未成年人，由哪个部门责令改正、给予警告?")  # a law names who acts
    assert who.kind == "who" and who.results[0].number == "第十一条"
    assert "由文化和旅游部门责令" in who.summary and who.summary.endswith("第十一条)。")


def test_a_year_in_the_question_answers_from_that_years_document(years):
    for year in (2023, 2024):
        answer = years.ask(f"{year}年农村留守儿童多久走访一次?")
        assert not answer.refused
        assert answer.results[0].year == year, answer.answer
        assert {r.year for r in answer.results} == {year}


def test_without_a_year_the_latest_document_comes_first_and_the_answer_says_so(years):
    answer = years.ask("农村留守儿童多久走访一次?")
    assert not answer.refused
    assert answer.results[0].year == 2024 and answer.results[0].title == "开展留守儿童走访"
    assert "2024年" in answer.answer.split("\n")[0]
    assert 2023 in [r.year for r in answer.results]  # the earlier year's item may follow


def test_a_year_the_corpus_lacks_is_refused(years):
    answer = years.ask("2021年留守儿童走访有什么要求?")
    assert answer.refused and "2021" in answer.answer


def test_unit_duties_can_be_limited_by_year(years):
    both = years.ask("县民政局负责哪些工作?")
    only = years.ask("2024年县民政局负责哪些工作?")
    assert both.kind == only.kind == "unit"
    assert {r.year for r in both.results} == {2023, 2024}
    assert {r.year for r in only.results} == {2024}
    assert len(only.results) == 2


def test_doc_and_year_filters_limit_the_answer(years):
    by_year = years.ask("防溺水怎么做?", year=2023)
    assert {r.year for r in by_year.results} == {2023}
    by_doc = years.ask("防溺水怎么做?", doc="county-care-2024.txt")
    assert {r.source for r in by_doc.results} == {"county-care-2024.txt"}


def test_a_document_kind_named_in_the_question_limits_the_documents():
    from qa.records import WorkItem
    from qa.years import scope_of

    law = WorkItem("l#4", "江临市未成年人保护条例", "l.txt", [], "第四条", "甲", "甲。", ["甲。"])
    plan = WorkItem("p#1", "市2024年工作要点", "p.txt", [], "1", "乙", "乙。", ["乙。"])
    titles = {law.doc, plan.doc}
    scope = scope_of("民政部门在条例里负责哪些事?", {2024}, titles=titles)
    assert scope.allows(law) and not scope.allows(plan)
    assert not scope_of("民政部门负责哪些事?", {2024}, titles=titles).limited
    assert not scope_of("办法里怎么说?", {2024}, titles=titles).limited  # no 办法 in the corpus


def test_citations_show_the_documents_year():
    from qa.answer import Result, citation

    result = Result("关于加强未成年人保护工作的通知", "n.txt", [], "1", "加强走访", "…", [], [], [], 1.0, [],
                    year=2024)
    assert "2024年" in citation(result)
    titled = dataclasses.replace(result, doc="县2024年工作要点")
    assert citation(titled).count("2024") == 1


def test_api_accepts_doc_and_year_filters(years):
    from ui.server import create_app

    with running(create_app(years, years.settings)) as url, httpx.Client(base_url=url, timeout=120) as client:
        body = client.post("/api/ask", json={"question": "防溺水怎么做?", "year": 2024}).json()
        assert body["results"] and {r["year"] for r in body["results"]} == {2024}
        bad = client.post("/api/ask", json={"question": "防溺水怎么做?", "year": "去年"})
        assert bad.status_code == 422 and "year" in bad.json()["detail"]


def test_ask_cli_takes_year_and_doc(years):
    from click.testing import CliRunner

    from qa.cli import cli

    result = CliRunner().invoke(cli, ["ask", "防溺水怎么做?", "--year", "2023", "--json",
                                      "--index", str(years.settings.index_dir),
                                      "--corpus", str(years.settings.corpus_dir)])
    assert result.exit_code == 0, result.output
    assert '"year": 2023' in result.output and '"year": 2024' not in result.output


# ---- units across documents, laws' duty holders ----

def test_registry_keeps_city_and_county_units_apart_and_finds_laws_duty_holders():
    from qa.records import WorkItem
    from qa.units import UnitRegistry

    items = [WorkItem("a#1", "市要点", "a.txt", [], "1", "甲", "甲。", ["甲。"], units=["市民政局"]),
             WorkItem("b#1", "县要点", "b.txt", [], "1", "乙", "乙。", ["乙。"], units=["县民政局"]),
             WorkItem("c#12", "条例", "c.txt", [], "第十二条", "丙", "丙。", ["丙。"],
                      duty_holders=["县级以上人民政府民政部门", "网吧经营者"]),
             WorkItem("a#2", "市要点", "a.txt", [], "2", "丁", "丁。", ["丁。"], units=["市卫生健康委员会"])]
    registry = UnitRegistry(items)
    assert registry.resolve("市民政局") == ["市民政局"]
    assert registry.resolve("县民政局") == ["县民政局"]
    assert "县级以上人民政府民政部门" in registry.resolve("民政部门")
    assert registry.resolve("网吧经营者") == ["网吧经营者"]
    assert registry.resolve("卫健委") == ["市卫生健康委员会"]  # short name made by rule


# ---- calibrated refusal ----

def test_refusal_threshold_comes_from_a_calibration_run_stored_in_the_manifest(other):
    calibration = other.index.manifest["refusal"]
    assert calibration["probes"] > 0 and calibration["background"] > 10
    assert -0.03 <= calibration["margin"] <= 0.02
    assert calibration["in_corpus_pass"] >= 0.98
    assert other.margin == calibration["margin"]


def test_margin_refuses_most_off_corpus_probes_without_refusing_in_corpus_ones():
    from qa.refusal import choose_margin

    inside = np.linspace(0.0, 0.1, 101)
    outside = np.linspace(-0.1, 0.0, 101)
    margin = choose_margin(inside, outside)
    assert (outside < margin).mean() >= 0.8 and (inside >= margin).mean() >= 0.98
    crowded = choose_margin(inside, outside + 0.1)  # off-corpus probes as near as the corpus
    assert (inside >= crowded).mean() >= 0.98  # answers win: the threshold stays low


def test_off_topic_questions_are_refused_on_a_new_corpus(other):
    for question in ("住房公积金贷款额度怎么算?", "明天天气怎么样?"):
        assert other.ask(question).refused, question


# ---- evaluation of multi-document sets ----

def test_eval_matches_by_document_title_or_article_number():
    from qa.evaluate import matches

    row = {"source": "law.txt", "title": "网吧 不得接纳未成年人", "number": "第十五条"}
    assert matches(row, ["网吧不得接纳未成年人"], "law.txt")
    assert matches(row, ["第十五条"], "law.txt")
    assert not matches(row, ["第十五条"], "plan.txt")
    assert matches({"source": "p.txt", "title": "甲", "number": "3"}, ["甲"], None)
