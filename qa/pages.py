"""Put the pages of a scraped document back in their true order.

Document sites serve a file as numbered lines, one per fixed-size page
(``1、…``, ``2、…``), and the content inside is sometimes shuffled: a run of
text sits in the wrong place, so a word breaks off at one spot and resumes
pages later ("…中华人民共和国未成年" + "护热线职能…").

1. Candidate cuts: the page edges, and the places right after a
   responsibility closer ``(…负责)`` that no heading follows.
2. Real cuts: candidates where some other join reads clearly better than the
   one the file has (and the places those better joins need cut too).
3. Order: the pieces, document start first, in the order whose joins read
   best; every join the file does not have must pay ``JOIN_COST``.

How well a join reads is judged from the document's own statistics (which
characters follow which), a dictionary word spanning the join, a closer being
followed by a heading, item numbers running on. In doubt, the file order
stands: a document whose pages are in order comes back byte for byte.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import accumulate
from typing import Callable

PAGE_MARKER = re.compile(r"(\d{1,4})、")
MIN_PAGES = 3  # two numbered lines prove nothing about fixed-size pages
MIN_PAGE_CHARS = 100

# A heading at the start of text: 一、 (一) （1） 3. 3． 3、 or an item whose
# number was lost (".打击涉未犯罪").
HEADING = re.compile(
    r"[一二三四五六七八九十]{1,3}、|[(（](?:[一二三四五六七八九十]{1,3}|\d{1,2})[)）]|\d{1,2}[.．、](?!\d)|[.．](?=\w)"
)
# Numbering sequences whose continuity across a join is checked.
NUMBERS = (
    re.compile(r"(?<![\d.．])(\d{1,2})[.．、](?!\d)"),  # 3.
    re.compile(r"[(（]([一二三四五六七八九十]{1,3})[)）]"),  # (三)
    re.compile(r"[(（](\d{1,2})[)）]"),  # (3)
    re.compile(r"(?:^|(?<=[。；;)）:：”]))([一二三四五六七八九十]{1,3})、"),  # 三、
)
CLOSER_CUE = re.compile(r"负责$|牵头|配合|责任单位|责任部门")
FULL_STOP = re.compile(r"[。；;！？!?]")
STOPS = "。！？；!?;"
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
END = -1  # right-hand side meaning "the document ends here"

# Weights, in the units of the character statistics (natural log odds). Tuned
# on the default corpus file and the test documents, shuffled at random and
# re-paged at many widths; in-order pages never moved (see tests/test_pages.py).
STRUCTURE = 8.0  # a closer followed by a heading (or not), a clean document end
NUMBERING = 3.0  # item numbers that run on (or run backwards)
WORD = 3.0  # a dictionary word spanning the join (twice for three characters or more)
JOIN_COST = 8.0  # what each join the file does not have must earn back
CUT_MARGIN = JOIN_COST / 2  # a rival join must beat the file's join by this to try a cut
MAX_PIECES = 6  # the order search is exhaustive (Held-Karp), so the pieces are few
CONTEXT = 3  # characters each side of a join that the statistics look at


def split_pages(lines: list[str]) -> list[str] | None:
    """The page texts without markers if ``lines`` are numbered fixed-size pages, else None."""
    if len(lines) < MIN_PAGES:
        return None
    pages = []
    for expected, line in enumerate(lines, start=1):
        match = PAGE_MARKER.match(line)
        if not match or int(match.group(1)) != expected:
            return None
        pages.append(line[match.end():])
    # Pages are cut at a fixed size (only the last may differ); a list of
    # items numbered 1、2、… has lines of every length.
    widths = [len(page) for page in pages[:-1]]
    if min(widths) < MIN_PAGE_CHARS or max(widths) - min(widths) > max(2, max(widths) // 50):
        return None
    return pages


def restore_order(pages: list[str]) -> str:
    """The pages' text as one stream, with misplaced runs moved back where they belong."""
    raw = "".join(pages)
    edges = list(accumulate(len(page) for page in pages[:-1]))
    candidates = sorted(set(edges) | set(_open_closers(raw)))
    model = JoinModel(raw, candidates, lexicon=chinese_words())
    cuts = _doubtful_joins(model, candidates)
    if not cuts:
        return raw
    bounds = [0, *cuts, len(raw)]
    pieces = list(zip(bounds, bounds[1:]))
    return "".join(raw[start:end] for start, end in (pieces[k] for k in _best_order(pieces, model)))


def chinese_words() -> Callable[[str], bool]:
    """Whether a string of Chinese characters is a word of jieba's dictionary."""
    import logging

    import jieba  # loads a large dictionary: only when a paged document needs it

    jieba.setLogLevel(logging.WARNING)  # its start-up chatter would mix into CLI output

    jieba.initialize()
    return lambda word: all("\u4e00" <= c <= "\u9fff" for c in word) and bool(jieba.get_FREQ(word))


