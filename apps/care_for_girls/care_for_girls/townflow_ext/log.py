"""The action log (Townflow Action) and approver tasks (Townflow Task) of a document.

Frappe keeps only a "Workflow" Comment per move; the countersign tally, return targets,
withdraw and the inbox need who did what in which step, so every action is a row here, read back
as townflow.rules.steps.ActionEntry for the pure rules.

Who a task is for, as in the embedded runtime (townflow.runtime.workflow_store):
- a pool (`user` empty): everyone who holds `role` and reaches `scope_value` in `scope_kind`,
  resolved when read. An any-one (或签) step opens one per step role, like Frappe's own Workflow
  Action with its permitted roles: an approver appointed after the document arrived finds it,
  one who lost the role stops seeing it, and whoever acts first closes it;
- a named user: each countersign (会签) signer, the applicant when the document is returned to
  them, a CC recipient, and the delegate of a delegated (转交) task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import frappe
from frappe.utils import get_datetime, now_datetime

from care_for_girls.townflow_ext import spec
from townflow.rules import steps
from townflow.rules.scope import allowed_values, value_in_scope
from townflow.spec.models import SCOPE_DOCTYPE, Workflow

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


TASK_FIELDS = [
    "name",
    "reference_doctype",
    "reference_name",
    "user",
    "role",
    "scope_kind",
    "scope_value",
    "source",
    "state",
    "due",
    "reminded",
    "escalated",
    "modified",
]


def open_tasks(doctype: str, name: str, kind: str = APPROVAL) -> list[dict[str, Any]]:
    return frappe.get_all(
        TASK,
        filters={"reference_doctype": doctype, "reference_name": name, "status": "Open", "kind": kind},
        fields=TASK_FIELDS,
        order_by="creation asc",
    )


def signers(tasks: list[dict[str, Any]]) -> list[str]:
    """The named users a countersign step still waits for (escalations only prod; pools name nobody)."""
    return [t.user for t in tasks if t.user and (t.source or "step") in {"step", "delegate"}]


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


def add_task(
    doc,
    user: str | None,
    state: str,
    kind: str,
    due: datetime | None,
    delegated_from: str | None = None,
    role: str | None = None,
    source: str = "step",
):
    """One task: for `user`, or (no user) for the pool of `role` in the document's scope."""
    scope_kind, scope_value = scope_of(doc, role) if role else ("township", None)
    frappe.get_doc(
        {
            "doctype": TASK,
            "reference_doctype": doc.doctype,
            "reference_name": doc.name,
            "user": user or None,
            "role": role,
            "scope_kind": scope_kind,
            "scope_value": scope_value,
            "source": source,
            "kind": kind,
            "status": "Open",
            "state": state,
            "due": due,
            "delegated_from": delegated_from,
        }
    ).insert(ignore_permissions=True)


def hand_over(doc, task: dict[str, Any], to_user: str, state: str) -> None:
    """转交: the task (a user's own, or a pool's) waits on `to_user` alone from now on."""
    frappe.db.set_value(TASK, task.name, "status", "Cancelled", update_modified=True)
    me = frappe.session.user
    add_task(doc, to_user, state, APPROVAL, task.due, delegated_from=me, role=task.role, source="delegate")


# --- who is in a pool -----------------------------------------------------------------------


def scope_of(doc, role: str) -> tuple[str, str | None]:
    """The scope a holder of `role` must reach to act on `doc`: (kind, the document's value)."""
    kind = spec.role_scope(role)
    if kind == "township":
        return kind, None
    field = spec.scope_field(doc.doctype, kind)
    return kind, (doc.get(field) if field else None) or None


def pool_reachable(scope_kind: str, scope_value: str | None) -> bool:
    """A scoped pool needs the document's value: without it nobody could reach it (deny by default)."""
    return scope_kind == "township" or bool(scope_value)


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


def users_in_pool(role: str, scope_kind: str, scope_value: str | None) -> list[str]:
    """Enabled holders of `role` who reach `scope_value` (a township role reaches every document)."""
    return steps.resolve_approvers(role, scope_kind, scope_value, _candidates(role))


def approvers_for(doc, role: str) -> list[str]:
    """Holders of `role` who reach this document (the village head of its own village)."""
    return users_in_pool(role, *scope_of(doc, role))


