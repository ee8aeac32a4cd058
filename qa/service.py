"""The question-answering service: one loaded model and index, one ``ask`` per question.

CLI, JSON API and chat all call ``QAService.ask``; it validates the question,
decides its kind, searches, refuses when nothing answers, and composes the
cited answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from . import answer as compose
from . import named, quantity, suggest, summary
from .answer import Answer, Result
from .batching import QueryBatcher
from .conversation import ConversationStore, FollowUp, Turn, read_follow_up, standalone
from .documents import deadline_of, documents_of
from .errors import BadQuestion, IndexMismatch, IndexNotFound
from .index import Index, build_index, load_index
from .intent import classify, role_names
from .refusal import DEFAULT_MARGIN
from .restated import is_table_row, plan_first
from .search import Evidence, Hit, fuse, gather
from .years import Scope, corpus_years, latest_first, scope_of, without_years, year_note

RELATIVE_CUT = 0.6  # results scoring below this share of the best one are left out
RELATED_SHOWN = 3  # "possibly related" items listed with a refusal
_YEAR_ASKED = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_ANY = re.compile(r"(?:19|20)\d{2}")
NO_CONTEXT = "这像是接着上一个问题的追问,但这次对话里还没有上一个问题(对话可能已过期),请把问题说完整再问。"
NO_ITEMS = "上一个问题没有找到相关条目,无法接着追问,请把问题说完整再问。"


class QAService:
    def __init__(self, index: Index, encoder, settings):
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self._learn_corpus(index)
        self._batcher = QueryBatcher(encoder.encode_queries)
        self.conversations = ConversationStore(settings.conversation_ttl, settings.conversation_limit,
                                               settings.conversation_turns)

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
        """Roles, years, documents and refusal margin of the corpus: questions about others are not guessed at."""
        corpus_text = "".join(item.doc + item.text for item in index.items)
        self.roles = index.roles or _lexicon_roles(index, corpus_text)
        self.doc_years = corpus_years(index.items)
        self.years = {int(y) for y in _YEAR_ANY.findall(corpus_text)} | self.doc_years
        self.year_list = sorted(self.doc_years)  # years of whole documents, for follow-up suggestions
        docs = documents_of(index.items)
        self.titles = [d.title for d in docs.values()]  # what a refusal says the corpus covers
        self.doc_names = named.doc_names(index.manifest.get("documents"), self.titles)
        self.margin = float(index.manifest.get("refusal", {}).get("margin", DEFAULT_MARGIN))

    def ask(self, question: str, top_k: int | None = None, conversation: str | None = None,
            doc: str | None = None, year: int | None = None) -> Answer:
        """Answer one question; ``doc`` (source, id or title) and ``year`` limit the documents used.
        With ``conversation`` (an id from an earlier answer, or "" to start one) a follow-up may
        lean on the last answer; without it every question stands alone."""
        question = self.check_question(question)
        top_k = max(1, min(int(top_k or self.settings.top_k), 50))
        index = self.index  # one index for the whole request, even if a reload swaps it
        if conversation is None:
            return self._answer(index, question, top_k, doc, year)
        talk = self.conversations.open(conversation)
        answer, turn = self._follow_up(index, question, top_k, talk.last, doc, year)
        self.conversations.record(talk, turn)
        return replace(answer, conversation=talk.id)

    def _follow_up(self, index: Index, question: str, top_k: int, last: Turn | None,
                   doc: str | None, year: int | None) -> tuple[Answer, Turn]:
        follow = read_follow_up(question, lambda text: _only_units(text, index.registry))
        if follow is None:
            answer = self._answer(index, question, top_k, doc, year)
            return answer, self._turn(question, answer, index)
        if last is None or (follow.form in ("aspect", "ordinal") and not last.item_ids):
            reason = NO_CONTEXT if last is None else NO_ITEMS
            return Answer(question, True, compose.md(reason), [], "none", reason), Turn(question, "none", [])
        if follow.form in ("year", "topic"):
            asked = standalone(follow, last)
            answer = replace(self._answer(index, asked, top_k, doc, year), question=question)
            return answer, self._turn(asked, answer, index)
        return self._about_item(index, question, follow, last)
    def _about_item(self, index: Index, question: str, follow: FollowUp, last: Turn) -> tuple[Answer, Turn]:
        """A field of the item just cited, or what one item of the last answer says."""
        position = follow.position if follow.form == "ordinal" else last.focus + 1
        by_id = {item.id: item for item in index.items}
        if not 1 <= position <= len(last.item_ids) or last.item_ids[position - 1] not in by_id:
            reason = f"上一个回答只列出了 {len(last.item_ids)} 条,没有第 {position} 条。"
            return Answer(question, True, compose.md(reason), [], "none", reason), last
        item = by_id[last.item_ids[position - 1]]
        if follow.form == "ordinal":
            result = Result.of(item, 1.0, item.sentences[:2])
            text, kind = summary.item(result), "search"
        else:
            deadline = deadline_of(item)
            quotes = [s for s in item.sentences if deadline and deadline in s] or item.sentences[1:2] or item.sentences[:1]
            result = Result.of(item, 1.0, quotes)
            text, kind = summary.aspect(result, follow.aspect, deadline), "fact" if follow.aspect == "deadline" else "who"
        answer = Answer(question, False, compose.compose_search(text, [result]), [result], kind, text)
        answer = replace(answer, suggestions=suggest.after(answer, self.year_list))
        return answer, replace(last, focus=position - 1)

    def _turn(self, question: str, answer: Answer, index: Index) -> Turn:
        asked = _YEAR_ASKED.search(question)
        return Turn(question, answer.kind, [r.id for r in answer.results], index.registry.find_in(question),
                    int(asked.group(1)) if asked else None)

    def _answer(self, index: Index, question: str, top_k: int, doc: str | None = None,
                year: int | None = None) -> Answer:
        scope = scope_of(question, self.doc_years, year, doc, set(self.titles), self.doc_names)
        # A year the corpus has no document for: refused when the question asks for that year's
        # document ("2022年工作要点"), or when the year appears nowhere in the corpus at all.
        if scope.missing and not scope.years and (scope.asks_document or not scope.missing & self.years):
            reason = f"现有政策文件中没有关于 {'、'.join(str(y) for y in sorted(scope.missing))} 年的内容。"
            return self._refused(question, reason, [])
        allowed = self._allowed(index, scope)
        asked = without_years(question) if scope.years else question
        asked = named.without(asked, scope.spans) or asked
        intent = classify(asked, index, self.roles)
        if intent.kind == "unit":
            return self._unit_answer(index, question, intent.units, allowed)
        evidence = gather(index, self._batcher.submit(asked), asked, allowed)
        if intent.kind == "role":
            return self._role_answer(index, question, intent.role, evidence, allowed)
        favour = {row for unit in intent.units for row in index.unit_rows.get(unit, ())}
        hits = fuse(evidence, favour, limit=max(top_k, RELATED_SHOWN))
        reason = self.refusal(asked, evidence) if hits else compose.REFUSAL
        if reason:
            # "possibly related" only when some words of the question are in the corpus at all
            shown = hits[:RELATED_SHOWN] if evidence.lexical.max(initial=0) > 0 else []
            related = [self._result(index, h, evidence) for h in shown]
            return self._refused(question, reason, related)
        if not scope.years:
            hits = latest_first(hits, index.items)
        hits = plan_first(hits, index.items, asked)
        best = max(h.score for h in hits)
        chosen = [h for h in hits[:top_k] if h.score >= RELATIVE_CUT * best]
        results = [self._result(index, h, evidence) for h in chosen]
        measure = quantity.asked(asked)
        if measure and not any(quantity.stated(measure, index.items[h.item].text) for h in chosen):
            # the items are on the topic but do not give the figure asked for: shown as related
            reason = f"现有政策文件中没有写明具体{measure.name}。"
            return self._refused(question, reason, results[:RELATED_SHOWN])
        text = summary.who(results[0]) if intent.kind == "who" else summary.fact(results[0])
        note = year_note(results)
        markdown = compose.compose_search(text, results)
        answer = Answer(question, False, f"{note}\n\n{markdown}" if note else markdown, results, intent.kind, text)
        return replace(answer, suggestions=suggest.after(answer, self.year_list, intent.units))

    def _refused(self, question: str, reason: str, related: list[Result]) -> Answer:
        """Why the corpus cannot answer, what it does cover, and the items that may be related."""
        text = summary.refusal(reason, self.titles)
        return Answer(question, True, compose.compose_refusal(related, text), related, "none", text)

    @staticmethod
    def _allowed(index: Index, scope: Scope) -> set[int] | None:
        """Positions of the items a scoped question may use; None when every item may be used."""
        if not scope.limited:
            return None
        # A scope names years, titles and files: properties of a document, so it is asked once
        # per document (at 50k items, asking every item took 60 ms).
        return {row for rows in index.doc_rows.values() if scope.allows(index.items[rows[0]]) for row in rows}

    def examples(self, limit: int = 6) -> list[str]:
        """Example questions this corpus can answer (qa/examples.py)."""
        from .examples import example_questions

        index = self.index
        if getattr(self, "_examples", (None,))[0] is not index:  # asked once per index served
            shown = example_questions(index, self.roles, lambda q: self.ask(q).refused, limit=8)
            self._examples = (index, shown)
        return self._examples[1][:limit]

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

    def refusal(self, question: str, evidence: Evidence) -> str | None:
        """Why the corpus cannot answer this question, or None when it can."""
        if evidence.matched_terms == 0:
            return compose.REFUSAL  # not one word of the question (or its synonyms) is in the corpus
        best = evidence.plain_best
        if best - evidence.background < self.margin:
            return compose.REFUSAL
        return None

    def _unit_answer(self, index: Index, question: str, units: list[str], allowed=None) -> Answer:
        rows = {row for unit in units for row in index.unit_rows.get(unit, ())
                if allowed is None or row in allowed}
        # document order, except that a ledger's rows restating a plan's items follow the plan
        rows = sorted(rows, key=lambda row: (is_table_row(index.items[row]), row))
        results = [Result.of(index.items[row], 1.0, []) for row in rows]
        text = summary.unit(units, results)
        answer = Answer(question, False, compose.compose_unit(text, units, results), results, "unit", text)
        return replace(answer, suggestions=suggest.after(answer, self.year_list, units))

    def _role_answer(self, index: Index, question: str, name: str, evidence: Evidence, allowed=None) -> Answer:
        role = next((r for r in self.roles if role_names(r)[0] == name), name)
        variants = list(role_names(role)[1])
        mentions = [i for i, item in enumerate(index.items)
                    if (allowed is None or i in allowed)
                    and (any(v in item.text for v in variants) or name in item.duty_holders)]
        ranked = {h.item: h for h in fuse(evidence, among=mentions)}  # Hits for these only: 50k items
        # items charging the role (a law's duty holder) first, then those that only name it
        mentions.sort(key=lambda i: (not set(variants) & set(index.items[i].duty_holders),
                                     -(ranked[i].score if i in ranked else 0.0)))
        results = []
        for i in mentions:
            item = index.items[i]
            quotes = [s for s in item.sentences if any(v in s for v in variants)]
            score = ranked[i].score if i in ranked else 0.0
            results.append(Result.of(item, score, quotes))
        text = summary.role(name, results)
        answer = Answer(question, False, compose.compose_role(text, results), results, "role", text)
        return replace(answer, suggestions=suggest.after(answer, self.year_list))

    def _result(self, index: Index, hit: Hit, evidence: Evidence) -> Result:
        item = index.items[hit.item]
        return Result.of(item, hit.score, highlights(item, hit, evidence, set(evidence.terms)))


def _lexicon_roles(index: Index, corpus_text: str) -> list:
    """Roles for an index built before roles.json: the lexicon's, where the corpus names them."""
    from .roles import Role

    groups = [[v for v in group if v in corpus_text] for group in index.lexicon.roles]
    return sorted((Role.of(g) for g in groups if g), key=lambda r: (-len(r.name), r.name))


