"""Reports over the web: Frappe's query_report.run, the report pages, the dashboard, and the
Excel / CSV exports — on the demo site, each user's figures through the same permission check."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi import FastAPI

from townflow.runtime.reports import run_report
from townflow.runtime.site import Site
from townflow.web.app import create_app
from townflow.web.report_export import safe_cell, to_csv, to_xlsx

from .test_pages_support import CLERK, demo_site, login, village_of

APPROVER = "approver@demo"
RUN = "/api/method/frappe.desk.query_report.run"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


def test_query_report_run_answers_as_frappe_does(app, site):
    client = login(app, APPROVER)
    answer = client.get(
        RUN, params={"report_name": "Benefit Tally", "filters": json.dumps({"group_by": "village"})}
    )
    assert answer.status_code == 200, answer.text
    message = answer.json()["message"]
    assert {"result", "columns", "chart", "report_summary", "message", "add_total_row"} <= set(message)
    assert [c["fieldname"] for c in message["columns"]] == ["village", "applications", "households", "amount"]
    *rows, total = message["result"]
    assert total["is_total_row"] == 1 and total["village"] == "合计"
    assert total["applications"] == sum(r["applications"] for r in rows) > 0
    expected = run_report(site.session(APPROVER), "Benefit Tally", {"group_by": "village"}).as_frappe()
    assert message["result"] == expected["result"]
    # POST with a JSON body answers the same
    posted = client.post(
        RUN,
        json={"report_name": "Benefit Tally", "filters": {"group_by": "village"}},
        headers={"X-Frappe-CSRF-Token": _csrf(client)},
    )
    assert posted.json()["message"]["result"] == message["result"]


def _csrf(client) -> str:
    return client.get("/api/method/townflow.api.csrf_token").json()["message"]


def test_a_village_clerks_report_covers_their_village_only(app, site):
    village = village_of(site, CLERK)
    clerk = login(app, CLERK).get(RUN, params={"report_name": "Village Completeness"}).json()["message"]
    *rows, total = clerk["result"]
    assert [r["village"] for r in rows] == [village]
    township = run_report(site.session("Administrator"), "Village Completeness", {}).result
    theirs = next(r for r in township if r["village"] == village)
    assert {k: total[k] for k in ("households", "persons", "ongoing")} == {
        k: theirs[k] for k in ("households", "persons", "ongoing")
    }
    assert total["persons"] < sum(r["persons"] for r in township)


def test_reports_are_refused_to_roles_not_listed(app):
    facility = login(app, "facility@demo")
    answer = facility.get(RUN, params={"report_name": "Benefit Tally"})
    assert answer.status_code == 403 and answer.json()["exc_type"] == "PermissionError"
    assert facility.get("/app/query-report/benefit-tally").status_code == 403
    missing = facility.get(RUN, params={"report_name": "No Such Report"})
    assert missing.status_code == 404
    bad = login(app, APPROVER).get(RUN, params={"report_name": "Benefit Tally", "filters": '{"villag": "x"}'})
    assert bad.status_code == 417 and "villag" in bad.text


def test_openapi_lists_query_report_run(app):
    schema = login(app, APPROVER).get("/openapi.json").json()
    assert "/api/method/frappe.desk.query_report.run" in schema["paths"]
    assert "/api/method/frappe.desk.query_report.export_query" in schema["paths"]


def test_excel_export_opens_and_holds_the_same_numbers(app, site):
    client = login(app, APPROVER)
    village = village_of(site, CLERK)
    answer = client.get("/app/query-report/benefit-tally/export.xlsx", params={"village": village})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0] == "奖励扶助统计"
    assert cells[1][:2] == ["村", village]  # the filters, listed at the top
    header = cells.index(["优惠类别", "批准/兑现件数", "受益户数", "金额（元）"])
    expected = run_report(site.session(APPROVER), "Benefit Tally", {"village": village})
    body = cells[header + 1 :]
    assert len(body) == len(expected.result) + 1
    assert [r[1:] for r in body[:-1]] == [
        [r["applications"], r["households"], r["amount"]] for r in expected.result
    ]
    assert body[-1] == [
        "合计",
        expected.totals["applications"],
        expected.totals["households"],
        expected.totals["amount"],
    ]


def test_csv_export_lists_filters_and_totals(app, site):
    client = login(app, APPROVER)
    text = client.get("/app/query-report/sex-ratio-at-birth/export.csv").content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "出生人口性别比" and lines[1].startswith("筛选条件")
    assert lines[-1].startswith("合计,")


def test_cells_that_look_like_formulas_are_written_as_text():
    assert [safe_cell(v) for v in ("=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "东关村", 12, -5.5, None)] == [
        "'=1+2",
        "'+cmd",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "东关村",
        12,
        -5.5,
        "",
    ]
    columns = [{"fieldname": "village", "label": "村"}, {"fieldname": "n", "label": "数", "fieldtype": "Int"}]
    rows = [{"village": '=HYPERLINK("http://x","点我")', "n": 3}]
    assert "'=HYPERLINK" in to_csv("t", [("村", "=cmd")], columns, rows).decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx("t", [("村", "=cmd")], columns, rows))).active
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "'=cmd" in values and '\'=HYPERLINK("http://x","点我")' in values and 3 in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_report_page_shows_filters_table_totals_chart_and_exports(app):
    page = login(app, APPROVER).get("/app/query-report/department-timeliness").text
    assert "部门办理时效" in page
    assert 'name="from_date"' in page and 'name="department"' in page and 'name="group_by"' in page
    assert 'id="report-table"' in page and 'class="total-row"' in page and ">合计<" in page
    assert (
        'id="report-chart-data"' in page and "/static/vendor/frappe-charts/frappe-charts.min.umd.js" in page
    )
    assert "export.xlsx" in page and "export.csv" in page
    assert "村委会主任" in page  # the office shown by its Chinese label, not the role's name


def test_the_dashboard_is_the_township_home_and_a_village_sees_its_own(app, site):
    approver = login(app, APPROVER)
    home = approver.get("/app", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/app/dashboard"
    assert approver.get("/app?home=forms").status_code == 200
    board = approver.get("/app/dashboard").text
    assert (
        "关爱女孩行动" in board and "data-card=" in board and "/app/query-report/sex-ratio-at-birth" in board
    )
    clerk = login(app, CLERK)
    assert clerk.get("/app", follow_redirects=False).status_code == 200  # clerks keep the forms home
    page = clerk.get("/app/dashboard").text
    assert village_of(site, CLERK) in page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    api = clerk.get("/api/method/townflow.api.dashboard").json()["message"]
    cards = {c["name"]: c for c in api["cards"]}
    clerk_total = run_report(site.session(CLERK), "Benefit Tally", {}).totals["households"]
    assert cards["Benefit Households"]["value"] == clerk_total


def test_exporting_needs_the_export_right(app):
    """A village clerk may run the Sex Ratio at Birth (report) but not export it (no export right
    on Pregnancy Record): no export buttons, and the file is refused by URL and by REST."""
    clerk = login(app, CLERK)
    page = clerk.get("/app/query-report/sex-ratio-at-birth")
    assert page.status_code == 200 and 'id="export-excel"' not in page.text
    assert clerk.get("/app/query-report/sex-ratio-at-birth/export.xlsx").status_code == 403
    refused = clerk.get(
        "/api/method/frappe.desk.query_report.export_query",
        params={"report_name": "Sex Ratio at Birth", "file_format_type": "CSV"},
    )
    assert refused.status_code == 403
    approver_page = login(app, APPROVER).get("/app/query-report/sex-ratio-at-birth").text
    assert 'id="export-excel"' in approver_page
