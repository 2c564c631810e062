"""Frappe's workflow semantics as pure functions (copied from frappe/model/workflow.py, v15).

Both runtimes call these: the embedded engine (townflow.runtime.workflow) and the Frappe app's
extension code. They take plain data — the spec's Workflow model, the document as a dict, the
user's roles — and answer or raise `WorkflowRuleError`; each runtime maps the error's `kind`
onto its own exception classes (Frappe's WorkflowTransitionError, PermissionError, ...).

What Frappe does, and so what we do:
- a document with no state is in the first state (validate_workflow);
- `get_transitions`: transitions from the current state whose `allowed` role the user holds and
  whose condition holds;
- `apply_workflow`: the action must be among those; self-approval (`user == doc.owner`) is
  refused unless the transition allows it, and Administrator is never refused;
- the next state's `update_field`/`update_value` is set;
- docstatus may move only 0→0 (save), 0→1 (submit), 1→1 (update after submit), 1→2 (cancel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from townflow.spec.models import Workflow, WorkflowState, WorkflowTransition

#: Evaluates a transition condition (an expression source) for a document; True when it holds.
ConditionCheck = Callable[[str, Mapping[str, Any]], bool]

ErrorKind = Literal["state", "transition", "self_approval", "docstatus", "comment", "permission", "rule"]

ADMINISTRATOR = "Administrator"

#: (docstatus now, docstatus of the next state) -> what the runtime does to the document.
DOCSTATUS_MOVES: dict[tuple[int, int], str] = {
    (0, 0): "save",
    (0, 1): "submit",
    (1, 1): "update_after_submit",
    (1, 2): "cancel",
}


class WorkflowRuleError(Exception):
    """A workflow rule refused the request. `kind` tells the runtime which error to raise."""

    def __init__(self, message: str, kind: ErrorKind = "transition", fields: Iterable[str] = ()):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.fields = list(fields)


def current_state(workflow: Workflow, doc: Mapping[str, Any]) -> str:
    """The document's state; an unset state is the first one, as Frappe's validate_workflow sets it."""
    return doc.get(workflow.workflow_state_field) or workflow.initial_state.state


def state_row(workflow: Workflow, state: str) -> WorkflowState:
    row = workflow.state(state)
    if row is None:
        raise WorkflowRuleError(
            f"{state} is not a valid Workflow State. Please update your Workflow and try again.", "state"
        )
    return row


def condition_holds(
    transition: WorkflowTransition, doc: Mapping[str, Any], check: ConditionCheck | None
) -> bool:
    """Frappe's is_transition_condition_satisfied: no condition means satisfied."""
    if not transition.condition:
        return True
    if check is None:
        raise WorkflowRuleError(f"no evaluator for the condition of {transition.action!r}", "rule")
    return bool(check(transition.condition, doc))


def available_transitions(
    workflow: Workflow,
    doc: Mapping[str, Any],
    roles: Iterable[str],
    check: ConditionCheck | None = None,
) -> list[WorkflowTransition]:
    """Frappe's get_transitions: from the current state, role held, condition satisfied.

    Self-approval is not filtered here (Frappe filters it only in apply_workflow and in the bulk
    action list); use `has_approval_access` to hide such actions from a menu.
    """
    state = current_state(workflow, doc)
    held = set(roles)
    return [
        t
        for t in workflow.transitions
        if t.state == state and t.allowed in held and condition_holds(t, doc, check)
    ]


def has_approval_access(user: str, doc: Mapping[str, Any], transition: WorkflowTransition) -> bool:
    """Frappe's has_approval_access: Administrator, or self-approval allowed, or not the owner."""
    return user == ADMINISTRATOR or transition.allow_self_approval or user != doc.get("owner")


def find_transition(
    workflow: Workflow,
    doc: Mapping[str, Any],
    user: str,
    roles: Iterable[str],
    action: str,
    check: ConditionCheck | None = None,
) -> WorkflowTransition:
    """The transition `action` names for this user, or the refusal Frappe gives."""
    transition = None
    for t in available_transitions(workflow, doc, roles, check):
        if t.action == action:
            transition = t  # Frappe keeps the last match
    if transition is None:
        raise WorkflowRuleError("Not a valid Workflow Action", "transition")
    if not has_approval_access(user, doc, transition):
        raise WorkflowRuleError("Self approval is not allowed", "self_approval")
    return transition


def docstatus_operation(current_docstatus: int, next_state: WorkflowState) -> str:
    """What moving to `next_state` does to the document: save, submit, update_after_submit, cancel."""
    move = DOCSTATUS_MOVES.get((int(current_docstatus or 0), int(next_state.doc_status)))
    if move is None:
        raise WorkflowRuleError(f"Illegal Document Status for {next_state.state}", "docstatus")
    return move


def state_field_updates(workflow: Workflow, next_state: WorkflowState) -> dict[str, Any]:
    """The fields a move into `next_state` sets: the state field and update_field/update_value."""
    updates: dict[str, Any] = {workflow.workflow_state_field: next_state.state}
    if next_state.update_field:
        updates[next_state.update_field] = next_state.update_value
    return updates


def require_comment(transition: WorkflowTransition, comment: str | None) -> None:
    """Reject (and any transition marked comment_required) must say why."""
    if transition.comment_required and not (comment or "").strip():
        raise WorkflowRuleError(f"A comment is required for {transition.action}", "comment", ["comment"])


def may_edit(workflow: Workflow, doc: Mapping[str, Any], roles: Iterable[str]) -> bool:
    """Frappe's allow_edit: only the state's allow_edit role may edit the document in that state."""
    row = workflow.state(current_state(workflow, doc))
    return row is not None and row.allow_edit in set(roles)


def is_final_state(workflow: Workflow, state: str) -> bool:
    """A state with no transition leaving it."""
    return not any(t.state == state for t in workflow.transitions)


def expression_check(context: Mapping[str, Any]) -> ConditionCheck:
    """A ConditionCheck evaluating conditions with townflow.expr; `context` gives user, roles,
    today, now and settings (the document is added per call as `doc`)."""
    from townflow.expr import parse  # the expression language is part of the pure layer too

    def check(source: str, doc: Mapping[str, Any]) -> bool:
        return bool(_parsed(source, parse).evaluate({**context, "doc": dict(doc)}))

    return check


_PARSED: dict[str, Any] = {}


def _parsed(source: str, parse: Callable[[str], Any]) -> Any:
    expr = _PARSED.get(source)
    if expr is None:
        expr = _PARSED[source] = parse(source)
    return expr
