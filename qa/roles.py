"""Roles a corpus gives duties to, found in its own text.

Three sources, so that role answers are complete on a corpus nobody wrote tables for:
- the field's roles (lexicon ``roles.tsv``) with their variant names (社工 / 社会工作者),
  kept when the corpus names any of them;
- laws' duty holders ("学校", "网吧经营者") that are not units;
- posts found by pattern: a word ending in a post suffix (督导员, 经营者, 主任, 教师…),
  with the noun before it when the suffix alone names no one ("儿童" + "主任").

Found once at build time (part-of-speech tagging costs a second or two) and saved with
the index, so a served corpus answers role questions with exactly the roles it was built with.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Suffixes of words naming a post or a duty holder.
_SUFFIX = re.compile(r"(?:主任|督导员|辅导员|副校长|社会工作者|社工|志愿者|网格员|经营者|提供者|从业人员"
                     r"|监护人|民警|法官|检察官|律师|教师|校长|园长|驾驶员|安保人员|专干|联络员|信息员"
                     r"|救援人员|医务人员|陪审员)")
# Suffixes that need a noun in front to name anyone ("主任" of what? "经营者" of what?).
_NEEDS_NOUN = {"主任", "经营者", "提供者", "从业人员", "专干", "联络员", "信息员", "救援人员"}
_NOUN_FLAGS = ("n", "nz", "nt", "ns", "nr", "b", "j", "l")  # jieba tags of a qualifying word
WINDOW = 6  # characters before a suffix looked at for its qualifier


@dataclass(frozen=True)
class Role:
    name: str
    variants: tuple[str, ...]  # every name it goes by in this corpus, the name first

    def in_text(self, text: str) -> bool:
        return any(v in text for v in self.variants)

    def to_list(self) -> list[str]:
        return list(self.variants)

    @classmethod
    def of(cls, names: list[str]) -> "Role":
        return cls(names[0], tuple(dict.fromkeys(names)))


def corpus_roles(items, lexicon) -> list[Role]:
    """Roles of the corpus, longest name first (so "幼儿园园长" is tried before "园长")."""
    text = "\n".join(item.text for item in items)
    unit_names = {u for item in items for u in item.units}
    roles: dict[str, Role] = {}
    for group in lexicon.roles:
        if any(v in text for v in group):  # every name, for questions use names the text may not
            roles[group[0]] = Role.of(list(group))
    known = {v for r in roles.values() for v in r.variants}
    holders = Counter(h for item in items for h in getattr(item, "duty_holders", []) if h not in unit_names)
    for name in [*holders, *found_by_pattern(text)]:
        if name not in known and len(name) >= 2:
            roles[name] = Role.of([name])
            known.add(name)
    return sorted(roles.values(), key=lambda r: (-len(r.name), r.name))


def found_by_pattern(text: str) -> list[str]:
    """Post names in the text: a suffix word, with its qualifying noun where it needs one."""
    import jieba.posseg as pseg  # build time only; loads its own tagger

    counts: Counter[str] = Counter()
    for match in _SUFFIX.finditer(text):
        window = text[max(0, match.start() - WINDOW):match.end()]
        words = [(w.word, w.flag) for w in pseg.lcut(window)]
        if not words or not window.endswith(words[-1][0]):
            continue
        word = words[-1][0]
        if not word.endswith(match.group()) or not re.fullmatch(r"[\u4e00-\u9fff]+", word):
            continue
        before = words[-2] if len(words) > 1 else None
        qualified = bool(before) and before[1].startswith(_NOUN_FLAGS) and len(before[0]) >= 2
        if qualified and word == match.group():  # "儿童" + "督导员", "网吧" + "经营者"
            word = before[0] + word
        elif word in _NEEDS_NOUN or word == match.group() and len(word) == 2:
            continue  # "主任", "教师" alone: of what, the text does not say here
        counts[word] += 1
    return [w for w, _ in counts.most_common()]


def save(roles: list[Role]) -> list[list[str]]:
    return [r.to_list() for r in roles]


def load(rows: list[list[str]]) -> list[Role]:
    return [Role.of(row) for row in rows if row]
