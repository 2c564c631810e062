"""Whitelisted methods: the embedded runtime's `townflow.api.*` names (hooks.py maps
/api/method/townflow.api.<name> here) and Frappe's apply_workflow, wrapped.

apply_workflow adds what Frappe lacks and delegates the rest to frappe.model.workflow:
a required comment (reject, and transitions marked comment_required), countersign steps (an
approval only records a vote until every approver of the step has approved), and the move back
to the returner after a return. Arguments and answers follow townflow.web.api_methods.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.model import workflow as frappe_workflow
from frappe.utils import cint, get_datetime, now_datetime

from care_for_girls.townflow_ext import counts, errors, events, log, permissions, public_notice, spec
from care_for_girls.townflow_ext import inbox as inbox_queries
from townflow.rules import steps
from townflow.rules import workflow as rules
from townflow.rules.workflow import WorkflowRuleError


def _load(doc: Any):
    """The stored document named by `doc` (a dict or its JSON), read-permission checked; a stale
    `modified` in `doc` is a conflict, as Frappe's check_if_latest reports it."""
    data = frappe.parse_json(doc) if isinstance(doc, str) else frappe._dict(doc or {})
    if not isinstance(data, dict) or not data.get("doctype") or not data.get("name"):
        frappe.throw("Argument doc must be a document with doctype and name", frappe.ValidationError)
    stored = frappe.get_doc(data["doctype"], data["name"])
    stored.check_permission("read")
    if data.get("modified") and get_datetime(data["modified"]) != get_datetime(stored.modified):
        frappe.throw(
            errors.bilingual(
                "Document has been modified after you have opened it", "单据已被他人修改，请刷新后重试"
            ),
            frappe.TimestampMismatchError,
        )
    return data, stored


def _workflow(stored):
    workflow = spec.workflow(stored.doctype)
    if workflow is None:
        frappe.throw(f"{stored.doctype} has no workflow", frappe.ValidationError)
    return workflow


def _plain(stored) -> dict[str, Any]:
    return frappe.parse_json(frappe.as_json(stored.as_dict()))


def _check():
    return rules.expression_check({k: v for k, v in events.expression_context({}).items() if k != "doc"})


def _move(stored, workflow, target: str, action: str, kind: str, comment: str | None) -> dict:
    """A move Frappe has no transition for (return, withdraw, back to the returner): the rules
    checked it; write the state (and the state's update_field) without Frappe's transition check."""
    state_before = rules.current_state(workflow, _plain(stored))
    updates = rules.state_field_updates(workflow, rules.state_row(workflow, target))
    frappe.flags.townflow_system_write = True
    for field, value in updates.items():
        stored.db_set(field, value)
    log.record(stored, action, kind, state_before, target, comment)
    log.assign_state(stored, workflow, target)
    public_notice.moved(stored, workflow, state_before, target)  # 公示 taken down or posted
    return stored.as_dict()


def system_move(stored, target: str, action: str, comment: str | None = None) -> dict:
    """A move the system makes on a rule's behalf (a certificate used by a report, or expired)."""
    workflow = _workflow(stored)
    return _move(stored, workflow, target, action, "transition", comment)


@frappe.whitelist()
def apply_workflow(doc, action, comment=None):
    data, stored = _load(doc)
    comment = comment or data.get("__townflow_comment")
    workflow = spec.workflow(stored.doctype)
    if workflow is None:
        return frappe_workflow.apply_workflow(stored.as_dict(), action)
    plain, user = _plain(stored), frappe.session.user
    try:
        transition = rules.find_transition(workflow, plain, user, frappe.get_roles(), action, _check())
        rules.require_comment(transition, comment)
        history = log.history(stored.doctype, stored.name)
        required = log.signers(log.open_tasks(stored.doctype, stored.name))
        tally = steps.countersign_outcome(workflow, plain, transition, user, required, history)
    except WorkflowRuleError as exc:
        errors.throw(exc)
    state = rules.current_state(workflow, plain)
    if tally.status == "pending":
        log.record(stored, action, "vote", state, state, comment)
        log.close_tasks(stored.doctype, stored.name, user=user)
        return stored.as_dict()
    public_notice.check_leave(stored, workflow, state)  # 公示 window and objections (issue 17)
    public_notice.check_reconfirmation(stored, transition.next_state)  # 年审: still eligible
    back_to = steps.resubmission_target(history, state) if transition.kind in steps.FORWARD_KINDS else None
    if back_to and back_to != transition.next_state:
        return _move(stored, workflow, back_to, action, transition.kind, comment)
    frappe.flags.townflow_action = {"action": action, "kind": "transition", "comment": comment}
    frappe.flags.townflow_move_checked = True
    return frappe_workflow.apply_workflow(stored.as_dict(), action).as_dict()


