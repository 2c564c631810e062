"""The embedded workflow engine: Frappe's get_transitions/apply_workflow, plus 会签, 退回, 撤回, 转交.

Every function takes a `Session` and answers as Frappe's `frappe.model.workflow` does. The rules
themselves live in `townflow.rules` (shared with the Frappe app); this module loads the facts,
asks the rules, and writes the outcome. A transition writes, in ONE transaction: the document
(state, update_field, docstatus via the data plane's save/submit/cancel), the campaign's domain
effects, the action log row, the audit row, and the step assignments of the next state — or
nothing at all, when anything fails or the caller's `modified` is stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from townflow.rules import steps as step_rules
from townflow.rules.workflow import (
    WorkflowRuleError,
    available_transitions,
    current_state,
    docstatus_operation,
    find_transition,
    require_comment,
    state_field_updates,
    state_row,
)
from townflow.runtime import benefits, campaign, public_notice, workflow_io
from townflow.runtime import workflow_store as store
from townflow.runtime.durable import durable
from townflow.runtime.errors import ValidationError
from townflow.runtime.inbox import counts as inbox_counts
from townflow.runtime.inbox import inbox
from townflow.runtime.system_doctypes import ADMINISTRATOR
from townflow.runtime.workflow_io import Loaded, WorkflowStateError, WorkflowTransitionError, fail
from townflow.runtime.workflow_reclaim import handed_away, refuse_delegator
from townflow.spec.models import WorkflowTransition

__all__ = [
    "WorkflowStateError",
    "WorkflowTransitionError",
    "add_comment",
    "apply_workflow",
    "delegate",
    "get_transitions",
    "inbox",
    "inbox_counts",
    "return_to",
    "timeline",
    "withdraw",
]


def get_transitions(session, doc: Mapping[str, Any] | str, doctype: str | None = None) -> list[dict]:
    """The transitions the session's user may take now, as Frappe lists them (dicts of the row)."""
    if isinstance(doc, Mapping) and not doc.get("name"):
        return []  # Frappe: a new document has no transitions yet
    loaded = workflow_io.load(session, doc, doctype, check_modified=False)
    if handed_away(session, loaded.workflow.document_type, loaded.row["name"], session_user(session)):
        return []  # 转交: the to-do is the delegate's until 收回
    try:
        found = available_transitions(loaded.workflow, loaded.row, session_roles(session), loaded.check)
    except WorkflowRuleError as error:
        raise fail(error) from None
    found = _without_my_countersign(session, loaded, found)
    return [_transition_dict(t) for t in found]


def _without_my_countersign(session, loaded: Loaded, found: list) -> list:
    """In a 会签 (mode-all) step, a user who has already approved is not offered approving
    transitions again: apply_workflow would refuse them ("has already approved this step")."""
    wf, row = loaded.workflow, loaded.row
    if step_rules.step_of(wf, current_state(wf, row)).mode != "all":
        return found
    history = store.history(session.site.db, wf.document_type, row["name"])
    if session_user(session) not in step_rules.step_votes(history):
        return found
    return [t for t in found if t.kind not in step_rules.APPROVAL_KINDS]


@durable
def apply_workflow(session, doc: Mapping[str, Any], action: str, comment: str | None = None) -> dict:
    """Take `action` on `doc`; returns the updated document. Refusals raise the runtime's errors."""
    with session.site.db.transaction():
        loaded = workflow_io.load(session, doc)
        wf, row = loaded.workflow, loaded.row
        user = session_user(session)
        refuse_delegator(session, wf.document_type, row["name"], user)
        try:
            transition = find_transition(wf, row, user, session_roles(session), action, loaded.check)
            require_comment(transition, comment)
            required: list[str] = []
            if step_rules.step_of(wf, current_state(wf, row)).mode == "all":  # only 会签 waits for a list
                # who still must sign, and who already did in this step
                history = store.history(session.site.db, wf.document_type, row["name"])
                required = store.open_assignees(session.site.db, wf.document_type, row["name"])
                required += [u for u in step_rules.step_votes(history) if u not in required]
            else:  # an any-one step reads only how the document got here (a return comes back)
                history = store.last_state_change(session.site.db, wf.document_type, row["name"])
            tally = step_rules.countersign_outcome(wf, row, transition, user, required, history)
        except WorkflowRuleError as error:
            raise fail(error) from None
        if tally.status == "pending":
            return _vote(session, loaded, transition, comment)
        target = transition.next_state
        if transition.kind in step_rules.FORWARD_KINDS:
            target = step_rules.resubmission_target(history, current_state(wf, row)) or target
        return _move(session, loaded, target, transition.action, "transition", comment, transition)


