"""Word .docx: paragraphs as lines and tables as tables, in document order."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .docx_numbering import Numbering
from .extracted import Extracted, Unreadable
from .limits import ReadLimits, check_archive

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the container of old binary Word files and of password-protected Office files


def read_docx(path: Path, limits: ReadLimits) -> Extracted:
    if not zipfile.is_zipfile(path):
        raise Unreadable(not_a_zip_reason(path, "Word", ".docx"))
    check_archive(path, limits)
    import docx  # python-docx

    try:
        document = docx.Document(str(path))
        out = Extracted()
        _read_blocks(document, out, Numbering(document))
    except Exception as err:  # a broken package fails in zipfile, lxml or python-docx alike
        raise Unreadable("docx 文件已损坏") from err
    return out


def not_a_zip_reason(path: Path, program: str, suffix: str) -> str:
    """Why an Office file that is no zip archive cannot be read: old format, a password, or damage."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if not head.startswith(OLE_MAGIC):
        return f"{suffix.lstrip('.')} 文件已损坏"
    if "EncryptedPackage".encode("utf-16-le") in head:
        return f"文件设有打开密码,请在 {program} 中取消密码后另存为 {suffix}"
    if suffix == ".docx":
        return "这是旧版 Word(.doc)文件,请另存为 .docx"
    return f"这是旧版 {program} 文件,请用 {program} 另存为 {suffix}"


def _read_blocks(container, out: Extracted, numbering: Numbering) -> None:
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            out.add_table(_table_rows(block))
        else:
            out.lines.append(numbering.label(block) + block.text)


def _table_rows(table) -> list[list[str]]:
    """Every grid cell's text: python-docx repeats a merged cell (across or down) in each grid cell it spans."""
    texts: dict[int, str] = {}
    kept = []  # holding the elements keeps their id() unique while the table is read
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            key = id(cell._tc)
            if key not in texts:
                kept.append(cell._tc)
                texts[key] = _cell_text(cell)
            cells.append(texts[key])
        rows.append([""] * row.grid_cols_before + cells + [""] * row.grid_cols_after)
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def _cell_text(cell) -> str:
    """A cell's paragraphs, and the cells of a table nested in it, one per line."""
    from docx.table import Table

    lines = []
    for block in cell.iter_inner_content():
        if isinstance(block, Table):
            for row in _table_rows(block):
                lines.extend(dict.fromkeys(text for text in row if text))
        else:
            lines.append(block.text)
    return "\n".join(line for line in lines if line.strip())
