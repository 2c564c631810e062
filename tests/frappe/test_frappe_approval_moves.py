"""On the real Frappe site: 加签 and 会办 through the app's task model, as the embedded runtime
does them (tests/runtime/test_approval_moves.py). Skipped without a bench (conftest.py says why).

- the township approver picks a Township Leader (the picker lists who may read the document)
  and adds them before themselves: the leader finds the task in
  their inbox, the approver's Forward is refused until the leader signed, then goes through;
- a student loan opens one branch for Finance and one for Education: each officer reads it
  (shared) and decides in their own inbox; it moves on when both approved.
"""

from __future__ import annotations

import pytest
from frappe_support import act, state, todo_names

from townflow.client import errors

pytestmark = pytest.mark.frappe

SUBSIDY = "Subsidy Application"


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


def test_a_signer_added_before_the_approver_signs_first(users, org, household):
    clerk, head, approver, leader = users["clerk_a"], users["head_a"], users["approver"], users["leader"]
    app = _relief(clerk, org, household)
    act(clerk, app, "Submit")
    act(head, app, "Verify")
    act(head, app, "End Notice")  # 公示 window passed (act backdates it)
    doc = {"doctype": SUBSIDY, "name": app["name"]}
    # the desk's picker offers the leader (who may read it), never the approver, nor the clerk's
    # colleague in another village; and only to the approver holding the step's task
    offered = [o["value"] for o in approver.call("townflow.api.signer_candidates", doc=doc)]
    assert leader.email in offered and approver.email not in offered
    assert users["clerk_b"].email not in offered
    with pytest.raises(errors.FrappeError, match="holds this step's task"):
        leader.call("townflow.api.signer_candidates", doc=doc)
    added = approver.call("townflow.api.add_signer", doc=doc, users=[leader.email], position="before")
    offered = [o["value"] for o in approver.call("townflow.api.signer_candidates", doc=doc)]
    assert leader.email not in offered  # already signing
    assert added["added"] == [leader.email]
    assert app["name"] in todo_names(leader, SUBSIDY)
    with pytest.raises(errors.FrappeError, match="Wait for the signers added before the approver"):
        act(approver, app, "Forward")
    leader.call("townflow.api.sign", doc=doc, decision="Agree", comment="同意")
    assert app["name"] not in todo_names(leader, SUBSIDY)
    act(approver, app, "Forward")
    assert state(approver, app) == "Pending Civil Affairs Review"


def test_a_student_loan_is_decided_by_finance_and_education_each_in_their_inbox(
    admin, people, users, org, household
):
    finance = people.make("finance", ["Finance Officer"], Department=org["dept"]["Finance"])
    education, clerk = users["edu"], users["clerk_a"]
    student = clerk.insert(
        {
            "doctype": "Person",
            "household": household["household"],
            "full_name": "王大学",
            "gender": "Female",
            "relationship": "Daughter",
            "date_of_birth": "2006-09-01",
            "is_in_school": 1,
            "school": "山东大学",
        }
    )
    app = clerk.insert(
        {
            "doctype": SUBSIDY,
            "household": household["household"],
            "village": org["a"],
            "applicant": household["mother"],
            "benefit_kind": "Student Loan",
            "student": student["name"],
            "school_name": "山东大学",
            "amount": 6000,
        }
    )
    act(clerk, app, "Submit")
    act(users["head_a"], app, "Verify")
    act(users["head_a"], app, "End Notice")  # 公示 window passed (act backdates it)
    act(users["approver"], app, "Forward")
    assert state(admin, app) == "Pending Joint Review"
    assert app["name"] in todo_names(finance, SUBSIDY)
    assert app["name"] in todo_names(education, SUBSIDY)
    assert education.get_doc(SUBSIDY, app["name"])["name"] == app["name"]  # shared with the branch
    act(finance, app, "Approve", "同意贷款")
    assert state(admin, app) == "Pending Joint Review"
    assert app["name"] not in todo_names(finance, SUBSIDY)
    act(education, app, "Approve", "学籍属实")
    assert state(admin, app) == "Township Public Notice"  # 公示 at the township after the departments
    act(users["approver"], app, "End Notice")
    assert state(admin, app) == "Pending Approval Notice"
