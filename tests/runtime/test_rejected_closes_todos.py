"""A document that stops waiting on anyone holds no open to-do: a rejected application may be
resubmitted by its clerk, but nobody owes it work, so its to-dos close and none opens
(townflow.rules.steps.waits_on_someone; the Frappe app applies the same rule to Townflow Task)."""

from __future__ import annotations

from workflow_support import REWARD_TO_APPROVED, act, walk

from townflow.rules import steps

OPEN_TODOS = (
    'SELECT count(*) FROM "tabWorkflow Action" '
    "WHERE reference_name = ? AND kind = 'todo' AND status = 'Open'"
)


def test_the_rule_waits_on_nobody_in_rejected_or_final_states(real_project):
    wf = real_project.workflows["Subsidy Application"]
    assert not steps.waits_on_someone(wf, "Rejected")  # only a resubmit leaves it
    assert not steps.waits_on_someone(wf, "Disbursed")  # only a stop (停发) leaves it
    assert steps.waits_on_someone(wf, "Pending Township Review")
    assert steps.waits_on_someone(wf, "Approved")  # the finance officer records the payment


def test_a_rejected_application_leaves_no_open_todo_and_a_resubmission_opens_one(wsite, world):
    app = world.reward_application()
    walk(wsite, app, REWARD_TO_APPROVED[:4])  # verified, village notice ended
    assert wsite.db.scalar(OPEN_TODOS, (app["name"],)) == 1  # the township approvers' pool
    rejected = act(wsite, "approver1", app, "Reject", "材料不全")
    assert rejected["workflow_state"] == "Rejected"
    assert wsite.db.scalar(OPEN_TODOS, (app["name"],)) == 0
    clerk_todo = wsite.session("clerk.east").get_list(
        "Subsidy Application", filters={"workflow_state": "Rejected"}, fields=["name"]
    )
    assert [r["name"] for r in clerk_todo] == [app["name"]], "the clerk still finds it to resubmit"
    assert act(wsite, "clerk.east", app, "Resubmit")["workflow_state"] == "Pending Village Verification"
    assert wsite.db.scalar(OPEN_TODOS, (app["name"],)) == 1
