"""助学 end to end: village -> township -> education -> approved -> paid or enrolled; aid is for
girls only, and only the education office sees what was routed to it."""

from __future__ import annotations

import pytest
from workflow_support import act, state

from townflow.runtime import errors, workflow


def test_a_poor_female_student_is_funded_and_paid(wsite, world):
    app = world.student_aid()
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    routed = act(wsite, "approver1", app, "Forward")
    assert (routed["workflow_state"], routed["department"]) == ("Pending Education Review", "教育办")
    with pytest.raises(errors.ValidationError, match="Not a valid Workflow Action"):
        act(wsite, "approver1", app, "Approve")
    approved = act(wsite, "education", app, "Approve")
    assert (approved["workflow_state"], approved["docstatus"]) == ("Approved", 1)
    officer = wsite.session("education")
    assert [t["action"] for t in workflow.get_transitions(officer, approved)] == ["Record Payment"]
    # paying needs the payment date and reference first (mandatory in state Paid)
    with pytest.raises(errors.ValidationError) as missing:
        act(wsite, "education", app, "Record Payment")
    assert set(missing.value.fields) == {"paid_on", "payment_reference"}
    assert state(wsite, app) == "Approved"
    officer.save(
        {**officer.get(app["doctype"], app["name"]), "paid_on": "2026-03-02", "payment_reference": "ZX-1"}
    )
    assert act(wsite, "education", app, "Record Payment")["workflow_state"] == "Paid"


def test_student_aid_is_for_girls(wsite, world):
    with pytest.raises(errors.ValidationError, match="for girls") as refused:
        world.student_aid(gender="Male")
    assert refused.value.fields == ["student"]
