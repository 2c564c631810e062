"""Households with their members as rows of the same sheet (Frappe's Data Import layout for child
rows): the household's columns filled on its first row, the member columns (`… (成员)` /
`(Members)`) on that row and the following ones, whose household columns are empty."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from townflow.dataio.importer import ImportFileError, import_file, member_column
from townflow.rules.validators import id_number_check_char
from townflow.runtime import Site
from townflow.runtime.clock import SteppingClock
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
HEADER = [
    "ID",
    "村",
    "户主姓名",
    "家庭住址",
    "姓名 (成员)",
    "性别 (成员)",
    "出生日期 (Members)",
    "公民身份号码 (成员)",
    "与户主关系 (成员)",
]
EMPTY = [None, None, None, None]


def _id(born: str, seq: int, female: bool) -> str:
    first17 = f"370626{born.replace('-', '')}{seq * 2 + (0 if female else 1):03d}"
    return first17 + id_number_check_char(first17)


def _member(name, gender, born, relationship, seq):
    return [name, gender, born, _id(born, seq, gender == "女"), relationship]


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("same_sheet")
    site = Site.open(
        folder / "site",
        load_project(ROOT),
        admin_password="Pw-2026-x-test",
        now=SteppingClock(datetime(2026, 3, 1)),
    )
    yield site
    site.close()


def _write(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "户 Households"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_member_column_headers():
    assert member_column("姓名 (成员)") == "姓名"
    assert member_column("Full Name (Members)") == "Full Name"
    assert member_column("公民身份号码 (id_number)（成员）") == "公民身份号码 (id_number)"
    assert member_column("members.full_name") == "full_name"
    assert member_column("户主姓名 (head_name)") is None


def test_members_as_rows_of_the_households_sheet(real_site, tmp_path):
    admin = real_site.session("Administrator")
    path = _write(
        tmp_path / "one_sheet.xlsx",
        [
            ["户1", "东关村", "钱同一", "东关村5组1号", *_member("钱同一", "男", "1981-02-01", "户主", 11)],
            [*EMPTY, *_member("孙同妻", "女", "1983-03-01", "配偶", 12)],
            [*EMPTY, *_member("钱小女", "女", "2011-04-01", "女儿", 13)],
            ["户2", "东关村", "周同二", "东关村6组2号", *_member("周同二", "男", "1975-01-01", "户主", 14)],
            [*EMPTY, *_member("周小儿", "男", "2009-09-09", "儿子", 15)],
            ["户3", "无此村", "吴坏户", "某处", *_member("吴坏户", "男", "1970-01-01", "户主", 16)],
            [*EMPTY, *_member("吴某女", "女", "1995-01-01", "女儿", 17)],
        ],
    )
    result = import_file(admin, "Household", path, failed_path=tmp_path / "failed.xlsx")
    assert result.total == 3 and len(result.inserted) == 2
    assert [f.line for f in result.failed] == [7] and "village" in result.failed[0].by_field
    assert result.members.total == 7 and len(result.members.inserted) == 5
    assert [f.line for f in result.members.failed] == [7, 8]
    assert (
        result.members.failed[0].by_field["household"]
        == "第 7 行的户未导入 / the household of row 7 was not imported"
    )

    households = {
        r["head_name"]: dict(r)
        for r in real_site.db.fetchall(
            'SELECT name, head_name, number_of_children, number_of_daughters FROM "tabHousehold" '
            "WHERE head_name IN (?, ?, ?)",
            ("钱同一", "周同二", "吴坏户"),
        )
    }
    assert sorted(households) == ["周同二", "钱同一"]
    assert (
        households["钱同一"]["number_of_children"] == 1 and households["钱同一"]["number_of_daughters"] == 1
    )
    assert (
        households["周同二"]["number_of_children"] == 1 and households["周同二"]["number_of_daughters"] == 0
    )
    members = real_site.db.fetchall(
        'SELECT full_name FROM "tabPerson" WHERE household = ? ORDER BY full_name',
        (households["钱同一"]["name"],),
    )
    assert [r["full_name"] for r in members] == ["孙同妻", "钱同一", "钱小女"]
    failed = load_workbook(tmp_path / "failed.xlsx")
    assert failed.sheetnames == ["Failed rows", "Failed members"]
    lines = list(failed["Failed members"].iter_rows(values_only=True))
    assert lines[0] == (*HEADER, "行 / Row", "错误 / Error")
    assert [line[4] for line in lines[1:]] == ["吴坏户", "吴某女"] and [line[-2] for line in lines[1:]] == [
        7,
        8,
    ]

    again = import_file(admin, "Household", path)  # re-import: matched, nothing duplicated
    assert again.inserted == [] and len(again.skipped) == 2
    assert again.members.inserted == [] and len(again.members.skipped) == 5
    assert real_site.db.scalar('SELECT COUNT(*) FROM "tabPerson" WHERE full_name = ?', ("孙同妻",)) == 1


def test_same_member_twice_in_the_sheet_imports_nothing(real_site, tmp_path):
    admin = real_site.session("Administrator")
    twice = _member("郑重复", "女", "1990-01-01", "户主", 21)
    path = _write(
        tmp_path / "twice.xlsx",
        [["户1", "东关村", "郑重复", "东关村7组1号", *twice], [*EMPTY, *twice]],
    )
    with pytest.raises(
        ImportFileError, match=r"twice\.xlsx \(sheet members\): rows 2 and 3 are the same record"
    ):
        import_file(admin, "Household", path)
    assert real_site.db.scalar('SELECT COUNT(*) FROM "tabHousehold" WHERE head_name = ?', ("郑重复",)) == 0
