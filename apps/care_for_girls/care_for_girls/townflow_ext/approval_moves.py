"""The approval moves on Frappe (issue 17.5), through the app's task model: 比例会签, 加签, 会办.

The rules are townflow.rules.approval_moves (the embedded runtime's too); the facts live in
Townflow Task and Townflow Action:

- 比例会签: api.apply_workflow asks `outcome()` instead of the plain countersign tally: a vote
  until the number is reached, a dissent (kind `dissent`) while the others can still reach it;
- 加签: a signer added is a named Townflow Task (source `add_before` / `add_after`, `added_by`
  the approver). A before-signer's task is Open at once and the step's actions wait for it; an
  after-signer's is `Waiting` until the approver approves (logged `held`), then Open; the last
  after-signer agreeing applies the held action as the approver, one disagreeing takes the
  step's reject transition. Whitelisted: townflow.api.add_signer / remove_signer / sign;
- 会办: entering a parallel state opens one pooled task per department the rule names (role and
  `scope_value` the department) and shares the document (Frappe's DocShare, read and write) with
  the pool's holders, so they read it although its own department field names another.

`closing()` (from log.assign_state, before the tasks close) logs a note for every task of a ratio
or 会办 step and every added signer that the move ends.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.model import workflow as frappe_workflow

from care_for_girls.townflow_ext import errors, events, log, spec
from townflow.expr import parse
from townflow.rules import approval_moves as rules
from townflow.rules import steps
from townflow.rules import workflow as wf_rules
from townflow.rules.workflow import WorkflowRuleError

ADDED = ("add_before", "add_after")
HANDLED = frozenset({"branch_pending", "dissent", "held"})
_RULE_STATUS = {"Open": "Open", "Waiting": "Open", "Done": "Agreed", "Cancelled": "Removed"}


def _plain(doc) -> dict[str, Any]:
    return frappe.parse_json(frappe.as_json(doc.as_dict()))


def signer_tasks(doctype: str, name: str, state: str) -> list[dict[str, Any]]:
    return frappe.get_all(
        log.TASK,
        filters={
            "reference_doctype": doctype,
            "reference_name": name,
            "state": state,
            "source": ["in", list(ADDED)],
        },
        fields=["name", "user", "source", "status", "added_by"],
        order_by="creation asc",
    )


def timeline_extra(doctype: str, name: str, state: str) -> dict[str, Any]:
    """What the timeline adds, as the embedded runtime's: the signers added to the current step
    (user, position, added_by, status) and its 会办 branches (department, role, status)."""
    added = [
        {
            "user": t.user,
            "position": "before" if t.source == "add_before" else "after",
            "added_by": t.added_by,
            "status": _TIMELINE_STATUS.get(t.status, t.status),
        }
        for t in signer_tasks(doctype, name, state)
    ]
    if steps.step_of(spec.workflow(doctype), state).parallel is None:
        return {"added_signers": added, "branches": []}
    where = {"reference_doctype": doctype, "reference_name": name, "state": state, "scope_kind": "department"}
    rows = frappe.get_all(
        log.TASK, filters=where, fields=["scope_value", "role", "status"], order_by="creation asc"
    )
    branches = [
        {"department": t.scope_value, "role": t.role, "status": _BRANCH_STATUS[t.status]} for t in rows
    ]
    return {"added_signers": added, "branches": branches}


#: Townflow Task status -> the embedded runtime's added-signer status (Done: signed)
_TIMELINE_STATUS = {"Done": "Signed", "Cancelled": "Removed"}
#: a 会办 branch task's status -> the branch's (Done: its department decided; Cancelled: ended)
_BRANCH_STATUS = {"Open": "Open", "Done": "Decided", "Cancelled": "Closed", "Waiting": "Open"}


def _as_rules(rows: list[dict[str, Any]]) -> list[rules.AddedSigner]:
    return [
        rules.AddedSigner(
            r.user, "before" if r.source == "add_before" else "after", r.added_by, _RULE_STATUS[r.status]
        )
        for r in rows
        if r.status in _RULE_STATUS
    ]


class Decision(frappe._dict):
    """status, and the 会办 task it decides (`branch`)."""


def outcome(stored, workflow, plain, transition, user: str, required: list[str], history) -> Decision:
    """The countersign tally with the moves (raises WorkflowRuleError)."""
    state = wf_rules.current_state(workflow, plain)
    step = steps.step_of(workflow, state)
    added = signer_tasks(stored.doctype, stored.name, state) if rules.allowed_positions(step) else []
    waiting = [t.user for t in added if t.source == "add_before" and t.status == "Open"]
    if waiting:
        raise WorkflowRuleError(
            f"Wait for the signers added before the approver (加签): {', '.join(waiting)}", "transition"
        )
    if step.parallel is not None:
        tasks = [t for t in log.open_tasks(stored.doctype, stored.name) if (t.source or "step") == "step"]
        roles, permissions = set(frappe.get_roles(user)), log.user_permissions(user)
        mine = next(
            (t for t in tasks if t.role == transition.allowed and log.in_pool(t, roles, permissions)), None
        )
        if mine is None:
            raise WorkflowRuleError(
                "Your department has no open branch of this joint review (会办)", "permission"
            )
        found = rules.branch_outcome(transition, len(tasks) - 1)
        return Decision(status="branch_pending" if found.status == "pending" else "branch_move", branch=mine)
    found = rules.countersign_outcome(workflow, plain, transition, user, required, history)
    after = any(t.source == "add_after" and t.status == "Waiting" for t in added)
    if found.status == "approved" and transition.kind in steps.APPROVAL_KINDS and after:
        return Decision(status="held", branch=None)
    return Decision(status=found.status, branch=None)


def handle(stored, workflow, transition, comment: str | None, decision: Decision) -> dict | None:
    """Write a decision the plain engine has no move for; None: go on with Frappe's apply_workflow
    (a 会办 branch's last approval or a rejection, after closing that branch's task)."""
    user = frappe.session.user
    state = wf_rules.current_state(workflow, _plain(stored))
    if decision.status in ("branch_pending", "branch_move"):
        branch = decision.branch
        frappe.db.set_value(log.TASK, branch.name, {"status": "Done", "user": user}, update_modified=True)
        if decision.status == "branch_move":
            return None
        log.record(
            stored, transition.action, "vote", state, state, f"【{branch.scope_value}】{comment or ''}"
        )
        return stored.as_dict()
    if decision.status == "dissent":
        log.record(stored, transition.action, rules.DISSENT, state, state, comment)
        log.close_tasks(stored.doctype, stored.name, user=user)
        return stored.as_dict()
    # held: the approver's part is done; the signers added after them get their tasks now
    log.record(stored, transition.action, rules.HELD, state, state, comment)
    mine = log.my_task(log.open_tasks(stored.doctype, stored.name), user)
    if mine is not None:
        frappe.db.set_value(log.TASK, mine.name, "status", "Done", update_modified=True)
    for task in signer_tasks(stored.doctype, stored.name, state):
        if task.source == "add_after" and task.status == "Waiting":
            frappe.db.set_value(log.TASK, task.name, "status", "Open", update_modified=True)
    return stored.as_dict()


def closing(doc, workflow, state: str | None) -> None:
    """Before a move closes the old step's tasks: note each ratio / 会办 / added-signer task it ends."""
    if not state or workflow.state(state) is None:
        return
    step = steps.step_of(workflow, state)
    me = frappe.session.user
    for task in log.open_tasks(doc.doctype, doc.name):
        if task.source in ADDED:
            about, zh, en = task.user, f"加签人 {task.user} 的待办关闭", "added signer no longer waited on"
        elif step.parallel is not None and not task.user:
            about, zh, en = (
                task.scope_value,
                f"会办【{task.scope_value}】的待办已结束",
                "joint review branch closed",
            )
        elif rules.is_ratio(step) and task.user and task.user != me:
            about, zh, en = (
                task.user,
                f"会签已结束，{task.user} 的待办关闭",
                "countersign decided, task closed",
            )
        else:
            continue
        log.record(doc, f"Closed: {about}", rules.NOTE, state, state, f"{zh} / {en}", timeline=False)
    for task in signer_tasks(doc.doctype, doc.name, state):
        if task.status == "Waiting":
            frappe.db.set_value(log.TASK, task.name, "status", "Cancelled", update_modified=True)


