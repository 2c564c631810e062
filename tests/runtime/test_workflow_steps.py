"""The approval conventions on the real workflows: 退回 and back to the returner, 撤回 until the
next step acts, 转交 within role and scope, required comments, due times with reminders and
escalation run by tick, and the timeline that shows all of it."""

from __future__ import annotations

import pytest
import workflow_support as support
from workflow_support import EAST, act, state

from townflow.runtime import errors, workflow


def at_township(wsite, world) -> dict:
    app = world.certificate_application(EAST)
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    return app


def fresh(wsite, user, app):
    session = wsite.session(user)
    return session, session.get(app["doctype"], app["name"])


def test_a_returned_application_comes_back_to_the_returner(wsite, world):
    app = at_township(wsite, world)
    approver, doc = fresh(wsite, "approver1", app)
    shown = workflow.timeline(approver, app["doctype"], app["name"])
    assert shown["return_targets"] == ["Draft", "Pending Village Verification"]
    workflow.return_to(approver, doc, "Draft", "请补充病历")
    assert state(wsite, app) == "Draft"
    clerk_inbox = workflow.inbox(wsite.session("clerk.east"), "todo")
    assert [i["reference_name"] for i in clerk_inbox["items"]] == [app["name"]]
    # resubmitted, it skips the village head and goes straight back to the township
    act(wsite, "clerk.east", app, "Submit")
    assert state(wsite, app) == "Pending Township Approval"


def test_a_return_needs_a_comment_a_passed_state_and_the_steps_role(wsite, world):
    app = at_township(wsite, world)
    approver, doc = fresh(wsite, "approver1", app)
    with pytest.raises(errors.MandatoryError, match="comment is required"):
        workflow.return_to(approver, doc, "Draft", " ")
    with pytest.raises(errors.ValidationError, match="Cannot return"):
        workflow.return_to(approver, doc, "Pending Health Review", "x")
    head, doc = fresh(wsite, "head.east", app)
    with pytest.raises(errors.PermissionError, match="may not act"):
        workflow.return_to(head, doc, "Draft", "x")
    assert state(wsite, app) == "Pending Township Approval"


def test_the_applicant_withdraws_until_the_village_head_acts(wsite, world):
    app = world.certificate_application(EAST)
    act(wsite, "clerk.east", app, "Submit")
    head, doc = fresh(wsite, "head.east", app)
    with pytest.raises(errors.PermissionError, match="Only the applicant"):
        workflow.withdraw(head, doc)
    clerk, doc = fresh(wsite, "clerk.east", app)
    assert workflow.withdraw(clerk, doc, "填错了孕周")["workflow_state"] == "Draft"
    # nobody is left waiting on it
    assert workflow.inbox(wsite.session("head.east"), "todo")["counts"]["todo"] == 0
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    clerk, doc = fresh(wsite, "clerk.east", app)
    with pytest.raises(errors.ValidationError, match="already acted"):
        workflow.withdraw(clerk, doc)


def new_user(wsite, email, role, **permissions):
    admin = wsite.session("Administrator")
    admin.insert({"doctype": "User", "email": email, "full_name": email, "roles": [{"role": role}]})
    for allow, value in permissions.items():
        admin.insert({"doctype": "User Permission", "user": email, "allow": allow, "for_value": value})


def todo_count(wsite, user: str) -> int:
    return workflow.inbox(wsite.session(user), "todo")["counts"]["todo"]


def test_delegating_hands_the_todo_to_a_colleague_with_the_role_and_the_village(wsite, world):
    app = world.certificate_application(EAST)
    act(wsite, "clerk.east", app, "Submit")
    # the step waits on East's village heads, whoever holds the role now: a head appointed
    # after the document arrived finds it waiting too
    new_user(wsite, "acting.east", "Village Head", Village=EAST)
    heads = ("head.east", "deputy.east", "acting.east", "head.west")
    assert [todo_count(wsite, u) for u in heads] == [1, 1, 1, 0]
    head, doc = fresh(wsite, "head.east", app)
    with pytest.raises(errors.PermissionError, match="does not hold the role"):
        workflow.delegate(head, doc, "clerk.east")
    with pytest.raises(errors.PermissionError, match="may not act on documents of this scope"):
        workflow.delegate(head, doc, "head.west")
    with pytest.raises(errors.ValidationError, match="already assigned"):
        workflow.delegate(head, doc, "head.east")
    workflow.delegate(head, doc, "acting.east", "出差一周")
    # now it waits on the delegate alone
    assert [todo_count(wsite, u) for u in ("head.east", "deputy.east", "acting.east")] == [0, 0, 1]
    head, doc = fresh(wsite, "head.east", app)
    with pytest.raises(errors.PermissionError, match=r"handed this to-do over to acting\.east"):
        workflow.delegate(head, doc, "deputy.east")
    with pytest.raises(errors.PermissionError, match=r"handed this to-do over to acting\.east"):
        workflow.apply_workflow(head, doc, "Verify")
    acting, doc = fresh(wsite, "acting.east", app)
    with pytest.raises(errors.ValidationError, match="already assigned"):
        workflow.delegate(acting, doc, "acting.east")
    act(wsite, "acting.east", app, "Verify")
    assert state(wsite, app) == "Pending Township Approval"
    assert todo_count(wsite, "acting.east") == 0


