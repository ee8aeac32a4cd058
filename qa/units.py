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
        return _parse_labelled(content, lead_at, co_at)
    verbs = _LEAD_VERB.match(_DUTY_TAIL.sub("", content))
    if verbs:
        lead, co = split_units(verbs["lead"]), split_units(verbs["co"])
        return Units(lead + co, lead, co)
    return Units(split_units(content))


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
                    for prefix in _PREFIXES:  # "市教体局" names 市 units only, never 县 ones
                        if not _LEVEL.match(unit) and (unit.startswith(prefix) or unit[0] not in _PREFIXES):
                            names.setdefault(prefix + short, set()).add(unit)
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
            units.extend(u for u in found if u not in units)
        return units