@frappe.whitelist()
def return_to(doc, to_state=None, comment=None, target_state=None):
    _data, stored = _load(doc)
    workflow = _workflow(stored)
    target = to_state or target_state or steps.applicant_state(workflow)
    stored.check_permission("write")
    try:
        history = log.history(stored.doctype, stored.name)
        steps.check_return(workflow, _plain(stored), frappe.get_roles(), target, comment, history)
    except WorkflowRuleError as exc:
        errors.throw(exc)
    return _move(stored, workflow, target, "Return", "return", comment)


@frappe.whitelist()
def withdraw(doc, comment=None):
    _data, stored = _load(doc)
    workflow = _workflow(stored)
    try:
        history = log.history(stored.doctype, stored.name)
        target = steps.check_withdraw(workflow, _plain(stored), frappe.session.user, history)
    except WorkflowRuleError as exc:
        errors.throw(exc)
    return _move(stored, workflow, target, "Withdraw", "withdraw", comment)


@frappe.whitelist()
def delegate(doc, to_user, comment=None):
    """转交: the caller's open task — their own, or a pool's they are in — waits on `to_user` alone
    from now on (co-approvers of the pool no longer see it in "to do")."""
    _data, stored = _load(doc)
    workflow = _workflow(stored)
    me = frappe.session.user
    tasks = log.open_tasks(stored.doctype, stored.name)
    mine = log.my_task(tasks, me)
    named = [t.user for t in tasks if t.user]
    if not frappe.db.exists("User", {"name": to_user, "enabled": 1}):
        frappe.throw(f"User {to_user} does not exist", frappe.DoesNotExistError)
    to_roles = frappe.get_roles(to_user)
    state = rules.current_state(workflow, _plain(stored))
    reachable = any(to_user in log.approvers_for(stored, r) for r in steps.step_roles(workflow, state))
    try:
        assignees = named + ([me] if mine is not None else [])
        steps.check_delegate(workflow, _plain(stored), me, assignees, to_user, to_roles, reachable)
    except WorkflowRuleError as exc:
        errors.throw(exc)
    log.hand_over(stored, mine, to_user, state)
    log.record(stored, f"Delegate to {to_user}", "delegate", state, state, comment)
    return stored.as_dict()


@frappe.whitelist()
def reclaim(doc, comment=None):
    """收回: the task the caller handed over (转交) on this document waits on them again, as long
    as the delegate has not acted (the delegated task is still open)."""
    _data, stored = _load(doc)
    workflow = _workflow(stored)
    me = frappe.session.user
    handed = [
        t
        for t in log.open_tasks(stored.doctype, stored.name)
        if t.source == "delegate" and frappe.db.get_value(log.TASK, t.name, "delegated_from") == me
    ]
    if not handed:
        frappe.throw(
            "Nothing to take back: the task was not handed over by you, or its delegate has acted",
            frappe.ValidationError,
        )
    task = handed[0]
    state = rules.current_state(workflow, _plain(stored))
    frappe.db.set_value(log.TASK, task.name, "status", "Cancelled", update_modified=True)
    log.add_task(stored, me, state, log.APPROVAL, task.due, role=task.role, source="step")
    log.record(stored, f"Reclaim from {task.user}", "delegate", state, state, comment)
    return stored.as_dict()


@frappe.whitelist()
def comment(doctype, name, content):
    stored = frappe.get_doc(doctype, name)
    stored.check_permission("read")
    if not (content or "").strip():
        frappe.throw("A comment needs some text", frappe.MandatoryError)
    workflow = spec.workflow(doctype)
    state = rules.current_state(workflow, _plain(stored)) if workflow else ""
    log.record(stored, "Comment", "comment", state, state, content)
    return {"doctype": doctype, "name": name, "content": content, "user": frappe.session.user}


