"""Import: rows through the runtime's insert/save (validation, permissions, one transaction per
row), Links by title, re-import without duplicates, failed rows with reasons, bad files refused."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from townflow.dataio.importer import import_file, progress_printer

VALID_IDS = ["11010519491231002X", "110105198001010024"]  # GB 11643 check digits hold
HEADER = ["姓名", "gender", "household", "id_number", "age"]


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
    csv.writer(buffer).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _persons(site) -> list[dict]:
    return [dict(r) for r in site.db.fetchall('SELECT * FROM "tabPerson" ORDER BY full_name')]


def test_xlsx_import_validates_each_row_and_writes_failed_rows(site, admin, people, tmp_path):
    source = _xlsx(
        tmp_path / "persons.xlsx",
        [
            ["刘一", "女", "张三", VALID_IDS[1], 30],  # household by its head's name, gender by 女
            ["陈二", "Male", people["h2"]["name"], "110105194912310021", 5],  # bad check digit
            ["孙三", "Robot", people["h1"]["name"], None, 7],  # not a Select value
            ["周四", "Male", "无此户", None, 200],  # no such household, age out of range
        ],
    )
    result = import_file(admin, "Person", source, failed_path=tmp_path / "failed.xlsx")
    assert len(result.inserted) == 1 and len(result.failed) == 3
    stored = {p["full_name"]: p for p in _persons(site)}
    assert stored["刘一"]["household"] == people["h1"]["name"]
    assert stored["刘一"]["village"] == "V1" and stored["刘一"]["gender"] == "Female"
    assert "陈二" not in stored and "孙三" not in stored and "周四" not in stored
    failed = [list(r) for r in load_workbook(tmp_path / "failed.xlsx").active.iter_rows(values_only=True)]
    assert failed[0][:5] == HEADER and failed[0][-1] == "错误 / Error"
    assert [r[0] for r in failed[1:]] == ["陈二", "孙三", "周四"]
    assert [r[-2] for r in failed[1:]] == [3, 4, 5]  # the row numbers in the file
    assert "id_number" in failed[1][-1] and "gender" in failed[2][-1] and "household" in failed[3][-1]


def test_reimport_matches_by_id_number_in_insert_and_update_mode(site, admin, people, tmp_path):
    rows = [["刘一", "Female", people["h1"]["name"], VALID_IDS[1], 30]]
    assert len(import_file(admin, "Person", _xlsx(tmp_path / "a.xlsx", rows)).inserted) == 1
    again = import_file(admin, "Person", _xlsx(tmp_path / "b.xlsx", rows))
    assert again.inserted == [] and len(again.skipped) == 1
    rows[0][4] = 31
    updated = import_file(admin, "Person", _xlsx(tmp_path / "c.xlsx", rows), update=True)
    assert len(updated.updated) == 1
    matches = [p for p in _persons(site) if p["id_number"] == VALID_IDS[1]]
    assert len(matches) == 1 and matches[0]["age"] == 31


def test_clerk_imports_only_into_own_village(site, people, tmp_path):
    clerk = site.session("clerk1")
    source = _csv(tmp_path / "h.csv", [["V1", "甲"], ["V2", "乙"]], header=["village", "head_name"])
    result = import_file(clerk, "Household", source)
    assert len(result.inserted) == 1 and len(result.failed) == 1
    heads = {r["head_name"] for r in site.db.fetchall('SELECT head_name FROM "tabHousehold"')}
    assert "甲" in heads and "乙" not in heads


def test_progress_is_one_line_per_ten_percent_off_a_terminal():
    out = io.StringIO()
    report = progress_printer(out)
    for done in range(1, 51):
        report(done, 50)
    lines = out.getvalue().splitlines()
    assert lines[0] == "10% (5/50 rows)" and lines[-1] == "100% (50/50 rows)"
    assert len(lines) == 10


def test_cli_import_reports_progress_and_writes_failed_rows(
    site, project, people, tmp_path, capsys, monkeypatch
):
    from townflow.cli import main
    from townflow.dataio import commands
    from townflow.runtime import Site

    site.close()  # the command opens the site itself, with the in-memory test project
    monkeypatch.setattr(commands, "_open_site", lambda args: Site.open(args.site, project))
    rows = [[f"人{i}", "女", people["h1"]["name"], None, i] for i in range(18)] + [
        ["坏", "Robot", "H", None, 1]
    ]
    source = _csv(tmp_path / "p.csv", rows)
    status = main(["import", "--site", str(tmp_path / "site"), "--doctype", "Person", str(source)])
    out = capsys.readouterr()
    assert status == 1  # a row failed
    assert "18 inserted" in out.out and "1 failed" in out.out
    assert out.err.splitlines()[-1] == "100% (19/19 rows)"
    failed = list(load_workbook(tmp_path / "p.failed.xlsx").active.iter_rows(values_only=True))
    assert failed[1][0] == "坏" and "gender" in failed[1][-1]
    reopened = Site.open(tmp_path / "site", project)
    try:
        assert reopened.db.scalar('SELECT COUNT(*) FROM "tabPerson" WHERE full_name LIKE ?', ("人%",)) == 18
    finally:
        reopened.close()


def test_a_failed_row_inside_a_batch_leaves_its_neighbours(site, admin, people, tmp_path):
    rows = [
        ["甲", "Male", people["h1"]["name"], None, 1],
        ["乙", "Female", people["h1"]["name"], "110105194912310021", 2],  # wrong check digit
        ["丙", "Female", people["h1"]["name"], None, 3],
    ]
    result = import_file(admin, "Person", _xlsx(tmp_path / "batch.xlsx", rows))
    assert len(result.inserted) == 2 and [f.line for f in result.failed] == [3]
    names = {p["full_name"] for p in _persons(site)}
    assert {"甲", "丙"} <= names and "乙" not in names


def test_a_record_the_importer_may_not_read_is_never_matched_or_counted(site, admin, people, tmp_path):
    """Re-import says nothing about another village: a V2 person with the ID number a V1 clerk
    imports is not 'skipped' (that would confirm her existence); the row is the clerk's own record
    (in the real project the ID is unique, and the clash answers as any other does)."""
    admin.save({**admin.get("Person", people["p2"]["name"]), "id_number": VALID_IDS[1]})
    clerk = site.session("clerk1")
    rows = [["刘一", "Female", people["h1"]["name"], VALID_IDS[1], 30]]
    result = import_file(clerk, "Person", _xlsx(tmp_path / "p.xlsx", rows))
    assert result.skipped == [] and result.updated == []
    assert people["p2"]["name"] not in result.inserted


def test_import_writes_the_rows_the_check_read_and_leaves_no_spool(site, admin, people, tmp_path):
    """The first pass keeps the rows it checked (reader._Spool); the import writes those, even if
    the file changes in between, and the kept rows go when the import is done with them."""
    import gc
    import os

    from townflow.dataio.importer import prepare, run_import

    source = _xlsx(
        tmp_path / "p.xlsx", [[f"人{i}", "Female", people["h1"]["name"], None, i % 100] for i in range(1200)]
    )
    prepared = prepare(admin, "Person", source)
    spool = prepared.main.table.lines.__self__.path
    assert os.path.exists(spool)
    _xlsx(source, [["换了", "Male", people["h1"]["name"], None, 1]])  # the file replaced after the check
    result = run_import(admin, prepared)
    assert len(result.inserted) == 1200 and result.failed == []
    stored = site.db.fetchall("SELECT full_name, age FROM \"tabPerson\" WHERE full_name LIKE '人%'")
    assert sorted((r[0], r[1]) for r in stored) == sorted((f"人{i}", i % 100) for i in range(1200))
    del prepared
    gc.collect()
    assert not os.path.exists(spool)


def test_reimport_of_many_batches_matches_every_row_by_id_number(site, admin, people, tmp_path):
    """The existing records of a batch are looked up together (importer._known_keys): re-importing
    a file of more than one batch skips, or updates, every row and duplicates none."""
    from townflow.rules.validators import id_number_check_char

    ids = []
    for i in range(620):
        first17 = f"11010519800101{i:03d}"
        ids.append(first17 + id_number_check_char(first17))
    gender = ["Female", "Male"]  # the ID number's 17th digit: odd for a man
    rows = [[f"人{i}", gender[int(ids[i][16]) % 2], people["h1"]["name"], ids[i], 30] for i in range(620)]
    first = import_file(admin, "Person", _xlsx(tmp_path / "a.xlsx", rows))
    assert len(first.inserted) == 620 and first.failed == []
    again = import_file(admin, "Person", _xlsx(tmp_path / "b.xlsx", rows))
    assert again.inserted == [] and sorted(again.skipped) == sorted(first.inserted)
    for row in rows:
        row[4] = 31
    updated = import_file(admin, "Person", _xlsx(tmp_path / "c.xlsx", rows), update=True)
    assert sorted(updated.updated) == sorted(first.inserted)
    count, ages = site.db.fetchone(
        "SELECT COUNT(*), GROUP_CONCAT(DISTINCT age) FROM \"tabPerson\" WHERE full_name LIKE '人%'"
    )
    assert (count, ages) == (620, "31")


def test_batches_grow_with_the_file_up_to_five_thousand_rows():
    """Fewer commits (fsyncs) for a large file, progress still moving in steps of 5% or less."""
    from townflow.dataio.importer import batch_rows

    assert [batch_rows(n) for n in (1, 9_999, 20_000, 30_000, 100_000, 1_000_000)] == [
        500,
        500,
        1000,
        1500,
        5000,
        5000,
    ]


def test_a_failed_row_in_a_large_file_leaves_the_other_rows_and_nothing_of_itself(
    site, admin, people, tmp_path
):
    """Failed rows in two batches of a larger file: every good row is written once (with its
    search keys and audit row), the bad rows are reported with their reasons and leave nothing
    behind."""
    rows = [[f"人{i}", "Female", people["h1"]["name"], None, i % 100] for i in range(1300)]
    rows[699][1] = "Robot"  # line 701: not a Select value (second batch of 500)
    rows[1099][4] = 200  # line 1101: age out of range (third batch)
    before = site.db.scalar("SELECT COUNT(*) FROM __audit_log WHERE action = 'insert'")
    result = import_file(admin, "Person", _xlsx(tmp_path / "p.xlsx", rows))
    assert len(result.inserted) == 1298 and len(set(result.inserted)) == 1298
    assert [(f.line, f.messages[0].field) for f in result.failed] == [(701, "gender"), (1101, "age")]
    stored = site.db.fetchall("SELECT full_name FROM \"tabPerson\" WHERE full_name LIKE '人%'")
    assert sorted(r[0] for r in stored) == sorted(f"人{i}" for i in range(1300) if i not in (699, 1099))
    keys = site.db.scalar(
        'SELECT COUNT(DISTINCT pinyin_name) FROM "tabPinyin Key" WHERE pinyin_doctype = ? AND pinyin_name IN '
        "(SELECT name FROM \"tabPerson\" WHERE full_name LIKE '人%')",
        ("Person",),
    )
    inserts = site.db.scalar("SELECT COUNT(*) FROM __audit_log WHERE action = 'insert'") - before
    assert (keys, inserts) == (1298, 1298)
    assert site.audit.verify().ok
