"""What a format reader hands back, before cleaning: raw text with table marks, and the tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A table stands in the raw text as a line of its own holding a private-use mark,
# so that cleaning (which drops and joins lines) carries its place along.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
MARK_LINE = re.compile(rf"^{MARK_OPEN}(\d+){MARK_CLOSE}\n?", re.M)


class Unreadable(Exception):
    """Why a file cannot be read, in Chinese; becomes a ``DocumentError`` with the file's name."""


@dataclass
class RawTable:
    rows: list[list[str]]
    caption: str = ""  # only where the format names it (a sheet name)


@dataclass
class Extracted:
    """Raw text in reading order; each table is a mark line in ``text`` and an entry in ``tables``."""

    lines: list[str] = field(default_factory=list)
    tables: list[RawTable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add_table(self, rows: list[list[str]], caption: str = "", lines: list[str] | None = None) -> None:
        """Keep a table (unless it is empty) and put its mark at the end of ``lines`` (default: the text)."""
        if any(cell.strip() for row in rows for cell in row):
            (self.lines if lines is None else lines).append(table_mark(len(self.tables)))
            self.tables.append(RawTable(rows, caption))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def table_mark(index: int) -> str:
    return f"{MARK_OPEN}{index}{MARK_CLOSE}"


def is_mark(line: str) -> bool:
    return line.startswith(MARK_OPEN)
