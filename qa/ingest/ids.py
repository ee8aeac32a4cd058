"""Stable, URL-safe document ids from file names: what item ids and citation links are built on."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# Letters (Chinese included), digits, "-", "_" and "." stay; anything else becomes "-".
UNSAFE = re.compile(r"[^\w.-]+")


def document_id(source: str) -> str:
    """``"2024/县 养老 方案.docx"`` -> ``"2024--县-养老-方案"``: the path without suffix, folders joined by "--"."""
    path = PurePosixPath(source)
    parts = [*path.parent.parts, path.stem] if str(path.parent) != "." else [path.stem]
    cleaned = [UNSAFE.sub("-", part).strip("-.") for part in parts]
    return "--".join(re.sub("-{2,}", "-", part) for part in cleaned if part) or "document"


def unique_ids(ids: list[str], sources: list[str]) -> list[str]:
    """Ids made unique where two files differ only by suffix ("plan.txt", "plan.docx")."""
    counts: dict[str, int] = {}
    for found in ids:
        counts[found] = counts.get(found, 0) + 1
    return [found if counts[found] == 1 else f"{found}-{PurePosixPath(source).suffix.lstrip('.').lower()}"
            for found, source in zip(ids, sources)]