def open_branches(doc, workflow, state: str, due) -> None:
    """会办: one pooled task per department the rule names, the document shared with its holders."""
    parallel = steps.step_of(workflow, state).parallel
    context = events.expression_context(_plain(doc))
    try:
        value = parse(parallel.departments).evaluate(context, events.runtime_functions(doc))
        departments = rules.branch_departments(value, parallel.roles, state)
    except WorkflowRuleError as exc:
        errors.throw(exc)
    for department in departments:
        role = parallel.roles[department]
        frappe.get_doc(
            {
                "doctype": log.TASK,
                "reference_doctype": doc.doctype,
                "reference_name": doc.name,
                "user": None,
                "role": role,
                "scope_kind": "department",
                "scope_value": department,
                "source": "step",
                "kind": log.APPROVAL,
                "status": "Open",
                "state": state,
                "due": due,
            }
        ).insert(ignore_permissions=True)
        for user in log.users_in_pool(role, "department", department):
            frappe.share.add_docshare(
                doc.doctype, doc.name, user, read=1, write=1, flags={"ignore_share_permission": True}
            )


def check_signers(step, state: str, signers: int) -> None:
    try:
        rules.check_ratio_signers(step, state, signers)
    except WorkflowRuleError as exc:
        errors.throw(exc)


