"""Build the search index from a corpus, and load it back.

An index folder describes itself and is swapped in atomically:

    index/
      CURRENT              name of the live build, replaced with os.replace
      build-<time>-<id>/
        manifest.json      format version, model, dimension, corpus hashes, counts
        items.jsonl        the work item records
        user_words.txt     the segmenter's user dictionary (queries are cut the same way)
        bm25.*.npy bm25.json vocab.json   BM25 weights as CSC arrays (memory-mapped)
        sentences.jsonl    one line per embedded sentence: item index and text
        sentence_item.npy  the item of each sentence (memory-mapped; search needs only this)
        passages.jsonl     the text embedded for each sentence (title in front)
        embeddings.npy     the sentence vectors (reused by the next build)
        dense.faiss
        background.jsonl   off-corpus statements (lexicon background) and
        background.npy     their vectors
        lexicon.json       every word table the build used (qa/lexicon.py); queries use these
        roles.json         roles found in the corpus (qa/roles.py), with their variant names

A crash mid-build leaves a half-written build folder that CURRENT never names,
so the previous index keeps answering, and the vectors computed so far under
``partial/`` (qa/checkpoint.py) for the next build to resume from. Arrays are
memory-mapped when loaded: server processes share one copy in the page cache.
No pickle anywhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__, lexicon as lexicons
from . import checkpoint, refusal
from . import roles as corpus_roles
from .corpus import file_hashes, load_corpus
from .dense import build_faiss, load_faiss, save_faiss
from .errors import CorpusEmpty, IndexCorrupt, IndexMismatch, IndexNotFound, IndexUnwritable
from .lexical import BM25
from .named import DocName
from .records import WorkItem
from .segment import Segmenter, corpus_words
from .units import UnitRegistry, holders

# 2: items carry doc_id, year, duty_holders, deadline; ids from each document's numbering.
# 3: BM25 as memory-mapped CSC arrays, sentence_item.npy.
FORMAT_VERSION = 3
# How documents are read into items and roles: a build by an older reader is parsed again (its
# vectors reused). 2: laws' duty holders from conditions, penalties' enforcers and shared head
# nouns. 3: a role keeps every name of its lexicon group. 4: closers naming "各县（区）人民政府";
# a plan's point without a closer read for "由…牵头，…配合".
PARSE_VERSION = 4
BUILD_NAME = re.compile(r"build-[A-Za-z0-9_-]+")  # what CURRENT may name: never a path elsewhere
KEEP_BUILDS = 2  # the live build and the one before it (a server may still be reading it)


@dataclass
class Index:
    folder: Path
    manifest: dict
    items: list[WorkItem]
    segmenter: Segmenter
    bm25: BM25
    sentences: "SentenceList"  # (item index, sentence as written); texts read on first use
    faiss: object
    background: np.ndarray  # off-corpus statements: a question nearer these is not answered
    lexicon: lexicons.Lexicon = field(default_factory=lexicons.package)
    roles: list = field(default_factory=list)  # qa.roles.Role, longest name first
    registry: UnitRegistry = field(init=False)
    first_sentence: np.ndarray = field(init=False)  # row of each item's first sentence in the FAISS index
    unit_rows: dict[str, list[int]] = field(init=False)  # unit -> positions of its items, in order
    doc_rows: dict[str, list[int]] = field(init=False)  # source file -> positions of its items
    domain_words: frozenset[str] = field(init=False)  # words of most document titles: the corpus's field

    def __post_init__(self):
        self.registry = UnitRegistry(self.items, self.lexicon.unit_aliases)
        # Sentences are stored item by item, so each item's first row is a binary search away.
        self.first_sentence = np.searchsorted(self.sentences.item, np.arange(len(self.items)))
        self.unit_rows = {}  # units and, for laws, duty holders: what unit questions look up
        self.doc_rows = {}
        for row, item in enumerate(self.items):
            for unit in dict.fromkeys(holders(item)):
                self.unit_rows.setdefault(unit, []).append(row)
            self.doc_rows.setdefault(item.source, []).append(row)
        titles = [set(self.segmenter.tokens(self.items[rows[0]].doc)) for rows in self.doc_rows.values()]
        counts = Counter(word for words in titles for word in words)
        self.domain_words = frozenset(w for w, n in counts.items() if 2 * n > len(titles))

    @property
    def model_id(self) -> str:
        return self.manifest["model"]


@dataclass(frozen=True)
class BuildReport:
    folder: Path
    items: int
    sentences: int
    embedded: int  # sentences embedded by this build (the rest were reused)
    problems: list  # DocumentError per unreadable file
    up_to_date: bool = False
    documents: list = field(default_factory=list)  # Document per readable file, with its warnings


class SentenceList:
    """The embedded sentences as a read-only sequence of (item index, text).

    ``item`` (sentence row -> item index) is a memory-mapped array, all a search needs;
    the texts (hundreds of MB at 50k items) are read only if something asks for them.
    """

    def __init__(self, item: np.ndarray, texts_file: Path):
        self.item = item
        self._texts_file = texts_file
        self._rows: list | None = None

    def __len__(self) -> int:
        return len(self.item)

    def __getitem__(self, row):
        if self._rows is None:
            self._rows = [(int(i), s) for i, s in _read_lines(self._texts_file)]
        return self._rows[row]

    def __iter__(self):
        return (self[row] for row in range(len(self)))


def item_document(item: WorkItem) -> str:
    """What the lexical index reads of an item: the title twice (it names the duty), then the body."""
    return "\n".join([item.title, item.title, *item.sentences])


def sentence_passages(items: list[WorkItem]) -> list[tuple[int, str]]:
    """(item index, sentence) pairs to embed; the first is the title itself."""
    return [(i, s) for i, item in enumerate(items) for s in item.sentences]


def passage_text(item: WorkItem, sentence: str) -> str:
    """A sentence with its item title in front, so "加强…" sentences keep their topic."""
    return sentence if sentence.startswith(item.title) else f"{item.title}:{sentence}"


def background_statements(corpus: Path | None = None) -> list[str]:
    return lexicons.load(corpus).background


def build_index(corpus: Path, folder: Path, encoder, progress=print, force: bool = False) -> BuildReport:
    folder = Path(folder)
    writable_folder(folder)  # before reading and embedding anything: fail in a second, not after minutes
    loaded = load_corpus(corpus)
    items, problems, documents = loaded.items, loaded.problems, loaded.documents
    if not items:
        raise CorpusEmpty(f"语料目录 {corpus} 中没有可读取的工作条目")
    hashes = file_hashes(corpus)
    words = lexicons.load(corpus)
    previous = _read_previous(folder)
    if not force and previous and _same_build(previous.manifest, hashes, encoder.model_id, words):
        return BuildReport(previous.folder, len(previous.items), len(previous.sentences), 0, problems, True,
                           documents)
    passages = sentence_passages(items)
    texts = [passage_text(items[i], s) for i, s in passages]
    partial = checkpoint.partial_folder(folder, encoder.model_id)
    vectors, embedded = _embed_reusing(texts + words.background, previous, encoder, progress, partial)
    vectors, background_vectors = vectors[:len(texts)], vectors[len(texts):]
    segmenter = Segmenter.of(corpus_words(items), words)
    bm25 = BM25.fit(segmenter.tokens(item_document(item)) for item in items)
    progress("正在校准拒答阈值(语料内/语料外探测问题)…")
    package_background = set(lexicons.package().background)
    marked = frozenset(k for k, text in enumerate(words.background) if text not in package_background)
    calibration = refusal.calibrate(items, passages, vectors, words.background, background_vectors, encoder,
                                    always_keep=marked)
    keep = calibration.pop("background_kept")
    background = ([words.background[k] for k in keep], background_vectors[keep])
    manifest = {
        "format_version": FORMAT_VERSION, "parse_version": PARSE_VERSION, "qa_version": __version__,
        "model": encoder.model_id,
        "dimension": int(vectors.shape[1]), "corpus": hashes, "items": len(items),
        "sentences": len(passages), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "lexicon": words.digest(), "lexicon_files": words.corpus_files, "refusal": calibration,
        # each document's own name, kind and place: questions name documents by them (qa/named.py)
        "documents": [DocName.of(d.title, d.text, d.kind).to_dict() for d in documents],
    }
    roles = corpus_roles.corpus_roles(items, words)
    build = _write_build(folder, manifest, items, segmenter, bm25, passages, texts, vectors, background,
                         words, roles)
    checkpoint.discard(partial)
    return BuildReport(build, len(items), len(passages), embedded, problems, documents=documents)


def writable_folder(folder: Path) -> None:
    """Create the index folder, or say in one line why it cannot be."""
    if folder.exists() and not folder.is_dir():
        raise IndexUnwritable(f"索引目录 {folder} 已存在但不是文件夹,请用 --index 指定一个文件夹。")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{uuid.uuid4().hex[:6]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise IndexUnwritable(f"无法在 {folder} 写入索引({err.strerror or type(err).__name__}),"
                              "请用 --index 指定一个可写的文件夹。") from None


def _same_build(manifest: dict, hashes: dict, model_id: str, words: lexicons.Lexicon) -> bool:
    """Same corpus files, model and word tables (package defaults included): nothing to rebuild.
    A build from before documents' names were stored is made again once (its vectors are reused)."""
    return (manifest.get("format_version") == FORMAT_VERSION and manifest.get("corpus") == hashes
            and "documents" in manifest and manifest.get("parse_version", 1) == PARSE_VERSION
            and manifest.get("model") == model_id and manifest.get("lexicon") == words.digest())


