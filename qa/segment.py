"""Chinese word segmentation for the lexical index, with jieba.

The segmenter is built from plain data so that the index can save it and a
query is always cut exactly as the documents were:
- user words: unit names, item titles and quoted programme names from the
  corpus ("护苗", "明厨亮灶"), so jieba keeps them whole;
- synonyms (qa/lexicon.py: package defaults plus the corpus's own tables):
  everyday words and the words policy text uses for them (霸凌 -> 欺凌), added
  to queries with a lower weight;
- stop words: question words (谁、哪些、负责…) that say how people ask, not
  what they ask about.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from . import lexicon

SYNONYM_WEIGHT = 0.6  # an added synonym counts less than a word the user wrote
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")


def load_synonyms() -> dict[str, list[str]]:
    return lexicon.package().synonyms


def load_stopwords() -> set[str]:
    return set(lexicon.package().stopwords)


def corpus_words(items) -> list[str]:
    """Words jieba should keep whole: units, titles, quoted names, roles in the text."""
    words: set[str] = set()
    for item in items:
        words.update(item.units)
        words.update(item.duty_holders)  # "网吧经营者" stays one word, so role questions meet their articles
        words.add(item.title)
        words.update(q for q in re.findall(r"[“\"]([^”\"“]{2,12})[”\"]", item.text)
                     if not re.search(r"[，,。；]", q))
    return sorted(w for w in words if 2 <= len(w) <= 20)


@dataclass
class Segmenter:
    user_words: list[str] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=load_synonyms)
    stopwords: set[str] = field(default_factory=load_stopwords)
    _synonym_cache: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, user_words: list[str], words: "lexicon.Lexicon") -> "Segmenter":
        return cls(user_words, words.synonyms, set(words.stopwords))

    def __post_init__(self):
        import jieba  # imported here: jieba loads its dictionary (~1 s), not needed for --help

        jieba.setLogLevel(logging.WARNING)
        self._jieba = _private_tokenizer(jieba)
        extra = set(self.user_words) | set(self.synonyms)
        extra |= {w for words in self.synonyms.values() for w in words}
        for word in sorted(extra):
            if len(word) >= 2:
                self._jieba.add_word(word, freq=max(2000, self._jieba.suggest_freq(word)))

    def tokens(self, text: str) -> list[str]:
        """Index terms of a text: jieba's search-mode cut, stop words and punctuation dropped."""
        words = self._jieba.cut_for_search(text.lower())
        return [w for w in (w.strip() for w in words)
                if w and _WORDLIKE.search(w) and w not in self.stopwords]

    def query_terms(self, question: str) -> dict[str, float]:
        """Weighted query terms: the user's own words at 1.0, their synonyms at SYNONYM_WEIGHT."""
        terms = {t: 1.0 for t in self.tokens(question)}
        for word in list(terms):
            for t in self.synonym_tokens(word):
                terms.setdefault(t, SYNONYM_WEIGHT)
        return terms

    def synonym_tokens(self, word: str) -> list[str]:
        """The tokens of a word's synonyms (孩子 -> 儿童, 未成年人)."""
        return [t for synonym in self.synonyms.get(word, []) for t in self._synonym_tokens(synonym)]

    def _synonym_tokens(self, synonym: str) -> list[str]:
        """A synonym's tokens, cut once: the table is fixed, and a question brings a dozen."""
        if synonym not in self._synonym_cache:
            self._synonym_cache[synonym] = self.tokens(synonym)
        return self._synonym_cache[synonym]


def _private_tokenizer(jieba):
    """A jieba tokenizer of our own, so the corpus's words never reach jieba's global one
    (qa/units.py cuts names with the plain dictionary), seeded from the global one's loaded
    dictionary: reading the dictionary a second time would cost ~0.5 s of every start."""
    jieba.dt.check_initialized()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = dict(jieba.dt.FREQ), jieba.dt.total
    tokenizer.initialized = True
    return tokenizer
