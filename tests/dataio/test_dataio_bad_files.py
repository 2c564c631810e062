"""Bad files (issue 15, point 7): each gets a clear error naming what is wrong, and leaves nothing
half-imported. A file-level fault refuses the whole file before any row is written; a bad value
(a date, an ID check digit) fails its row, named with the field, and writes nothing of that row."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook

from townflow.dataio.importer import ImportFileError, import_file

VALID_IDS = ["11010519491231002X", "110105198001010024"]  # GB 11643 check digits hold
HEADER = ["姓名", "gender", "household", "id_number", "born_on"]


def _xlsx(path, rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows] if header else rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _stored(site) -> list[tuple]:
    return [tuple(r) for r in site.db.fetchall('SELECT * FROM "tabPerson" ORDER BY name')]


@pytest.fixture
def before(site, people):
    return _stored(site)


def _refused(site, admin, path, message, before):
    with pytest.raises(ImportFileError, match=message):
        import_file(admin, "Person", path)
    assert _stored(site) == before  # not one row written


def test_wrong_headers(site, admin, people, tmp_path, before):
    path = _xlsx(
        tmp_path / "x.xlsx",
        [["甲", "Male", people["h1"]["name"], None, None]],
        header=["姓名", "性别x", "household"],
    )
    _refused(site, admin, path, r"x.xlsx: Person has no field for the header column 2 '性别x'", before)


def test_missing_required_column(site, admin, people, tmp_path, before):
    path = _xlsx(tmp_path / "x.xlsx", [["甲", people["h1"]["name"]]], header=["姓名", "household"])
    _refused(site, admin, path, r"x.xlsx: the required column\(s\) gender are missing", before)


def test_merged_cells(site, admin, people, tmp_path, before):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["甲", "Male", people["h1"]["name"], None, None])
    sheet.append(["乙", None, people["h1"]["name"], None, None])
    sheet.merge_cells("B2:B3")
    book.save(tmp_path / "m.xlsx")
    _refused(site, admin, tmp_path / "m.xlsx", "m.xlsx: merged cells in sheet1.xml; unmerge them", before)


def test_bad_dates_fail_their_rows_and_local_forms_are_read(site, admin, people, tmp_path, before):
    h1 = people["h1"]["name"]
    rows = [
        ["甲", "Male", h1, None, "1990-13-45"],
        ["乙", "Male", h1, None, "去年"],
        ["丙", "Male", h1, None, "1990年1月5日"],
        ["丁", "Male", h1, None, "1991/2/3"],
    ]
    result = import_file(admin, "Person", _xlsx(tmp_path / "d.xlsx", rows))
    assert [f.line for f in result.failed] == [2, 3]
    for failed in result.failed:
        assert failed.by_field["born_on"].endswith("must be a date (YYYY-MM-DD)")
    born = {
        r["full_name"]: r["born_on"] for r in site.db.fetchall('SELECT full_name, born_on FROM "tabPerson"')
    }
    assert born["丙"] == "1990-01-05" and born["丁"] == "1991-02-03"
    assert "甲" not in born and "乙" not in born


def test_bad_id_check_digit_fails_its_row_whole(site, admin, people, tmp_path, before):
    rows = [
        ["甲", "Female", people["h1"]["name"], "110105194912310021", None],  # the check digit is X
        ["乙", "Female", people["h1"]["name"], VALID_IDS[1], None],
    ]
    result = import_file(admin, "Person", _xlsx(tmp_path / "i.xlsx", rows))
    assert [f.line for f in result.failed] == [2] and len(result.inserted) == 1
    assert "id_number" in result.failed[0].by_field
    names = {r["full_name"] for r in site.db.fetchall('SELECT full_name FROM "tabPerson"')}
    assert "甲" not in names and "乙" in names


def test_duplicates_inside_the_file(site, admin, people, tmp_path, before):
    rows = [["甲", "Male", people["h1"]["name"], VALID_IDS[1], None]] * 2
    _refused(site, admin, _csv(tmp_path / "x.csv", rows), "rows 2 and 3 are the same record", before)


def test_one_megabyte_in_one_cell(site, admin, people, tmp_path, before):
    rows = [["甲", "Male", people["h1"]["name"], None, None], ["a" * 1_000_000, "Male", "H", None, None]]
    _refused(
        site, admin, _csv(tmp_path / "x.csv", rows), "row 3, column 1: a cell of 1,000,000 characters", before
    )


def test_empty_file(site, admin, tmp_path, before):
    (tmp_path / "empty.csv").write_bytes(b"")
    _refused(site, admin, tmp_path / "empty.csv", "empty.csv: the file is empty", before)
    _refused(site, admin, _xlsx(tmp_path / "header.xlsx", []), "has a header but no rows", before)


def test_xlsx_zip_bomb(site, admin, tmp_path, before):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(600):  # 600 MB of zeros, a few hundred KB compressed
                part.write(block)
    assert bomb.stat().st_size < 5 * 1024 * 1024
    _refused(site, admin, bomb, "bomb.xlsx: refused, it would unpack to", before)


def test_gbk_csv_as_chinese_excel_writes_it(site, admin, people, tmp_path, before):
    header = ["姓名", "gender", "household"]
    source = _csv(
        tmp_path / "gbk.csv", [["钱五", "女", "张三"], ["孙六", "男", "张三"]], header=header, encoding="gbk"
    )
    with pytest.raises(UnicodeDecodeError):
        source.read_bytes().decode("utf-8")  # truly GBK, not UTF-8
    result = import_file(admin, "Person", source)
    assert len(result.inserted) == 2 and result.failed == []
    stored = {r["full_name"]: dict(r) for r in site.db.fetchall('SELECT * FROM "tabPerson"')}
    assert stored["钱五"]["gender"] == "Female" and stored["孙六"]["gender"] == "Male"
    assert stored["钱五"]["household"] == people["h1"]["name"]  # 张三's household, by its head
