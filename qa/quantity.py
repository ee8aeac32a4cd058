"""Questions that ask for a figure (an amount of money, a ratio, a number of days), and
whether an item states one in the same measure.

A duty document says who does what; it seldom says how much a benefit pays, what share a
fee is refunded or how many days a leave lasts. Such questions land near items on the same
topic (孤儿基本生活费 -> the item that guarantees it), and the dense margin cannot tell them
from answerable ones. Classic factoid QA checks the expected answer type instead: a question
asking "多少钱" is answered only by a passage that states an amount. Counts (几名, 多少个)
are not checked: their measure words are many and plans state them often.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"(?:[0-9０-９][0-9０-９,，.]*|[零〇一二三四五六七八九十百千万亿两]+)"
_ASKED_AFTER = r"[^，,。；;？?]{0,6}(?:多少|几)"  # "费交多少", "补贴有多少", "罚多少"


@dataclass(frozen=True)
class Measure:
    name: str  # what the refusal says is missing: 金额, 比例, 天数
    asked: re.Pattern  # the question asks for it
    stated: re.Pattern  # a text states one


# A ratio first: "基金支付比例是多少" asks a share, though 基金 is money.
MEASURES = (
    Measure("比例", re.compile(r"比例|百分之几|率" + _ASKED_AFTER),
            re.compile(r"[0-9０-９]\s*[%％]|百分之|[一二三四五六七八九十]成")),
    Measure("金额", re.compile(r"多少钱|多少元|几元|(?:费|钱|奖金|资金|基金|金额|补贴|补助|津贴|工资|罚款?)" + _ASKED_AFTER),
            re.compile(_NUMBER + r"\s*[万千百]?元")),
    Measure("天数", re.compile(r"多少天|几天|多少个工作日|几个工作日"),
            re.compile(_NUMBER + r"\s*(?:个)?(?:工作日|天|日(?:内|以内|以上|以下))")),
)


def asked(question: str) -> Measure | None:
    """The figure a question asks for, or None when it asks for something else."""
    return next((m for m in MEASURES if m.asked.search(question)), None)


def stated(measure: Measure, text: str) -> bool:
    return bool(measure.stated.search(text))
