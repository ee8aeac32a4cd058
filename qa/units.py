"""Responsible units: read them from an item's closer, and resolve what people call them.

Two stages live here because they share one notion, the unit name:
- ``parse_closer`` turns "(市教育体育局、市公安局…按照职责分工负责)" or
  "（牵头单位：区教育局；配合单位：区公安分局）" into ``Units``;
- ``UnitRegistry`` maps every unit of the corpus, and the everyday names of it
  ("教体局", "民政局", "卫健委"), to the items that name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Phrases that close a unit list and are not part of any unit name.
_DUTY_TAIL = re.compile(
    r"(?:等(?:单位|部门)?)?(?:按照|按|根据|依据)?(?:各自)?(?:职责分工|职责|分工)?(?:分别|共同)?(?:牵头)?负责$"
)
_SEPARATORS = re.compile(r"[、，,；;]")
_LEAD = re.compile(r"(?:牵头|主责|责任)单位[:：]")
_CO = re.compile(r"(?:配合|协办|参与)单位[:：]")
# "市民政局牵头，市教育局、市公安局配合"
_LEAD_VERB = re.compile(r"^(?P<lead>.+?)牵头[，,；;、]?(?P<co>.+?)(?:等)?(?:参与|配合|协同|协助)(?:实施|落实)?$")
_PREFIXES = ("市", "区", "县", "省")
# "责任单位：市民政局(牵头)、市教育局": the lead is marked after its name.
_LEAD_MARK = re.compile(r"[(（]\s*牵头\s*[)）]$")
# What the name of a government body, organisation or institution ends with: general Chinese, no corpus.
_BODY_SUFFIX = re.compile(
    r"(?:局|委|办|部|院|会|厅|署|所|站|中心|队|政府|部门|单位|机构|学校|幼儿园|团|联|协|处|科|室|组|"
    r"公司|集团|银行|街道|乡镇|镇|乡|村|社区|馆|台|社|监护人|家长|父母)$")
# "市委宣传部" is known as "宣传部"; "*市…办公室" as "…办公室".
_STRIP = re.compile(r"^\*?(?:[市区县省]委(?=..)|[市区县省](?=..))")
# A law names its duty holders by level: "县级以上人民政府民政部门" is known as "民政部门".
_LEVEL = re.compile(r"^(?:国务院|[省市县乡]级|以上|地方|各级|设区的市级?|人民政府)+(?=..)")


@dataclass(frozen=True)
class Units:
    units: list[str] = field(default_factory=list)  # all, in printed order
    lead_units: list[str] = field(default_factory=list)  # only where the document names them
    co_units: list[str] = field(default_factory=list)


def clean_unit(name: str) -> str:
    """One unit name as printed, minus spaces, list words and a trailing 等."""
    name = re.sub(r"\s+", "", name).strip("。.:：")
    name = re.sub(r"^(?:由|请)", "", name)
    return re.sub(r"等$", "", name)


def split_units(text: str) -> list[str]:
    """'市教育体育局、市公安局等按照职责分工负责' -> ['市教育体育局', '市公安局']."""
    text = _DUTY_TAIL.sub("", re.sub(r"\s+", "", text))
    names = [clean_unit(part) for part in _SEPARATORS.split(text)]
    return [n for n in names if n]


def parse_closer(content: str) -> Units:
    """Units of a closer's content (the text inside the brackets, or after 责任单位：)."""
    content = re.sub(r"\s+", "", content)
    lead_at, co_at = _LEAD.search(content), _CO.search(content)
    if lead_at or co_at:
        return _mark_leads(_parse_labelled(content, lead_at, co_at))
    verbs = _LEAD_VERB.match(_DUTY_TAIL.sub("", content))
    if verbs:
        lead, co = split_units(verbs["lead"]), split_units(verbs["co"])
        return Units(lead + co, lead, co)
    return _mark_leads(Units(split_units(content)))


def _mark_leads(units: Units) -> Units:
    """'A(牵头)、B' in a list without lead/co labels: A leads, the others cooperate."""
    if not any(_LEAD_MARK.search(u) for u in units.units):
        return units
    lead = [_LEAD_MARK.sub("", u) for u in units.units if _LEAD_MARK.search(u)]
    co = [u for u in units.units if not _LEAD_MARK.search(u) and u not in units.lead_units]
    return Units(list(dict.fromkeys(lead + co)), lead, co)


