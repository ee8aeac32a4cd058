"""Which files of a corpus folder are documents: by suffix, never hidden, never outside the folder."""

from __future__ import annotations

import os
from pathlib import Path

from .formats import SUFFIXES

SKIPPED_NAMES = {"readme.md"}
OUTSIDE = "符号链接指向语料目录之外,不予读取"


def scan(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Document files under ``folder``, sorted, and (source, reason) for each link that leaves it.

    Symbolic links are followed only where they stay inside the folder, so a
    link to /etc/passwd is never read, hashed or indexed; linked folders are
    not walked (they would list files twice, or loop).
    """
    folder = Path(folder)
    root = folder.resolve()
    found, skipped = [], []
    for base, dirs, names in os.walk(folder):
        here = Path(base)
        for name in list(dirs):
            path = here / name
            if name.startswith(".") or (here == folder and name == "lexicon"):
                dirs.remove(name)  # lexicon/: the corpus's own word tables (qa/lexicon.py), not documents
            elif path.is_symlink():
                dirs.remove(name)
                if not _inside(path, root):
                    skipped.append((_source(path, folder), OUTSIDE))
        for name in names:
            path = here / name
            if not _is_document(name):
                continue
            if path.is_symlink() and not _inside(path, root):
                skipped.append((_source(path, folder), OUTSIDE))
            elif path.is_file():
                found.append(path)
    return sorted(found, key=lambda p: _source(p, folder)), sorted(skipped)


def _is_document(name: str) -> bool:
    return (not name.startswith((".", "~$")) and Path(name).suffix.lower() in SUFFIXES
            and name.lower() not in SKIPPED_NAMES)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a dangling or looping link
        return False


def _source(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()
