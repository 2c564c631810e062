"""The streaming .xlsx reader of imports gives what openpyxl's read-only mode gives, row by row:
strings, numbers, booleans, dates and datetimes by their number format, sparse cells and rows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from townflow.dataio import xlsx_read


def _openpyxl_rows(path, title):
    book = load_workbook(path, read_only=True, data_only=True)
    rows = {}
    for number, row in enumerate(book[title].iter_rows(values_only=True), start=1):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        if values:
            rows[number] = values
    book.close()
    return rows


def test_same_values_as_openpyxl(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "数据 Data"
    sheet.append(["姓名 (full_name)", "出生日期", "数", "小数", "是否", "时间", "公式"])
    sheet.append(["王秀英", date(1990, 1, 5), 3, 2.5, True, datetime(2026, 3, 1, 9, 30), "=1+2"])
    sheet.append(["李 & <四>", "1990/1/5", 12345678901234, -0.125, False, None, None])
    sheet["A5"] = "隔一行"  # row 4 left empty
    sheet["D5"] = 7  # B and C empty
    sheet["B6"] = CellRichText([TextBlock(InlineFont(b=True), "粗"), "体"])
    members = book.create_sheet("成员 Members")
    members.append(["所属户", "姓名"])
    members.append(["户1", "王大女"])
    path = tmp_path / "book.xlsx"
    book.save(path)

    workbook = xlsx_read.Workbook(path)
    try:
        assert [title for title, _part in workbook.sheets] == ["数据 Data", "成员 Members"]
        for title, part in workbook.sheets:
            ours = {}
            for number, values in workbook.rows(part):
                while values and values[-1] is None:
                    values.pop()
                if values:
                    ours[number] = values
            theirs = _openpyxl_rows(path, title)
            assert ours == theirs
    finally:
        workbook.close()
    rows = dict(xlsx_read.Workbook(path).rows(workbook.sheets[0][1]))
    assert rows[2][1] == datetime(1990, 1, 5) and rows[2][5] == datetime(2026, 3, 1, 9, 30)
    assert rows[3][2] == 12345678901234 and rows[5] == ["隔一行", None, None, 7]
    assert rows[6][1] == "粗体"


def test_a_broken_part_is_an_error_naming_it(tmp_path):
    import zipfile

    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook><sheets>")
    with pytest.raises(xlsx_read.XlsxError, match=r"^xl/workbook.xml: Premature end of data"):
        xlsx_read.Workbook(path)