def looks_like_unit(name: str) -> bool:
    """'市民政局', '学校', '各成员单位' are bodies; '各地要切实' is not."""
    return 2 <= len(name) <= 40 and _BODY_SUFFIX.search(name) is not None and not re.search(
        r"要|应当|务必|切实|认真|将|把|[。，]", name)


def _parse_labelled(content: str, lead_at, co_at) -> Units:
    """'牵头单位：A；配合单位：B、C' (either part may be missing); '责任单位：A、B' lists all."""
    lead_text = co_text = ""
    if lead_at:
        end = co_at.start() if co_at and co_at.start() > lead_at.end() else len(content)
        lead_text = content[lead_at.end():end]
    if co_at:
        end = lead_at.start() if lead_at and lead_at.start() > co_at.end() else len(content)
        co_text = content[co_at.end():end]
    lead, co = split_units(lead_text), split_units(co_text)
    if lead_at and lead_at.group().startswith("责任") and not co_at:
        return Units(lead)  # 责任单位 lists every unit, none singled out as lead
    return Units(lead + co, lead, co)


def strip_prefix(name: str) -> str:
    """'市民政局' -> '民政局', '市委网信办' -> '网信办'; '团市委', '各成员单位' stay as they are."""
    return _STRIP.sub("", _LEVEL.sub("", name))


def holders(item) -> list[str]:
    """Units a work item names, then the duty holders a law article names, without repeats."""
    return list(dict.fromkeys([*item.units, *getattr(item, "duty_holders", [])]))


def load_aliases() -> dict[str, list[str]]:
    """Common names of government bodies (package table plus nothing else): short -> full stems."""
    from . import lexicon

    return lexicon.package().unit_aliases


# Chinese bodies are shortened by the first character of each word of the name, then the
# short form of the kind of body: 卫生健康委员会 -> 卫健委, 发展和改革委员会 -> 发改委.
_BODY_KIND = re.compile(r"(委员会|联合会|协会|办公室|管理局|事务局|局|委|办|厅|院)$")
_KIND_SHORT = {"委员会": "委", "联合会": "联", "协会": "协", "办公室": "办", "管理局": "局", "事务局": "局"}


@lru_cache(maxsize=4096)
def abbreviation(stem: str) -> str | None:
    """The rule-made short name of a unit stem, or None when the rule does not apply."""
    kind = _BODY_KIND.search(stem)
    if not kind or len(stem) < 5:
        return None
    import jieba  # the default dictionary: user words would keep the name whole

    words = [w for w in jieba.lcut(stem[:kind.start()], HMM=False) if w not in ("和", "与", "及")]
    if len(words) < 2 or any(len(w) < 2 for w in words):
        return None
    short = "".join(w[0] for w in words) + _KIND_SHORT.get(kind.group(), kind.group())
    return short if short != stem else None


