"""六位一体 subsidies end to end: village -> township -> the department that grants the kind ->
approval notice -> Finance pays (Disbursement) -> Disbursed; the one-time reward once per household,
the loan within the policy range, and routing so that only the granting department sees it."""

from __future__ import annotations

import pytest
from workflow_support import EAST, REWARD_TO_APPROVED, act, pass_notice, walk

from townflow.runtime import errors, workflow


def test_a_one_time_reward_goes_to_finance_and_is_paid(wsite, world):
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    pass_notice(wsite, "head.east", app)  # 公示 in the village
    routed = act(wsite, "approver1", app, "Forward")
    assert (routed["workflow_state"], routed["department"]) == ("Pending Finance Review", "财政所")
    # civil affairs does not see what was routed to finance
    with pytest.raises(errors.DoesNotExistError):
        wsite.session("civil").get(app["doctype"], app["name"])
    act(wsite, "finance", app, "Approve")
    pass_notice(wsite, "approver1", app)  # 公示 at the township
    approved = act(wsite, "approver2", app, "Issue Notice")
    assert (approved["workflow_state"], approved["docstatus"]) == ("Approved", 1)
    # payment needs the Disbursement first: the condition hides Record Payment until then
    finance = wsite.session("finance")
    assert [t["action"] for t in workflow.get_transitions(finance, approved)] == []
    paid = finance.insert(
        {
            "doctype": "Disbursement",
            "subsidy_application": app["name"],
            "department": "财政所",
            "amount": 1000,
            "approved_amount": 1000,
            "payment_date": "2026-03-02",
            "payment_method": "Bank Transfer",
            "bank_reference": "BOC-0001",
            "paid_by": "finance",
        }
    )
    finance.submit(paid)
    done = act(wsite, "finance", app, "Record Payment")
    assert (done["workflow_state"], done["docstatus"]) == ("Disbursed", 1)


def test_a_second_one_time_reward_is_refused_at_creation_even_while_the_first_is_pending(wsite, world):
    household = world.household(EAST)
    first = world.reward_application(household)
    act(wsite, "clerk.east", first, "Submit")  # pending, nowhere near approved
    with pytest.raises(errors.ValidationError, match="already applied for or received") as refused:
        world.reward_application(household)
    assert "benefit_kind" in refused.value.fields
    # a rejected application does not count: the household may apply again
    act(wsite, "head.east", first, "Reject", "材料不全")
    again = world.reward_application(household)
    walk(wsite, again, REWARD_TO_APPROVED)
    with pytest.raises(errors.ValidationError, match="already applied for or received"):
        world.reward_application(household)


def test_a_second_loan_is_refused_while_the_first_is_pending(wsite, world):
    household = world.household(EAST)
    person = world.person(household, relationship="Head")
    loan = {
        "doctype": "Subsidy Application",
        "household": household["name"],
        "applicant": person["name"],
        "benefit_kind": "Interest-subsidised Loan",
        "loan_purpose": "养殖",
        "lending_bank": "农商行",
        "loan_term_months": 24,
        "amount": 3000,
    }
    clerk = wsite.session("clerk.east")
    clerk.insert(loan)
    with pytest.raises(errors.ValidationError, match="already applied for or received"):
        clerk.insert(loan)


def test_a_loan_outside_the_policy_range_is_refused(wsite, world):
    household = world.household(EAST)
    person = world.person(household, relationship="Head")
    loan = {
        "doctype": "Subsidy Application",
        "household": household["name"],
        "applicant": person["name"],
        "benefit_kind": "Interest-subsidised Loan",
        "loan_purpose": "养殖",
        "lending_bank": "农商行",
        "loan_term_months": 24,
    }
    clerk = wsite.session("clerk.east")
    with pytest.raises(errors.ValidationError, match="policy range") as refused:
        clerk.insert({**loan, "amount": 6000})
    assert refused.value.fields == ["amount"]
    ok = clerk.insert({**loan, "amount": 5000})
    assert act(wsite, "clerk.east", ok, "Submit")["workflow_state"] == "Pending Village Verification"


def test_approval_copies_the_village_clerk_and_the_leaders(wsite, world):
    app = walk(wsite, world.reward_application(), REWARD_TO_APPROVED)
    for user in ("clerk.east", "leader1", "leader2"):
        page = workflow.inbox(wsite.session(user), "cc")
        assert [i["reference_name"] for i in page["items"]] == [app["name"]]
    assert workflow.inbox(wsite.session("clerk.west"), "cc")["counts"]["cc"] == 0
