"""On the real Frappe site: the scheduler's daily run puts a due pregnancy visit in the village
clerk's inbox (and nobody else's village), its overdue list is what the pure rules give on the
same records, and recording the visit closes the work — as tests/monitoring shows for the
embedded runtime and tests/compile/test_compile_monitoring.py for the two side by side."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from frappe_support import run_bench, todo_names

from townflow.rules import monitoring as rules

pytestmark = pytest.mark.frappe

RECORD = "Pregnancy Record"


def _records(admin, names: list[str]) -> list[dict]:
    """The records with their visits, read over REST as the pure rules read them."""
    return [admin.get_doc(RECORD, name) for name in names]


def test_the_daily_run_opens_due_visits_scoped_and_identical_to_the_pure_rules(admin, users, org, household):
    clerk = users["clerk_a"]
    today = date.today()
    mother = clerk.insert(
        {
            "doctype": "Person",
            "household": household["household"],
            "village": org["a"],
            "full_name": "随访测试",
            "gender": "Female",
            "date_of_birth": "1995-04-01",
            "relationship": "Spouse",
        }
    )
    record = clerk.insert(
        {
            "doctype": RECORD,
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": (today - timedelta(days=70)).isoformat(),
            "lmp_date": (today - timedelta(days=110)).isoformat(),
            "outcome": "Ongoing",
        }
    )
    try:
        run_bench("execute", "care_for_girls.townflow_ext.monitoring.daily")
        assert record["name"] in todo_names(clerk, RECORD)
        assert record["name"] not in todo_names(users["clerk_b"], RECORD)

        kwargs = json.dumps({"today": today.isoformat(), "names": [record["name"]]})
        printed = run_bench(
            "execute", "care_for_girls.townflow_ext.monitoring.overdue_list", "--kwargs", kwargs
        )
        on_frappe = json.loads(printed.strip().splitlines()[-1] if printed.strip() else "[]")
        settings = admin.get_doc("Campaign Settings", "Campaign Settings")
        expected = rules.overdue_list(
            _records(admin, [record["name"]]), rules.Policy.from_settings(settings), today
        )
        assert on_frappe == [row.as_dict() for row in expected]
        assert {r["kind"] for r in on_frappe} >= {"visit"}

        doc = clerk.get_doc(RECORD, record["name"])
        doc["visits"] = [
            {
                "visit_date": today.isoformat(),
                "visit_type": "Pregnancy Check",
                "visitor": "王敏",
                "findings": "良好",
            }
        ]
        clerk.update(doc)
        assert record["name"] not in todo_names(clerk, RECORD)
        assert clerk.get_doc(RECORD, record["name"])["unsigned_visits"] == 1
    finally:
        admin.update(
            {
                "doctype": RECORD,
                "name": record["name"],
                "outcome": "Miscarriage",
                "outcome_date": today.isoformat(),
                "outcome_reason": "测试数据",
            }
        )
