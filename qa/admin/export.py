"""Duty lists (责任清单): one unit's work items as an Excel sheet or a Word table."""

from __future__ import annotations

import io

HEADERS = ["文件", "章节", "编号", "工作事项", "角色", "完成时限"]


def duty_rows(index, unit: str) -> list[list[str]]:
    """One row per item naming ``unit`` (any of its everyday names), in document order."""
    names = set(index.registry.resolve(unit)) or {unit}
    rows = []
    for item in index.items:
        if not names.intersection(item.units):
            continue
        if names.intersection(item.lead_units):
            role = "牵头"
        elif names.intersection(item.co_units):
            role = "配合"
        else:
            role = "负责"
        rows.append([item.doc, " › ".join(item.section), item.number or "", item.title, role,
                     item.deadline or ""])
    return rows


def to_xlsx(unit: str, rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "责任清单"
    sheet.append([f"{unit} 责任清单"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        # A leading = + - @ would make Excel evaluate document text as a formula.
        sheet.append([("'" + v) if v[:1] in ("=", "+", "-", "@") else v for v in row])
    for column, width in zip("ABCDEF", (30, 36, 8, 40, 8, 14)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_docx(unit: str, rows: list[list[str]]) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading(f"{unit} 责任清单", level=1)
    doc.add_paragraph(f"共 {len(rows)} 项工作。")
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADERS):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
