"""Every word table, loaded in one place: package defaults plus the corpus folder's own.

Package defaults (``qa/data``) are field-general: the vocabulary of Chinese social
policy, written from the field and not from any one document. A corpus folder may add
its own tables under ``<corpus>/lexicon/`` (staff add word pairs there):

    synonyms.tsv, *.tsv    everyday word <TAB> policy words   (any .tsv but the two below)
    unit_aliases.tsv       everyday unit name <TAB> unit stems
    roles.tsv              a role <TAB> its variant names      (roles.txt: one per line)
    background.txt         off-corpus statements (refusal)
    examples.txt           example questions for the chat page
    stopwords.txt          question words that name no topic

The loaded ``Lexicon`` is saved inside each index build and hashed into its manifest:
a changed table triggers a rebuild, and queries are always cut with the tables the
build used, never with whatever is on disk at ask time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

FOLDER = "lexicon"  # inside a corpus folder; never read as a policy document
_SPECIAL_TSV = {"unit_aliases.tsv", "roles.tsv"}


@dataclass(frozen=True)
class Lexicon:
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # everyday word -> policy words
    stopwords: list[str] = field(default_factory=list)
    roles: list[list[str]] = field(default_factory=list)  # [role, variant, ...]
    background: list[str] = field(default_factory=list)
    unit_aliases: dict[str, list[str]] = field(default_factory=dict)  # short name -> unit stems
    examples: list[str] = field(default_factory=list)
    corpus_files: list[str] = field(default_factory=list)  # the corpus's own tables that were read

    def digest(self) -> str:
        """sha256 of the content (not of file dates or order of loading)."""
        body = json.dumps({k: v for k, v in self.to_dict().items() if k != "corpus_files"},
                          ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Lexicon":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> "Lexicon":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def load(corpus_dir: Path | None = None) -> Lexicon:
    """Package defaults, then the tables under ``<corpus_dir>/lexicon/`` added to them."""
    tables = _Tables()
    for name, text in _package_files():
        tables.add(name, text)
    folder = Path(corpus_dir) / FOLDER if corpus_dir else None
    read: list[str] = []
    if folder and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and tables.knows(path.name):
                tables.add(path.name, path.read_text(encoding="utf-8-sig"))
                read.append(f"{FOLDER}/{path.name}")
    return tables.lexicon(read)


def package() -> Lexicon:
    """The package defaults alone (tests and tools that have no corpus)."""
    return load(None)


def _package_files():
    data = resources.files("qa").joinpath("data")
    for name in ("synonyms.tsv", "stopwords.txt", "roles.tsv", "background.txt", "unit_aliases.tsv",
                 "examples.txt"):
        yield name, data.joinpath(name).read_text(encoding="utf-8")


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r") for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _row(line: str) -> list[str]:
    return [part.strip() for part in line.split("\t") if part.strip()]


class _Tables:
    """Accumulates tables file by file; later files add to earlier ones, never silently replace."""

    def __init__(self):
        self.synonyms: dict[str, list[str]] = {}
        self.aliases: dict[str, list[str]] = {}
        self.stopwords: list[str] = []
        self.roles: dict[str, list[str]] = {}
        self.background: list[str] = []
        self.examples: list[str] = []

    @staticmethod
    def knows(name: str) -> bool:
        return name.endswith(".tsv") or name in {"roles.txt", "background.txt", "examples.txt", "stopwords.txt"}

    def add(self, name: str, text: str) -> None:
        lines = _lines(text)
        if name == "unit_aliases.tsv":
            _merge_groups(self.aliases, (_row(line) for line in lines))
        elif name in ("roles.tsv", "roles.txt"):
            _merge_groups(self.roles, (_row(line) for line in lines), keep_empty=True)
        elif name.endswith(".tsv"):
            _merge_groups(self.synonyms, (_row(line) for line in lines))
        elif name == "stopwords.txt":
            self.stopwords += [w.strip() for w in lines if w.strip() not in self.stopwords]
        elif name == "background.txt":
            self.background += [s.strip() for s in lines if s.strip() not in self.background]
        elif name == "examples.txt":  # a later (corpus) file's examples come first
            self.examples = list(dict.fromkeys([s.strip() for s in lines] + self.examples))

    def lexicon(self, corpus_files: list[str]) -> Lexicon:
        return Lexicon(self.synonyms, self.stopwords, [[k, *v] for k, v in self.roles.items()],
                       self.background, self.aliases, self.examples, corpus_files)


def _merge_groups(table: dict[str, list[str]], rows, keep_empty: bool = False) -> None:
    for row in rows:
        if not row:
            continue
        head, rest = row[0], [r for r in row[1:] if r != row[0]]
        if not rest and not keep_empty:
            continue
        known = table.setdefault(head, [])
        known.extend(r for r in rest if r not in known)
