"""A column's converter, worked out once per column (CellConverter.column), gives for every cell
what converting the cell on its own gives."""

from __future__ import annotations

import datetime as dt

from townflow.dataio.columns import CellConverter


def test_column_converter_equals_cell_conversion(site, people):
    convert = CellConverter(site, site.metas.get("Person"))
    cells = [
        None,
        "",
        "   ",
        " 张三 ",
        "女",
        "Female",
        "110105198001010024",
        110105198001010.0,
        13812345678.0,
        42,
        42.0,
        42.5,
        True,
        dt.date(2020, 1, 2),
        dt.datetime(2020, 1, 2, 3, 4, 5),
        "2020/1/2",
        people["h1"]["name"],
    ]
    fields = ["name", "full_name", "gender", "household", "id_number", "age", "mobile"]
    for fieldname in fields:
        column = convert.column(fieldname)
        assert [column(c) for c in cells] == [convert.convert(fieldname, c) for c in cells], fieldname
    text = convert.column("full_name")
    assert (text(" 张三 "), text("  "), text(12.0)) == ("张三", None, "12")