@durable
def return_to(session, doc: Mapping[str, Any], target_state: str, comment: str | None = None) -> dict:
    """退回: send the document back to an earlier state (or the applicant); it returns here after."""
    with session.site.db.transaction():
        loaded = workflow_io.load(session, doc)
        refuse_delegator(session, loaded.workflow.document_type, loaded.row["name"], session_user(session))
        history = store.history(session.site.db, loaded.workflow.document_type, loaded.row["name"])
        try:
            step_rules.check_return(
                loaded.workflow, loaded.row, session_roles(session), target_state, comment, history
            )
        except WorkflowRuleError as error:
            raise fail(error) from None
        return _move(session, loaded, target_state, "Return", "return", comment, None)


@durable
def withdraw(session, doc: Mapping[str, Any], comment: str | None = None) -> dict:
    """撤回: the applicant pulls the document back, as long as the next step has not acted."""
    with session.site.db.transaction():
        loaded = workflow_io.load(session, doc)
        refuse_delegator(session, loaded.workflow.document_type, loaded.row["name"], session_user(session))
        history = store.history(session.site.db, loaded.workflow.document_type, loaded.row["name"])
        try:
            target = step_rules.check_withdraw(loaded.workflow, loaded.row, session_user(session), history)
        except WorkflowRuleError as error:
            raise fail(error) from None
        return _move(session, loaded, target, "Withdraw", "withdraw", comment, None)


@durable
def delegate(session, doc: Mapping[str, Any], to_user: str, comment: str | None = None) -> dict:
    """转交: hand my to-do on this step to a colleague who holds the role and reaches the document."""
    db = session.site.db
    with db.transaction():
        loaded = workflow_io.load(session, doc)
        wf, row, user = loaded.workflow, loaded.row, session_user(session)
        refuse_delegator(session, wf.document_type, row["name"], user)
        todos = store.open_todos(db, wf.document_type, row["name"])
        mine = workflow_io.my_todo(session, todos)
        named = [t["user"] for t in todos if t["user"]]
        target_ctx = workflow_io.user_context(session, to_user)
        try:
            if target_ctx is None:
                raise WorkflowRuleError(f"User {to_user} does not exist or is disabled", "rule")
            step_rules.check_delegate(
                wf,
                row,
                user,
                named + ([user] if mine is not None else []),
                to_user,
                target_ctx.roles,
                workflow_io.reaches(session, loaded, target_ctx, "write"),
            )
        except WorkflowRuleError as error:
            raise fail(error) from None
        at = workflow_io.now(session)
        # my to-do — or my pool's, which then waits on the delegate alone — goes to the delegate
        store.hand_over(db, mine["name"])
        handed = {**mine, "user": to_user, "audience": to_user, "source": "delegate"}
        store.add_rows(db, [{**handed, "creation": at, "modified": at}])
        state = current_state(wf, row)
        store.log(
            db,
            wf.document_type,
            row["name"],
            f"Delegate to {to_user}",
            "delegate",
            state,
            state,
            user,
            at,
            comment=comment,
        )
        workflow_io.audit(session, "delegate", loaded, {"to_user": to_user, "comment": comment})
        return session.get(wf.document_type, row["name"])


@durable
def add_comment(session, doc: Mapping[str, Any], comment: str) -> dict:
    """A comment on the document's timeline, by anyone who may read it."""
    if not (comment or "").strip():
        raise ValidationError("A comment cannot be empty", "评论不能为空")
    db = session.site.db
    with db.transaction():
        loaded = workflow_io.load(session, doc, check_modified=False)
        state = current_state(loaded.workflow, loaded.row)
        at = workflow_io.now(session)
        entry_id = store.log(
            db,
            loaded.workflow.document_type,
            loaded.row["name"],
            "Comment",
            "comment",
            state,
            state,
            session_user(session),
            at,
            comment=comment.strip(),
        )
        return {"name": entry_id, "comment": comment.strip(), "user": session_user(session), "creation": at}


def timeline(session, doctype: str, name: str) -> dict:
    """Versions, workflow actions with comments, and who is expected to act next."""
    loaded = workflow_io.load(session, {"doctype": doctype, "name": name}, check_modified=False)
    db = session.site.db
    return {
        "state": current_state(loaded.workflow, loaded.row),
        "actions": store.history_rows(db, doctype, name),
        "versions": workflow_io.versions(session, doctype, name),
        "expected": _expected(session, doctype, name),
        "return_targets": step_rules.return_targets(
            loaded.workflow, loaded.row, store.history(db, doctype, name)
        ),
    }