def holders(task: dict[str, Any]) -> list[str]:
    """Who an open task waits on now: its user, or everyone now in its pool."""
    if task.user:
        return [task.user]
    return users_in_pool(task.role, task.scope_kind or "township", task.scope_value)


def user_permissions(user: str) -> list[dict[str, Any]]:
    return frappe.get_all(
        "User Permission",
        filters={"user": user},
        fields=["allow", "for_value", "applicable_for", "apply_to_all_doctypes"],
    )


def in_pool(task: dict[str, Any], roles: set[str], permissions: list[dict[str, Any]]) -> bool:
    """Whether a user (their roles and User Permissions) is in a pooled task's pool: holds its
    role and reaches its scope value — the rule documents are read by (townflow.rules.scope)."""
    kind = task.scope_kind or "township"
    if task.role not in roles or (kind != "township" and kind not in SCOPE_DOCTYPE):
        return False
    allowed = frozenset() if kind == "township" else allowed_values(permissions, kind, task.reference_doctype)
    return value_in_scope(kind, task.scope_value, allowed)


def my_task(tasks: list[dict[str, Any]], user: str) -> dict[str, Any] | None:
    """The open task `user` holds: their own first, else one of a pool they are in."""
    own = next((t for t in tasks if t.user == user), None)
    if own is not None:
        return own
    roles, permissions = set(frappe.get_roles(user)), user_permissions(user)
    return next((t for t in tasks if not t.user and in_pool(t, roles, permissions)), None)


# --- entering a state -----------------------------------------------------------------------


def assign_state(doc, workflow: Workflow, state: str, moved: bool = True) -> None:
    """Entering `state`: close the old step's tasks, open the new step's, send its CCs.

    The applicant's state (a document returned or withdrawn to them) waits on its owner, a
    countersign step on each signer by name, any other step on one pool per role. A document
    just inserted (`moved` False) waits on nobody yet."""
    if moved:  # notes for the ratio / 会办 / added-signer tasks this move ends (approval_moves)
        from care_for_girls.townflow_ext import approval_moves

        approval_moves.closing(doc, workflow, _state_before(doc, workflow))
    close_tasks(doc.doctype, doc.name, status="Cancelled")
    if not moved and state == workflow.initial_state.state:
        return
    if steps.waits_on_someone(workflow, state):  # not Rejected, Approved...: nobody owes those work
        _open_step_tasks(doc, workflow, state)
    copied: list[str] = []
    for role in steps.cc_roles(workflow, state):
        for user in approvers_for(doc, role):
            if user not in copied:
                copied.append(user)
                add_task(doc, user, state, CC, None, role=role, source="cc")


def _state_before(doc, workflow: Workflow) -> str | None:
    """The state the open tasks belong to (the one being left)."""
    tasks = frappe.get_all(
        TASK,
        filters={"reference_doctype": doc.doctype, "reference_name": doc.name, "status": "Open"},
        pluck="state",
        limit=1,
    )
    return tasks[0] if tasks else None


def _open_step_tasks(doc, workflow: Workflow, state: str) -> None:
    """The tasks of a state that waits on someone (townflow.rules.steps.waits_on_someone)."""
    step = steps.step_of(workflow, state)
    due = steps.due_at(step, now_datetime(), spec.settings(), doc.as_dict())
    roles = steps.step_roles(workflow, state)
    if state == steps.applicant_state(workflow):
        if doc.owner:
            held = set(frappe.get_roles(doc.owner))
            role = next((r for r in roles if r in held), roles[0] if roles else None)
            add_task(doc, doc.owner, state, APPROVAL, due, role=role)
    elif step.parallel is not None:  # 会办: a pooled task per department (townflow_ext.approval_moves)
        from care_for_girls.townflow_ext import approval_moves

        approval_moves.open_branches(doc, workflow, state, due)
    elif step.mode == "all":
        signing: list[str] = []
        for role in roles:
            for user in approvers_for(doc, role):
                if user not in signing:
                    signing.append(user)
                    add_task(doc, user, state, APPROVAL, due, role=role)
        if step.required is not None:  # 比例会签 needing more than it has: refused
            from care_for_girls.townflow_ext import approval_moves

            approval_moves.check_signers(step, state, len(signing))
    else:
        for role in roles:
            if pool_reachable(*scope_of(doc, role)):
                add_task(doc, None, state, APPROVAL, due, role=role)