# --- whitelisted: 加签, remove, sign --------------------------------------------------------


def _load(doc):
    """The stored document `doc` names (a dict or its JSON), read permission checked."""
    data = frappe.parse_json(doc) if isinstance(doc, str) else frappe._dict(doc or {})
    if not isinstance(data, dict) or not data.get("doctype") or not data.get("name"):
        frappe.throw("Argument doc must be a document with doctype and name", frappe.ValidationError)
    stored = frappe.get_doc(data["doctype"], data["name"])
    stored.check_permission("read")
    workflow = spec.workflow(stored.doctype)
    if workflow is None:
        frappe.throw(f"{stored.doctype} has no workflow", frappe.ValidationError)
    return stored, workflow


def _users(users) -> list[str]:
    if isinstance(users, str):
        users = (
            frappe.parse_json(users) if users.strip().startswith("[") else users.replace("，", ",").split(",")
        )
    if not isinstance(users, list) or len(users) > 20:
        frappe.throw("Argument users must be a list of up to 20 user names", frappe.ValidationError)
    return [str(u) for u in users]


@frappe.whitelist()
def signer_candidates(doc, txt=None):
    """Whom the approver holding this step's task may add (加签): enabled system users, not
    already signing, who may read the document, matching `txt` on the user or full name; as the
    desk's MultiSelectList wants them ([{value, label, description}], HTML-escaped, at most 20).
    The embedded runtime's townflow.api.signer_candidates answers the same."""
    stored, workflow = _load(doc)
    me = frappe.session.user
    state = wf_rules.current_state(workflow, _plain(stored))
    tasks = [t for t in log.open_tasks(stored.doctype, stored.name) if t.source not in ADDED]
    if log.my_task(tasks, me) is None:
        refusal = "Only an approver who holds this step's task may add signers"
        errors.throw(WorkflowRuleError(refusal, "permission"))
    signing = signer_tasks(stored.doctype, stored.name, state)
    taken = {s.user for s in signing if s.status in ("Open", "Waiting")}
    needle = f"%{txt.strip()}%" if isinstance(txt, str) and txt.strip() else "%"
    users = frappe.get_all(
        "User",
        filters={
            "enabled": 1,
            "user_type": "System User",
            "name": ["not in", ["Administrator", "Guest", me]],
        },
        or_filters=[["name", "like", needle], ["full_name", "like", needle]],
        fields=["name", "full_name"],
        order_by="name asc",
        limit_page_length=500,
    )
    found = []
    for user in users:
        if user.name in taken or not frappe.has_permission(stored.doctype, "read", stored, user=user.name):
            continue
        # MultiSelectList puts label and description into its HTML unescaped: escape them here
        label = frappe.utils.escape_html(user.full_name or user.name)
        found.append({"value": user.name, "label": label, "description": frappe.utils.escape_html(user.name)})
        if len(found) >= 20:
            break
    return found


