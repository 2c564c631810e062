"""On the real Frappe site: fields the system sets are the system's (townflow.rules.system_fields).

A village clerk sends, on insert and on update, a serial number, a department, a workflow state,
a masked companion and a household's quota fields; each is dropped, the approval notice is then
numbered from the series' counter (gap-free, past 99,999 too)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from frappe_support import act, run_bench

pytestmark = pytest.mark.frappe

TO_APPROVED = [
    ("clerk_a", "Submit"),
    ("head_a", "Verify"),
    ("head_a", "End Notice"),
    ("approver", "Forward"),
    ("civil", "Approve"),
    ("approver", "End Notice"),
    ("approver", "Issue Notice"),
]


def _relief(clerk, org, household, **forged) -> dict:
    return clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household["household"],
            "village": org["a"],
            "applicant": household["mother"],
            "benefit_kind": "Low-income Relief",
            "amount": 600,
            "hardship_description": "因病致贫",
            "monthly_household_income": 700,
            **forged,
        }
    )


def _counter(prefix: str) -> int | None:
    out = run_bench(
        "execute",
        "frappe.db.sql",
        "--args",
        json.dumps(["select current from tabSeries where name = %s", [prefix]]),
    )
    rows = json.loads(out.strip().splitlines()[-1]) if out.strip() else []
    return int(rows[0][0]) if rows else None


def _approve(users, app) -> str:
    for who, action in TO_APPROVED:
        act(users[who], app, action)
    return users["approver"].get_doc(app["doctype"], app["name"])["approval_notice_serial"]


def test_values_a_user_sends_for_system_fields_are_dropped_on_insert_and_update(admin, users, org, household):
    clerk = users["clerk_a"]
    prefix = f"BZTZ-{date.today().year}-"
    forged = {
        "approval_notice_serial": prefix + "00001",
        "department": org["dept"]["Education"],
        "workflow_state": "Approved",
        "applicant_id_number_masked": "伪造",
    }
    app = _relief(clerk, org, household, **forged)
    stored = admin.get_doc(app["doctype"], app["name"])
    assert not stored.get("approval_notice_serial")
    assert not stored.get("department")
    assert stored["workflow_state"] == "Draft"
    assert stored.get("applicant_id_number_masked") != "伪造"

    updated = clerk.update({**clerk.get_doc(app["doctype"], app["name"]), **forged, "amount": 650})
    assert updated["amount"] == 650, "the user's own field is written"
    stored = admin.get_doc(app["doctype"], app["name"])
    assert (stored["workflow_state"], stored.get("approval_notice_serial"), stored.get("department")) == (
        "Draft",
        None,
        None,
    )

    hh = clerk.get_doc("Household", household["household"])
    clerk.update({**hh, "birth_quota_status": "Suspended", "quota_suspended_on": "2020-01-01"})
    after = admin.get_doc("Household", household["household"])
    assert after.get("birth_quota_status") == hh.get("birth_quota_status")
    assert after.get("quota_suspended_on") == hh.get("quota_suspended_on")

    # The forged number took nothing from the series: the notice gets the counter's next one.
    before = _counter(prefix) or 0
    serial = _approve(users, app)
    assert serial == f"{prefix}{before + 1:05d}"


def test_notice_numbers_cross_99999_in_order(admin, users, org, household):
    """The counter row goes on past 99,999 (a string max() would hand out 100000 twice). The
    site keeps its numbers, so a second run starts past it and checks the order only."""
    prefix = f"BZTZ-{date.today().year}-"
    if (_counter(prefix) or 0) < 99998:
        upsert = (
            "insert into tabSeries (name, current) values (%s, 99998) on duplicate key update current = 99998"
        )
        run_bench("execute", "frappe.db.sql", "--args", json.dumps([upsert, [prefix]]))
    first = _approve(users, _relief(users["clerk_a"], org, household))
    second = _approve(users, _relief(users["clerk_a"], org, household))
    a, b = (int(s[len(prefix) :]) for s in (first, second))
    assert b == a + 1 and a >= 99999, (first, second)
