"""The ONNX encoder against the torch one (real model), the serving path's imports, resumable builds."""

from __future__ import annotations

import dataclasses
import json
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from qa.errors import ModelError

from .conftest import DATA, DEFAULT_CORPUS, ROOT

HEAVY = ("torch", "transformers", "sentence_transformers", "gradio", "scipy")


@pytest.fixture(scope="module")
def passages(service):
    return [json.loads(line) for line in (service.index.folder / "passages.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def questions():
    lines = (ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


@pytest.mark.model
@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_onnx_vectors_agree_with_the_torch_model(service, questions, passages, backend):
    from qa.encoders import load_encoder

    torch_encoder = load_encoder(dataclasses.replace(service.settings, backend="torch"))
    onnx_encoder = load_encoder(dataclasses.replace(service.settings, backend=backend))
    assert onnx_encoder.model_id.endswith(f"+{backend}") and torch_encoder.model_id.endswith("+torch")
    assert onnx_encoder.dim == torch_encoder.dim
    q = (onnx_encoder.encode_queries(questions) * torch_encoder.encode_queries(questions)).sum(axis=1)
    p = (onnx_encoder.encode_documents(passages) * torch_encoder.encode_documents(passages)).sum(axis=1)
    assert q.min() >= 0.99 and p.min() >= 0.99, (q.min(), p.min())
    if backend == "onnx":  # the same float32 graph: equal up to rounding
        assert q.min() > 0.9999 and p.min() > 0.9999


def test_unknown_backend_is_refused_with_the_choices(settings):
    from qa.encoders import load_encoder

    with pytest.raises(ModelError, match="onnx"):
        load_encoder(dataclasses.replace(settings, backend="tensorflow"))


def test_missing_optional_package_gives_an_install_hint(settings, monkeypatch):
    from qa import encoders

    monkeypatch.setitem(encoders.BACKENDS, "onnx", ("qa_no_such_module", "X", "onnxruntime"))
    with pytest.raises(ModelError, match="pip install onnxruntime"):
        encoders.load_encoder(dataclasses.replace(settings, backend="onnx"))


@pytest.mark.model
def test_onnx_serving_path_imports_neither_torch_nor_transformers(service):
    """A fresh process: import, open the built index, answer; then list what got imported."""
    script = f"""
import json, sys
import qa.service
at_import = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m == 'faiss')
from qa.service import QAService
from qa.settings import Settings
service = QAService.open(Settings.from_env(index_dir={str(service.settings.index_dir)!r},
                                           corpus_dir={str(DEFAULT_CORPUS)!r}, backend='onnx'))
answer = service.ask('谁负责校园欺凌防治?')
print(json.dumps({{"at_import": at_import, "refused": answer.refused,
                  "loaded": sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})}}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["at_import"] == [], "import qa.service must not load heavy packages"
    assert report["loaded"] == [] and report["refused"] is False


@pytest.mark.model
def test_index_from_another_backend_is_rebuilt_not_reused(tmp_path, service):
    from qa.index import current_build, load_index
    from qa.service import QAService

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "district-school-safety-2024.txt", corpus)
    settings = dataclasses.replace(service.settings, corpus_dir=corpus, index_dir=tmp_path / "index")
    QAService.open(settings, progress=lambda m: None)
    manifest_file = current_build(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_file.read_text("utf-8"))
    manifest["model"] = manifest["model"].replace("+onnx", "+torch")  # as a torch build would say
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    messages = []
    reopened = QAService.open(settings, progress=messages.append)
    assert reopened.index.model_id.endswith("+onnx") and any("重新构建" in m for m in messages)
    assert load_index(settings.index_dir, reopened.encoder.model_id).items


@pytest.mark.model
def test_killed_build_resumes_from_the_vectors_already_written(tmp_path, service, passages):
    from qa import checkpoint, lexicon
    from qa.index import build_index, load_index

    index_dir = tmp_path / "index"
    script = ("import sys; from qa import checkpoint; checkpoint.CHUNK = 16; from qa.cli import cli; "
              f"cli(['build', '--corpus', {str(DEFAULT_CORPUS)!r}, '--index', {str(index_dir)!r}])")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    partial = checkpoint.partial_folder(index_dir, service.encoder.model_id)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None and len(list(partial.glob("chunk-*[0-9].npy"))) < 3:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    done = sum(len(json.loads(f.read_text("utf-8"))) for f in partial.glob("chunk-*.json")
               if f.with_suffix(".npy").is_file())
    assert done >= 48, "the build was killed before it wrote three chunks"

    embedded = []

    class Counting:  # the real encoder, counting what it is asked to embed
        model_id, dim = service.encoder.model_id, service.encoder.dim

        def encode_documents(self, texts, progress=False):
            embedded.extend(texts)
            return service.encoder.encode_documents(texts)

        def encode_queries(self, texts):  # the refusal calibration's probes: not index vectors
            return service.encoder.encode_queries(texts)

    report = build_index(DEFAULT_CORPUS, index_dir, Counting(), lambda m: None)
    # every background statement is embedded; calibration then keeps those the corpus does not answer
    total = len(set(passages)) + len(lexicon.load(DEFAULT_CORPUS).background)
    assert report.embedded == len(embedded) == total - done
    assert not partial.exists()
    index = load_index(index_dir, service.encoder.model_id)
    fresh = np.load(service.index.folder / "embeddings.npy")
    assert np.allclose(np.load(index.folder / "embeddings.npy"), fresh, atol=1e-4)


@pytest.mark.model
def test_trimmed_vocabulary_cuts_chinese_text_into_the_same_pieces(service, passages, questions):
    """The serving tokenizer drops pieces of other scripts only: Chinese text (with digits,
    Latin words and full-width punctuation) gets the same pieces, renumbered to the rows of
    word_vectors.npy; a word in a dropped script becomes <unk>."""
    from tokenizers import Tokenizer

    from qa.model import resolve_model

    served = service.encoder
    full = Tokenizer.from_file(str(resolve_model(service.settings) / "tokenizer.json"))
    meta = json.loads((served.folder / "export.json").read_text("utf-8"))
    assert meta["vocab"]["kept"] < meta["vocab"]["of"] / 2
    texts = questions + passages + ["12345热线、APP防沉迷“护苗2024”①（二）5G℃"]
    for text in texts:
        assert served.tokenizer.encode(text).tokens == full.encode(text).tokens, text
    unknown = served.tokenizer.token_to_id("<unk>")
    assert unknown in served.tokenizer.encode("Привет").ids
    assert full.token_to_id("<unk>") not in full.encode("Привет").ids
    assert served.word_vectors.shape == (meta["vocab"]["kept"], served.dim)
