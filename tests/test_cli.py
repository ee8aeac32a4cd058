"""The command line as other tools use it: stable JSON, one line per answer, Chinese errors."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from qa.cli import cli

from .conftest import DATA, DEFAULT_CORPUS, ROOT

ITEM_FIELDS = {"units", "lead_units", "co_units", "section", "number", "title", "text", "doc", "source"}


def invoke(*args, input=None, env=None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def test_items_json_prints_every_item_record_as_a_line():
    result = invoke("items", "--corpus", str(DEFAULT_CORPUS), "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 26 and all(ITEM_FIELDS <= set(r) for r in rows)


def test_units_lists_each_unit_with_its_item_count():
    result = invoke("units", "--corpus", str(DEFAULT_CORPUS), "--json")
    counts = {r["unit"]: r["items"] for r in map(json.loads, result.stdout.splitlines())}
    assert counts["市教育体育局"] == 12 and counts["市应急局"] == 3


def test_bad_files_are_reported_and_the_rest_of_the_corpus_loads(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "ok.txt").write_bytes((DATA / "district-school-safety-2024.txt").read_bytes())
    result = invoke("items", "--corpus", str(tmp_path), "--json")
    assert result.exit_code == 0
    assert "empty.txt" in result.stderr and "broken.docx" in result.stderr
    assert len(result.stdout.splitlines()) >= 8


@pytest.mark.model
def test_ask_json_answers_with_the_contract(service, settings):
    result = invoke("ask", "谁负责校园欺凌防治", "--index", str(settings.index_dir), "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["results"][0]["title"] == "提升校园安全管理"
    assert answer["results"][0]["units"] == ["市教育体育局", "市公安局", "市委政法委", "市市场监管局",
                                             "市司法局", "市应急局", "市关工委"]


@pytest.mark.model
def test_ask_jsonl_answers_each_line_in_order_including_bad_ones(service, settings):
    lines = ['{"question": "市民政局负责哪些工作?"}', "孩子被霸凌找谁", '{"question": ""}', "今天天气怎么样"]
    result = invoke("ask", "--jsonl", "-", "--index", str(settings.index_dir), input="\n".join(lines))
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == ["市民政局负责哪些工作?", "孩子被霸凌找谁", "", "今天天气怎么样"]
    assert answers[0]["kind"] == "unit" and not answers[1]["refused"]
    assert answers[2]["refused"] and "请输入问题" in answers[2]["answer"]
    assert answers[3]["refused"]


@pytest.mark.model
def test_eval_reports_recall_per_kind(service, settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"question": "谁负责校园欺凌防治?", "kind": "who", "expect": ["提升校园安全管理"]},
        {"question": "今天天气怎么样", "kind": "none", "expect": []},
    ]), encoding="utf-8")
    result = invoke("eval", str(questions), "--index", str(settings.index_dir), "--json")
    report = json.loads(result.stdout)
    assert report["by_kind"]["who"]["recall@1"] == 1.0
    assert report["refused_unanswerable"]["share"] == 1.0


def test_library_errors_are_one_chinese_line_not_a_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["items", "--corpus", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "找不到语料目录" in result.output and "Traceback" not in result.output


def test_help_does_not_load_the_heavy_libraries():
    code = ("import sys; from qa.cli import cli; from click.testing import CliRunner; "
            "CliRunner().invoke(cli, ['--help']); "
            "print([m for m in ('torch', 'faiss', 'gradio', 'sentence_transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