class UnitRegistry:
    """Every unit named in the corpus, with its items, reachable by any of its names."""

    def __init__(self, items, aliases: dict[str, list[str]] | None = None):
        self.items_of: dict[str, list[str]] = {}
        for item in items:
            for unit in holders(item):
                ids = self.items_of.setdefault(unit, [])
                if item.id not in ids:
                    ids.append(item.id)
        self.names: dict[str, set[str]] = self._build_names(load_aliases() if aliases is None else aliases)
        self._longest = max((len(n) for n in self.names), default=0)

    def _build_names(self, aliases: dict[str, list[str]]) -> dict[str, set[str]]:
        names: dict[str, set[str]] = {}
        derived: dict[str, list[str]] = {}
        for unit in self.items_of:
            for name in {unit, strip_prefix(unit)}:
                names.setdefault(name, set()).add(unit)
            short = abbreviation(strip_prefix(unit))
            if short:
                derived.setdefault(short, []).append(strip_prefix(unit))
        aliases = {**derived, **{k: [*derived.get(k, []), *v] for k, v in aliases.items()}}
        for short, fulls in aliases.items():
            for full in fulls:
                for unit in names.get(full, set()).copy():
                    names.setdefault(short, set()).add(unit)
                    if _LEVEL.match(unit):
                        continue  # "县级以上人民政府民政部门" is no one level's bureau
                    # "县教体局" names the county's bureau only: a city and a county unit never merge.
                    prefix = unit[0] if unit[0] in _PREFIXES and strip_prefix(unit) != unit else ""
                    for own in ([prefix] if prefix else _PREFIXES):
                        names.setdefault(own + short, set()).add(unit)
        return names

    def counts(self) -> list[tuple[str, int]]:
        """(unit, number of items naming it), most items first."""
        return sorted(((u, len(ids)) for u, ids in self.items_of.items()), key=lambda p: (-p[1], p[0]))

    def resolve(self, name: str) -> list[str]:
        """Full unit names a name stands for ('教体局' -> ['市教育体育局']); [] if unknown."""
        return sorted(self.names.get(clean_unit(name), ()))

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of unit names in free text, leftmost-longest, not overlapping.

        A scan over the text with dictionary look-ups: the cost follows the length of the
        question, not the size of the registry (tens of thousands of names at scale).
        """
        found, start = [], 0
        while start < len(text):
            for end in range(min(len(text), start + self._longest), start + 1, -1):
                if text[start:end] in self.names:
                    found.append((start, end, text[start:end]))
                    start = end
                    break
            else:
                start += 1
        return found

    def find_in(self, text: str) -> list[str]:
        """Units mentioned in free text, in order of mention.

        A level written just before a short name ("县" + "民政局" where the corpus has only
        市民政局) limits it to units of that level: a 县 question never gets 市 units.
        """
        text = re.sub(r"\s+", "", text)
        units: list[str] = []
        for start, _, name in self.mentions(text):
            found = sorted(self.names[name])
            level = text[start - 1] if start and text[start - 1] in _PREFIXES else ""
            if level and not name.startswith(level):
                found = [u for u in found if u.startswith(level) or level in u[:6]]
            units.extend(u for u in _by_own_short_name(name, found) if u not in units)
        return units


def _by_own_short_name(name: str, units: list[str]) -> list[str]:
    """Units whose regular short name this is, when some are: "教体局" is 教育体育局's own short
    name and only a loose alias of 教育局, so a corpus naming both keeps them apart. A name that
    is itself a unit's full name ("教育局") keeps every unit its aliases reach."""
    bare = re.sub(r"^[市区县省]", "", name)
    if any(strip_prefix(u) == bare for u in units):
        return units
    own = [u for u in units if abbreviation(strip_prefix(u)) == bare]
    return own or units


_FREQUENT = 3  # a unit named this often is taken as correctly spelt


def slip_warnings(items) -> dict[str, list[str]]:
    """Per document id: unit names seen once that differ by one character from a frequent unit.

    Such a name is most likely an OCR or typing slip ("市公安屬" beside "市公安局"). A
    difference in the 市/区/县 prefix alone is two real bodies, never a slip.
    """
    from rapidfuzz.distance import Levenshtein

    counts: dict[str, int] = {}
    docs_of: dict[str, list[str]] = {}
    for item in items:
        for unit in dict.fromkeys(item.units):
            counts[unit] = counts.get(unit, 0) + 1
            docs_of.setdefault(unit, [])
            if item.doc_id not in docs_of[unit]:
                docs_of[unit].append(item.doc_id)
    frequent = [u for u, n in counts.items() if n >= _FREQUENT]
    warnings: dict[str, list[str]] = {}
    for unit, n in counts.items():
        if n != 1:
            continue
        near = next((f for f in frequent if Levenshtein.distance(unit, f, score_cutoff=1) == 1
                     and strip_prefix(unit) != strip_prefix(f) and _odd_character(unit, f)), None)
        if near:
            for doc_id in docs_of[unit]:
                warnings.setdefault(doc_id, []).append(
                    f"单位名称“{unit}”只出现一次,与常见单位“{near}”仅差一字,可能是识别或录入错误")
    return warnings


def _odd_character(name: str, frequent: str) -> bool:
    """True if the character where the two names part forms no dictionary word in the longer one.

    "市财政局" beside "市民政局" differs in 财, inside the word 财政: two real bureaus.
    "市公安屬" beside "市公安局" differs in 屬, which forms no word: a slip.
    """
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # loads the dictionary once; get_FREQ alone answers None before that
    longer = name if len(name) >= len(frequent) else frequent
    shorter = frequent if longer is name else name
    pos = next((i for i, (a, b) in enumerate(zip(longer, shorter)) if a != b), len(shorter))
    spans = ((i, j) for i in range(max(0, pos - 3), pos + 1) for j in range(pos + 1, min(len(longer), pos + 4) + 1))
    return not any(j - i >= 2 and jieba.get_FREQ(longer[i:j]) for i, j in spans)
