"""The approval conventions Frappe lacks, as pure functions over the action log.

会签 (countersign, step mode `all`), 或签 (mode `any`), 退回 (return to an earlier state, and back
to the returner after resubmission), 撤回 (withdraw by the applicant until the next step acts),
转交 (delegate), 抄送 (CC), due times with remind/escalate, and approver resolution by role and
scope. Every function takes plain data: the Workflow model, the document as a dict, and the
document's action log as `ActionEntry` rows in the order they happened.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from townflow.rules import workdays
from townflow.rules.workflow import WorkflowRuleError, current_state, state_row
from townflow.spec.models import Step, Workflow, WorkflowTransition

EntryKind = Literal["transition", "vote", "return", "withdraw", "delegate", "comment", "remind", "escalate"]
#: Entries that move the document to another state.
STATE_CHANGES = frozenset({"transition", "return", "withdraw"})
#: Transition kinds that carry the document forward (and so honour a pending return).
FORWARD_KINDS = frozenset({"submit", "resubmit", "approve", "issue"})
#: Transition kinds that count as one approver's yes in a countersign (mode `all`) step.
APPROVAL_KINDS = frozenset({"approve", "issue", "close"})


@dataclass(frozen=True)
class ActionEntry:
    """One row of a document's action log: who did what, when, from which state to which."""

    action: str
    kind: EntryKind
    from_state: str
    to_state: str
    user: str
    at: datetime | None = None
    comment: str | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> ActionEntry:
        return cls(
            action=row["action"],
            kind=row["kind"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            user=row["user"],
            at=row.get("at"),
            comment=row.get("comment"),
        )


# --- state path and the current step ------------------------------------------------------


def state_path(workflow: Workflow, history: Sequence[ActionEntry]) -> list[str]:
    """The states the document passed through to reach where it is, loops cut out.

    Entering a state already on the path cuts the path back to it, so after a return from C to B
    the path is [A, B], not [A, B, C, B]: "earlier" means earlier on the way here.
    """
    path = [workflow.initial_state.state]
    for entry in history:
        if entry.kind not in STATE_CHANGES:
            continue
        if entry.to_state in path:
            del path[path.index(entry.to_state) + 1 :]
        else:
            path.append(entry.to_state)
    return path


def entries_in_current_step(history: Sequence[ActionEntry]) -> list[ActionEntry]:
    """The entries since the document last changed state (votes, delegations, reminders...)."""
    for index in range(len(history) - 1, -1, -1):
        if history[index].kind in STATE_CHANGES:
            return list(history[index + 1 :])
    return list(history)


def last_state_change(history: Sequence[ActionEntry]) -> ActionEntry | None:
    return next((e for e in reversed(history) if e.kind in STATE_CHANGES), None)


def step_of(workflow: Workflow, state: str) -> Step:
    """The step rules of a state; a state without them is an any-one step with defaults."""
    return state_row(workflow, state).step or Step()


def step_roles(workflow: Workflow, state: str) -> list[str]:
    """Who works a state: the step's assignee_role, else the roles allowed to act from it."""
    step = workflow.state(state)
    if step is not None and step.step is not None and step.step.assignee_role:
        return [step.step.assignee_role]
    roles: list[str] = []
    for t in workflow.transitions:
        if t.state == state and t.allowed not in roles:
            roles.append(t.allowed)
    return roles


def waits_on_someone(workflow: Workflow, state: str) -> bool:
    """Whether a document in `state` waits on someone, so that entering it opens tasks.

    A state nothing leaves waits on nobody (Approved, Disbursed). Nor does one whose only ways
    out are resubmissions (Rejected): the applicant may send it again, but no one owes it work, so
    a rejected document closes its tasks instead of leaving the clerk one that never ends. Nor
    does a finished benefit that may only be stopped (kind `stop`)."""
    moves = [t for t in workflow.transitions if t.state == state]
    return any(t.kind not in ("resubmit", "stop") for t in moves)  # stop: 停发 (issue 17)


def waiting_roles(workflows: Iterable[Workflow]) -> frozenset[str]:
    """Every role a to-do can wait on: the roles that work a state, and those a step escalates to
    (the pooled to-dos an inbox must look for, in the runtime and in the Frappe app alike)."""
    roles: set[str] = set()
    for workflow in workflows:
        for state in workflow.states:
            roles.update(step_roles(workflow, state.state))
            escalate_to = step_of(workflow, state.state).escalate_to
            if escalate_to:
                roles.add(escalate_to)
    return frozenset(roles)


# --- countersign (会签) and or-sign (或签) --------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Where a step stands: `approved` (move on), `rejected` (move on the reject way) or `pending`."""

    status: Literal["pending", "approved", "rejected"]
    approved: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    rejected_by: str | None = None


def countersign_tally(
    mode: str, required: Sequence[str], approvals: Iterable[str], rejected_by: str | None = None
) -> Tally:
    """Mode `all`: complete when every required approver approved; any rejection ends it.
    Mode `any`: the first approval completes it. No required approvers resolved means any one."""
    approved = [u for u in dict.fromkeys(approvals)]
    if rejected_by:
        return Tally("rejected", approved, [u for u in required if u not in approved], rejected_by)
    pending = [u for u in required if u not in approved]
    if mode == "all" and required:
        return Tally("approved" if not pending else "pending", approved, pending)
    return Tally("approved" if approved else "pending", approved, pending)


def step_votes(history: Sequence[ActionEntry]) -> list[str]:
    """Users who approved in the current step without moving it (countersign votes so far)."""
    return [e.user for e in entries_in_current_step(history) if e.kind == "vote"]


def countersign_outcome(
    workflow: Workflow,
    doc: Mapping[str, Any],
    transition: WorkflowTransition,
    user: str,
    required: Sequence[str],
    history: Sequence[ActionEntry],
) -> Tally:
    """What `user` taking `transition` does to the step: move it (approved/rejected) or only vote.

    Only approving transitions (approve, issue, close) out of a mode-`all` step are counted as
    votes; a reject ends the step at once, and anything else moves at once.
    """
    step = step_of(workflow, current_state(workflow, doc))
    if step.mode != "all" or transition.kind not in APPROVAL_KINDS:
        if transition.kind == "reject":
            return Tally("rejected", rejected_by=user)
        return Tally("approved", [user])
    votes = step_votes(history)
    if user in votes:
        raise WorkflowRuleError(f"{user} has already approved this step", "transition")
    if required and user not in required:
        raise WorkflowRuleError(f"{user} is not one of the approvers of this step", "permission")
    return countersign_tally("all", required, [*votes, user])


# --- return (退回) -------------------------------------------------------------------------


def applicant_state(workflow: Workflow) -> str:
    return workflow.applicant_state or workflow.initial_state.state


def return_targets(workflow: Workflow, doc: Mapping[str, Any], history: Sequence[ActionEntry]) -> list[str]:
    """States a document may be returned to: earlier on its path, or the applicant state.

    Only states with the document's docstatus qualify (Frappe never moves 1 -> 0), and a step may
    forbid returns (step.allow_return false).
    """
    state = current_state(workflow, doc)
    if not step_of(workflow, state).allow_return:
        return []
    docstatus = int(doc.get("docstatus") or 0)
    path = state_path(workflow, history)
    earlier = path[: path.index(state)] if state in path else path[:-1]
    candidates = [*earlier]
    if applicant_state(workflow) not in candidates and applicant_state(workflow) != state:
        candidates.insert(0, applicant_state(workflow))
    return [s for s in candidates if s != state and state_row(workflow, s).doc_status == docstatus]


def check_return(
    workflow: Workflow,
    doc: Mapping[str, Any],
    roles: Iterable[str],
    target: str,
    comment: str | None,
    history: Sequence[ActionEntry],
) -> None:
    """Refuse a return the user may not make: must work the current step, name a valid target, say why."""
    state = current_state(workflow, doc)
    if not set(roles) & set(step_roles(workflow, state)):
        raise WorkflowRuleError(f"You may not act on a document in state {state}", "permission")
    if target not in return_targets(workflow, doc, history):
        raise WorkflowRuleError(f"Cannot return from {state} to {target}", "transition")
    if not (comment or "").strip():
        raise WorkflowRuleError("A comment is required to return a document", "comment", ["comment"])


def resubmission_target(history: Sequence[ActionEntry], state: str) -> str | None:
    """After a return, the next forward move goes back to the state that returned it."""
    last = last_state_change(history)
    if last is not None and last.kind == "return" and last.to_state == state:
        return last.from_state
    return None


# --- withdraw (撤回) -----------------------------------------------------------------------


def check_withdraw(
    workflow: Workflow, doc: Mapping[str, Any], user: str, history: Sequence[ActionEntry]
) -> str:
    """The state a withdraw lands in, or the refusal: only the applicant, only before anyone acted."""
    if workflow.withdraw is None or not workflow.withdraw.enabled:
        raise WorkflowRuleError("This workflow does not allow withdrawing", "transition")
    target = workflow.withdraw.to_state
    state = current_state(workflow, doc)
    if user != doc.get("owner"):
        raise WorkflowRuleError("Only the applicant may withdraw this document", "permission")
    if state == target:
        raise WorkflowRuleError("The document is already withdrawn to its applicant", "transition")
    if int(doc.get("docstatus") or 0) != 0 or state_row(workflow, target).doc_status != 0:
        raise WorkflowRuleError("A submitted document cannot be withdrawn", "docstatus")
    last = last_state_change(history)
    if last is None or last.user != user:
        raise WorkflowRuleError(
            "The next step has already acted; the document cannot be withdrawn", "transition"
        )
    if any(e.kind in {"vote", "delegate"} and e.user != user for e in entries_in_current_step(history)):
        raise WorkflowRuleError(
            "The next step has already acted; the document cannot be withdrawn", "transition"
        )
    return target


# --- delegate (转交) -----------------------------------------------------------------------


def check_delegate(
    workflow: Workflow,
    doc: Mapping[str, Any],
    from_user: str,
    open_assignees: Iterable[str],
    to_user: str,
    to_user_roles: Iterable[str],
    to_user_in_scope: bool,
) -> None:
    """A delegate must hold the step's role and reach the document's scope; only an assignee delegates."""
    state = current_state(workflow, doc)
    if not step_of(workflow, state).allow_delegate:
        raise WorkflowRuleError(f"The step {state} does not allow delegating", "transition")
    assignees = set(open_assignees)
    if from_user not in assignees:
        raise WorkflowRuleError("Only an assignee of the current step may delegate it", "permission")
    if to_user == from_user or to_user in assignees:
        raise WorkflowRuleError(f"{to_user} is already assigned to this step", "transition")
    if not set(to_user_roles) & set(step_roles(workflow, state)):
        raise WorkflowRuleError(f"{to_user} does not hold the role this step needs", "permission")
    if not to_user_in_scope:
        raise WorkflowRuleError(f"{to_user} may not act on documents of this scope", "permission")


# --- approvers by role and scope ----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A user who might act: their roles and, per scope kind, the values their User Permissions allow."""

    user: str
    roles: frozenset[str]
    scopes: Mapping[str, frozenset[str]] = field(default_factory=dict)


def resolve_approvers(
    role: str, role_scope: str, scope_value: str | None, candidates: Iterable[Candidate]
) -> list[str]:
    """Users holding `role` who reach the document: a township role reaches all, a village role only
    its own village (explicit permission required — deny by default)."""
    users = []
    for c in candidates:
        if role not in c.roles:
            continue
        if role_scope != "township" and (
            scope_value is None or scope_value not in c.scopes.get(role_scope, ())
        ):
            continue
        users.append(c.user)
    return sorted(users)


# --- due times, CC ------------------------------------------------------------------------


#: the Campaign Settings field giving the time limit of a step whose own setting is empty
DEFAULT_DUE_SETTING = "default_step_due_hours"


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def step_due_hours(step: Step, settings: Mapping[str, Any] | None = None) -> float | None:
    """A step's time limit in hours: its Campaign Settings field (`due_hours_setting`) when that
    holds a value, else its own `due_hours`, else — for a step that names a setting — the
    settings' default step time limit. None: the step has no time limit."""
    settings = settings or {}
    if step.due_hours_setting:
        hours = _positive(settings.get(step.due_hours_setting)) or step.due_hours
        return hours or _positive(settings.get(DEFAULT_DUE_SETTING))
    return step.due_hours


def due_at(
    step: Step,
    entered_at: datetime,
    settings: Mapping[str, Any] | None = None,
    doc: Mapping[str, Any] | None = None,
) -> datetime | None:
    """When a step entered at `entered_at` is due: the end of the day in its `due_date_field` (a
    rectification deadline) when the document has one, else `due_days` calendar or working days
    on (townflow.rules.workdays), else after its time limit in hours (`step_due_hours`) — on a
    working-day step (`due_day_kind: working`) that limit's whole days, as working days."""
    if step.due_date_field and doc is not None and doc.get(step.due_date_field):
        day = date.fromisoformat(str(doc[step.due_date_field])[:10])
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=entered_at.tzinfo)
    if step.due_days:
        return workdays.due_from(entered_at, step.due_days, step.due_day_kind)
    hours = step_due_hours(step, settings)
    if hours and step.due_day_kind == "working":  # the limit's whole days, counted as working days
        return workdays.due_from(entered_at, max(1, math.ceil(hours / 24)), "working")
    return entered_at + timedelta(hours=hours) if hours else None


def overdue_actions(step: Step, due: datetime | None, now: datetime, done: Iterable[str]) -> list[str]:
    """The overdue actions (remind, escalate) due now and not yet taken — so a tick is idempotent."""
    if due is None or now < due:
        return []
    taken = set(done)
    return [a for a in step.on_overdue if a not in taken]


def cc_roles(workflow: Workflow, state: str) -> list[str]:
    row = workflow.state(state)
    return list(row.step.cc) if row is not None and row.step is not None else []
