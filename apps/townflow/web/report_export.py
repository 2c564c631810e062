"""A computed report as a file: Excel (.xlsx, written with openpyxl) or CSV, the filters listed
at the top, the same rows and totals as the page.

Cells that a spreadsheet would read as a formula (text beginning with = + - @, or a tab or
carriage return) are written as text with a leading apostrophe, so a value typed into a form
can never run as a formula in the reader's Excel (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a cell: numbers as they are, None empty, text that looks like a formula defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def table(columns: Sequence[dict], rows: Sequence[dict]) -> list[list[Any]]:
    """Header and rows as lists of cells, in the columns' order."""
    out = [[safe_cell(c.get("label") or c["fieldname"]) for c in columns]]
    for row in rows:
        out.append([safe_cell(row.get(c["fieldname"])) for c in columns])
    return out


def to_csv(
    title: str, filters: Sequence[tuple[str, str]], columns: Sequence[dict], rows: Sequence[dict]
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(title)])
    for label, value in filters:
        writer.writerow([safe_cell(label), safe_cell(value)])
    writer.writerow([])
    writer.writerows(table(columns, rows))
    # with a BOM, Excel opens the UTF-8 (Chinese) text correctly
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(
    title: str, filters: Sequence[tuple[str, str]], columns: Sequence[dict], rows: Sequence[dict]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Report"
    sheet.append([safe_cell(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in filters:
        sheet.append([safe_cell(label), safe_cell(value)])
    sheet.append([])
    header_row = sheet.max_row + 1
    for cells in table(columns, rows):
        sheet.append(cells)
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    if rows and rows[-1].get("is_total_row"):
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=header_row, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(str(column.get("label") or "")) * 2 + 2)
        if column.get("fieldtype") in ("Float", "Percent") and column.get("precision") is not None:
            fmt = "0." + "0" * int(column["precision"]) if column["precision"] else "0"
            for row in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
                row[0].number_format = fmt
        elif column.get("fieldtype") == "Currency":
            for row in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
                row[0].number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
