"""The question-answering service: one loaded model and index, one ``ask`` per question.

CLI, JSON API and chat all call ``QAService.ask``; it validates the question,
decides its kind, searches, refuses when nothing answers, and composes the
cited answer.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np

from . import answer as compose
from .answer import Answer, Result
from .batching import QueryBatcher
from .errors import BadQuestion, IndexMismatch, IndexNotFound
from .index import Index, build_index, load_index
from .intent import classify, load_roles
from .search import Evidence, Hit, fuse, gather

RELATIVE_CUT = 0.6  # results scoring below this share of the best one are left out
RELATED_SHOWN = 3  # "possibly related" items listed with a refusal
# A question whose best corpus sentence is not clearly nearer than the nearest off-corpus
# statement (qa/data/background.txt) is not answered. Calibrated on eval/questions.jsonl:
# answerable questions sit at +0.005 and above, off-corpus ones mostly below -0.01.
BACKGROUND_MARGIN = -0.005
_YEAR_ASKED = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_ANY = re.compile(r"(?:19|20)\d{2}")


class QAService:
    def __init__(self, index: Index, encoder, settings):
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self._learn_corpus(index)
        self._batcher = QueryBatcher(encoder.encode_queries)

    @classmethod
    def open(cls, settings, progress=print) -> "QAService":
        """Load model and index; build the index first if there is none yet, or if another
        model or backend built it and the corpus is here to rebuild from (an index is derived
        data: vectors from two engines must never be compared)."""
        from concurrent.futures import ThreadPoolExecutor

        from .encoders import load_encoder

        # The index (jieba, FAISS) loads while ONNX Runtime parses its model, which it does
        # without holding the GIL: on two cores this takes most of the index off the start-up.
        with ThreadPoolExecutor(1, thread_name_prefix="qa-load-index") as pool:
            pending = pool.submit(load_index, settings.index_dir)
            encoder = load_encoder(settings)
            loaded = _result(pending)
        try:
            if isinstance(loaded, Exception):
                raise loaded
            index = loaded
            if index.model_id != encoder.model_id:
                index = load_index(settings.index_dir, encoder.model_id)  # raises IndexMismatch, says why
        except IndexNotFound:
            progress(f"未找到索引,正在根据 {settings.corpus_dir} 构建(仅首次)…")
            build_index(settings.corpus_dir, settings.index_dir, encoder, progress)
            index = load_index(settings.index_dir, encoder.model_id)
        except IndexMismatch:
            if not Path(settings.corpus_dir).is_dir():
                raise
            progress(f"索引由其他模型或后端构建,正在用 {encoder.model_id} 根据 {settings.corpus_dir} 重新构建…")
            build_index(settings.corpus_dir, settings.index_dir, encoder, progress)
            index = load_index(settings.index_dir, encoder.model_id)
        return cls(index, encoder, settings)

    def swap_index(self, index: Index) -> None:
        """Serve a freshly loaded index; requests already running finish on the old one."""
        self._learn_corpus(index)
        self.index = index

    def _learn_corpus(self, index: Index) -> None:
        """Roles and years the corpus speaks of: questions about others are not guessed at."""
        corpus_text = "".join(item.doc + item.text for item in index.items)
        self.roles = [r for r in load_roles() if r in corpus_text]
        self.years = set(_YEAR_ANY.findall(corpus_text))

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        question = self.check_question(question)
        top_k = max(1, min(int(top_k or self.settings.top_k), 50))
        index = self.index  # one index for the whole request, even if a reload swaps it
        intent = classify(question, index, self.roles)
        if intent.kind == "unit":
            return self._unit_answer(index, question, intent.units)
        evidence = gather(index, self.embed(question), question)
        if intent.kind == "role":
            return self._role_answer(index, question, intent.role, evidence)
        named = set(intent.units)
        favour = {row for unit in named for row in index.unit_rows.get(unit, ())}
        hits = fuse(evidence, favour, limit=max(top_k, RELATED_SHOWN))
        reason = self.refusal(question, evidence) if hits else compose.REFUSAL
        if reason:
            # "possibly related" only when some words of the question are in the corpus at all
            shown = hits[:RELATED_SHOWN] if evidence.lexical.max(initial=0) > 0 else []
            related = [self._result(index, h, evidence, question) for h in shown]
            return Answer(question, True, compose.compose_refusal(related, reason), related, "none")
        best = hits[0].score
        chosen = [h for h in hits[:top_k] if h.score >= RELATIVE_CUT * best]
        results = [self._result(index, h, evidence, question) for h in chosen]
        return Answer(question, False, compose.compose_search(results, intent.kind == "who"), results, intent.kind)

    def check_question(self, question) -> str:
        """A usable question, or BadQuestion with a message to show."""
        if not isinstance(question, str):
            raise BadQuestion("问题必须是文字。")
        question = "".join(c for c in question if unicodedata.category(c)[0] != "C" or c in "\n\t")
        question = re.sub(r"\s+", " ", question).strip()
        if not question:
            raise BadQuestion("请输入问题。")
        if len(question) > self.settings.max_question_chars:
            raise BadQuestion(f"问题太长(超过 {self.settings.max_question_chars} 字),请只保留要问的内容再试。")
        if not re.search(r"[\w\u4e00-\u9fff]", question):
            raise BadQuestion("问题中没有可识别的文字,请换个说法再问。")
        return question

    def embed(self, question: str) -> np.ndarray:
        return self._batcher.embed(question)

    def refusal(self, question: str, evidence: Evidence) -> str | None:
        """Why the corpus cannot answer this question, or None when it can."""
        asked = set(_YEAR_ASKED.findall(question))
        if asked and not asked & self.years:
            return f"现有政策文件中没有关于 {'、'.join(sorted(asked))} 年的内容。"
        if evidence.matched_terms == 0:
            return compose.REFUSAL  # not one word of the question (or its synonyms) is in the corpus
        best = float(evidence.dense.max()) if len(evidence.dense) else 0.0
        if best - evidence.background < BACKGROUND_MARGIN:
            return compose.REFUSAL
        return None

    def _unit_answer(self, index: Index, question: str, units: list[str]) -> Answer:
        rows = sorted({row for unit in units for row in index.unit_rows.get(unit, ())})
        results = [Result.of(index.items[row], 1.0, []) for row in rows]
        return Answer(question, False, compose.compose_unit(units, results), results, "unit")

    def _role_answer(self, index: Index, question: str, role: str, evidence: Evidence) -> Answer:
        ranked = {h.item: h for h in fuse(evidence)}
        mentions = [i for i, item in enumerate(index.items) if role in item.text]
        mentions.sort(key=lambda i: -(ranked[i].score if i in ranked else 0.0))
        results = []
        for i in mentions:
            item = index.items[i]
            quotes = [s for s in item.sentences if role in s]
            score = ranked[i].score if i in ranked else 0.0
            results.append(Result.of(item, score, quotes))
        return Answer(question, False, compose.compose_role(role, results), results, "role")

    def _result(self, index: Index, hit: Hit, evidence: Evidence, question: str) -> Result:
        item = index.items[hit.item]
        return Result.of(item, hit.score, highlights(item, hit, evidence, index.segmenter, question))


def _result(future):
    """A future's value, or the exception it raised (to be raised where it is handled)."""
    try:
        return future.result()
    except Exception as err:
        return err


def highlights(item, hit: Hit, evidence: Evidence, segmenter, question: str, limit: int = 2) -> list[str]:
    """The item's sentences that answer: closest in meaning, with shared words as a tie-breaker."""
    terms = {t for t, w in segmenter.query_terms(question).items()}
    dense = dict(evidence.sentence_scores.get(hit.item, []))
    scored = []
    for pos, sentence in enumerate(item.sentences):
        if pos == 0 and len(item.sentences) > 1 and sentence.rstrip("。") == item.title:
            continue  # the bare title says nothing the citation does not
        overlap = sum(1 for t in terms if len(t) > 1 and t in sentence)
        scored.append((dense.get(pos, 0.0) + 0.02 * overlap, pos))
    best = sorted(scored, reverse=True)[:limit]
    return [item.sentences[pos] for _, pos in sorted(best, key=lambda p: p[1])]
