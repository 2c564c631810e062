"""Households with their members in one file (the real project's Household and Person): the
template's Members sheet, members linked to their household by the file's ID, the household's
derived counts (children, daughters, type) computed by the runtime's own rule, re-import without
duplicates, and a member whose household is nowhere failing with its reason."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from townflow.dataio.importer import import_file
from townflow.dataio.template import MEMBERS_SHEET, write_template
from townflow.rules.validators import id_number_check_char
from townflow.runtime import Site
from townflow.runtime.clock import SteppingClock
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


def _id(born: str, seq: int, female: bool) -> str:
    seq = seq * 2 + (0 if female else 1)  # the 17th digit: even for a woman
    first17 = f"370626{born.replace('-', '')}{seq:03d}"
    return first17 + id_number_check_char(first17)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("households")
    site = Site.open(
        folder / "site",
        load_project(ROOT),
        admin_password="Pw-2026-x-test",
        now=SteppingClock(datetime(2026, 3, 1)),
    )
    yield site
    site.close()


def _member(household, name, gender, born, relationship, seq):
    female = gender == "女"
    return {
        "household": household,
        "full_name": name,
        "gender": gender,
        "date_of_birth": born,
        "id_number": _id(born, seq, female),
        "relationship": relationship,
    }


def test_households_and_members_in_one_file(real_site, tmp_path):
    admin = real_site.session("Administrator")
    path = tmp_path / "households.xlsx"
    write_template(real_site, real_site.metas.get("Household"), path)
    book = load_workbook(path)
    data, members = book["数据 Data"], book[MEMBERS_SHEET]
    header = [c.value for c in data[1]]
    member_header = [c.value for c in members[1]]
    assert header[0] == "ID" and "户主姓名 (head_name)" in header
    assert "所属户 (household)" in member_header

    def row(sheet_header, values):
        return [values.get(h.rsplit("(", 1)[-1].rstrip(")") if "(" in h else h) for h in sheet_header]

    households = [
        {
            "ID": "户1",
            "village": "东关村",
            "head_name": "王导一",
            "address": "东关村1组8号",
            "residence_type": "农村户籍",
        },
        {"ID": "户2", "village": "东关村", "head_name": "赵导二", "address": "东关村2组3号"},
    ]
    for values in households:
        data.append(row(header, {"income_status": "Normal", "residence_type": "Rural", **values}))
    people = [
        _member("户1", "王导一", "男", "1980-05-01", "户主", 1),
        _member("户1", "李导妻", "女", "1982-06-01", "配偶", 2),
        _member("户1", "王大女", "女", "2008-01-01", "女儿", 3),
        _member("户1", "王二女", "女", "2012-01-01", "女儿", 4),
        _member("户2", "赵导二", "男", "1979-01-01", "户主", 5),
        _member("户2", "赵小子", "男", "2010-03-03", "儿子", 6),
        _member("户9", "无户人", "女", "1990-01-01", "其他", 7),  # no such household, here or stored
    ]
    for values in people:
        members.append(row(member_header, values))
    book.save(path)

    result = import_file(admin, "Household", path, failed_path=tmp_path / "failed.xlsx")
    assert len(result.inserted) == 2 and result.failed == []
    assert len(result.members.inserted) == 6
    assert [f.line for f in result.members.failed] == [8]
    assert "household" in result.members.failed[0].by_field
    stored = {
        r["head_name"]: dict(r)
        for r in real_site.db.fetchall(
            "SELECT name, head_name, number_of_children, number_of_daughters, household_type, "
            'is_girl_household FROM "tabHousehold" WHERE head_name IN (?, ?)',
            ("王导一", "赵导二"),
        )
    }
    assert stored["王导一"]["number_of_children"] == 2 and stored["王导一"]["number_of_daughters"] == 2
    assert stored["王导一"]["household_type"] == "Two-girl" and stored["王导一"]["is_girl_household"] == 1
    assert stored["赵导二"]["household_type"] == "One-child" and stored["赵导二"]["number_of_daughters"] == 0
    members_of = real_site.db.fetchall(
        'SELECT full_name, village FROM "tabPerson" WHERE household = ? ORDER BY full_name',
        (stored["王导一"]["name"],),
    )
    assert len(members_of) == 4 and {r["village"] for r in members_of} == {"东关村"}
    failed = load_workbook(tmp_path / "failed.xlsx")
    assert failed.sheetnames == ["Failed rows", "Failed members"]
    lines = list(failed["Failed members"].iter_rows(values_only=True))
    assert len(lines) == 2 and "无户人" in lines[1] and lines[1][-2] == 8

    again = import_file(admin, "Household", path)
    assert again.inserted == [] and len(again.skipped) == 2
    assert again.members.inserted == [] and len(again.members.skipped) == 6
    count = real_site.db.scalar(
        'SELECT COUNT(*) FROM "tabPerson" WHERE full_name IN (?, ?, ?, ?)',
        ("王导一", "李导妻", "王大女", "王二女"),
    )
    assert count == 4
