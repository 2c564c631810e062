"""A `rows: steps` source as MariaDB SQL: the step visits of the documents a user may read,
computed from the action log (Townflow Action) by one window query, so that Department
Timeliness is grouped and counted inside MariaDB instead of reading the log into Python.

The same visits as `townflow.reports.steps.step_visits` (which the rows path runs), the rules of
the embedded runtime's `townflow.runtime.reports.steps_sql` written for MariaDB:

- each state change of a document (kind transition, return, withdraw) into a state with a step is
  a visit; `lead()` over the document's state changes (in the rows path's order: creation, then
  step_round) gives the change that ended it: when, of which kind, by which action, into which
  state;
- a visit with no next change is open while the document is still in that state (hours until
  now; overdue when its earliest open approval task's due time has passed), else it ended
  unrecorded (`other`);
- rejected: ended by a transition the workflow declares of kind reject; returned: by a return.

The documents are the query `frappe.get_list` builds for the user (`run=0`: role permissions,
User Permissions, permission query conditions), joined as `d`. Spec strings (states, roles,
actions) are written in as escaped literals; they come from the checked spec.
"""

from __future__ import annotations

import frappe

from care_for_girls.townflow_ext import log, spec
from townflow.spec.reports import SOURCE_COLUMN, STEP_COLUMNS

STATE_CHANGES = "('transition', 'return', 'withdraw')"


def _lit(text: str) -> str:
    return frappe.db.escape(str(text))


def _case(column: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return "null"
    whens = " ".join(f"when {_lit(k)} then {_lit(v)}" for k, v in mapping.items())
    return f"(case {column} {whens} else null end)"


def _hours(start: str, end: str) -> str:
    return f"round(timestampdiff(microsecond, {start}, {end}) / 3600000000, 4)"


def visits_from(
    source, fields: list[str], now: str, since: str | None = None
) -> tuple[str, list, dict] | None:
    """(FROM clause `(...) v`, its parameters, column -> (SQL, fieldtype)) of `source`'s step
    visits for the session user, carrying the document `fields`; None without a workflow.

    `since`: a lower bound the report's filter puts on `entered_on` (the caller still applies the
    filter itself). The window then reads only state changes from that time on: a visit entered
    then is ended by a later change, so its `lead()` is the same; earlier visits are filtered
    out anyway."""
    workflow = spec.workflow(source.doctype)
    if workflow is None:
        return None
    roles = {s.state: s.step.assignee_role for s in workflow.states if s.step and s.step.assignee_role}
    if not roles:
        return None
    meta = frappe.get_meta(source.doctype)
    state_field = workflow.workflow_state_field
    has_department = meta.has_field("department")
    carried = sorted(set(fields) - {"name", state_field} - set(STEP_COLUMNS))
    read = ["name", state_field, *(["department"] if has_department else []), *carried]
    permitted = frappe.get_list(
        source.doctype, fields=list(dict.fromkeys(read)), limit_page_length=0, order_by=None, run=0
    ).replace("%", "%%")
    department = "d.`department`" if has_department else "null"
    carry = "".join(f", d.`{f}` as `doc_{f}`" for f in carried)
    after = " and l.creation >= %s" if since else ""
    # identifiers from the meta; values parameters or escaped spec strings
    visits = (
        f"select d.`name` as _ref, d.`{state_field}` as _state, {department} as _dept{carry}, "  # noqa: S608
        f"l.to_state as _step, l.creation as _entered, lead(l.creation) over w as _next_at, "
        f"lead(l.kind) over w as _next_kind, lead(l.action) over w as _next_action, "
        f"lead(l.to_state) over w as _next_state "
        f"from ({permitted}) d join `tab{log.ACTION}` l on l.reference_doctype = %s "
        f"and l.reference_name = d.`name` and l.kind in {STATE_CHANGES}{after} "
        f"window w as (partition by l.reference_name order by l.creation, l.step_round)"
    )
    steps = ", ".join(_lit(s) for s in roles)
    from_sql = f"(select * from ({visits}) w0 where _step in ({steps})) v"  # noqa: S608
    role = _case("v._step", roles)
    is_open = "(v._next_at is null and v._state = v._step)"
    closed = "(v._next_at is not null)"
    department_roles = [r for r in set(roles.values()) if spec.role_scope(r) == "department"]
    if has_department and department_roles:
        office = (
            f"(case when {role} in ({', '.join(_lit(r) for r in sorted(department_roles))}) "
            f"and coalesce(v._dept, '') != '' then v._dept else {role} end)"
        )
    else:
        office = role
    rejects = [
        f"{t.state}\x1f{t.action}\x1f{t.next_state}" for t in workflow.transitions if t.kind == "reject"
    ]
    reject_keys = ", ".join(_lit(k) for k in rejects) or "null"
    rejected = (
        f"({closed} and v._next_kind = 'transition' and "
        f"concat_ws(char(31 using utf8mb4), v._step, v._next_action, v._next_state) in ({reject_keys}))"
    )
    due = (
        f"(select min(t.due) from `tab{log.TASK}` t where t.reference_doctype = {_lit(source.doctype)} "  # noqa: S608
        f"and t.reference_name = v._ref and t.status = 'Open' and t.kind = {_lit(log.APPROVAL)})"
    )
    now_lit = _lit(now)
    columns = {
        "step": ("v._step", "Data"),
        "step_role": (role, "Data"),
        "office": (office, "Data"),
        "entered_on": ("v._entered", "Datetime"),
        "left_on": ("v._next_at", "Datetime"),
        "hours_in_step": (
            f"(case when {closed} then {_hours('v._entered', 'v._next_at')} "
            f"when {is_open} then {_hours('v._entered', now_lit)} end)",
            "Float",
        ),
        "outcome": (
            f"(case when {is_open} then 'open' when not {closed} then 'other' "
            f"when v._next_kind = 'return' then 'returned' when v._next_kind = 'withdraw' then 'withdrawn' "
            f"when {rejected} then 'rejected' else 'forward' end)",
            "Data",
        ),
        "is_open": (f"cast({is_open} as signed)", "Check"),
        "is_overdue": (f"cast(({is_open} and coalesce({due} < {now_lit}, 0)) as signed)", "Check"),
        "is_returned": (f"cast(({closed} and v._next_kind = 'return') as signed)", "Check"),
        "is_rejected": (f"cast(coalesce({rejected}, 0) as signed)", "Check"),
        "name": ("v._ref", "Data"),
        state_field: ("v._state", "Select"),
    }
    if has_department:
        columns["department"] = ("v._dept", meta.get_field("department").fieldtype)
    for f in carried:
        df = meta.get_field(f)
        columns[f] = (f"v.`doc_{f}`", df.fieldtype if df is not None else "Data")
    return from_sql, [source.doctype, *([since] if since else [])], columns


def lookup(source, columns: dict):
    """column -> (SQL, fieldtype) over the visits and their document."""

    def column(name: str) -> tuple[str, str] | None:
        if name == SOURCE_COLUMN:
            return frappe.db.escape(source.doctype), "Data"
        if name in columns:
            return columns[name]
        return columns.get(source.field_for(name))

    return column
