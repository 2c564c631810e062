"""Pregnancy monitoring's desk pieces on the real Frappe site: the 育龄妇女档案 report scoped to the
clerk's village, the 随访 page's method with "剩余N个工作日", and the 联系函 print format of an
outflow migrant. Skipped without a bench (tests/frappe/conftest.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from frappe_support import run_bench

pytestmark = pytest.mark.frappe

REPORT = "Women of Child-bearing Age"


def test_the_standard_page_report_and_print_format_are_installed(admin):
    assert admin.get_doc("Page", "followups")["title"] == "随访"
    assert admin.get_doc("Report", REPORT)["report_type"] == "Script Report"
    letter = admin.get_doc("Print Format", "Liaison Letter")
    assert (letter["doc_type"], letter["print_format_type"]) == ("Person", "Jinja")


def test_the_roster_lists_the_clerks_village_only(users, org, household):
    run = users["clerk_a"].call("frappe.desk.query_report.run", report_name=REPORT, filters={"view": "Women"})
    rows = [r for r in run["result"] if isinstance(r, dict)]
    assert household["mother"] in {r["person"] for r in rows}
    assert {r["village"] for r in rows} == {org["a"]}
    other = users["clerk_b"].call(
        "frappe.desk.query_report.run", report_name=REPORT, filters={"view": "Women"}
    )
    assert household["mother"] not in {r.get("person") for r in other["result"] if isinstance(r, dict)}
    villages = users["clerk_a"].call(
        "frappe.desk.query_report.run", report_name=REPORT, filters={"view": "Villages"}
    )
    figures = [r for r in villages["result"] if isinstance(r, dict)]
    assert [r["village"] for r in figures] == [org["a"]] and figures[0]["women"] >= 1


def test_the_followups_page_shows_due_visits_with_working_days(admin, users, org, household):
    clerk = users["clerk_a"]
    today = date.today()
    mother = clerk.insert(
        {
            "doctype": "Person",
            "household": household["household"],
            "village": org["a"],
            "full_name": "随访页测试",
            "gender": "Female",
            "date_of_birth": "1995-04-01",
            "relationship": "Spouse",
        }
    )
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": (today - timedelta(days=70)).isoformat(),
            "lmp_date": (today - timedelta(days=110)).isoformat(),
            "outcome": "Ongoing",
        }
    )
    try:
        run_bench("execute", "care_for_girls.townflow_ext.monitoring.daily")
        rows = clerk.call("care_for_girls.townflow_ext.monitoring.followups_page")
        mine = [r for r in rows if r["record"] == record["name"]]
        assert mine and mine[0]["overdue"] is True and mine[0]["due_text"].startswith(mine[0]["due"])
        assert record["name"] not in {
            r["record"]
            for r in users["clerk_b"].call("care_for_girls.townflow_ext.monitoring.followups_page")
        }
    finally:
        admin.update(
            {
                "doctype": "Pregnancy Record",
                "name": record["name"],
                "outcome": "Miscarriage",
                "outcome_date": today.isoformat(),
                "outcome_reason": "测试数据",
            }
        )


def test_the_liaison_letter_prints_for_an_outflow_migrant(users, org, household):
    clerk = users["clerk_a"]
    person = clerk.get_doc("Person", household["mother"])
    clerk.update(
        {
            **person,
            "is_migrant": 1,
            "migrant_direction": "Outflow",
            "registered_residence": org["a"],
            "outflow_destination": "广东省东莞市长安镇",
        }
    )
    printed = clerk.call(
        "frappe.www.printview.get_html_and_style",
        "GET",
        doc="Person",
        name=household["mother"],
        print_format="Liaison Letter",
    )
    assert "广东省东莞市长安镇 计划生育办公室" in printed["html"]
    assert "流动人口计划生育工作联系函" in printed["html"]
