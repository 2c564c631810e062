"""Countersign, return, withdraw, delegate, due times, CC and approver resolution — pure rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from townflow.rules.steps import (
    ActionEntry,
    Candidate,
    cc_roles,
    check_delegate,
    check_return,
    check_withdraw,
    countersign_outcome,
    countersign_tally,
    due_at,
    overdue_actions,
    resolve_approvers,
    resubmission_target,
    return_targets,
    state_path,
    step_of,
    waiting_roles,
)
from townflow.rules.workflow import WorkflowRuleError
from townflow.spec import load_project


def move(action, frm, to, user, kind="transition"):
    return ActionEntry(action=action, kind=kind, from_state=frm, to_state=to, user=user)


SUBMITTED = [move("Submit", "Draft", "Village Review", "clerk")]
AT_TOWNSHIP = [*SUBMITTED, move("Approve", "Village Review", "Township Review", "head")]


def approve_at_township(workflow):
    return next(t for t in workflow.transitions if t.state == "Township Review" and t.action == "Approve")


# --- countersign ---------------------------------------------------------------------------


def test_all_mode_completes_only_when_every_approver_approved():
    assert countersign_tally("all", ["a", "b", "c"], ["a", "b"]).status == "pending"
    assert countersign_tally("all", ["a", "b", "c"], ["a", "b"]).pending == ["c"]
    assert countersign_tally("all", ["a", "b", "c"], ["c", "a", "b"]).status == "approved"


def test_any_mode_completes_on_the_first_approval_and_a_rejection_ends_all_mode():
    assert countersign_tally("any", ["a", "b"], ["b"]).status == "approved"
    tally = countersign_tally("all", ["a", "b"], ["a"], rejected_by="b")
    assert (tally.status, tally.rejected_by) == ("rejected", "b")


def test_countersign_votes_until_the_last_approver(workflow):
    doc = {"workflow_state": "Township Review", "owner": "clerk"}
    t = approve_at_township(workflow)
    first = countersign_outcome(workflow, doc, t, "ap1", ["ap1", "ap2"], AT_TOWNSHIP)
    assert first.status == "pending"
    history = [*AT_TOWNSHIP, move("Approve", "Township Review", "Township Review", "ap1", "vote")]
    assert countersign_outcome(workflow, doc, t, "ap2", ["ap1", "ap2"], history).status == "approved"
    with pytest.raises(WorkflowRuleError, match="already approved"):
        countersign_outcome(workflow, doc, t, "ap1", ["ap1", "ap2"], history)
    with pytest.raises(WorkflowRuleError, match="not one of the approvers") as err:
        countersign_outcome(workflow, doc, t, "ap9", ["ap1", "ap2"], history)
    assert err.value.kind == "permission"


def test_votes_from_an_earlier_round_do_not_count(workflow):
    doc = {"workflow_state": "Township Review", "owner": "clerk"}
    history = [
        *AT_TOWNSHIP,
        move("Approve", "Township Review", "Township Review", "ap1", "vote"),
        move("Return", "Township Review", "Draft", "ap2", "return"),
        move("Submit", "Draft", "Township Review", "clerk"),
    ]
    assert countersign_outcome(
        workflow, doc, approve_at_township(workflow), "ap1", ["ap1", "ap2"], history
    ).status == ("pending")


# --- return --------------------------------------------------------------------------------


def test_return_targets_are_earlier_states_on_the_path_or_the_applicant(workflow):
    doc = {"workflow_state": "Township Review", "docstatus": 0}
    assert state_path(workflow, AT_TOWNSHIP) == ["Draft", "Village Review", "Township Review"]
    assert return_targets(workflow, doc, AT_TOWNSHIP) == ["Draft", "Village Review"]
    # a state never passed through is not a target, nor one with another docstatus
    assert return_targets(workflow, {"workflow_state": "Village Review", "docstatus": 0}, SUBMITTED) == [
        "Draft"
    ]
    assert return_targets(workflow, {"workflow_state": "Approved", "docstatus": 1}, AT_TOWNSHIP) == []


def test_after_resubmission_the_document_goes_back_to_the_returner(workflow):
    history = [*AT_TOWNSHIP, move("Return", "Township Review", "Draft", "ap1", "return")]
    assert state_path(workflow, history) == ["Draft"]
    assert resubmission_target(history, "Draft") == "Township Review"
    history.append(move("Submit", "Draft", "Township Review", "clerk"))
    assert resubmission_target(history, "Township Review") is None


def test_a_return_needs_the_role_a_valid_target_and_a_comment(workflow):
    doc = {"workflow_state": "Township Review", "docstatus": 0}
    check_return(workflow, doc, ["Township Approver"], "Village Review", "请村里补充材料", AT_TOWNSHIP)
    with pytest.raises(WorkflowRuleError, match="may not act") as err:
        check_return(workflow, doc, ["Village Head"], "Draft", "x", AT_TOWNSHIP)
    assert err.value.kind == "permission"
    with pytest.raises(WorkflowRuleError, match="Cannot return"):
        check_return(workflow, doc, ["Township Approver"], "Approved", "x", AT_TOWNSHIP)
    with pytest.raises(WorkflowRuleError, match="comment is required"):
        check_return(workflow, doc, ["Township Approver"], "Draft", "", AT_TOWNSHIP)


# --- withdraw ------------------------------------------------------------------------------


def test_the_applicant_withdraws_until_the_next_step_acts(workflow):
    doc = {"workflow_state": "Village Review", "docstatus": 0, "owner": "clerk"}
    assert check_withdraw(workflow, doc, "clerk", SUBMITTED) == "Draft"
    with pytest.raises(WorkflowRuleError, match="Only the applicant") as err:
        check_withdraw(workflow, doc, "head", SUBMITTED)
    assert err.value.kind == "permission"
    doc["workflow_state"] = "Township Review"
    with pytest.raises(WorkflowRuleError, match="already acted"):
        check_withdraw(workflow, doc, "clerk", AT_TOWNSHIP)


def test_a_countersign_vote_also_ends_the_withdraw_window(workflow):
    doc = {"workflow_state": "Township Review", "docstatus": 0, "owner": "head"}
    history = [*AT_TOWNSHIP, move("Approve", "Township Review", "Township Review", "ap1", "vote")]
    with pytest.raises(WorkflowRuleError, match="already acted"):
        check_withdraw(workflow, doc, "head", history)


# --- delegate ------------------------------------------------------------------------------


def test_a_delegate_needs_the_role_and_the_scope(workflow):
    doc = {"workflow_state": "Village Review"}
    check_delegate(workflow, doc, "head", ["head"], "deputy", ["Village Head"], True)
    with pytest.raises(WorkflowRuleError, match="does not hold the role"):
        check_delegate(workflow, doc, "head", ["head"], "clerk", ["Village Clerk"], True)
    with pytest.raises(WorkflowRuleError, match="may not act on documents of this scope"):
        check_delegate(workflow, doc, "head", ["head"], "other_head", ["Village Head"], False)
    with pytest.raises(WorkflowRuleError, match="Only an assignee"):
        check_delegate(workflow, doc, "deputy", ["head"], "x", ["Village Head"], True)


# --- approvers, due times, CC --------------------------------------------------------------


def test_approvers_are_resolved_by_role_and_the_documents_own_village():
    candidates = [
        Candidate("head01", frozenset({"Village Head"}), {"village": frozenset({"V01"})}),
        Candidate("head02", frozenset({"Village Head"}), {"village": frozenset({"V02"})}),
        Candidate("nohead", frozenset({"Village Head"}), {}),
        Candidate("leader", frozenset({"Township Leader"}), {}),
    ]
    assert resolve_approvers("Village Head", "village", "V01", candidates) == ["head01"]
    assert resolve_approvers("Township Leader", "township", "V01", candidates) == ["leader"]


def test_overdue_actions_fire_once_after_the_due_time(workflow):
    step = step_of(workflow, "Village Review")
    entered = datetime(2026, 3, 1, 9, 0)
    due = due_at(step, entered)
    assert due == entered + timedelta(hours=48)
    assert overdue_actions(step, due, due - timedelta(minutes=1), []) == []
    assert overdue_actions(step, due, due, []) == ["remind", "escalate"]
    assert overdue_actions(step, due, due + timedelta(days=3), ["remind", "escalate"]) == []
    assert cc_roles(workflow, "Village Review") == ["Township Clerk"]
    assert cc_roles(workflow, "Draft") == []


def test_a_to_do_waits_on_the_roles_that_work_a_state_and_those_steps_escalate_to():
    project = load_project(Path(__file__).resolve().parents[2])
    roles = waiting_roles(project.workflows.values())
    assert {"Village Head", "Township Approver", "Township Leader", "Health Officer"} <= roles
    # Township Clerk works no state; it is in only because an overdue heads' step escalates to it
    assert "Township Clerk" in roles
    assert "Village Clerk" in roles  # the applicant's own step, after a return
    assert "System Manager" not in roles
