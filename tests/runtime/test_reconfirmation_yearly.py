"""年审 (issue 17, point 2): a continuing benefit (低保 here) gets its reconfirmation date a year after
it starts (Subsidy Application `reconfirmation:` in the spec); when it falls due, the tick opens a
Benefit Reconfirmation in the village clerk's inbox with the eligibility checked again; the clerk
confirms it (the next date a year on) or, when the household no longer qualifies, stops it: the
application moves to Stopped with the stop notice."""

from __future__ import annotations

from datetime import datetime

import pytest
from workflow_support import EAST, TOWNSHIP_NOTICE, VILLAGE_NOTICE, act, walk

from townflow.runtime import errors, inbox

TASK = "Benefit Reconfirmation"


def _relief(wsite, world) -> dict:
    """A 低保 application for a poor one-girl household, walked to Disbursed (paid 2026-04-01)."""
    household = world.household(EAST, income_status="Poor")
    head = world.person(household, relationship="Head")
    app = wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": head["name"],
            "benefit_kind": "Low-income Relief",
            "amount": 500,
            "hardship_description": "主要劳动力患病",
            "monthly_household_income": 600,
        }
    )
    steps = [("clerk.east", "Submit"), ("head.east", "Verify"), *VILLAGE_NOTICE, ("approver1", "Forward")]
    walk(wsite, app, [*steps, ("civil", "Approve"), *TOWNSHIP_NOTICE, ("approver2", "Issue Notice")])
    finance = wsite.session("finance")
    paid = finance.insert(
        {
            "doctype": "Disbursement",
            "subsidy_application": app["name"],
            "department": "财政所",
            "amount": 500,
            "approved_amount": 500,
            "payment_date": "2026-04-01",
            "payment_method": "Bank Transfer",
            "bank_reference": "BOC-0002",
            "paid_by": "finance",
        }
    )
    finance.submit(paid)
    assert act(wsite, "finance", app, "Record Payment")["workflow_state"] == "Disbursed"
    return app


def _tasks(wsite) -> list[dict]:
    return wsite.session("Administrator").get_list(
        TASK,
        fields=["name", "subsidy_application", "due_on", "eligible", "eligibility_note", "workflow_state"],
        order_by="creation asc",
        limit_page_length=0,
    )


def _app(wsite, app) -> dict:
    return wsite.session("Administrator").get("Subsidy Application", app["name"])


def test_a_disbursed_relief_is_due_for_reconfirmation_a_year_on_and_the_clerk_confirms_it(
    wsite, world, wclock
):
    app = _relief(wsite, world)
    assert _app(wsite, app)["reconfirm_due"] == "2027-04-01"
    assert wsite.tick(datetime(2027, 3, 31, 9))["reconfirmations"] == 0
    wclock.now = datetime(2027, 4, 1, 9)
    assert wsite.tick(wclock.now)["reconfirmations"] == 1
    assert wsite.tick(wclock.now)["reconfirmations"] == 0  # once
    [task] = _tasks(wsite)
    assert (task["subsidy_application"], task["due_on"], task["workflow_state"], task["eligible"]) == (
        app["name"],
        "2027-04-01",
        "Pending Village Confirmation",
        1,
    )
    assert "仍符合条件" in task["eligibility_note"]
    todo = inbox.inbox(wsite.session("clerk.east"), tab="todo", doctype=TASK)
    assert [i["reference_name"] for i in todo["items"]] == [task["name"]]
    assert inbox.inbox(wsite.session("clerk.west"), tab="todo", doctype=TASK)["items"] == []
    act(wsite, "clerk.east", {"doctype": TASK, "name": task["name"]}, "Confirm Qualifies")
    done = wsite.session("Administrator").get(TASK, task["name"])
    assert (done["workflow_state"], done["next_due"]) == ("Confirmed", "2028-04-01")
    assert _app(wsite, app)["reconfirm_due"] == "2028-04-01"
    assert _app(wsite, app)["workflow_state"] == "Disbursed"


def test_a_household_that_no_longer_qualifies_is_stopped_with_a_notice(wsite, world, wclock):
    app = _relief(wsite, world)
    # the household's income recovered since the benefit started
    admin = wsite.session("Administrator")
    household = admin.get("Household", _app(wsite, app)["household"])
    admin.save({**household, "income_status": "Normal"})
    wclock.now = datetime(2027, 4, 2, 9)
    assert wsite.tick(wclock.now)["reconfirmations"] == 1
    [task] = _tasks(wsite)
    assert task["eligible"] == 0
    assert "低保及社会救济面向生活困难的计生女孩户" in task["eligibility_note"]
    ref = {"doctype": TASK, "name": task["name"]}
    with pytest.raises(errors.ValidationError, match="no longer qualifies"):
        act(wsite, "clerk.east", ref, "Confirm Qualifies")
    with pytest.raises(errors.ValidationError):
        act(wsite, "clerk.east", ref, "Stop Benefit")  # the reason is required
    lapsed = act(wsite, "clerk.east", ref, "Stop Benefit", "家庭收入已恢复正常")
    assert lapsed["workflow_state"] == "Lapsed"
    stopped = _app(wsite, app)
    assert (stopped["workflow_state"], stopped["docstatus"], stopped["reconfirm_due"]) == ("Stopped", 1, None)
    assert stopped["stop_notice"].startswith("2027-04-02 年审")
    assert "家庭收入已恢复正常" in stopped["stop_notice"]
    assert wsite.session("Administrator").get(TASK, task["name"])["stop_notice"] == stopped["stop_notice"]
    # stopped benefits are not reconfirmed again
    wclock.now = datetime(2028, 4, 2, 9)
    assert wsite.tick(wclock.now)["reconfirmations"] == 0


def test_a_one_time_benefit_carries_no_reconfirmation_date(wsite, world):
    from workflow_support import REWARD_TO_APPROVED

    app = world.reward_application()
    walk(wsite, app, REWARD_TO_APPROVED)
    assert _app(wsite, app)["reconfirm_due"] in (None, "")


def test_the_township_may_stop_a_running_benefit_with_a_notice(wsite, world, wclock):
    app = _relief(wsite, world)
    with pytest.raises(errors.ValidationError):
        act(wsite, "approver1", app, "Stop Benefit")  # the reason is required
    wclock.now = datetime(2026, 6, 1, 9)
    stopped = act(wsite, "approver1", app, "Stop Benefit", "已迁出本街道")
    assert (stopped["workflow_state"], stopped["docstatus"]) == ("Stopped", 1)
    stored = _app(wsite, app)
    assert (
        stored["stop_notice"]
        == "2026-06-01 停发。理由：已迁出本街道\nStopped on 2026-06-01. Reason: 已迁出本街道"
    )
    assert stored["reconfirm_due"] is None
    # nobody owes a stopped or a running benefit work: no to-do opened for the township
    todo = inbox.inbox(wsite.session("approver1"), tab="todo", doctype="Subsidy Application")
    assert app["name"] not in [i["reference_name"] for i in todo["items"]]
