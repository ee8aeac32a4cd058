"""Deterministic synthetic corpora made from the real work items, for the scale benchmark.

Embedding 50k items x ~8 sentences with the real model would take hours on two
cores, so a synthetic corpus is made from what the real index already holds:

- the real items come first, unchanged, with their real vectors (so the eval
  questions still have their answers somewhere in the corpus);
- every further item recombines real items: the title joins the verb of one real
  title to the topic of another ("强化" + "校园安全管理"); each body sentence joins
  the first clauses (a random number of them) of a sentence of the topic item to the
  last clauses of another real sentence; units, section and sentence count come from
  the topic item;
- items are grouped into documents of the real document's length, each issued by
  one of up to ``MAX_PLACES`` generated places: its units carry the place's name
  ("临江市民政局"), as they would in a corpus gathered from many cities;
- each synthetic sentence vector is the normalised mix of the real vectors of the
  two sentences it joins, weighted by the characters taken from each. These vectors
  lie in the span of the ~200 real ones and some repeat (``Synthetic.distinct``
  counts the different ones): realistic in number and layout, less so in variety,
  so HNSW recall measured on them is indicative only.

Everything is drawn from ``random.Random(seed)``: the same size and seed give the
same corpus.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.index import passage_text, sentence_passages
from qa.records import WorkItem

SEED = 20231
MAX_PLACES = 300
YEARS = tuple(str(y) for y in range(2018, 2026))
_PLACE_FIRST = "安宁平清临泉江河山阳长永兴福华德新东西南北"
_PLACE_SECOND = "江平州阳川山安城宁海原丰河林水源远和泰昌"
_CLAUSE_END = re.compile(r"(?<=[,;,;])")
_VECTOR_CHUNK = 50_000


@dataclass(frozen=True)
class RealCorpus:
    """The real items, and for each item the row of each of its sentences in ``vectors``."""

    items: list[WorkItem]
    rows: list[list[int]]  # item -> rows of its sentences, in order
    vectors: np.ndarray  # real passage vectors (embeddings.npy of the real index)

    @classmethod
    def from_index(cls, index) -> "RealCorpus":
        vectors = np.load(Path(index.folder) / "embeddings.npy")
        rows: list[list[int]] = [[] for _ in index.items]
        for row, (item, _) in enumerate(index.sentences):
            rows[item].append(row)
        return cls(index.items, rows, vectors)


@dataclass
class Synthetic:
    items: list[WorkItem]
    passages: list[tuple[int, str]]  # (item index, sentence), the order qa.index uses
    texts: list[str]  # what would be embedded for each passage (title in front)
    vectors: np.ndarray  # one normalised vector per passage
    distinct: int  # how many of the vectors differ from one another


@dataclass
class _Mix:
    """Which real sentence rows make each synthetic sentence, and the weight of the first."""

    first: list[int]
    second: list[int]
    weight: list[float]

    def add(self, a: int, b: int, w: float) -> None:
        self.first.append(a)
        self.second.append(b)
        self.weight.append(w)


def place_names(seed: int = SEED) -> list[str]:
    names = [a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b]
    random.Random(seed).shuffle(names)
    return names[:MAX_PLACES]


def make_corpus(real: RealCorpus, n_items: int, seed: int = SEED) -> Synthetic:
    """``n_items`` items: the real ones, then recombined ones in documents of the real length."""
    rng = random.Random(seed)
    places = place_names(seed)
    per_doc = len(real.items)
    body_pool = [(i, k) for i, item in enumerate(real.items) for k in range(1, len(item.sentences))]
    items, mix = list(real.items), _Mix([], [], [])
    for i, item in enumerate(real.items):
        for row in real.rows[i]:
            mix.add(row, row, 1.0)
    doc = 0
    while len(items) < n_items:
        doc += 1
        place, year = places[(doc - 1) % len(places)], rng.choice(YEARS)
        for number in range(1, min(per_doc, n_items - len(items)) + 1):
            items.append(_recombined_item(real, rng, body_pool, mix, doc, number, place, year))
    passages = sentence_passages(items)
    texts = [passage_text(items[i], s) for i, s in passages]
    vectors = mixed_vectors(real.vectors, mix)
    assert len(vectors) == len(passages), "one vector per synthetic sentence"
    distinct = len(set(zip(mix.first, mix.second, mix.weight)))
    return Synthetic(items, passages, texts, vectors, distinct)


def _recombined_item(real, rng, body_pool, mix, doc, number, place, year) -> WorkItem:
    a, b = rng.randrange(len(real.items)), rng.randrange(len(real.items))
    verb_item, topic = real.items[a], real.items[b]
    title, w = _joined_title(verb_item.title, topic.title)
    mix.add(real.rows[a][0], real.rows[b][0], w)
    sentences = [title + "。"]
    for k in range(1, len(topic.sentences)):
        other_item, other_k = rng.choice(body_pool)
        other = real.items[other_item].sentences[other_k]
        sentence, w = _joined_sentence(topic.sentences[k], other, rng)
        sentences.append(sentence)
        mix.add(real.rows[b][k], real.rows[other_item][other_k], w)
    units = [_localise(u, place) for u in topic.units]
    closer = f"({'、'.join(units)}按照职责分工负责)" if units else ""
    source = f"synthetic/{place}-{doc:05d}.txt"
    return replace(
        topic, id=f"{source}#{number}", doc=_localise(re.sub(r"(?:19|20)\d\d", year, topic.doc), place),
        source=source, number=str(number), title=title, text=f"{number}.{''.join(sentences)}{closer}",
        sentences=sentences, units=units, lead_units=[_localise(u, place) for u in topic.lead_units],
        co_units=[_localise(u, place) for u in topic.co_units])


def _joined_title(verb_title: str, topic_title: str) -> tuple[str, float]:
    """'强化机制建设' + '提升校园安全管理' -> '强化校园安全管理', with the verb title's share."""
    if len(verb_title) < 4 or len(topic_title) < 4:
        return topic_title, 0.0
    title = verb_title[:2] + topic_title[2:]
    return title, 2 / len(title)


def _joined_sentence(head_from: str, tail_from: str, rng: random.Random) -> tuple[str, float]:
    """Some first clauses of one sentence + some last clauses of another, with the first one's share."""
    head, tail = _clauses(head_from), _clauses(tail_from)
    first = "".join(head[:rng.randint(1, len(head))]).rstrip("。;;,,") + ","
    joined = first + "".join(tail[-rng.randint(1, len(tail)):])
    return joined, len(first) / len(joined)


def _clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSE_END.split(sentence) if c]


def _localise(name: str, place: str) -> str:
    """'市民政局' -> '临江市民政局', '团市委' -> '团临江市委'; names without 市 stay."""
    return name.replace("市", place + "市", 1)


def mixed_vectors(real_vectors: np.ndarray, mix: _Mix) -> np.ndarray:
    """Normalised weighted sums of pairs of real vectors, computed in chunks to bound memory."""
    first, second = np.asarray(mix.first), np.asarray(mix.second)
    weight = np.asarray(mix.weight, dtype=np.float32)[:, None]
    out = np.empty((len(first), real_vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(first), _VECTOR_CHUNK):
        part = slice(start, start + _VECTOR_CHUNK)
        v = weight[part] * real_vectors[first[part]] + (1 - weight[part]) * real_vectors[second[part]]
        out[part] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def read_lines(path: Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
