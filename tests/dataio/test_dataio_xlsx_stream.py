"""The streaming .xlsx writer of exports: what it writes reads back, value for value, in openpyxl
(normal and read-only), with the header bold, text escaped, numbers as numbers."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from townflow.dataio.xlsx_stream import write_rows


def test_values_read_back_exactly():
    lines = [
        ["姓名", "数 / n", "x<y & z>w", "空"],
        ["王<秀>英 & 李", 3, 2.5, None],
        ["'=1+2", -7, 1e20, ""],
        ["  leading and trailing  ", True, 0, "tab\there\nnew line"],
        ["bell\x07gone", 12345678901234, 0.1, "\u4e00" * 40],
        [None, None, "only the middle", None],
    ]
    out = io.BytesIO()
    assert write_rows(iter(lines), out, title="人员 [Persons]") == 5
    book = load_workbook(io.BytesIO(out.getvalue()))
    sheet = book.active
    assert sheet.title == "人员 _Persons_"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["姓名", "数 / n", "x<y & z>w", "空"]
    assert rows[1] == ["王<秀>英 & 李", 3, 2.5, None]
    assert rows[2] == ["'=1+2", -7, 1e20, None]
    assert rows[3] == ["  leading and trailing  ", 1, 0, "tab\there\nnew line"]
    assert rows[4] == ["bellgone", 12345678901234, 0.1, "\u4e00" * 40]
    assert rows[5] == [None, None, "only the middle", None]
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    streamed = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert [list(r) for r in streamed.active.iter_rows(values_only=True)] == rows


def test_wide_rows_and_the_package_parts():
    out = io.BytesIO()
    write_rows([[f"h{i}" for i in range(60)], list(range(60))], out)
    row = [list(r) for r in load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True)]
    assert row[1] == list(range(60)) and row[0][59] == "h59"
    names = zipfile.ZipFile(io.BytesIO(out.getvalue())).namelist()
    assert names == [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    ]
