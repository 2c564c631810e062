"""The action log (Townflow Action) and approver tasks (Townflow Task) of a document.

Frappe keeps only a "Workflow" Comment per move; the countersign tally, return targets,
withdraw and the inbox need who did what in which step, so every action is a row here, read back
as townflow.rules.steps.ActionEntry for the pure rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import frappe
from frappe.utils import get_datetime, now_datetime

from townflow.rules import steps
from townflow.spec.models import Workflow

ACTION = "Townflow Action"
TASK = "Townflow Task"
APPROVAL, CC = "Approval", "CC"


def history(doctype: str, name: str) -> list[steps.ActionEntry]:
    rows = frappe.get_all(
        ACTION,
        filters={"reference_doctype": doctype, "reference_name": name},
        fields=["action", "kind", "from_state", "to_state", "user", "creation", "comment"],
        order_by="creation asc, step_round asc",
    )
    return [
        steps.ActionEntry(
            action=r.action,
            kind=r.kind,
            from_state=r.from_state or "",
            to_state=r.to_state or "",
            user=r.user,
            at=get_datetime(r.creation),
            comment=r.comment,
        )
        for r in rows
    ]


def record(
    doc,
    action: str,
    kind: str,
    from_state: str,
    to_state: str,
    comment: str | None = None,
    timeline: bool = True,
) -> None:
    """Log an action; `timeline` also adds it to the desk's timeline (Frappe's own apply_workflow
    already adds a "Workflow" comment for the moves it makes, so those pass False)."""
    seq = frappe.db.count(ACTION, {"reference_doctype": doc.doctype, "reference_name": doc.name})
    frappe.get_doc(
        {
            "doctype": ACTION,
            "reference_doctype": doc.doctype,
            "reference_name": doc.name,
            "user": frappe.session.user,
            "action": action,
            "kind": kind,
            "from_state": from_state,
            "to_state": to_state,
            "step_round": seq + 1,
            "comment": comment,
        }
    ).insert(ignore_permissions=True)
    if timeline or comment:
        text = f"{action}: {from_state} → {to_state}" + (f" — {comment}" if comment else "")
        doc.add_comment("Workflow" if kind != "comment" else "Comment", text)


def open_tasks(doctype: str, name: str, kind: str = APPROVAL) -> list[dict[str, Any]]:
    return frappe.get_all(
        TASK,
        filters={"reference_doctype": doctype, "reference_name": name, "status": "Open", "kind": kind},
        fields=["name", "user", "state", "due", "reminded", "escalated"],
    )


def close_tasks(doctype: str, name: str, user: str | None = None, status: str = "Done") -> None:
    """Close open approval tasks (CC tasks stay: "CC to me" keeps what was copied)."""
    filters: dict[str, Any] = {
        "reference_doctype": doctype,
        "reference_name": name,
        "status": "Open",
        "kind": APPROVAL,
    }
    if user is not None:
        filters["user"] = user
    for task in frappe.get_all(TASK, filters=filters, pluck="name"):
        frappe.db.set_value(TASK, task, "status", status, update_modified=True)


def add_task(doc, user: str, state: str, kind: str, due: datetime | None, delegated_from: str | None = None):
    frappe.get_doc(
        {
            "doctype": TASK,
            "reference_doctype": doc.doctype,
            "reference_name": doc.name,
            "user": user,
            "kind": kind,
            "status": "Open",
            "state": state,
            "due": due,
            "delegated_from": delegated_from,
        }
    ).insert(ignore_permissions=True)


def _candidates(role: str) -> list[steps.Candidate]:
    users = frappe.get_all(
        "Has Role", filters={"role": role, "parenttype": "User"}, pluck="parent", distinct=True
    )
    enabled = set(frappe.get_all("User", filters={"name": ["in", users], "enabled": 1}, pluck="name"))
    perms = frappe.get_all(
        "User Permission",
        filters={"user": ["in", list(enabled) or [""]]},
        fields=["user", "allow", "for_value"],
    )
    from townflow.spec.models import SCOPE_DOCTYPE

    by_doctype = {v: k for k, v in SCOPE_DOCTYPE.items()}
    scopes: dict[str, dict[str, set[str]]] = {u: {} for u in enabled}
    for p in perms:
        kind = by_doctype.get(p.allow)
        if kind:
            scopes[p.user].setdefault(kind, set()).add(p.for_value)
    return [
        steps.Candidate(u, frozenset({role}), {k: frozenset(v) for k, v in scopes[u].items()})
        for u in sorted(enabled)
    ]


def approvers_for(doc, role: str) -> list[str]:
    """Holders of `role` who reach this document (the village head of its own village)."""
    from care_for_girls.townflow_ext import spec

    scope = spec.role_scope(role)
    field = spec.scope_field(doc.doctype, scope) if scope != "township" else None
    value = doc.get(field) if field else None
    return steps.resolve_approvers(role, scope, value, _candidates(role))


def assign_state(doc, workflow: Workflow, state: str) -> None:
    """Entering `state`: close the old step's tasks, open one per approver of the new step, CC."""
    close_tasks(doc.doctype, doc.name, status="Cancelled")
    if state == workflow.initial_state.state or not any(t.state == state for t in workflow.transitions):
        return
    step = steps.step_of(workflow, state)
    due = steps.due_at(step, now_datetime())
    users: list[str] = []
    for role in steps.step_roles(workflow, state):
        users.extend(u for u in approvers_for(doc, role) if u not in users)
    for user in users:
        add_task(doc, user, state, APPROVAL, due)
    cc_users: list[str] = []
    for role in steps.cc_roles(workflow, state):
        cc_users.extend(u for u in approvers_for(doc, role) if u not in cc_users and u not in users)
    for user in cc_users:
        add_task(doc, user, state, CC, None)