@frappe.whitelist()
def timeline(doctype, name):
    """Actions, versions, and who the document waits on — one entry per user: a pooled task
    names everyone in its pool now (an empty pool still shows its role, with no user)."""
    stored = frappe.get_doc(doctype, name)
    stored.check_permission("read")
    actions = frappe.get_all(
        log.ACTION,
        filters={"reference_doctype": doctype, "reference_name": name},
        fields=["user", "action", "kind", "from_state", "to_state", "comment", "creation"],
        order_by="creation asc, step_round asc",
    )
    versions = frappe.get_all(
        "Version",
        filters={"ref_doctype": doctype, "docname": name},
        fields=["owner", "creation", "data"],
        order_by="creation asc",
    )
    expected = [
        {
            "user": user,
            "role": t.role,
            "scope_kind": t.scope_kind or "township",
            "scope_value": t.scope_value,
            "workflow_state": t.state,
            "due_at": t.due,
            "source": t.source or "step",
        }
        for t in log.open_tasks(doctype, name)
        for user in (log.holders(t) or [""])  # a pool: everyone in it now; an empty pool: its role
    ]
    return {"actions": actions, "versions": versions, "expected": expected}


@frappe.whitelist()
def get_count(doctype, filters=None, debug=False, cache=False):
    """frappe.client.get_count with the user's permissions applied, as the embedded runtime and
    frappe.desk.reportview.get_count answer it (Frappe 15's own counts every record)."""
    if isinstance(filters, str):
        filters = frappe.parse_json(filters)
    if permissions.township_wide(doctype):  # every record: the count kept per village and state
        kept = counts.document_count(doctype, filters)
        if kept is not None:
            return kept
    rows = frappe.get_list(doctype, filters=filters, fields=["count(*) as count"], order_by=None)
    return cint(rows[0].count) if rows else 0


@frappe.whitelist()
def inbox(tab="todo", doctype=None, limit_start=0, limit_page_length=20):
    if tab not in inbox_queries.TABS:
        frappe.throw("Argument tab must be todo, done, cc or overdue", frappe.ValidationError)
    start, length = max(0, cint(limit_start)), max(1, min(cint(limit_page_length) or 20, 500))
    now = now_datetime()
    counts = {t: inbox_queries.count(t, doctype) for t in inbox_queries.TABS}
    items = []
    for r in inbox_queries.page(tab, doctype, start, length):
        due = r.get("due")
        items.append(
            {
                "reference_doctype": r.reference_doctype,
                "reference_name": r.reference_name,
                "workflow_state": r.workflow_state,
                "creation": r.creation,
                "modified": r.modified,
                "due_at": due,
                "role": r.get("role"),
                "source": r.get("source") or ("step" if tab != "done" else None),
                "overdue": bool(due and get_datetime(due) < now and tab in {"todo", "overdue"}),
            }
        )
    return {"tab": tab, "items": items, "counts": counts}


@frappe.whitelist()
def bulk_apply(doctype, names, action, comment=None):
    names = frappe.parse_json(names) if isinstance(names, str) and names.startswith("[") else names
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or len(names) > 500:
        frappe.throw("Argument names must be a list of up to 500 names", frappe.ValidationError)
    done, failed = [], []
    for name in names:
        savepoint = f"bulk_{len(done) + len(failed)}"
        frappe.db.savepoint(savepoint)
        try:
            apply_workflow({"doctype": doctype, "name": name}, action, comment)
            done.append(name)
        except Exception as exc:
            frappe.db.rollback(save_point=savepoint)
            frappe.clear_messages()
            failed.append({"name": name, "exc_type": type(exc).__name__, "message": str(exc)})
        finally:
            frappe.flags.townflow_action = None
            frappe.flags.townflow_move_checked = False
            frappe.flags.townflow_system_write = False
    return {"done": done, "failed": failed}


@frappe.whitelist()
def bulk_workflow_approval(docnames, doctype, action):
    """The desk list view's bulk workflow action, through this app's apply_workflow (countersign
    votes, required comments) instead of Frappe's, reporting what failed as Frappe does."""
    result = bulk_apply(doctype, docnames, action)
    if result["failed"]:
        lines = "".join(f"<li>{frappe.bold(f['name'])}: {f['message']}</li>" for f in result["failed"])
        frappe.msgprint(
            f"<ul>{lines}</ul>", title=f"{action}: {len(result['failed'])} failed", indicator="red"
        )
    return result