@frappe.whitelist()
def add_signer(doc, users, position="before", comment=None):
    stored, workflow = _load(doc)
    me = frappe.session.user
    plain = _plain(stored)
    state = wf_rules.current_state(workflow, plain)
    tasks = [t for t in log.open_tasks(stored.doctype, stored.name) if t.source not in ADDED]
    holds = log.my_task(tasks, me) is not None
    try:
        existing = _as_rules(signer_tasks(stored.doctype, stored.name, state))
        wanted = rules.check_add_signers(workflow, plain, me, holds, position, _users(users), existing)
        for signer in wanted:
            if not frappe.db.exists("User", {"name": signer, "enabled": 1}):
                raise WorkflowRuleError(f"User {signer} does not exist or is disabled", "rule", ["users"])
            if not frappe.has_permission(stored.doctype, "read", stored, user=signer):
                raise WorkflowRuleError(f"{signer} may not read this document", "permission", ["users"])
    except WorkflowRuleError as exc:
        errors.throw(exc)
    due = next((t.due for t in tasks if t.due), None)
    for signer in wanted:
        frappe.get_doc(
            {
                "doctype": log.TASK,
                "reference_doctype": stored.doctype,
                "reference_name": stored.name,
                "user": signer,
                "source": f"add_{position}",
                "added_by": me,
                "kind": log.APPROVAL,
                "status": "Open" if position == "before" else "Waiting",
                "state": state,
                "due": due,
            }
        ).insert(ignore_permissions=True)
    where = "前" if position == "before" else "后"
    log.record(
        stored,
        f"Add Signer ({position}): {', '.join(wanted)}",
        rules.ADD_SIGNER,
        state,
        state,
        comment or f"加签（{where}）",
    )
    return {
        "added": wanted,
        "position": position,
        "added_signers": signer_tasks(stored.doctype, stored.name, state),
    }


@frappe.whitelist()
def remove_signer(doc, user, comment=None):
    stored, workflow = _load(doc)
    state = wf_rules.current_state(workflow, _plain(stored))
    rows = signer_tasks(stored.doctype, stored.name, state)
    try:
        rules.check_remove_signer(frappe.session.user, user, _as_rules(rows))
    except WorkflowRuleError as exc:
        errors.throw(exc)
    task = [r for r in rows if r.user == user][-1]
    frappe.db.set_value(log.TASK, task.name, "status", "Cancelled", update_modified=True)
    log.record(stored, f"Remove Signer: {user}", rules.REMOVE_SIGNER, state, state, comment)
    return {"removed": user, "added_signers": signer_tasks(stored.doctype, stored.name, state)}


@frappe.whitelist()
def sign(doc, decision, comment=None):
    stored, workflow = _load(doc)
    me = frappe.session.user
    plain = _plain(stored)
    state = wf_rules.current_state(workflow, plain)
    rows = signer_tasks(stored.doctype, stored.name, state)
    open_rows = [r for r in rows if r.status == "Open"]
    try:
        mine = rules.check_sign(me, decision, comment, _as_rules(open_rows))
    except WorkflowRuleError as exc:
        errors.throw(exc)
    task = next(r for r in open_rows if r.user == me)
    frappe.db.set_value(log.TASK, task.name, "status", "Done", update_modified=True)
    log.record(stored, decision, rules.SIGN, state, state, comment)
    if mine.position == "after":
        return _after_signed(stored, workflow, state, decision, comment, me)
    return stored.as_dict()


def _after_signed(stored, workflow, state: str, decision: str, comment: str | None, signer: str) -> dict:
    history = log.history(stored.doctype, stored.name)
    held = next((e for e in reversed(steps.entries_in_current_step(history)) if e.kind == rules.HELD), None)
    if held is None:
        return stored.as_dict()
    if decision == rules.DISAGREE:
        from care_for_girls.townflow_ext.api import _move

        reject = rules.reject_transition(workflow, state)
        note = f"加签人 {signer} 不同意：{comment} / added signer {signer} disagreed: {comment}"
        return _move(stored, workflow, reject.next_state, reject.action, "transition", note)
    if any(
        r.source == "add_after" and r.status in ("Open", "Waiting")
        for r in signer_tasks(stored.doctype, stored.name, state)
    ):
        return stored.as_dict()
    previous = frappe.session.user
    frappe.set_user(held.user)  # the held approval is the approver's: their permissions write it
    try:
        frappe.flags.townflow_action = {"action": held.action, "kind": "transition", "comment": held.comment}
        frappe.flags.townflow_move_checked = True
        return frappe_workflow.apply_workflow(stored.as_dict(), held.action).as_dict()
    finally:
        frappe.set_user(previous)
