"""On the real Frappe site: the scheduler's daily run puts a due pregnancy visit in the village
clerk's inbox (and nobody else's village), its overdue list is what the pure rules give on the
same records, and recording the visit closes the work — as tests/monitoring shows for the
embedded runtime and tests/compile/test_compile_monitoring.py for the two side by side."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from frappe_support import run_bench, todo_names

from townflow.client import errors
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


def test_a_handover_moves_the_person_and_her_records_to_the_receiving_village(admin, users, org):
    clerk_a, clerk_b = users["clerk_a"], users["clerk_b"]
    home_a = clerk_a.insert(
        {
            "doctype": "Household",
            "village": org["a"],
            "head_name": "转出户",
            "residence_type": "Rural",
            "address": "一组",
            "household_type": "One-girl",
            "income_status": "Normal",
        }
    )
    home_b = clerk_b.insert(
        {
            "doctype": "Household",
            "village": org["b"],
            "head_name": "转入户",
            "residence_type": "Rural",
            "address": "二组",
            "household_type": "One-girl",
            "income_status": "Normal",
        }
    )
    mother = clerk_a.insert(
        {
            "doctype": "Person",
            "household": home_a["name"],
            "village": org["a"],
            "full_name": "转移测试",
            "gender": "Female",
            "date_of_birth": "1994-02-01",
            "relationship": "Head",
        }
    )
    filed = clerk_a.call(
        "townflow.api.request_handover", person=mother["name"], to_household=home_b["name"], reason="迁居"
    )
    assert filed["name"] in todo_names(clerk_b, "Migrant Handover")
    with pytest.raises((errors.PermissionError, errors.DoesNotExistError)):  # only the receiver confirms
        clerk_a.call("townflow.api.confirm_handover", name=filed["name"])
    done = clerk_b.call("townflow.api.confirm_handover", name=filed["name"])
    assert done["status"] == "Confirmed"
    assert clerk_b.get_doc("Person", mother["name"])["village"] == org["b"]
    assert not clerk_a.get_list("Person", filters={"name": mother["name"]})