def _result(future):
    """A future's value, or the exception it raised (to be raised where it is handled)."""
    try:
        return future.result()
    except Exception as err:
        return err


def highlights(item, hit: Hit, evidence: Evidence, terms: set[str], limit: int = 2) -> list[str]:
    """The item's sentences that answer: closest in meaning, with shared words as a tie-breaker."""
    dense = dict(evidence.sentence_scores.get(hit.item, []))
    scored = []
    for pos, sentence in enumerate(item.sentences):
        if pos == 0 and len(item.sentences) > 1 and sentence.rstrip("。") == item.title:
            continue  # the bare title says nothing the citation does not
        overlap = sum(1 for t in terms if len(t) > 1 and t in sentence)
        scored.append((dense.get(pos, 0.0) + 0.02 * overlap, pos))
    best = sorted(scored, reverse=True)[:limit]
    return [item.sentences[pos] for _, pos in sorted(best, key=lambda p: p[1])]


def _only_units(text: str, registry) -> bool:
    """True when a text is nothing but unit names ("市公安局", "教体局和公安局")."""
    mentions = registry.mentions(text)
    rest = text
    for start, end, _ in reversed(mentions):
        rest = rest[:start] + rest[end:]
    return bool(mentions) and not re.sub(r"[和与及、,,\s]", "", rest)
