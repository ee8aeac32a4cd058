"""Excel .xlsx task tables: each sheet a table named after the sheet, merged cells resolved."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .docx import not_a_zip_reason
from .extracted import Extracted, Unreadable
from .limits import ReadLimits, check_archive


def read_xlsx(path: Path, limits: ReadLimits) -> Extracted:
    """Sheet by sheet: a title row merged across the whole sheet becomes a text line, the rest a table."""
    if not zipfile.is_zipfile(path):
        raise Unreadable(not_a_zip_reason(path, "Excel", ".xlsx"))
    check_archive(path, limits)
    import openpyxl

    try:
        # Not read-only: merged ranges are only known to a fully loaded workbook.
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as err:
        raise Unreadable("xlsx 文件已损坏") from err
    out = Extracted()
    for sheet in book.worksheets:
        rows = sheet_rows(sheet)
        while len(rows) > 1 and len(rows[0]) > 1 and len(set(rows[0])) == 1 and rows[0][0]:
            out.lines.append(rows.pop(0)[0])  # "XX县2024年重点任务分工表" spanning every column
        out.add_table(rows, caption=sheet.title)
    book.close()
    if not out.tables and not out.lines:
        raise Unreadable("表格中没有内容")
    return out


def sheet_rows(sheet) -> list[list[str]]:
    """Cell texts of the used area; a merged range's value fills every cell it covers."""
    values = [[_text(cell.value) for cell in row] for row in sheet.iter_rows()]
    for merged in sheet.merged_cells.ranges:
        top = values[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(values) else ""
        for r in range(merged.min_row - 1, min(merged.max_row, len(values))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(values[r]))):
                values[r][c] = top
    rows = [row for row in values if any(row)]
    used = [c for c in range(max((len(row) for row in rows), default=0)) if any(row[c] for row in rows if c < len(row))]
    return [[row[c] if c < len(row) else "" for c in used] for row in rows]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d") if not getattr(value, "hour", 0) else value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()
