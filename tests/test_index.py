"""Index build and load: incremental, atomic, self-describing, and refusing what it cannot trust."""

import json
import shutil

import pytest

from qa.errors import IndexCorrupt, IndexMismatch, IndexNotFound
from qa.index import FORMAT_VERSION, PARSE_VERSION, build_index, current_build, load_index

from .conftest import DATA

pytestmark = pytest.mark.model


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(DATA / "district-school-safety-2024.txt", folder)
    return folder


@pytest.fixture(scope="module")
def encoder(service):
    return service.encoder


def quiet(message):
    pass


def test_build_writes_a_self_describing_index_that_loads(corpus, tmp_path, encoder):
    report = build_index(corpus, tmp_path / "index", encoder, quiet)
    manifest = json.loads((current_build(tmp_path / "index") / "manifest.json").read_text("utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION and manifest["model"] == encoder.model_id
    assert manifest["dimension"] == 384 and manifest["items"] == report.items > 0
    assert list(manifest["corpus"]) == ["district-school-safety-2024.txt"]
    index = load_index(tmp_path / "index", encoder.model_id)
    assert len(index.items) == report.items and index.faiss.ntotal == report.sentences


def test_unchanged_corpus_is_not_rebuilt_and_a_change_embeds_only_new_sentences(corpus, tmp_path, encoder):
    first = build_index(corpus, tmp_path / "index", encoder, quiet)
    again = build_index(corpus, tmp_path / "index", encoder, quiet)
    assert again.up_to_date and again.folder == first.folder
    shutil.copy(DATA / "county-elderly-care-2024.docx", corpus)
    grown = build_index(corpus, tmp_path / "index", encoder, quiet)
    assert not grown.up_to_date and 0 < grown.embedded < grown.sentences
    assert grown.items > first.items


def test_a_build_by_an_older_reader_is_parsed_again_with_its_vectors_reused(corpus, tmp_path, encoder):
    first = build_index(corpus, tmp_path / "index", encoder, quiet)
    path = current_build(tmp_path / "index") / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**manifest, "parse_version": PARSE_VERSION - 1}), "utf-8")
    again = build_index(corpus, tmp_path / "index", encoder, quiet)
    assert not again.up_to_date and again.folder != first.folder
    # no corpus sentence is embedded again; only background statements the last build dropped
    assert again.embedded <= manifest["refusal"]["background_dropped"]


def test_interrupted_build_leaves_the_previous_index_answering(corpus, tmp_path, encoder, monkeypatch):
    build_index(corpus, tmp_path / "index", encoder, quiet)
    before = current_build(tmp_path / "index")
    shutil.copy(DATA / "county-elderly-care-2024.docx", corpus)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if killed while writing the FAISS file

    monkeypatch.setattr("qa.index.save_faiss", crash)
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, tmp_path / "index", encoder, quiet)
    assert current_build(tmp_path / "index") == before
    assert load_index(tmp_path / "index").items  # still loads and answers
    monkeypatch.undo()
    assert not build_index(corpus, tmp_path / "index", encoder, quiet).up_to_date


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexNotFound, match="python -m qa build"):
        load_index(tmp_path / "nothing")


def test_index_from_another_model_is_refused_clearly(corpus, tmp_path, encoder):
    build_index(corpus, tmp_path / "index", encoder, quiet)
    with pytest.raises(IndexMismatch, match="不能用模型"):
        load_index(tmp_path / "index", "some-other-model")


@pytest.mark.parametrize("damage", ["truncate_faiss", "garble_items", "drop_vocab", "old_format"])
def test_corrupt_index_files_give_a_message_not_a_traceback(corpus, tmp_path, encoder, damage):
    build_index(corpus, tmp_path / "index", encoder, quiet)
    build = current_build(tmp_path / "index")
    if damage == "truncate_faiss":
        data = (build / "dense.faiss").read_bytes()
        (build / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "garble_items":
        (build / "items.jsonl").write_text("{not json\n", encoding="utf-8")
    elif damage == "drop_vocab":
        (build / "vocab.json").unlink()
    else:
        manifest = json.loads((build / "manifest.json").read_text("utf-8"))
        manifest["format_version"] = 0
        (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises((IndexCorrupt, IndexMismatch), match="python -m qa build"):
        load_index(tmp_path / "index", encoder.model_id)


def _build_process(corpus, index_dir):
    import subprocess
    import sys

    from .conftest import ROOT

    return subprocess.Popen([sys.executable, "-m", "qa", "build", "--force", "--corpus", str(corpus),
                             "--index", str(index_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("moment", ["while embedding", "while writing"])
def test_build_killed_mid_way_leaves_the_previous_index_and_the_next_build_completes(
        corpus, tmp_path, encoder, moment):
    import signal
    import time

    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder, quiet)
    before = current_build(index_dir)
    shutil.copy(DATA / "county-elderly-care-2024.docx", corpus)
    process = _build_process(corpus, index_dir)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        writing = [p for p in index_dir.glob("build-*") if p != before]
        if moment == "while writing" and writing:
            break
        if moment == "while embedding" and "正在计算" in (process.stdout.readline() or ""):
            break
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert current_build(index_dir) == before
    assert load_index(index_dir, encoder.model_id).items
    report = build_index(corpus, index_dir, encoder, quiet)
    assert not report.up_to_date and load_index(index_dir).manifest["items"] == report.items