class JoinModel:
    """Judges how well the text ending at one raw position goes on with the text starting at another.

    Statistics are taken on the text without whitespace, so the line-break
    spaces of the scrape neither help nor hurt a join, and only inside the
    stretches between the joins under test: those joins are what is in doubt,
    so the file's own joins and their rivals are judged by the same text.
    """

    def __init__(self, raw: str, joins: list[int], lexicon: Callable[[str], bool] | None = None):
        self.raw = raw
        self.lexicon = lexicon or (lambda word: False)
        self.to_dense = [0] * (len(raw) + 1)  # raw position -> position in ``dense``
        kept = []
        for i, char in enumerate(raw):
            if not char.isspace():
                kept.append(char)
            self.to_dense[i + 1] = len(kept)
        self.dense = "".join(kept)
        self.bounds = [0, *sorted({self.to_dense[j] for j in joins}), len(self.dense)]
        stretches = [self.dense[a:b] for a, b in zip(self.bounds, self.bounds[1:])]
        self.forward = CharModel(stretches)
        self.backward = CharModel([stretch[::-1] for stretch in stretches])
        self.closer_ends = set(_closer_ends(self.dense))
        self.numbers = [[(m.start(), m.end(), _number_value(m.group(1))) for m in pattern.finditer(self.dense)]
                        for pattern in NUMBERS]

    def score(self, left: int, right: int) -> float:
        """How plausibly the text before raw ``left`` goes on with the text from raw ``right`` (or END)."""
        di = self.to_dense[left]
        if right == END:
            return self._structure(di, END)
        dj = self.to_dense[right]
        return self._ngrams(di, dj) + self._words(di, dj) + self._structure(di, dj) + self._numbering(di, dj)

    def rivals(self, cut: int, candidates: list[int]) -> tuple[float, int, int]:
        """(regret, best other continuation, best other predecessor) of the join at ``cut``.

        The regret is how much better the best rival join reads than the file's.
        """
        natural = self.score(cut, cut)
        right = max([r for r in candidates if r != cut] + [END], key=lambda r: self.score(cut, r))
        left = max([l for l in candidates if l != cut] + [len(self.raw)], key=lambda l: self.score(l, cut))
        return max(self.score(cut, right), self.score(left, cut)) - natural, right, left

    def _sides(self, di: int, dj: int) -> tuple[str, str]:
        # After a full stop any sentence may follow any other: the characters
        # beyond it say nothing about the join.
        tail = FULL_STOP.split(self.dense[max(0, di - CONTEXT):di])[-1]
        head = FULL_STOP.split(self.dense[dj:dj + CONTEXT])[0]
        return tail, head

    def _ngrams(self, di: int, dj: int) -> float:
        # How much each side predicts the other, from the document's own
        # character statistics: "未成年" is always followed by 人, so
        # "未成年|护热线" reads badly and "未成年|人保护" reads well.
        tail, head = self._sides(di, dj)
        if not tail or not head:
            return 0.0
        return self.forward.association(tail, head) + self.backward.association(head[::-1], tail[::-1])

    def _words(self, di: int, dj: int) -> float:
        # A word of the general lexicon spanning the join ("设|置" forms 设置)
        # carries short documents, whose own statistics are thin.
        tail, head = self._sides(di, dj)
        longest = max((a + b for a in range(1, len(tail) + 1) for b in range(1, len(head) + 1)
                       if self.lexicon(tail[-a:] + head[:b])), default=0)
        return WORD * min(longest - 1, 2) if longest else 0.0

    def _structure(self, di: int, dj: int) -> float:
        # A responsibility closer ends an item: a heading (or the end) must follow it.
        heading = dj == END or HEADING.match(self.dense, dj)
        if di in self.closer_ends:
            return STRUCTURE if heading else -STRUCTURE
        if dj == END:
            # Ending mid-sentence is suspect; but a document may end on a bare unit list.
            return STRUCTURE if self.dense[di - 1:di] in tuple(STOPS) else -STRUCTURE / 2
        return 0.0

    def _numbering(self, di: int, dj: int) -> float:
        # The last number before the join against the first after it, looking
        # only at the stretches touching the join: further away the text may
        # belong to other pieces.
        floor = self.bounds[max(bisect_left(self.bounds, di) - 1, 0)]
        ceiling = self.bounds[min(bisect_right(self.bounds, dj), len(self.bounds) - 1)]
        total = 0.0
        for numbers in self.numbers:
            before = [value for start, end, value in numbers if floor <= start and end <= di]
            after = [value for start, end, value in numbers if dj <= start and end <= ceiling]
            if not before or not after or None in (before[-1], after[0]):
                continue
            if after[0] == before[-1] + 1:
                total += NUMBERING
            elif after[0] <= before[-1] and after[0] != 1:  # 1 may restart under a new heading
                total -= NUMBERING
        return total


