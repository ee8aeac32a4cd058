"""Issue 14, finding 7: the CLI answers damaged indexes and bad paths with one Chinese line and exit 1."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from qa.cli import cli

from .conftest import DATA

pytestmark = pytest.mark.model
CJK = re.compile(r"[\u4e00-\u9fff]")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_chinese_line(result):
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert lines and CJK.search(lines[-1]), result.output
    assert "Traceback" not in result.output and "Error:" not in lines[-1].replace("错误", "")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("small-corpus")
    shutil.copy(DATA / "district-school-safety-2024.txt", corpus)
    return corpus


@pytest.fixture(scope="module")
def built(small_corpus, tmp_path_factory, service):
    index = tmp_path_factory.mktemp("small-index") / "index"
    result = invoke("build", "--corpus", small_corpus, "--index", index)
    assert result.exit_code == 0, result.output
    return index


def live_build(index):
    return index / (index / "CURRENT").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("damage", ["embeddings.npy", "passages.jsonl", "background.jsonl", "short-embeddings"])
def test_build_force_over_damaged_reuse_files_rebuilds(built, small_corpus, tmp_path, damage):
    index = tmp_path / "index"
    shutil.copytree(built, index)
    build = live_build(index)
    if damage == "short-embeddings":
        np.save(build / "embeddings.npy", np.load(build / "embeddings.npy")[:3])
    elif damage.endswith(".npy"):
        (build / damage).write_bytes(b"\x93NUMPY garbage")
    else:
        (build / damage).write_bytes(b'{"broken\n\xff\xfe')
    result = invoke("build", "--force", "--corpus", small_corpus, "--index", index)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "索引已建成" in result.output
    fresh = live_build(index)
    assert fresh != build
    rows = [json.loads(line) for line in (fresh / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert np.load(fresh / "embeddings.npy").shape[0] == len(rows)
    asked = invoke("ask", "谁负责校园欺凌防治?", "--index", index, "--corpus", small_corpus, "--json")
    assert asked.exit_code == 0, asked.output


def test_current_with_non_utf8_bytes_is_one_chinese_line(built, small_corpus, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(built, index)
    (index / "CURRENT").write_bytes(b"build-\xff\xfe\xfd")
    assert_one_chinese_line(invoke("ask", "谁负责校园欺凌防治?", "--index", index, "--corpus", small_corpus))


def test_build_index_at_a_file_is_one_chinese_line(small_corpus, tmp_path):
    target = tmp_path / "index-file"
    target.write_text("not a folder", encoding="utf-8")
    assert_one_chinese_line(invoke("build", "--corpus", small_corpus, "--index", target))
    assert target.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_build_index_at_an_unwritable_path_is_one_chinese_line(small_corpus, tmp_path, where):
    # Tests may run as root, which writes anywhere a mode allows: use paths no one can create.
    if where == "under-a-file":
        (tmp_path / "plain").write_text("x", encoding="utf-8")
        target = tmp_path / "plain" / "index"
    else:
        target = "/proc/policy-qa-index"
    assert_one_chinese_line(invoke("build", "--corpus", small_corpus, "--index", target))


def test_ask_jsonl_with_a_non_utf8_file_is_one_chinese_line(built, small_corpus, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_bytes('{"question": "谁负责校园欺凌防治?"}\n'.encode("gbk"))
    assert_one_chinese_line(invoke("ask", "--jsonl", questions, "--index", built, "--corpus", small_corpus))