def _read_previous(folder: Path) -> Index | None:
    try:
        return load_index(folder)
    except (IndexNotFound, IndexCorrupt, IndexMismatch):
        return None


def _embed_reusing(texts: list[str], previous: Index | None, encoder, progress,
                   partial: Path) -> tuple[np.ndarray, int]:
    """Embed only sentences that neither the previous build (same model) nor an interrupted
    one (``partial``, see qa/checkpoint.py) already has."""
    known: dict[str, np.ndarray] = {}
    if previous and previous.model_id == encoder.model_id:
        known = _reusable_vectors(previous, progress)
    resumed = checkpoint.load_chunks(partial)
    known.update(resumed)
    missing = sorted({t for t in texts if t not in known})
    if resumed:
        progress(f"继续上次中断的构建:已有 {len(resumed)} 个句子的向量")
    if missing:
        progress(f"正在计算 {len(missing)} 个句子的向量(模型 {encoder.model_id})…")
        known.update(checkpoint.embed_checkpointed(missing, encoder, partial, progress))
    dim = encoder.dim if not known else len(next(iter(known.values())))
    vectors = np.stack([known[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)
    return vectors.astype(np.float32), len(missing)


def _reusable_vectors(previous: Index, progress) -> dict[str, np.ndarray]:
    """text -> vector from the previous build; nothing if its files are damaged or disagree."""
    try:
        texts = _read_lines(previous.folder / "passages.jsonl")
        vectors = np.load(previous.folder / "embeddings.npy")
        background = _read_lines(previous.folder / "background.jsonl")
    except (OSError, ValueError, EOFError):  # JSON and UTF-8 errors are ValueErrors too
        texts, vectors, background = None, None, None
    usable = (texts is not None and vectors.ndim == 2 and len(texts) == len(vectors)
              and len(background) == len(previous.background)
              and previous.background.shape[1:] == vectors.shape[1:]
              and all(isinstance(t, str) for t in texts + background))
    if not usable:
        progress("上次构建的向量文件已损坏或不一致,全部重新计算。")
        return {}
    return dict(zip(texts + background, np.concatenate([vectors, previous.background])))


def _write_build(folder, manifest, items, segmenter, bm25, passages, texts, vectors, background,
                 words, roles) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    build = folder / f"build-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    build.mkdir()
    _write_lines(build / "items.jsonl", [item.to_dict() for item in items])
    (build / "user_words.txt").write_text("\n".join(segmenter.user_words), encoding="utf-8")
    bm25.save(build)
    _write_lines(build / "sentences.jsonl", [[i, s] for i, s in passages])
    np.save(build / "sentence_item.npy", np.array([i for i, _ in passages], dtype=np.int32))
    _write_lines(build / "passages.jsonl", texts)
    np.save(build / "embeddings.npy", vectors)
    save_faiss(build_faiss(vectors), build / "dense.faiss")
    _write_lines(build / "background.jsonl", background[0])
    np.save(build / "background.npy", background[1])
    words.save(build / "lexicon.json")
    (build / "roles.json").write_text(json.dumps(corpus_roles.save(roles), ensure_ascii=False), encoding="utf-8")
    # The manifest is written last: a build folder without one was interrupted.
    (build / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _point_current(folder, build.name)
    _remove_old_builds(folder, keep=build.name)
    return build


def _point_current(folder: Path, name: str) -> None:
    tmp = folder / f"CURRENT.{uuid.uuid4().hex[:6]}.tmp"
    tmp.write_text(name, encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, folder / "CURRENT")


def _remove_old_builds(folder: Path, keep: str) -> None:
    builds = sorted((p for p in folder.glob("build-*") if p.is_dir() and p.name != keep),
                    key=lambda p: p.stat().st_mtime)
    for old in builds[:max(0, len(builds) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in folder.glob("CURRENT.*.tmp"):
        stale.unlink(missing_ok=True)


def current_build(folder: Path) -> Path:
    pointer = Path(folder) / "CURRENT"
    if not pointer.is_file():
        raise IndexNotFound(f"找不到索引:{folder}。请先运行 python -m qa build")
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    if not BUILD_NAME.fullmatch(name):
        raise IndexCorrupt("索引目录中的 CURRENT 文件已损坏。请重新运行 python -m qa build")
    build = Path(folder) / name
    if not build.is_dir():
        raise IndexCorrupt(f"索引 {name} 已不存在(可能正被重新构建)。请在构建完成后再试,或重新运行 python -m qa build")
    if not (build / "manifest.json").is_file():
        raise IndexCorrupt(f"索引 {name} 不完整。请重新运行 python -m qa build")
    return build


def load_index(folder: Path, model_id: str | None = None) -> Index:
    """Load the live build; refuse an index from another format, or from another model when given.

    A build that disappears while it is read was replaced by a newer one (``build``
    keeps only two): the new CURRENT is read once more before giving up.
    """
    try:
        return _load_build(current_build(folder), model_id)
    except _Vanished:
        try:
            return _load_build(current_build(folder), model_id)
        except _Vanished:
            raise IndexCorrupt("索引正在被重新构建,文件在读取时被替换。请在构建完成后再重新加载。") from None


class _Vanished(Exception):
    """The build folder was removed while it was being read."""


def _load_build(build: Path, model_id: str | None) -> Index:
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        _check_manifest(manifest, model_id)
        items = [WorkItem.from_dict(d) for d in _read_lines(build / "items.jsonl")]
        words = (build / "user_words.txt").read_text(encoding="utf-8").split("\n")
        sentences = SentenceList(np.load(build / "sentence_item.npy", mmap_mode="r"), build / "sentences.jsonl")
        tables = _build_lexicon(build)
        roles = corpus_roles.load(json.loads((build / "roles.json").read_text(encoding="utf-8"))) if (
            build / "roles.json").is_file() else []
        index = Index(build, manifest, items, Segmenter.of([w for w in words if w], tables), BM25.load(build),
                      sentences, load_faiss(build / "dense.faiss"),
                      np.load(build / "background.npy", mmap_mode="r"), tables, roles)
    except (IndexMismatch, IndexCorrupt):
        raise
    except Exception as err:  # any broken file: say what to run, never a traceback
        if not (build / "manifest.json").is_file():
            raise _Vanished() from err
        raise IndexCorrupt(f"索引 {build.name} 已损坏,无法读取。请重新运行 python -m qa build") from err
    _check_counts(index)
    return index


def _build_lexicon(build: Path) -> lexicons.Lexicon:
    """The tables the build used; a build from before lexicon.json uses the package's."""
    path = build / "lexicon.json"
    return lexicons.Lexicon.read(path) if path.is_file() else lexicons.package()


def _check_manifest(manifest: dict, model_id: str | None) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(f"索引格式版本 {manifest.get('format_version')} 与程序({FORMAT_VERSION})不符。"
                            "请重新运行 python -m qa build")
    if model_id and manifest.get("model") != model_id:
        raise IndexMismatch(f"索引由模型 {manifest.get('model')} 构建,不能用模型 {model_id} 查询。"
                            "请用同一模型查询,或用新模型重新运行 python -m qa build --model …")


def _check_counts(index: Index) -> None:
    m = index.manifest
    if (len(index.items) != m.get("items") or len(index.sentences) != m.get("sentences")
            or index.faiss.ntotal != m.get("sentences") or index.faiss.d != m.get("dimension")):
        raise IndexCorrupt(f"索引 {index.folder.name} 的文件彼此不一致。请重新运行 python -m qa build")


def _write_lines(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_lines(path: Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
