"""Checks of one Workflow against the project: names resolve and the state graph makes sense.

Definitions used here, so both runtimes and the compiled Frappe app agree:
- The *initial* state is the first one listed; new documents start there, so it has doc_status 0.
  Every other state must be reachable from it by transitions (otherwise it is dead spec).
- A *final* state is one no transition leaves. A state with doc_status 2 (cancelled) must be
  final, as Frappe refuses to change a cancelled document. A state with a `step` (approvers
  must act) must not be final, or its documents would wait forever.
- doc_status moves follow Frappe's Workflow.validate_docstatus: 0->0, 0->1, 1->1, 1->2 only.
- The `workflow_state_field` must be declared on the DocType (Data, Select or Link), hidden
  and read-only as the author likes. Frappe adds it as a custom field only when missing, so a
  declared field works on Frappe unchanged and gives the embedded runtime one real column.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import TYPE_CHECKING

from townflow.spec.checks import Checker, _close
from townflow.spec.models import Workflow
from townflow.spec.public_notice import check_public_notice, check_reconfirmation

if TYPE_CHECKING:
    from townflow.spec.project import Where

STATE_FIELD_TYPES = frozenset({"Data", "Select", "Link"})
#: Frappe's Workflow.validate_docstatus, as (from, to) -> message.
FORBIDDEN_DOCSTATUS_MOVES = {
    (1, 0): "a submitted document (doc_status 1) cannot go back to draft (doc_status 0)",
    (0, 2): "a document cannot be cancelled (doc_status 2) before it is submitted (doc_status 1)",
}


def check_workflow(c: Checker, wf: Workflow, where: Where) -> None:
    doctype = c.project.doctypes.get(wf.document_type)
    if doctype is None:
        if not c.known_doctype(wf.document_type):
            hint = _close(wf.document_type, c.project.doctypes)
            c.add(where, ("document_type",), f"{wf.document_type!r} is not a declared DocType{hint}")
    elif doctype.istable:
        c.add(
            where, ("document_type",), f"{doctype.name} is a child table; workflows run on parent documents"
        )
        doctype = None  # its fields say nothing about this workflow: no follow-on errors
    else:
        state_field = doctype.field(wf.workflow_state_field)
        if state_field is None:
            c.add(
                where,
                ("workflow_state_field",),
                f"{doctype.name} has no field {wf.workflow_state_field!r}: declare it on the DocType "
                "(a Data field, hidden and read only)",
            )
        elif state_field.fieldtype not in STATE_FIELD_TYPES:
            c.add(where, ("workflow_state_field",), "the workflow state field must be Data, Select or Link")
    if not wf.states:
        c.add(where, ("states",), "a workflow needs at least one state")
        return
    index_of = _check_states(c, wf, where, doctype)
    outgoing = _check_transitions(c, wf, where, doctype, index_of)
    _check_graph(c, wf, where, index_of, outgoing)
    check_reconfirmation(c, wf, where, doctype)
    if wf.applicant_state is not None and wf.applicant_state not in index_of:
        c.add(
            where,
            ("applicant_state",),
            f"applicant_state {wf.applicant_state!r} is not a state of this workflow",
        )
    if wf.withdraw is not None and wf.withdraw.to_state not in index_of:
        c.add(
            where,
            ("withdraw", "to_state"),
            f"withdraw to_state {wf.withdraw.to_state!r} is not a state of this workflow",
        )


def _check_states(c: Checker, wf: Workflow, where: Where, doctype) -> dict[str, int]:
    index_of: dict[str, int] = {}
    for index, s in enumerate(wf.states):
        at = ("states", index)
        if s.state in index_of:
            c.add(
                where, (*at, "state"), f"duplicate state {s.state!r} (first at states[{index_of[s.state]}])"
            )
        index_of.setdefault(s.state, index)
        c.role(where, (*at, "allow_edit"), s.allow_edit, "allow_edit role")
        if s.doc_status != 0 and doctype is not None and not doctype.is_submittable:
            c.add(
                where,
                (*at, "doc_status"),
                f"doc_status {s.doc_status} needs {doctype.name} to be is_submittable",
            )
        if s.update_field is not None and doctype is not None:
            target = doctype.field(s.update_field)
            if target is None or not target.has_value:
                c.add(
                    where, (*at, "update_field"), f"{doctype.name} has no field {s.update_field!r} to update"
                )
            elif s.update_value is not None and (problem := c.value_problem(target, s.update_value)):
                c.add(where, (*at, "update_value"), problem)
        if s.update_value is not None and s.update_field is None:
            c.add(where, (*at, "update_value"), "update_value needs update_field")
        if s.step is not None:
            c.role(where, (*at, "step", "assignee_role"), s.step.assignee_role, "assignee_role")
            c.role(where, (*at, "step", "escalate_to"), s.step.escalate_to, "escalate_to role")
            for n, role in enumerate(s.step.cc):
                c.role(where, (*at, "step", "cc", n), role, "cc role")
            _check_step_due(c, s.step, where, (*at, "step"), doctype)
        if s.public_notice is not None:
            check_public_notice(c, wf, where, doctype, index, s.public_notice)
    if wf.states[0].doc_status != 0:
        c.add(
            where,
            ("states", 0, "doc_status"),
            "the first state is the initial state (new documents start there) and must have doc_status 0",
        )
    return index_of


def _check_transitions(c: Checker, wf: Workflow, where: Where, doctype, index_of: dict[str, int]):
    declared = {a.action: i for i, a in reversed(list(enumerate(wf.actions)))}
    for index, a in enumerate(wf.actions):
        if declared[a.action] != index:
            c.add(where, ("actions", index, "action"), f"duplicate action {a.action!r}")
    used: set[str] = set()
    outgoing: dict[str, list[str]] = defaultdict(list)
    seen: dict[tuple, int] = {}
    for index, t in enumerate(wf.transitions):
        at = ("transitions", index)
        used.add(t.action)
        for key in ("state", "next_state"):
            name = getattr(t, key)
            if name not in index_of:
                c.add(where, (*at, key), f"{name!r} is not a state of this workflow{_close(name, index_of)}")
        c.role(where, (*at, "allowed"), t.allowed, "allowed role")
        if wf.actions and t.action not in declared:
            c.add(
                where,
                (*at, "action"),
                f"action {t.action!r} is not declared under actions: (which gives its label)",
            )
        c.expression(where, (*at, "condition"), t.condition, doctype)
        key = (t.state, t.action, t.allowed, t.condition)
        if key in seen:
            c.add(
                where,
                at,
                f"transition repeats transitions[{seen[key]}] (same state, action, allowed, condition)",
            )
        seen.setdefault(key, index)
        if t.state in index_of and t.next_state in index_of:
            outgoing[t.state].append(t.next_state)
            before = wf.states[index_of[t.state]].doc_status
            after = wf.states[index_of[t.next_state]].doc_status
            if before == 2:
                c.add(
                    where,
                    (*at, "state"),
                    f"state {t.state!r} has doc_status 2 (cancelled): it is final, nothing may leave it",
                )
            elif (before, after) in FORBIDDEN_DOCSTATUS_MOVES:
                c.add(where, (*at, "next_state"), FORBIDDEN_DOCSTATUS_MOVES[(before, after)])
    for index, a in enumerate(wf.actions):
        if a.action not in used:
            c.add(
                where,
                ("actions", index, "action"),
                f"action {a.action!r} is declared but no transition uses it",
            )
    return outgoing


def _check_graph(c: Checker, wf: Workflow, where: Where, index_of: dict[str, int], outgoing) -> None:
    initial = wf.states[0].state
    reached = {initial}
    queue = deque([initial])
    while queue:
        for nxt in outgoing.get(queue.popleft(), []):
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    for index, s in enumerate(wf.states):
        if s.state not in reached and index_of.get(s.state) == index:
            c.add(
                where,
                ("states", index, "state"),
                f"state {s.state!r} cannot be reached from the initial state {initial!r} by any transition",
            )
        if s.step is not None and not outgoing.get(s.state):
            c.add(
                where,
                ("states", index, "step"),
                f"state {s.state!r} has approvers (step) but no transition leaves it",
            )


def check_state_restricted_permissions(c: Checker, doctype, where: Where) -> None:
    """A DocPerm row with `workflow_states` needs a workflow on its DocType naming every state;
    an empty list would reach nothing (leave the row out instead)."""
    wf = c.project.workflows.get(doctype.name)
    for index, perm in enumerate(doctype.permissions):
        if perm.workflow_states is None:
            continue
        at = ("permissions", index, "workflow_states")
        if wf is None:
            c.add(where, at, f"workflow_states needs a workflow on {doctype.name}, and there is none")
            continue
        if not perm.workflow_states:
            c.add(where, at, "workflow_states is empty: the row would reach no record (leave the row out)")
        names = [s.state for s in wf.states]
        for n, state in enumerate(perm.workflow_states):
            if state not in names:
                hint = _close(state, names)
                c.add(where, (*at, n), f"{state!r} is not a state of workflow {wf.workflow_name}{hint}")


SETTINGS_DOCTYPE = "Campaign Settings"
HOUR_TYPES = frozenset({"Int", "Float"})


def _check_step_due(c: Checker, step, where: Where, at: tuple, doctype) -> None:
    """A step's time limit setting names a number field of Campaign Settings; its due date field
    a Date field of the document."""
    if step.due_hours_setting:
        settings = c.project.doctypes.get(SETTINGS_DOCTYPE)
        found = settings.field(step.due_hours_setting) if settings is not None else None
        if found is None or found.fieldtype not in HOUR_TYPES:
            c.add(
                where,
                (*at, "due_hours_setting"),
                f"{step.due_hours_setting!r} is not an Int or Float field of {SETTINGS_DOCTYPE}",
            )
    if step.due_date_field and doctype is not None:
        found = doctype.field(step.due_date_field)
        if found is None or found.fieldtype not in ("Date", "Datetime"):
            c.add(
                where,
                (*at, "due_date_field"),
                f"{step.due_date_field!r} is not a Date field of {doctype.name}",
            )
