"""Which figure a question asks for, and whether a text states one (qa/quantity.py)."""

from __future__ import annotations

import pytest

from qa import quantity


@pytest.mark.parametrize("question, measure", [
    ("孤儿基本生活费每个月发多少钱?", "金额"),
    ("旅馆不询问不报告,最多罚多少钱?", "金额"),
    ("离婚起诉诉讼费交多少?", "金额"),
    ("儿童住院医保报销比例是多少?", "比例"),
    ("长期护理保险基金支付比例是多少?", "比例"),  # 基金 is money, the question a share
    ("专项资金有多少?", "金额"),
    ("法治副校长配备率是多少", "比例"),
    ("女职工产假一共多少天?", "天数"),
    ("派出所至少要指定几名警务人员?", None),  # counts are not checked
    ("领导小组多久开一次全体会议?", None),
    ("谁负责校园欺凌防治?", None),
])
def test_the_figure_a_question_asks_for(question, measure):
    found = quantity.asked(question)
    assert (found.name if found else None) == measure


@pytest.mark.parametrize("measure, text, states", [
    ("金额", "并处五万元以上五十万元以下罚款", True),
    ("金额", "每人每月不低于1,200元", True),
    ("金额", "推进矛盾纠纷多元化解", False),
    ("比例", "覆盖率达到95%以上", True),
    ("比例", "配备率达到百分之百", True),
    ("比例", "提高残疾儿童康复服务覆盖率", False),
    ("天数", "自收到申请之日起15个工作日内办结", True),
    ("天数", "三十日内作出决定", True),
    ("天数", "2024年7月1日至8月31日", False),
])
def test_whether_a_text_states_that_figure(measure, text, states):
    wanted = next(m for m in quantity.MEASURES if m.name == measure)
    assert quantity.stated(wanted, text) is states
