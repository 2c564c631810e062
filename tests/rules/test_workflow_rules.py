"""Frappe's own workflow semantics (frappe/model/workflow.py), checked on the pure layer."""

from __future__ import annotations

import pytest

from townflow.rules.workflow import (
    WorkflowRuleError,
    available_transitions,
    current_state,
    docstatus_operation,
    find_transition,
    has_approval_access,
    may_edit,
    require_comment,
    state_field_updates,
)


def small_amount(source, doc):
    """Stands in for townflow.expr: the only condition in the sample workflow is `doc.amount < 100`."""
    assert source == "doc.amount < 100"
    return doc.get("amount", 0) < 100


def test_a_document_without_state_is_in_the_first_state(workflow):
    assert current_state(workflow, {"name": "X"}) == "Draft"


def test_transitions_need_the_state_and_the_role(workflow):
    doc = {"workflow_state": "Village Review", "owner": "clerk"}
    assert [t.action for t in available_transitions(workflow, doc, ["Village Head"])] == ["Approve", "Reject"]
    assert available_transitions(workflow, doc, ["Village Clerk", "Township Approver"]) == []


def test_a_condition_that_does_not_hold_hides_the_transition(workflow):
    doc = {"workflow_state": "Township Review", "owner": "clerk", "amount": 500}
    actions = [t.action for t in available_transitions(workflow, doc, ["Township Approver"], small_amount)]
    assert actions == ["Approve", "Reject"]
    doc["amount"] = 50
    actions = [t.action for t in available_transitions(workflow, doc, ["Township Approver"], small_amount)]
    assert actions == ["Approve", "Reject", "Fast Track"]


def test_an_action_not_offered_is_not_a_valid_workflow_action(workflow):
    doc = {"workflow_state": "Draft", "owner": "clerk"}
    with pytest.raises(WorkflowRuleError, match="Not a valid Workflow Action") as err:
        find_transition(workflow, doc, "head", ["Village Head"], "Submit")
    assert err.value.kind == "transition"


def test_self_approval_is_refused_unless_allowed(workflow):
    doc = {"workflow_state": "Township Review", "owner": "approver"}
    with pytest.raises(WorkflowRuleError, match="Self approval is not allowed"):
        find_transition(workflow, doc, "approver", ["Township Approver"], "Approve", small_amount)
    # another approver may, the owner may take a transition that allows it, Administrator always may
    assert (
        find_transition(workflow, doc, "approver2", ["Township Approver"], "Approve", small_amount).next_state
        == "Approved"
    )
    assert (
        find_transition(workflow, doc, "approver", ["Township Approver"], "Reject", small_amount).next_state
        == "Rejected"
    )
    t = next(t for t in workflow.transitions if t.action == "Approve" and t.state == "Township Review")
    assert has_approval_access("Administrator", {"owner": "Administrator"}, t)


@pytest.mark.parametrize(
    ("now", "then", "move"),
    [(0, 0, "save"), (0, 1, "submit"), (1, 1, "update_after_submit"), (1, 2, "cancel")],
)
def test_docstatus_moves_frappe_allows(workflow, now, then, move):
    state = next(s for s in workflow.states if s.doc_status == then)
    assert docstatus_operation(now, state) == move


@pytest.mark.parametrize(("now", "then"), [(1, 0), (0, 2), (2, 0), (2, 1), (2, 2)])
def test_docstatus_moves_frappe_refuses(workflow, now, then):
    state = next(s for s in workflow.states if s.doc_status == then)
    with pytest.raises(WorkflowRuleError, match="Illegal Document Status") as err:
        docstatus_operation(now, state)
    assert err.value.kind == "docstatus"


def test_moving_sets_the_state_field_and_update_field(workflow):
    state = workflow.state("Approved")
    state.update_field, state.update_value = "status", "Approved"
    assert state_field_updates(workflow, state) == {"workflow_state": "Approved", "status": "Approved"}


def test_reject_needs_a_comment(workflow):
    reject = next(t for t in workflow.transitions if t.action == "Reject")
    with pytest.raises(WorkflowRuleError, match="comment is required") as err:
        require_comment(reject, "  ")
    assert err.value.fields == ["comment"]
    require_comment(reject, "材料不全")


def test_only_the_allow_edit_role_edits_in_a_state(workflow):
    doc = {"workflow_state": "Village Review"}
    assert may_edit(workflow, doc, ["Village Head"])
    assert not may_edit(workflow, doc, ["Village Clerk"])
