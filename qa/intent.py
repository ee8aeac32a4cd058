"""What kind of question this is, decided from its words before any search.

- "unit": a unit and nothing else ("市民政局负责哪些工作?") -> every item of that unit;
- "role": a post named in the text ("儿童主任要做什么?") -> every item giving it duties;
- "who": asks who is responsible ("谁负责校园欺凌防治?") -> the items, units first;
- "search": everything else (facts, everyday wording), possibly limited to the units it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WHO = re.compile(r"谁|哪些?(?:个|家)?(?:单位|部门|机构|机关)|什么(?:单位|部门|机构)|归.{0,12}管|由哪|找哪|向哪|问哪")
# A word in more than this share of items says nothing about which item is meant ("未成年人", "保护").
GENERIC_SHARE = 0.4
# Words that frame a duty question rather than name a topic ("承担哪些任务", "发挥什么作用").
# Names of the kind of document asked about ("2024年要点里", "方案中") frame the question too.
_FRAME = re.compile(r"承担|参与|牵头|配合|协助|发挥|作用|任务|职责|职能|工作|事项|事情|负责|要做|干"
                    r"|(?:法定)?(?:义务|责任)|遵守|履行|(?:特别|哪些)?(?:规定|要求)"
                    r"|(?:要点|方案|文件|通知|条例)(?:里|中|上)?")


@dataclass(frozen=True)
class Intent:
    kind: str  # "unit" | "role" | "who" | "search"
    units: list[str] = field(default_factory=list)  # full names of units the question names
    role: str | None = None


def load_roles() -> list[str]:
    """The field's role names from the package lexicon (every variant), longest first."""
    from . import lexicon

    names = {name for group in lexicon.package().roles for name in group}
    return sorted(names, key=lambda n: (-len(n), n))


def classify(question: str, index, roles) -> Intent:
    """``index`` gives the unit registry, the segmenter and word statistics of the corpus.

    ``roles`` are qa.roles.Role records (any variant name counts) or plain names.
    """
    units = index.registry.find_in(question)
    rest = _remove_names(question, index.registry)
    if units and not topic_words(rest, index):
        # A law's duty holder that is a post or a trade, not an office ("网吧经营者"): its
        # role answer also cites the articles that name it without charging it (penalties).
        role = _role_of(units, roles)
        return Intent("role", [], role) if role else Intent("unit", units)
    for role in roles:
        name, variants = role_names(role)
        for variant in sorted(variants, key=len, reverse=True):
            # "五老人员", "儿童主任们": the role's own suffix is not a topic
            without = re.sub(re.escape(variant) + r"(?:人员|队伍|们)?", " ", rest)
            if variant in rest and not topic_words(without, index):
                return Intent("role", units, name)
    return Intent("who" if _WHO.search(question) else "search", units)


def role_names(role) -> tuple[str, tuple[str, ...]]:
    """(name, every name it goes by) of a qa.roles.Role or of a plain name."""
    return (role, (role,)) if isinstance(role, str) else (role.name, role.variants)


def _role_of(units: list[str], roles) -> str | None:
    """The role's name when every unit a question names is one of that role's names."""
    for role in roles:
        name, variants = role_names(role)
        if set(units) <= set(variants):
            return name
    return None


def topic_words(text: str, index) -> list[str]:
    """Words that point at particular items: known to the corpus and not in most items.

    "市民政局负责哪些工作" has none once the unit is removed; "民政局在留守儿童方面负责什么"
    keeps 留守儿童, "孩子走丢了警察管吗" keeps 走失 (through 走丢). Words the corpus never
    uses ("平时", "干啥") point nowhere.
    """
    words: dict[str, None] = {}
    for token in index.segmenter.tokens(_FRAME.sub(" ", text)):
        family = [token, *index.segmenter.synonym_tokens(token)]  # everyday words count via synonyms
        # the corpus's own field ("未成年人保护" in most document titles; 孩子 for 未成年人) is where, not what
        if not any(w in index.domain_words for w in family):
            words.update(dict.fromkeys(family))
    return [w for w in words if 0 < index.bm25.doc_share(w) <= GENERIC_SHARE]


def _remove_names(question: str, registry) -> str:
    """The question without the unit names it mentions."""
    question = re.sub(r"\s+", "", question)
    for start, end, _ in reversed(registry.mentions(question)):
        question = question[:start] + " " + question[end:]
    return question