def _approvals(done: dict[str, int]) -> dict[str, int]:
    """What a tick did to approval steps (it also runs pregnancy monitoring: visits_* counts)."""
    return {k: done[k] for k in ("reminded", "escalated", "expired")}


def test_an_overdue_step_is_reminded_then_escalated_once(wsite, world, wclock):
    app = world.certificate_application(EAST)
    act(wsite, "clerk.east", app, "Submit")
    wclock.advance(hours=47)
    assert _approvals(wsite.tick(wclock.now)) == {"reminded": 0, "escalated": 0, "expired": 0}
    assert workflow.inbox(wsite.session("head.east"), "todo")["counts"]["overdue"] == 0
    wclock.advance(hours=2)
    assert _approvals(wsite.tick(wclock.now)) == {"reminded": 1, "escalated": 1, "expired": 0}
    assert _approvals(wsite.tick(wclock.now)) == {"reminded": 0, "escalated": 0, "expired": 0}
    head_inbox = workflow.inbox(wsite.session("head.east"), "overdue")
    assert [i["reference_name"] for i in head_inbox["items"]] == [app["name"]]
    escalated = workflow.inbox(wsite.session("tclerk"), "todo", app["doctype"])
    assert [i["source"] for i in escalated["items"]] == ["escalate"]
    actions = [
        a["action"]
        for a in workflow.timeline(wsite.session("clerk.east"), app["doctype"], app["name"])["actions"]
    ]
    assert actions == ["Submit", "Remind", "Escalate to Township Clerk"]


def test_the_timeline_shows_actions_comments_versions_and_who_is_next(wsite, world):
    app = at_township(wsite, world)
    clerk, doc = fresh(wsite, "clerk.east", app)
    workflow.add_comment(clerk, doc, "病历已补充")
    with pytest.raises(errors.ValidationError):
        workflow.add_comment(clerk, doc, "  ")
    shown = workflow.timeline(clerk, app["doctype"], app["name"])
    assert [(a["action"], a["user"]) for a in shown["actions"]] == [
        ("Submit", "clerk.east"),
        ("Verify", "head.east"),
        ("Comment", "clerk.east"),
    ]
    assert shown["actions"][-1]["comment"] == "病历已补充"
    assert {e["user"] for e in shown["expected"]} == {"approver1", "approver2"}
    assert shown["versions"]
    with pytest.raises(errors.DoesNotExistError):
        workflow.timeline(wsite.session("clerk.west"), app["doctype"], app["name"])


def test_self_approval_is_refused_where_the_transition_forbids_it(wsite, world):
    admin = wsite.session("Administrator")
    admin.insert(
        {
            "doctype": "User",
            "email": "both.east",
            "full_name": "both.east",
            "roles": [{"role": "Village Clerk"}, {"role": "Village Head"}],
        }
    )
    admin.insert({"doctype": "User Permission", "user": "both.east", "allow": "Village", "for_value": EAST})
    household = world.household(EAST)
    person = world.person(household)
    record = world.pregnancy(person)
    mine = wsite.session("both.east").insert(
        {
            "doctype": "Termination Certificate Application",
            "person": person["name"],
            "pregnancy_record": record["name"],
            "gestational_weeks": 9,
            "reason_category": "Contraceptive Failure",
            "reason": "本人申请",
            "facility": support.FACILITY,
        }
    )
    act(wsite, "both.east", mine, "Submit")
    with pytest.raises(errors.ValidationError, match="Self approval is not allowed"):
        act(wsite, "both.east", mine, "Verify")
    act(wsite, "head.east", mine, "Verify")
    assert state(wsite, mine) == "Pending Township Approval"


def test_a_new_document_has_no_transitions_and_frappe_shaped_ones_otherwise(wsite, world):
    clerk = wsite.session("clerk.east")
    assert workflow.get_transitions(clerk, {"doctype": "Subsidy Application"}) == []
    app = world.certificate_application(EAST)
    offered = workflow.get_transitions(clerk, clerk.get(app["doctype"], app["name"]))
    assert [(t["state"], t["action"], t["next_state"], t["allowed"]) for t in offered] == [
        ("Draft", "Submit", "Pending Village Verification", "Village Clerk")
    ]
