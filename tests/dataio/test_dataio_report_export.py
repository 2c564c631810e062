"""A report of the spec to .xlsx and .csv through dataio (and `townflow export --report`), with
the report's permissions: its roles, the export right on its sources, the user's scope."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from site_support import make_user

from townflow.dataio.report import export_report
from townflow.runtime import Site
from townflow.runtime.clock import SteppingClock
from townflow.runtime.errors import PermissionError
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
REPORT = "Two-Girl Household Share"


@pytest.fixture(scope="module")
def report_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    site = Site.open(
        folder / "site",
        load_project(ROOT),
        admin_password="Pw-2026-x-test",
        now=SteppingClock(datetime(2026, 3, 1)),
    )
    admin = site.session("Administrator")
    villages = [r["name"] for r in site.db.fetchall('SELECT name FROM "tabVillage" ORDER BY name LIMIT 2')]
    # a two-girl and a girl-and-boy household in the first village, a two-girl one in the second
    for village, children in ((villages[0], "FF"), (villages[0], "FM"), (villages[1], "FF")):
        household = admin.insert(
            {
                "doctype": "Household",
                "village": village,
                "head_name": f"户主{village}{children}",
                "address": "1号",
            }
        )
        for index, sex in enumerate(children):
            admin.insert(
                {
                    "doctype": "Person",
                    "household": household["name"],
                    "full_name": f"孩{index}",
                    "gender": "Female" if sex == "F" else "Male",
                    "date_of_birth": f"201{index}-01-01",
                    "relationship": "Daughter" if sex == "F" else "Son",
                }
            )
    make_user(site, "township.x", ["Township Clerk"])
    make_user(site, "clerk.x", ["Village Clerk"], Village=[villages[0]])
    yield site, villages
    site.close()


def _rows(data: bytes) -> list[list]:
    return [
        list(r)
        for r in load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True)
    ]


def test_report_to_xlsx_and_csv_as_the_page_shows_it(report_site):
    site, villages = report_site
    township = site.session("township.x")
    out = io.BytesIO()
    assert export_report(township, REPORT, out, "xlsx") == 3  # two villages and the totals row
    rows = _rows(out.getvalue())
    assert rows[0][0] == "双女户占二孩户比例"
    assert rows[1][:2] == ["筛选条件", "全部（未筛选）"]
    header = rows.index(next(r for r in rows if r and r[0] == "村"))
    assert rows[header][:4] == ["村", "二孩户", "双女户", "双女户占比（%）"]
    body = {r[0]: r[1:4] for r in rows[header + 1 :]}
    assert body[villages[0]] == [2, 1, 50] and body[villages[1]] == [1, 1, 100]
    assert body["合计"] == [3, 2, pytest.approx(66.7)]

    out = io.BytesIO()
    export_report(township, REPORT, out, "csv", filters={"village": villages[1]}, lang="en")
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert lines[0] == ["Two-Girl Household Share"] and lines[1] == ["Village", villages[1]]
    assert [line[:4] for line in lines[4:]] == [
        [villages[1], "1", "1", "100.0"],
        ["Total", "1", "1", "100.0"],
    ]


def test_report_export_needs_the_export_right_and_the_cli_says_so(report_site, tmp_path, capsys, monkeypatch):
    site, _villages = report_site
    clerk = site.session("clerk.x")  # a Village Clerk reads the report but may not export Households
    with pytest.raises(PermissionError):
        export_report(clerk, REPORT, io.BytesIO(), "xlsx")

    from townflow.cli import main
    from townflow.dataio import commands

    monkeypatch.setattr(commands, "_open_site", lambda args: site)
    monkeypatch.setattr(site, "close", lambda: None)  # the module's site stays open
    target = tmp_path / "tally.xlsx"
    status = main(["export", "--site", "x", "--report", REPORT, "--user", "clerk.x", str(target)])
    assert status == 1 and "export refused" in capsys.readouterr().err and not target.exists()
    status = main(["export", "--site", "x", "--report", REPORT, "--user", "township.x", str(target)])
    assert status == 0 and "3 rows" in capsys.readouterr().out
    assert _rows(target.read_bytes())[0][0] == "双女户占二孩户比例"
