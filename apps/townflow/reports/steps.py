"""Step visits from the approval log: the rows of a `rows: steps` report source.

A document's log (state changes: transition, return, withdraw) says when it entered each state
and how it left: forward, returned (退回), rejected (a transition of kind reject), withdrawn
(撤回). Each stay in a state that has a step (someone must act there) is one visit; the visit
still open is the document's current state, overdue when its to-do's due time has passed.
Pure: the embedded runtime reads its log tables, the Frappe app its own action log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from townflow.rules.steps import STATE_CHANGES, ActionEntry
from townflow.spec.models import Workflow


def parse_datetime(text: Any) -> dt.datetime | None:
    """A stored timestamp ("2026-03-02 09:00:00.000010", or a date) as a datetime; None if empty."""
    if isinstance(text, dt.datetime):
        return text
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None


def hours_between(start: Any, end: Any) -> float | None:
    a, b = parse_datetime(start), parse_datetime(end)
    if a is None or b is None:
        return None
    return round((b - a).total_seconds() / 3600, 4)


def _outcome(workflow: Workflow, step: str, entry: ActionEntry) -> str:
    """How a visit of `step` ended, by the state change `entry` that ended it."""
    if entry.kind == "return":
        return "returned"
    if entry.kind == "withdraw":
        return "withdrawn"
    for t in workflow.transitions:
        if (
            t.state == step
            and t.action == entry.action
            and t.next_state == entry.to_state
            and t.kind == "reject"
        ):
            return "rejected"
    return "forward"


def step_visits(
    workflow: Workflow,
    entries: Iterable[ActionEntry],
    *,
    current_state: str | None,
    now: str,
    due_at: str | None = None,
    office_of: Mapping[str, str] | None = None,
    department: str | None = None,
) -> list[dict[str, Any]]:
    """The step visits of one document, oldest first.

    `entries`: its action log in order (with `at`, the entry's time); `due_at`: the earliest due
    time of its open to-dos; `office_of`: step role -> "department" for roles scoped to a
    department (the office is then the document's `department`), else the role itself.
    """
    office_of = office_of or {}
    visits: list[dict[str, Any]] = []
    open_visit: dict[str, Any] | None = None
    for entry in entries:
        if entry.kind not in STATE_CHANGES:
            continue
        if open_visit is not None:
            outcome = _outcome(workflow, open_visit["step"], entry)
            open_visit.update(
                left_on=entry.at,
                hours_in_step=hours_between(open_visit["entered_on"], entry.at),
                outcome=outcome,
                is_open=0,
                is_overdue=0,
                is_returned=int(outcome == "returned"),
                is_rejected=int(outcome == "rejected"),
            )
            open_visit = None
        state = workflow.state(entry.to_state)
        if state is None or state.step is None or not state.step.assignee_role:
            open_visit = None
            continue
        role = state.step.assignee_role
        office = department if office_of.get(role) == "department" and department else role
        open_visit = {
            "step": entry.to_state,
            "step_role": role,
            "office": office,
            "entered_on": entry.at,
            "left_on": None,
            "hours_in_step": None,
            "outcome": "open",
            "is_open": 1,
            "is_overdue": 0,
            "is_returned": 0,
            "is_rejected": 0,
        }
        visits.append(open_visit)
    if open_visit is not None:
        if open_visit["step"] != current_state:
            open_visit.update(outcome="other", is_open=0)
        else:
            open_visit["hours_in_step"] = hours_between(open_visit["entered_on"], now)
            open_visit["is_overdue"] = int(bool(due_at) and str(due_at) < str(now))
    return visits
