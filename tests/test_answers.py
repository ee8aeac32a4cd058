"""Answers from the real service: converted e5 model, jieba, FAISS, the default corpus."""

import json

import pytest

from qa.errors import BadQuestion

pytestmark = pytest.mark.model

BULLYING_UNITS = ["市教育体育局", "市公安局", "市委政法委", "市市场监管局", "市司法局", "市应急局", "市关工委"]


def test_who_question_cites_the_item_with_exactly_its_units(service):
    answer = service.ask("谁负责校园欺凌防治")
    top = answer.results[0]
    assert not answer.refused and answer.kind == "who"
    assert top.title == "提升校园安全管理" and top.units == BULLYING_UNITS
    assert top.section == ["二、统筹推进“六大保护”", "(二)加强学校保护"] and top.number == "3"
    assert any("欺凌" in h for h in top.highlights)
    assert "本条工作由以下单位按照职责分工负责" in answer.answer
    assert "《市2023年未成年人保护工作要点》" in answer.answer


def test_answer_never_names_a_unit_the_cited_items_do_not_name(service):
    answer = service.ask("网络游戏防沉迷由哪些单位负责?")
    named = {u for r in answer.results for u in r.units}
    all_units = {u for item in service.index.items for u in item.units}
    assert answer.results[0].title == "强化网络安全保护"
    assert {u for u in all_units if u in answer.answer} <= named


def test_fact_question_highlights_the_sentence_that_answers(service):
    answer = service.ask("几点以后不能向未成年人提供网络游戏服务?")
    top = answer.results[0]
    assert top.title == "强化网络安全保护"
    assert any("二十二时至次日八时" in h for h in top.highlights)
    assert all(h in top.text for h in top.highlights)  # quotes are the document's own words


@pytest.mark.parametrize("question, title", [
    ("孩子被霸凌找谁?", "提升校园安全管理"),
    ("村里留守的孩子谁来照顾?", "加强关爱服务"),
    ("小孩没有户口怎么办", "加强关爱服务"),
])
def test_everyday_wording_finds_the_item_that_covers_it(service, question, title):
    titles = [r.title for r in service.ask(question).results]
    assert title in titles[:3]


def test_unit_question_lists_every_item_of_that_unit_grouped_and_counted(service):
    answer = service.ask("市民政局负责哪些工作?")
    expected = [it.title for it in service.index.items if "市民政局" in it.units]
    assert answer.kind == "unit" and [r.title for r in answer.results] == expected
    assert len(expected) > service.settings.top_k  # not cut at top-k
    assert f"共参与 {len(expected)} 项工作" in answer.answer


@pytest.mark.parametrize("question", ["市民政局牵头或配合的任务有哪些?", "市民政局有哪些职责?",
                                      "市民政局要承担哪些责任?", "市民政局在未成年人保护中做什么?"])
def test_words_framing_a_duty_question_do_not_make_it_a_topic_search(service, question):
    answer = service.ask(question)
    assert answer.kind == "unit"
    assert [r.title for r in answer.results] == [it.title for it in service.index.items if "市民政局" in it.units]


@pytest.mark.parametrize("alias, unit", [("卫健委", "市卫生健康委"), ("教体局", "市教育体育局"),
                                         ("人社局", "市人力资源和社会保障局"), ("团委", "团市委")])
def test_unit_questions_resolve_abbreviations(service, alias, unit):
    answer = service.ask(f"{alias}要做什么?")
    assert answer.kind == "unit"
    assert [r.title for r in answer.results] == [it.title for it in service.index.items if unit in it.units]


def test_role_question_lists_the_items_giving_that_role_duties(service):
    answer = service.ask("儿童主任要做什么?")
    assert answer.kind == "role"
    assert sorted(r.title for r in answer.results) == sorted(
        it.title for it in service.index.items if "儿童主任" in it.text)
    assert all(any("儿童主任" in h for h in r.highlights) for r in answer.results)


@pytest.mark.parametrize("question", ["今天天气怎么样", "怎么办理护照?", "asdf qwer 嗯嗯",
                                      "2024年未成年人保护工作要点有哪些新内容?"])
def test_questions_the_corpus_cannot_answer_are_refused_plainly(service, question):
    answer = service.ask(question)
    assert answer.refused and answer.kind == "none"
    assert answer.answer.startswith(("抱歉", "现有政策文件中没有"))
    assert len(answer.results) <= 3


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "？！。，", "问" * 501])
def test_unusable_questions_get_a_clear_chinese_message(service, question):
    with pytest.raises(BadQuestion) as err:
        service.ask(question)
    assert any("\u4e00" <= c <= "\u9fff" for c in str(err.value))


def test_markup_in_questions_or_text_is_made_inert_in_the_answer(service):
    answer = service.ask("<script>alert(1)</script> 谁负责校园欺凌防治")
    assert "<script>" not in answer.answer and not answer.refused


def test_answer_object_keeps_the_cli_contract(service):
    data = json.loads(json.dumps(service.ask("谁负责校园欺凌防治").to_dict(), ensure_ascii=False))
    assert {"question", "refused", "answer", "results"} <= set(data)
    result_keys = {"doc", "source", "section", "number", "title", "text", "units", "lead_units",
                   "co_units", "score", "highlights"}
    assert result_keys <= set(data["results"][0])
    assert isinstance(data["results"][0]["score"], float)
