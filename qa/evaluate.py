"""Score the service on a question set: {"question", "kind", "expect": [titles], "units"?: [...]}.

Recall@k counts a question as found when any expected title is among the first
k results. Unit-duty and role questions must return exactly the expected items
(complete and nothing else). "none" questions should be refused; any other
refusal is a false refusal.

Multi-document sets (eval/README.md) add ``doc`` (the source file whose item answers:
a hit must come from it), article numbers as expectations ("第十五条"), and on ``year``
questions ``year``: the first result must come from that year's document.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from .errors import QAError


def load_questions(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise QAError(f"{path} 第 {n} 行不是合法的 JSON:{err.msg}") from err
    return rows


def rank_of(titles: list[str], expect: list[str]) -> int | None:
    """1-based rank of the first expected title, None when absent."""
    return next((i + 1 for i, t in enumerate(titles) if t in expect), None)


def _norm(text) -> str:
    """Titles compared without spaces and punctuation."""
    return re.sub(r"[\W_]+", "", str(text or ""))


def matches(result: dict, expect: list[str], doc: str | None) -> bool:
    """A result answers when it is from ``doc`` (if given) and its title or number is expected."""
    if doc and result.get("source") != doc:
        return False
    wanted = {_norm(e) for e in expect}
    number = _norm(result.get("number"))
    return _norm(result.get("title")) in wanted or bool(number) and (
        number in wanted or f"第{number}条" in wanted)


def result_rank(results: list[dict], expect: list[str], doc: str | None) -> int | None:
    return next((i + 1 for i, r in enumerate(results) if matches(r, expect, doc)), None)


def score_question(service, q: dict) -> dict:
    try:
        answer = service.ask(q["question"]).to_dict()
    except QAError as err:
        answer = {"refused": True, "results": [], "answer": str(err)}
    titles = [r["title"] for r in answer["results"]]
    expect = q.get("expect", [])
    row = {"question": q["question"], "kind": q.get("kind", "?"), "refused": answer["refused"],
           "titles": titles[:5]}
    if not expect:
        return row
    rank = None if answer["refused"] else result_rank(answer["results"], expect, q.get("doc"))
    row.update(rank=rank, rr=1 / rank if rank else 0.0)
    if q.get("year"):
        first = answer["results"][0] if answer["results"] and not answer["refused"] else {}
        row["year_right"] = first.get("year") == int(q["year"])
    if q.get("kind") in ("unit", "role"):
        found = [r for r in answer["results"] if not q.get("doc") or r.get("source") == q["doc"]]
        row["exact_set"] = (len(found) == len(answer["results"]) == len(expect)
                            and all(matches(r, expect, q.get("doc")) for r in found))
    if q.get("units") and not answer["refused"] and answer["results"]:
        top = answer["results"][0]
        row["units_exact"] = (top["units"] or top["duty_holders"]) == q["units"]  # a law's: its duty holders
    elif q.get("units"):
        row["units_exact"] = False
    return row


def evaluate(service, questions: list[dict]) -> dict:
    rows = [score_question(service, q) for q in questions]
    kinds: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        kinds[row["kind"]].append(row)
    answerable = [r for r in rows if "rank" in r]
    unanswerable = [r for r in rows if "rank" not in r]
    report = {
        "questions": len(rows),
        "overall": _recall(answerable),
        "by_kind": {k: _recall(v) for k, v in sorted(kinds.items()) if any("rank" in r for r in v)},
        "units_exact": _share([r["units_exact"] for r in rows if "units_exact" in r]),
        "exact_sets": {kind: _share([r["exact_set"] for r in rows if r["kind"] == kind and "exact_set" in r])
                       for kind in ("unit", "role")},
        "year_right": _share([r["year_right"] for r in rows if "year_right" in r]),
        "refused_unanswerable": _share([r["refused"] for r in unanswerable]),
        "false_refusals": _share([r["refused"] for r in answerable]),
        "misses": [r for r in answerable if r["rank"] != 1]
        + [r for r in unanswerable if not r["refused"]]
        + [r for r in rows if r.get("units_exact") is False or r.get("exact_set") is False
           or r.get("year_right") is False],
    }
    return report


def _recall(rows: list[dict]) -> dict:
    ranked = [r for r in rows if "rank" in r]
    if not ranked:
        return {"n": 0}
    n = len(ranked)
    return {"n": n,
            "recall@1": round(sum(1 for r in ranked if r["rank"] == 1) / n, 3),
            "recall@3": round(sum(1 for r in ranked if r["rank"] and r["rank"] <= 3) / n, 3),
            "mrr": round(sum(r["rr"] for r in ranked) / n, 3)}


def _share(flags: list[bool]) -> dict:
    return {"n": len(flags), "share": round(sum(flags) / len(flags), 3) if flags else None}


def format_report(report: dict) -> str:
    lines = [f"questions: {report['questions']}", "",
             f"{'kind':<10}{'n':>4}{'R@1':>8}{'R@3':>8}{'MRR':>8}"]
    for kind, r in [("overall", report["overall"]), *report["by_kind"].items()]:
        if r.get("n"):
            lines.append(f"{kind:<10}{r['n']:>4}{r['recall@1']:>8.3f}{r['recall@3']:>8.3f}{r['mrr']:>8.3f}")
    lines += ["",
              f"unit lists exact (who):        {_fmt(report['units_exact'])}",
              f"unit-duty item sets exact:     {_fmt(report['exact_sets']['unit'])}",
              f"role item sets exact:          {_fmt(report['exact_sets']['role'])}",
              f"answered from the year asked:  {_fmt(report['year_right'])}",
              f"unanswerable refused:          {_fmt(report['refused_unanswerable'])}",
              f"false refusals:                {_fmt(report['false_refusals'])}"]
    if report["misses"]:
        lines += ["", "to look at:"]
        for m in report["misses"]:
            lines.append(f"  [{m['kind']}] {m['question']} -> rank {m.get('rank')} "
                         f"refused={m['refused']} top={m['titles'][:3]}")
    return "\n".join(lines)


def _fmt(share: dict) -> str:
    return "-" if not share["n"] else f"{share['share']:.3f} of {share['n']}"