class CharModel:
    """A character n-gram model of one document, with Witten-Bell smoothing."""

    def __init__(self, stretches: list[str], order: int = CONTEXT + 1):
        self.order = order
        self.counts = Counter()  # n-gram -> count, n = 1..order
        self.follow = Counter()  # context -> how often something follows it
        self.kinds = Counter()  # context -> how many different characters follow it
        for text in stretches:
            for n in range(1, order + 1):
                for i in range(len(text) - n + 1):
                    gram = text[i:i + n]
                    if n > 1:
                        self.kinds[gram[:-1]] += self.counts[gram] == 0
                        self.follow[gram[:-1]] += 1
                    self.counts[gram] += 1
        self.total = sum(map(len, stretches))
        self.alphabet = sum(1 for gram in self.counts if len(gram) == 1) + 1

    def probability(self, char: str, context: str) -> float:
        context = context[len(context) - self.order + 1:]
        if not context:
            return (self.counts[char] + 1) / (self.total + self.alphabet)
        lower = self.probability(char, context[1:])
        seen, kinds = self.follow[context], self.kinds[context]
        return (self.counts[context + char] + kinds * lower) / (seen + kinds) if seen else lower

    def association(self, left: str, right: str) -> float:
        """log P(right | left) - log P(right): how much ``left`` predicts what follows it."""
        return sum(math.log(self.probability(char, left + right[:k])) - math.log(self.probability(char, right[:k]))
                   for k, char in enumerate(right))


def _doubtful_joins(model: JoinModel, candidates: list[int]) -> list[int]:
    """The candidates worth cutting at, most doubtful first, with the cuts their rivals need.

    A rival join elsewhere can only be made by cutting there too, so each
    doubtful join brings the places of its best rivals along.
    """
    rivals = {c: model.rivals(c, candidates) for c in candidates}
    cuts: list[int] = []
    for c in sorted((c for c in candidates if rivals[c][0] > CUT_MARGIN), key=lambda c: -rivals[c][0]):
        for position in (c, *rivals[c][1:]):
            if position in rivals and position not in cuts and len(cuts) < MAX_PIECES - 1:
                cuts.append(position)
    return sorted(cuts)


def _best_order(pieces: list[tuple[int, int]], model: JoinModel) -> list[int]:
    """Indices of ``pieces`` in reading order, the document start first; the file order wins ties."""
    last = len(pieces) - 1
    links = {}
    for a, (_, end) in enumerate(pieces):
        links[a, None] = model.score(end, END) - (0.0 if a == last else JOIN_COST)
        for b, (start, _) in enumerate(pieces):
            if b not in (0, a):
                links[a, b] = model.score(end, start) - (0.0 if b == a + 1 else JOIN_COST)

    def total(order: list[int]) -> float:
        return sum(links[a, b] for a, b in zip(order, order[1:])) + links[order[-1], None]

    # Held-Karp over the pieces after the first: best[(set used, last)] = (score, path).
    best = {(1 << k, k): (links[0, k], [0, k]) for k in range(1, len(pieces))}
    for _ in range(len(pieces) - 2):
        grown = {}
        for (used, tail), (score, path) in best.items():
            for k in range(1, len(pieces)):
                key, value = (used | 1 << k, k), score + links.get((tail, k), 0.0)
                if not used & 1 << k and (key not in grown or value > grown[key][0]):
                    grown[key] = (value, path + [k])
        best = grown
    order = max(best.values(), key=lambda found: found[0] + links[found[1][-1], None])[1]
    file_order = list(range(len(pieces)))
    return order if total(order) > total(file_order) + 1e-9 else file_order


def _open_closers(raw: str) -> list[int]:
    """Raw positions right after a responsibility closer that no heading follows."""
    found = []
    for match in re.finditer(r"[)）]", raw):
        rest = "".join(raw[match.end():match.end() + 8].split())
        if rest and not HEADING.match(rest) and _is_closer(raw, match.start()):
            found.append(match.end())
    return found


def _closer_ends(dense: str) -> list[int]:
    return [match.end() for match in re.finditer(r"[)）]", dense) if _is_closer(dense, match.start())]


def _is_closer(text: str, close: int) -> bool:
    """Whether the bracket closing at ``close`` holds responsible units ("(市民政局负责)")."""
    depth = 0
    for i in range(close - 1, max(-1, close - 200), -1):
        if text[i] in ")）":
            depth += 1
        elif text[i] in "(（":
            if depth == 0:
                return CLOSER_CUE.search("".join(text[i + 1:close].split())) is not None
            depth -= 1
        elif text[i] == "。":
            return False
    return False


def _number_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    tens, ten, units = token.partition("十")
    if not ten:
        return CN_DIGITS.get(token)
    tens_value = CN_DIGITS.get(tens, 1 if not tens else None)
    units_value = CN_DIGITS.get(units, 0 if not units else None)
    return None if tens_value is None or units_value is None else tens_value * 10 + units_value
