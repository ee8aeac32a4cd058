"""Conversations: what the last answer was about, so a follow-up can lean on it.

``ConversationStore`` keeps a few turns per conversation id, in memory, with a
time-to-live and a cap on conversations (least recently used go first); it belongs
to the service object, nothing is global. ``read_follow_up`` recognises the short
forms staff use after an answer and says what they refer to:

- "那配合单位呢?" / "它的完成时限是什么时候?"  -> a field of the item just cited ("aspect");
- "第二条说的是什么?"                           -> an item of the last answer ("ordinal");
- "2024年呢?"                                   -> the last question, another year ("year");
- "网络游戏防沉迷呢?"                           -> the last question's kind, another topic ("topic").

Anything else is a standalone question (also "市公安局还负责哪些工作?", which names its unit).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_END = re.compile(r"[\s?？。!！.]+$")
_LEAD_IN = re.compile(r"^(?:那么|那|还有|另外|再问一下|请问)[,，\s]*")
# At the start ("其完成时限…", "这项工作…"), or 它 anywhere; "其他" and "及其" are no pronouns.
_PRONOUN = re.compile(r"^(?:其(?!他|余)|这项|该项|这条|该条|此项|这个|上述)|它")
_ORDINAL = re.compile(r"第\s*([一二三四五六七八九十]|\d{1,2})\s*(?:条|个|项|点)")
_YEAR_ONLY = re.compile(r"^((?:19|20)\d{2})\s*年?(?:的)?(?:情况)?(?:呢|怎么样|如何)?$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_ASKS = re.compile(r"谁|哪|什么|怎么|怎样|如何|吗|是否|多少|几")
_ASPECTS = [  # (field, words that ask for it)
    ("co", re.compile(r"配合单位|配合部门|协办|配合")),
    ("lead", re.compile(r"牵头单位|牵头部门|牵头")),
    ("deadline", re.compile(r"完成时限|时限|期限|截止|什么时候|何时|完成时间")),
    ("units", re.compile(r"责任单位|哪些单位|哪个单位|谁负责|由谁")),
]


@dataclass(frozen=True)
class Turn:
    question: str  # as answered: a follow-up is stored in its standalone form
    kind: str
    item_ids: list[str]  # the answer's results, in order
    units: list[str] = field(default_factory=list)  # units the question asked about
    year: int | None = None  # the year the question asked about
    focus: int = 0  # which of item_ids "它" means: the first, or the one an ordinal follow-up picked


@dataclass(frozen=True)
class FollowUp:
    form: str  # "aspect" | "ordinal" | "year" | "topic"
    aspect: str = ""  # co | lead | deadline | units
    position: int = 0  # 1-based, for "ordinal"
    year: int | None = None
    topic: str = ""  # the new topic, for "topic"


@dataclass
class Conversation:
    id: str
    turns: list[Turn] = field(default_factory=list)
    touched: float = 0.0

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None


class ConversationStore:
    """Thread-safe, bounded: at most ``limit`` conversations of ``turns`` turns, each living ``ttl`` s."""

    def __init__(self, ttl: float, limit: int, turns: int, clock=time.monotonic):
        self.ttl, self.limit, self.turns = ttl, limit, turns
        self._clock = clock
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, conversation_id: str | None) -> Conversation:
        """The live conversation of that id, or a new one (unknown and expired ids start afresh)."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            found = self._items.get(conversation_id or "")
            if found is None:
                found = Conversation(secrets.token_urlsafe(12))
                self._items[found.id] = found
                while len(self._items) > self.limit:
                    self._items.popitem(last=False)
            found.touched = now
            self._items.move_to_end(found.id)
            return found

    def record(self, conversation: Conversation, turn: Turn) -> None:
        with self._lock:
            conversation.turns = [*conversation.turns, turn][-self.turns:]
            conversation.touched = self._clock()

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self, now: float) -> None:
        while self._items:
            oldest = next(iter(self._items.values()))
            if now - oldest.touched <= self.ttl:
                break
            self._items.popitem(last=False)


def read_follow_up(question: str, is_only_units) -> FollowUp | None:
    """What a short follow-up refers to, or None for a standalone question.

    ``is_only_units(text)`` tells whether a text is nothing but unit names ("市公安局"):
    "那市公安局呢?" then keeps the kind by asking what that unit does.
    """
    text = _LEAD_IN.sub("", _END.sub("", question.strip()))
    elliptic = question.strip().rstrip("?？。 ").endswith("呢") or text != _END.sub("", question.strip())
    ordinal = _ORDINAL.search(text)
    if ordinal and (_PRONOUN.search(text) or _ORDINAL.match(text)):
        return FollowUp("ordinal", position=_number(ordinal.group(1)))
    if _PRONOUN.search(text) or (elliptic and len(text) <= 8):
        for name, words in _ASPECTS:
            if words.search(text):
                return FollowUp("aspect", aspect=name)
    year = _YEAR_ONLY.match(text)
    if year:
        return FollowUp("year", year=int(year.group(1)))
    if text.endswith("呢"):
        topic = text[:-1].strip()
        asked_year = _YEAR.search(topic)
        topic = _YEAR.sub("", topic).strip(" 的,,")
        if topic and not _ASKS.search(topic) and not _PRONOUN.search(topic):
            return FollowUp("topic", topic=topic, year=int(asked_year.group(1)) if asked_year else None,
                            aspect="unit" if is_only_units(topic) else "")
    return None


def standalone(follow: FollowUp, last: Turn) -> str:
    """The question a "year" or "topic" follow-up stands for, in words the service answers directly."""
    if follow.form == "year":
        if _YEAR.search(last.question):
            return _YEAR.sub(f"{follow.year}年", last.question, count=1)
        return f"{follow.year}年{last.question}"
    year = follow.year or last.year
    prefix = f"{year}年" if year else ""
    if follow.aspect == "unit" or last.kind == "unit":
        return f"{prefix}{follow.topic}负责哪些工作?"
    if last.kind == "who":
        return f"{prefix}{follow.topic}由哪些单位负责?"
    if last.kind == "role":
        return f"{prefix}{follow.topic}要做什么?"
    return f"{prefix}{follow.topic}"


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _CN_DIGITS.get(text, 0)