def _expected(session, doctype: str, name: str) -> list[dict]:
    """Who the document waits on, one entry per user: a pool's to-do names everyone in it now
    (an empty pool still shows its role, with no user)."""
    found = []
    for todo in store.expected_actors(session.site.db, doctype, name):
        users = workflow_io.holders(session, todo, doctype) or [""]
        found += [{**todo, "user": user} for user in users]
    return found


# --- writing a step -----------------------------------------------------------------------


def _vote(session, loaded: Loaded, transition: WorkflowTransition, comment: str | None) -> dict:
    """A countersign approval that does not complete the step: logged, my to-do closed, doc touched."""
    db, wf, row, user = session.site.db, loaded.workflow, loaded.row, session_user(session)
    at = workflow_io.now(session)
    state = current_state(wf, row)
    store.log(
        db,
        wf.document_type,
        row["name"],
        transition.action,
        "vote",
        state,
        state,
        user,
        at,
        role=transition.allowed,
        comment=comment,
    )
    shown = workflow_io.touch(session, loaded)
    mine = workflow_io.assignment_base(session, loaded, loaded.stored, user, transition.allowed, at)
    store.mark_done(db, mine)  # before closing the to-dos: my to-do becomes my done row
    store.complete_todos(db, wf.document_type, row["name"], users=[user])
    workflow_io.audit(session, "workflow_vote", loaded, {"action": transition.action, "state": state})
    return shown


def _move(
    session,
    loaded: Loaded,
    target: str,
    action: str,
    kind: str,
    comment: str | None,
    transition: WorkflowTransition | None,
) -> dict:
    """Move the document to `target` and write everything that goes with it (one transaction)."""
    db, wf, row, user = session.site.db, loaded.workflow, loaded.row, session_user(session)
    from_state = current_state(wf, row)
    try:
        next_state = state_row(wf, target)
        operation = docstatus_operation(row.get("docstatus") or 0, next_state)
    except WorkflowRuleError as error:
        raise fail(error) from None
    at = workflow_io.now(session)
    if transition is not None:  # 公示 and 年审 (issue 17): refused while a window runs or unsettled
        public_notice.check_leave(session, loaded, from_state, at)
        public_notice.check_reconfirmation(session, loaded, target)
    updates = {
        **state_field_updates(wf, next_state),
        **campaign.entering(session, loaded, target, at),
        **benefits.entering(session, loaded, target, at),
        **public_notice.entering(session, loaded, target, at),
    }
    shown = workflow_io.write(session, loaded, updates, operation)
    benefits.after_move(session, loaded, target, at)
    public_notice.after_move(session, loaded, from_state, target, at, transition is not None)
    public_notice.reconfirmation_after_move(session, loaded, target, at, comment)
    stored = loaded.stored
    role = transition.allowed if transition else workflow_io.acting_role(session, wf, from_state)
    step_id = store.log(
        db,
        wf.document_type,
        row["name"],
        action,
        kind,
        from_state,
        target,
        user,
        at,
        role=role,
        comment=comment,
    )
    # my to-do (or my pool's) becomes my done row first, then the step's other to-dos close
    mine = workflow_io.assignment_base(session, loaded, stored, user, role, at)
    if store.mark_done(db, mine, workflow_io.pool_of(mine) if role else None):
        store.complete_todos(db, wf.document_type, row["name"])  # the to-dos still open, if any
    workflow_io.assign_step(session, loaded, stored, target, step_id, at)
    workflow_io.audit(
        session, "workflow", loaded, {"action": action, "from": from_state, "to": target, "comment": comment}
    )
    return shown


def apply_system_move(session, doctype: str, name: str, target: str, action: str, comment: str | None = None):
    """A move the system makes on a rule's behalf (a certificate used by a report, or expired):
    no role or condition is asked, but the docstatus rules, the log, the audit and the to-dos are."""
    system = session.site.session(ADMINISTRATOR)
    clock = getattr(session, "clock", None)
    if clock is not None:
        system.clock = clock
    with session.site.db.transaction():
        loaded = workflow_io.load(system, {"doctype": doctype, "name": name}, check_modified=False)
        return _move(system, loaded, target, action, "transition", comment, None)


def _transition_dict(t: WorkflowTransition) -> dict:
    return {
        "state": t.state,
        "action": t.action,
        "next_state": t.next_state,
        "allowed": t.allowed,
        "allow_self_approval": int(t.allow_self_approval),
        "condition": t.condition,
        "kind": t.kind,
        "comment_required": int(t.comment_required),
    }


def session_user(session) -> str:
    return workflow_io.user_of(session)


def session_roles(session) -> frozenset[str]:
    return workflow_io.roles_of(session)
