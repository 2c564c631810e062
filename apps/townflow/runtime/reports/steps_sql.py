"""A `rows: steps` source as SQL: the step visits computed by SQLite from the approval log.

The same visits as `townflow.reports.steps.step_visits` (which the rows path and the Frappe app
use), written as one window query so that a report over a million documents' logs is grouped
and counted inside SQLite instead of in Python:

- every state change of a document (`tabWorkflow Action Log` rows of kind transition, return,
  withdraw) that enters a state with a step is a visit; `LEAD()` over the document's state
  changes gives the one that ended it (when, of which kind, by which action, into which state);
- a visit with no next change is open while the document is still in that state (hours until
  now; overdue when its earliest open to-do's `due_at` has passed), else it ended unrecorded;
- rejected: ended by a transition the workflow declares of kind reject; returned: by 退回.

Spec strings (states, roles, actions) are written into the SQL as quoted literals; they come
from the checked spec, never from a request. The documents are joined as `d`, so the report's
other columns and the permission condition read the document's own fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from townflow.runtime.db import quote
from townflow.runtime.workflow_store import ACTION, LOG
from townflow.spec.reports import SOURCE_COLUMN, STEP_COLUMNS

if TYPE_CHECKING:
    from townflow.runtime.reports.run import ReportRun
    from townflow.spec.reports import ReportSource

STATE_CHANGES = "('transition', 'return', 'withdraw')"


def literal(text: str) -> str:
    """A spec string as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _case(column: str, mapping: dict[str, str], default: str = "NULL") -> str:
    if not mapping:
        return default
    whens = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {default} END"


def steps_from(run: ReportRun, source: ReportSource) -> tuple[str, list, dict[str, str]] | None:
    """(FROM clause, its parameters, step column -> SQL) for `source`, or None without a workflow."""
    site = run.site
    workflow = site.project.workflow_for(source.doctype)
    if workflow is None:
        return None
    meta = site.metas.get(source.doctype)
    roles = {s.state: s.step.assignee_role for s in workflow.states if s.step and s.step.assignee_role}
    if not roles:
        return None
    department_roles = [n for n, r in site.project.roles.items() if r.scope == "department"]
    rejects = [
        f"{t.state}\x1f{t.action}\x1f{t.next_state}" for t in workflow.transitions if t.kind == "reject"
    ]
    state_field = quote(meta.workflow_state_field or workflow.workflow_state_field)
    has_department = "department" in meta.column_set
    perm_sql, perm_params = run.where(source)
    visits = (
        f"SELECT l.reference_name AS _ref, l.to_state AS _step, l.creation AS _entered, "
        f"LEAD(l.creation) OVER w AS _next_at, LEAD(l.kind) OVER w AS _next_kind, "
        f"LEAD(l.action) OVER w AS _next_action, LEAD(l.to_state) OVER w AS _next_state "
        f"FROM {LOG} AS l WHERE l.reference_doctype = ? AND l.kind IN {STATE_CHANGES} "
        f"AND l.reference_name IN (SELECT name FROM {meta.table} WHERE {perm_sql}) "
        f"WINDOW w AS (PARTITION BY l.reference_name ORDER BY l.name)"
    )
    steps = ", ".join(literal(s) for s in roles)
    from_sql = f"({visits}) AS v JOIN {meta.table} AS d ON d.name = v._ref AND v._step IN ({steps})"
    role = _case("v._step", roles)
    is_open = f"(v._next_at IS NULL AND d.{state_field} = v._step)"
    closed = "(v._next_at IS NOT NULL)"
    now = literal(run.now)
    if has_department and department_roles:
        dept_roles = ", ".join(literal(r) for r in department_roles)
        office = (
            f"CASE WHEN ({role}) IN ({dept_roles}) AND COALESCE(d.department, '') != '' "
            f"THEN d.department ELSE {role} END"
        )
    else:
        office = role
    reject_keys = ", ".join(literal(k) for k in rejects) or "NULL"
    rejected = (
        f"({closed} AND v._next_kind = 'transition' AND "
        f"(v._step || char(31) || v._next_action || char(31) || v._next_state) IN ({reject_keys}))"
    )
    due = (
        f"(SELECT MIN(a.due_at) FROM {ACTION} AS a WHERE a.reference_name = d.name "
        f"AND a.reference_doctype = {literal(source.doctype)} AND a.kind = 'todo' AND a.status = 'Open')"
    )
    columns = {
        "step": "v._step",
        "step_role": role,
        "office": office,
        "entered_on": "v._entered",
        "left_on": "v._next_at",
        "hours_in_step": (
            f"CASE WHEN {closed} THEN ROUND((julianday(v._next_at) - julianday(v._entered)) * 24, 4) "
            f"WHEN {is_open} THEN ROUND((julianday({now}) - julianday(v._entered)) * 24, 4) END"
        ),
        "outcome": (
            f"CASE WHEN {is_open} THEN 'open' WHEN NOT {closed} THEN 'other' "
            f"WHEN v._next_kind = 'return' THEN 'returned' WHEN v._next_kind = 'withdraw' THEN 'withdrawn' "
            f"WHEN {rejected} THEN 'rejected' ELSE 'forward' END"
        ),
        "is_open": f"CAST({is_open} AS INTEGER)",
        "is_overdue": f"CAST(({is_open} AND COALESCE({due} < {now}, 0)) AS INTEGER)",
        "is_returned": f"CAST(({closed} AND v._next_kind = 'return') AS INTEGER)",
        "is_rejected": f"CAST({rejected} AS INTEGER)",
    }
    assert set(columns) == set(STEP_COLUMNS)
    return from_sql, [source.doctype, *perm_params], columns


def steps_lookup(run: ReportRun, source: ReportSource, columns: dict[str, str]):
    """column -> (SQL, fieldtype) over the visits (step columns) and the document `d`."""
    meta = run.site.metas.get(source.doctype)

    def lookup(column: str) -> tuple[str, str] | None:
        if column == SOURCE_COLUMN:
            return literal(source.doctype), "Data"
        if column in columns:
            return columns[column], STEP_COLUMNS[column]
        fieldname = source.field_for(column)
        if fieldname in columns:
            return columns[fieldname], STEP_COLUMNS[fieldname]
        if fieldname not in meta.column_set:
            return None
        f = meta.get_field(fieldname)
        fieldtype = f.fieldtype if f is not None else ("Int" if fieldname in ("docstatus", "idx") else "Data")
        return f"d.{quote(fieldname)}", fieldtype

    return lookup
