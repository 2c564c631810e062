"""On the real Frappe site: an any-one (或签) step waits on one pooled task per role and scope, as
the embedded runtime does (tests/web/test_rest_approvals.py::test_delegate_hands_the_todo_to_a_colleague).

Everyone who holds the step's role and reaches the document's village *now* finds it in "to do"
— a village head appointed after the application arrived too, one who lost the role no more —
and delegating (转交) it makes it the delegate's alone, so the co-head no longer sees it.
"""

from __future__ import annotations

import pytest
from frappe_support import act, state, todo_names

from townflow.client import errors

pytestmark = pytest.mark.frappe

SUBSIDY = "Subsidy Application"


def _appoint(admin, email: str, roles: list[str]) -> None:
    """Give a user exactly these roles (an appointment, or taking it back)."""
    admin.update({"doctype": "User", "name": email, "roles": [{"role": r} for r in roles]})
    assert {r["role"] for r in admin.get_doc("User", email)["roles"]} == set(roles)


def _relief(clerk, org, household) -> dict:
    return clerk.insert(
        {
            "doctype": SUBSIDY,
            "household": household["household"],
            "village": org["a"],
            "applicant": household["mother"],
            "benefit_kind": "Low-income Relief",
            "amount": 500,
            "hardship_description": "因病致贫",
            "monthly_household_income": 700,
        }
    )


def test_a_head_appointed_later_finds_the_task_and_delegation_makes_it_theirs(
    admin, people, users, org, household
):
    clerk, head = users["clerk_a"], users["head_a"]
    # a clerk of village a, not (yet) a village head: made once per site, so reset the roles
    deputy = people.make("deputy-head-a", ["Village Clerk"], Village=org["a"])
    _appoint(admin, deputy.email, ["Village Clerk"])
    app = _relief(clerk, org, household)
    doc = {"doctype": SUBSIDY, "name": app["name"]}
    try:
        act(clerk, app, "Submit")
        assert app["name"] in todo_names(head, SUBSIDY)
        assert app["name"] not in todo_names(deputy, SUBSIDY)
        # appointed village head after the application reached the heads' step: it waits on the
        # village's heads, whoever they are now, so the deputy finds it too; village b's head not
        _appoint(admin, deputy.email, ["Village Clerk", "Village Head"])
        assert app["name"] in todo_names(deputy, SUBSIDY)
        assert app["name"] in todo_names(head, SUBSIDY)
        assert app["name"] not in todo_names(users["head_b"], SUBSIDY)
        counted = deputy.inbox("todo", doctype=SUBSIDY)["counts"]["todo"]
        assert counted == len(todo_names(deputy, SUBSIDY))
        waiting = users["approver"].timeline(SUBSIDY, app["name"])["expected"]
        assert {head.email, deputy.email} <= {e["user"] for e in waiting}
        assert {e["role"] for e in waiting} == {"Village Head"}

        with pytest.raises(errors.PermissionError, match="does not hold the role"):
            head.delegate(doc, users["clerk_b"].email)
        with pytest.raises(errors.PermissionError, match="may not act on documents of this scope"):
            head.delegate(doc, users["head_b"].email)
        with pytest.raises(errors.FrappeError, match="already assigned"):
            head.delegate(doc, head.email)
        head.delegate(doc, deputy.email, comment="外出，请代办")
        # from now on it waits on the deputy alone
        assert app["name"] in todo_names(deputy, SUBSIDY)
        assert app["name"] not in todo_names(head, SUBSIDY)
        waiting = users["approver"].timeline(SUBSIDY, app["name"])["expected"]
        assert [(e["user"], e["source"]) for e in waiting] == [(deputy.email, "delegate")]
        with pytest.raises(errors.PermissionError, match="Only an assignee"):
            head.delegate(doc, deputy.email)
        with pytest.raises(errors.FrappeError, match="already assigned"):
            deputy.delegate(doc, deputy.email)

        act(deputy, app, "Verify")
        assert state(admin, app) == "Village Public Notice"  # 公示: the village heads end it
        act(deputy, app, "End Notice")
        assert state(admin, app) == "Pending Township Review"
        assert app["name"] not in todo_names(deputy, SUBSIDY)
        assert app["name"] in todo_names(users["approver"], SUBSIDY)
    finally:
        _appoint(admin, deputy.email, ["Village Clerk"])


def test_a_head_who_loses_the_role_no_longer_sees_the_task(admin, people, users, org, household):
    clerk = users["clerk_a"]
    former = people.make("former-head-a", ["Village Clerk", "Village Head"], Village=org["a"])
    _appoint(admin, former.email, ["Village Clerk", "Village Head"])
    app = _relief(clerk, org, household)
    try:
        act(clerk, app, "Submit")
        assert app["name"] in todo_names(former, SUBSIDY)
        _appoint(admin, former.email, ["Village Clerk"])
        assert app["name"] not in todo_names(former, SUBSIDY)
        waiting = users["approver"].timeline(SUBSIDY, app["name"])["expected"]
        assert former.email not in {e["user"] for e in waiting}
        assert users["head_a"].email in {e["user"] for e in waiting}
        act(users["head_a"], app, "Verify")
        act(users["head_a"], app, "End Notice")  # 公示 in the village
        assert app["name"] not in todo_names(users["head_a"], SUBSIDY)
    finally:
        _appoint(admin, former.email, ["Village Clerk"])


def test_the_inbox_pages_through_a_pool_newest_first(users, org, household):
    clerk, head = users["clerk_a"], users["head_a"]
    older, newer = _relief(clerk, org, household), _relief(clerk, org, household)
    act(clerk, older, "Submit")
    act(clerk, newer, "Submit")
    first = head.inbox("todo", doctype=SUBSIDY, limit_start=0, limit_page_length=1)
    second = head.inbox("todo", doctype=SUBSIDY, limit_start=1, limit_page_length=1)
    whole = head.inbox("todo", doctype=SUBSIDY, limit_page_length=500)

    assert [i["reference_name"] for i in first["items"]] == [newer["name"]]
    assert [i["reference_name"] for i in second["items"]] == [older["name"]]
    names = [i["reference_name"] for i in whole["items"]]
    assert names.index(newer["name"]) < names.index(older["name"])
    assert len(names) == len(set(names)) == whole["counts"]["todo"] == first["counts"]["todo"]
    for app in (older, newer):  # leave the heads' queue as it was
        act(head, app, "Verify")
        act(head, app, "End Notice")  # 公示 in the village
    assert not {older["name"], newer["name"]} & set(todo_names(head, SUBSIDY))
