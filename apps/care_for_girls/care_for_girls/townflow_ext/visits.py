"""Kept step visits on Frappe: Department Timeliness without a window over the whole action log.

At a million documents (4.16M state changes) the `rows: steps` SQL path (townflow_ext.steps_sql:
one `lead()` window over `tabTownflow Action`) took 192 s township-wide. This is the embedded
runtime's design (townflow.runtime.reports.summaries: `__step_visit`, `__step_visit_count`)
written for MariaDB:

- **Step visits** (`tabTownflow Step Visit`): one row per visit of a workflow step — the log
  entry that entered it (its name is the key), when it was left, by which kind of change, the
  hours spent (closed visits), how it ended (`closed_outcome`), the document's state while the
  visit is open, its department and office, whether the document exists (`alive`) and, while
  open, the earliest due time of the document's open approval tasks (`due`). Kept by triggers on
  `tabTownflow Action` (a state change closes the document's open visit and opens one when it
  enters a step), on each DocType's table (state, department, rename, delete) and on
  `tabTownflow Task` (the due time), in the writing transaction.
- **Visit counters** (`tabTownflow Step Visit Count`): visits of existing documents per
  (process, office, step, role, department, month entered, outcome), kept by triggers on the
  visits.

The rules (which changes are visits, the office, rejected / returned / withdrawn, open / other,
hours) are steps_sql's, whose expressions the triggers and the backfill reuse (`_case`,
`_hours`), so the kept rows are the window's rows. after_migrate creates the tables and triggers
and backfills them with one INSERT ... SELECT over the window when new or a trigger was missing
(a bulk load drops them; benchmarks/frappe_bulk_load.py rebuilds).

`KeptVisits(run, tally).run()` serves Department Timeliness-like reports (every source a
`rows: steps` source) for a user who reads every record of every source
(permissions.township_wide): counts from the counters under month-bounded date filters, or
from the visits entered in range under day bounds, with the visits overdue now (open, their
kept due time passed: a fact of the clock, read per run) moved from 0 to 1; medians / p90s of
closed visits per (office, step) or overall from the hours index (LIMIT 2 OFFSET k), others from
the visits rows. Any other run (a department officer, a grouping on a flag or a date bucket)
answers False and the window path runs: never wrong, only slower.
"""

# ruff: noqa: S608 - trigger bodies take no parameters: identifiers come from the meta and the
# checked spec, every spec value is written through frappe.db.escape (steps_sql._lit)
from __future__ import annotations

import hashlib
from typing import Any

import frappe

from care_for_girls.townflow_ext import log, spec
from care_for_girls.townflow_ext import triggers as trigger_names
from care_for_girls.townflow_ext.steps_sql import STATE_CHANGES, _case, _hours, _lit
from townflow.spec.reports import SOURCE_COLUMN

VISITS = "tabTownflow Step Visit"
COUNTS = "tabTownflow Step Visit Count"
TRIGGER_PREFIX = "tf_visit_"
CLOSED = ("forward", "returned", "rejected", "withdrawn")
KEYS = ("doctype", "office", "step", "step_role", "department", "entered_month", "outcome")
_COLUMNS = (
    "name, doctype, ref, step, step_role, entered_on, left_on, next_kind, next_action, next_state, "
    "hours, closed_outcome, doc_state, department, office, alive, due"
)


def _slug(doctype: str) -> str:
    return hashlib.sha256(doctype.encode()).hexdigest()[:10]


def plans() -> dict[str, dict[str, Any]]:
    """doctype -> its visit rules, for every `rows: steps` source of the spec's reports."""
    from care_for_girls.townflow_ext.reports import reports

    out = {}
    for report in reports().values():
        for source in report.sources:
            if source.rows != "steps" or source.doctype in out or not frappe.db.table_exists(source.doctype):
                continue
            workflow = spec.workflow(source.doctype)
            if workflow is None:
                continue
            roles = {
                s.state: s.step.assignee_role for s in workflow.states if s.step and s.step.assignee_role
            }
            if not roles:
                continue
            meta = frappe.get_meta(source.doctype)
            out[source.doctype] = {
                "roles": roles,
                "department_roles": sorted(
                    r for r in set(roles.values()) if spec.role_scope(r) == "department"
                ),
                "rejects": [
                    f"{t.state}\x1f{t.action}\x1f{t.next_state}"
                    for t in workflow.transitions
                    if t.kind == "reject"
                ],
                "state_field": workflow.workflow_state_field,
                "has_department": meta.has_field("department"),
            }
    return out


# -- the rules, as steps_sql states them --------------------------------------------------------


def _office(plan: dict, role: str, department: str) -> str:
    if not (plan["has_department"] and plan["department_roles"]):
        return role
    roles = ", ".join(_lit(r) for r in plan["department_roles"])
    return (
        f"(case when {role} in ({roles}) and coalesce({department}, '') != '' "
        f"then {department} else {role} end)"
    )


def _closed_outcome(plan: dict, step: str, kind: str, action: str, next_state: str) -> str:
    rejects = ", ".join(_lit(k) for k in plan["rejects"]) or "null"
    return (
        f"(case when {kind} = 'return' then 'returned' when {kind} = 'withdraw' then 'withdrawn' "
        f"when {kind} = 'transition' and concat_ws(char(31 using utf8mb4), {step}, {action}, {next_state}) "
        f"in ({rejects}) then 'rejected' else 'forward' end)"
    )


def _due(doctype_sql: str, ref: str) -> str:
    """The earliest due time of the document's open approval tasks (steps_sql's `due`)."""
    return (
        f"(select min(t.due) from `tab{log.TASK}` t where t.reference_doctype = {doctype_sql} "
        f"and t.reference_name = {ref} and t.status = 'Open' and t.kind = {_lit(log.APPROVAL)})"
    )


def _outcome(row: str) -> str:
    return (
        f"(case when {row}.left_on is null and {row}.doc_state = {row}.step then 'open' "
        f"when {row}.left_on is null then 'other' else {row}.closed_outcome end)"
    )


def _key_exprs(row: str) -> list[str]:
    return [
        f"{row}.doctype",
        f"{row}.office",
        f"{row}.step",
        f"{row}.step_role",
        f"{row}.department",
        f"left({row}.entered_on, 7)",
        _outcome(row),
    ]


# -- tables and triggers ------------------------------------------------------------------------


def _ddl() -> list[str]:
    text = "varchar(140) not null default ''"
    return [
        f"create table if not exists `{VISITS}` (name varchar(140) not null primary key, "
        f"doctype {text}, ref {text}, step {text}, step_role {text}, entered_on datetime(6) not null, "
        "left_on datetime(6) null, next_kind varchar(40) null, next_action varchar(140) null, "
        "next_state varchar(140) null, hours decimal(24,4) null, closed_outcome varchar(20) null, "
        f"doc_state varchar(140) null, department {text}, office {text}, alive tinyint not null, "
        "due datetime(6) null, "
        "key tf_visit_ref (doctype, ref, left_on), "
        "key tf_visit_rank (alive, office, step, hours, doctype), "
        "key tf_visit_rank_all (alive, hours, doctype), "
        "key tf_visit_entered (alive, entered_on), "
        "key tf_visit_overdue (doctype, alive, left_on, due)) engine=InnoDB "
        "default charset=utf8mb4 collate=utf8mb4_unicode_ci",
        f"create table if not exists `{COUNTS}` (doctype {text}, office {text}, step {text}, "
        f"step_role {text}, department {text}, entered_month char(7) not null default '', "
        "outcome varchar(20) not null default '', n bigint not null default 0, "
        "primary key (doctype, office, step, step_role, department, entered_month, outcome)) "
        "engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci",
    ]


def _doc_triggers(doctype: str, plan: dict) -> dict[str, str]:
    slug = _slug(doctype)
    dt = _lit(doctype)
    table = f"tab{doctype}"
    state = f"`{plan['state_field']}`"
    steps = ", ".join(_lit(s) for s in plan["roles"])
    dept_of = "coalesce(d.`department`, '')" if plan["has_department"] else "''"
    new_dept = "coalesce(NEW.`department`, '')" if plan["has_department"] else "''"
    role = _case("NEW.to_state", plan["roles"])
    hours = _hours("entered_on", "NEW.creation")
    on_log = (
        f"after insert on `tab{log.ACTION}` for each row begin "
        f"if NEW.reference_doctype = {dt} and NEW.kind in {STATE_CHANGES} then "
        f"update `{VISITS}` set left_on = NEW.creation, next_kind = NEW.kind, next_action = NEW.action, "
        f"next_state = NEW.to_state, hours = {hours}, doc_state = null, due = null, "
        f"closed_outcome = {_closed_outcome(plan, 'step', 'NEW.kind', 'NEW.action', 'NEW.to_state')} "
        f"where doctype = {dt} and ref = NEW.reference_name and left_on is null; "
        f"if NEW.to_state in ({steps}) then "
        f"insert into `{VISITS}` ({_COLUMNS}) select NEW.name, {dt}, NEW.reference_name, NEW.to_state, "
        f"{role}, NEW.creation, null, null, null, null, null, null, d.{state}, {dept_of}, "
        f"{_office(plan, role, dept_of)}, d.name is not null, {_due(dt, 'NEW.reference_name')} "
        f"from (select 1) one left join `{table}` d on d.name = NEW.reference_name; "
        f"end if; end if; end"
    )
    doc_state = f"(case when left_on is null then NEW.{state} end)"
    office = _office(plan, "step_role", new_dept)
    refresh = (
        f"update `{VISITS}` set alive = 1, doc_state = {doc_state}, department = {new_dept}, "
        f"office = {office} where doctype = {dt} and ref = NEW.name and not (alive = 1 and "
        f"doc_state <=> {doc_state} and department = {new_dept} and office = {office});"
    )
    dead = f"alive = 0, doc_state = null, department = '', office = {_office(plan, 'step_role', chr(39) * 2)}"
    watched = ["name", plan["state_field"]] + (["department"] if plan["has_department"] else [])
    same = " and ".join(f"OLD.`{f}` <=> NEW.`{f}`" for f in watched)
    return {
        f"{TRIGGER_PREFIX}{slug}_log": on_log,
        f"{TRIGGER_PREFIX}{slug}_ins": f"after insert on `{table}` for each row begin {refresh} end",
        f"{TRIGGER_PREFIX}{slug}_upd": (
            f"after update on `{table}` for each row begin if not ({same}) then "
            f"if not (OLD.name <=> NEW.name) then update `{VISITS}` set {dead} "
            f"where doctype = {dt} and ref = OLD.name; end if; {refresh} end if; end"
        ),
        f"{TRIGGER_PREFIX}{slug}_del": (
            f"after delete on `{table}` for each row begin "
            f"update `{VISITS}` set {dead} where doctype = {dt} and ref = OLD.name; end"
        ),
    }


def _count_triggers() -> dict[str, str]:
    keys = ", ".join(KEYS)

    def match(row: str) -> str:
        return " and ".join(f"{k} = {e}" for k, e in zip(KEYS, _key_exprs(row), strict=True))

    def add(row: str) -> str:
        return (
            f"if {row}.alive = 1 then insert into `{COUNTS}` ({keys}, n) values "
            f"({', '.join(_key_exprs(row))}, 1) on duplicate key update n = n + 1; end if;"
        )

    def remove(row: str) -> str:
        return (
            f"if {row}.alive = 1 then update `{COUNTS}` set n = n - 1 where {match(row)}; "
            f"delete from `{COUNTS}` where n <= 0 and {match(row)}; end if;"
        )

    same = " and ".join(
        ["OLD.alive <=> NEW.alive"]
        + [f"{a} <=> {b}" for a, b in zip(_key_exprs("OLD"), _key_exprs("NEW"), strict=True)]
    )
    return {
        f"{TRIGGER_PREFIX}count_ins": f"after insert on `{VISITS}` for each row begin {add('NEW')} end",
        f"{TRIGGER_PREFIX}count_del": f"after delete on `{VISITS}` for each row begin {remove('OLD')} end",
        f"{TRIGGER_PREFIX}count_upd": (
            f"after update on `{VISITS}` for each row begin if not ({same}) then "
            f"{remove('OLD')} {add('NEW')} end if; end"
        ),
    }


def _task_triggers() -> dict[str, str]:
    """An open visit's due time follows its document's open approval tasks."""

    def refresh(row: str) -> str:
        return (
            f"update `{VISITS}` set due = {_due(f'{row}.reference_doctype', f'{row}.reference_name')} "
            f"where doctype = {row}.reference_doctype and ref = {row}.reference_name and left_on is null;"
        )

    table = f"tab{log.TASK}"
    same = " and ".join(
        f"OLD.`{f}` <=> NEW.`{f}`" for f in ("reference_doctype", "reference_name", "status", "kind", "due")
    )
    return {
        f"{TRIGGER_PREFIX}task_ins": f"after insert on `{table}` for each row begin {refresh('NEW')} end",
        f"{TRIGGER_PREFIX}task_upd": (
            f"after update on `{table}` for each row begin if not ({same}) then "
            f"{refresh('OLD')} {refresh('NEW')} end if; end"
        ),
        f"{TRIGGER_PREFIX}task_del": f"after delete on `{table}` for each row begin {refresh('OLD')} end",
    }


def triggers(current: dict | None = None) -> dict[str, str]:
    current = plans() if current is None else current
    out = {}
    for doctype, plan in current.items():
        out.update(_doc_triggers(doctype, plan))
    if current:
        out.update(_count_triggers())
        out.update(_task_triggers())
    return out


def backfill_select(doctype: str, plan: dict) -> str:
    """The visits of `doctype` computed from the action log as it stands: the window steps_sql
    reads (partition by document, order by creation then step_round)."""
    dt = _lit(doctype)
    steps = ", ".join(_lit(s) for s in plan["roles"])
    dept = "coalesce(d.`department`, '')" if plan["has_department"] else "''"
    role = _case("w.to_state", plan["roles"])
    window = (
        f"select l.name, l.reference_name, l.to_state, l.creation, lead(l.creation) over w as next_at, "
        f"lead(l.kind) over w as next_kind, lead(l.action) over w as next_action, "
        f"lead(l.to_state) over w as next_state from `tab{log.ACTION}` l "
        f"where l.reference_doctype = {dt} and l.kind in {STATE_CHANGES} "
        f"window w as (partition by l.reference_name order by l.creation, l.step_round)"
    )
    return (
        f"select w.name, {dt}, w.reference_name, w.to_state, {role}, w.creation, w.next_at, "
        f"w.next_kind, w.next_action, w.next_state, "
        f"case when w.next_at is not null then {_hours('w.creation', 'w.next_at')} end, "
        f"case when w.next_at is not null then "
        f"{_closed_outcome(plan, 'w.to_state', 'w.next_kind', 'w.next_action', 'w.next_state')} end, "
        f"case when w.next_at is null and d.name is not null then d.`{plan['state_field']}` end, "
        f"{dept}, {_office(plan, role, dept)}, d.name is not null, "
        f"case when w.next_at is null then {_due(dt, 'w.reference_name')} end "
        f"from ({window}) w left join `tab{doctype}` d on d.name = w.reference_name "
        f"where w.to_state in ({steps})"
    )


def _counts_select(where: str = "alive = 1") -> str:
    return (
        f"select {', '.join(_key_exprs('v'))}, count(*) from `{VISITS}` v where {where} "
        f"group by {', '.join(str(i + 1) for i in range(len(KEYS)))}"
    )


def install(rebuild: bool = True) -> bool:
    """Create the tables and triggers; backfill from the action log when the tables are new, a
    trigger was missing or changed (writes may have passed unseen), or always with `rebuild`.
    Returns whether it backfilled."""
    if getattr(frappe.db, "db_type", None) != "mariadb":
        return False
    current = plans()
    wanted = triggers(current)
    trigger_names.drop_stale("tf_visit_", wanted)
    if not current:
        return False
    if frappe.db.sql("show tables like %s", (VISITS,)) and not frappe.db.sql(
        f"show columns from `{VISITS}` like 'due'"
    ):
        frappe.db.sql_ddl(f"drop table `{VISITS}`")  # an older layout: rebuilt below
    new = not frappe.db.sql("show tables like %s", (VISITS,))
    stamp = hashlib.sha256(repr(sorted(wanted.items())).encode()).hexdigest()[:16]
    missing = set(wanted) - trigger_names.present(list(wanted))
    changed = frappe.db.get_global("townflow_visit_triggers") != stamp
    for ddl in _ddl():
        frappe.db.sql_ddl(ddl)
    # the documents overdue now: open approval tasks past their due time, from an index range
    if not frappe.db.sql(f"show index from `tab{log.TASK}` where Key_name = 'tf_visit_due'"):
        frappe.db.sql_ddl(
            f"alter table `tab{log.TASK}` add index tf_visit_due "
            "(status, kind, reference_doctype, due, reference_name)"
        )
    backfill = rebuild or new or bool(missing) or changed
    if backfill:
        for name in wanted:  # no counting per row while the rows go in
            frappe.db.sql_ddl(f"drop trigger if exists `{name}`")
        frappe.db.sql(f"delete from `{VISITS}`")
        frappe.db.sql(f"delete from `{COUNTS}`")
        for doctype, plan in current.items():
            frappe.db.sql(f"insert into `{VISITS}` ({_COLUMNS}) {backfill_select(doctype, plan)}")
        frappe.db.sql(f"insert into `{COUNTS}` ({', '.join(KEYS)}, n) {_counts_select()}")
    for name, body in wanted.items():
        frappe.db.sql_ddl(f"drop trigger if exists `{name}`")
        frappe.db.sql_ddl(f"create trigger `{name}` {body}")
    frappe.db.set_global("townflow_visit_triggers", stamp)
    return backfill


def ready(doctypes: list[str]) -> bool:
    current = plans()
    if any(d not in current for d in doctypes):
        return False
    wanted = list(triggers(current))
    return trigger_names.present(wanted) == set(wanted)


def verify() -> list[str]:
    """Differences between the kept visits / counters and their recomputation (empty: agree)."""
    problems = []
    current = plans()
    cols = (
        "name, doctype, ref, step, step_role, entered_on, left_on, next_kind, next_action, "
        "next_state, hours, closed_outcome, doc_state, department, office, alive, due"
    )
    kept = {tuple(r) for r in frappe.db.sql(f"select {cols} from `{VISITS}`")}
    fresh = {
        tuple(r)
        for doctype, plan in current.items()
        for r in frappe.db.sql(f"select * from ({backfill_select(doctype, plan)}) x")
    }
    if kept != fresh:
        problems.append(f"visits: kept only {sorted(kept - fresh)[:3]}, missing {sorted(fresh - kept)[:3]}")
    counted = {tuple(r) for r in frappe.db.sql(f"select {', '.join(KEYS)}, n from `{COUNTS}`")}
    recounted = {tuple(r) for r in frappe.db.sql(_counts_select())}
    if counted != recounted:
        problems.append(
            f"counts: kept only {sorted(counted - recounted)[:3]}, missing {sorted(recounted - counted)[:3]}"
        )
    return problems


def check() -> dict[str, Any]:
    return {
        "visits": frappe.db.sql(f"select count(*) from `{VISITS}`")[0][0],
        "problems": verify(),
    }


# -- reading ------------------------------------------------------------------------------------

_TEXT = ("step", "step_role", "office")
_FLAGS = {"is_open": "open", "is_returned": "returned", "is_rejected": "rejected"}


def _month_bound(value: Any, operator: str) -> str | None:
    from townflow.runtime.reports.summaries import _month_bound as bound

    return bound(value, operator)


class KeptVisits:
    """A run whose sources are all step visits, for a user who reads every record of each:
    counts from the counters, percentiles of closed visits' hours from the hours index or the
    visits rows. False when it cannot (see the module's docstring)."""

    def __init__(self, run, tally):
        self.run_ = run
        self.tally = tally

    def run(self) -> bool:
        run, tally = self.run_, self.tally
        if getattr(frappe.db, "db_type", None) != "mariadb" or not run.sources:
            return False
        # imported after the MariaDB check: the compile tests' stand-in frappe has no caching module
        from care_for_girls.townflow_ext.permissions import township_wide
        from townflow.reports.tally import PERCENTILES

        if any(s.rows != "steps" for s in run.sources):
            return False
        current = plans()
        doctypes = [s.doctype for s in run.sources]
        if any(d not in current or not township_wide(d) for d in doctypes):
            return False
        counted = [m for m in tally.aggregates if (m.aggregate or "count") == "count"]
        ranked = [m for m in tally.aggregates if m.aggregate in PERCENTILES]
        if len(counted) + len(ranked) != len(tally.aggregates):
            return False
        counts = [self._count_select(s, counted, current[s.doctype]) for s in run.sources]
        if any(c is None for c in counts):
            return False
        ranks = {}
        for m in ranked:
            fast = self._fast_ranks(m)
            if fast is None:
                selects = [self._rank_select(s, m) for s in run.sources]
                if any(r is None for r in selects):
                    return False
                ranks[m.name] = selects
        if not ready(doctypes):  # last: the checks above are free
            return False
        dims = [f"d{i}" for i in range(len(run.dimensions))]
        if counted:
            inner = " union all ".join(sql for sql, _ in counts)
            params = [p for _, ps in counts for p in ps]
            outer = ", ".join(f"sum(`m_{m.name}`)" for m in counted)
            group = f" group by {', '.join(dims)}" if dims else ""
            for row in frappe.db.sql(
                f"select {''.join(d + ', ' for d in dims)}{outer} from ({inner}) r{group}",
                params,
                as_list=True,
            ):
                figures = row[len(dims) :]
                if not dims and all(v is None for v in figures):
                    continue
                key = tuple(v if v != "" else None for v in row[: len(dims)])
                tally.add_partial(key, {m.name: _int(v) for m, v in zip(counted, figures, strict=True)})
        from care_for_girls.townflow_ext.reports import SqlAggregate

        for m in ranked:
            if m.name not in ranks:
                for key, value in self._fast_ranks(m, read=True).items():
                    if key == ("total",):
                        tally.set_total({m.name: value})
                    else:
                        tally.add_partial(key, {m.name: value})
                continue
            inner = " union all ".join(sql for sql, _ in ranks[m.name])
            params = [p for _, ps in ranks[m.name] for p in ps]
            for key, value in SqlAggregate.percentiles(inner, params, dims, m).items():
                tally.add_partial(key, {m.name: value})
            if dims:
                total = SqlAggregate.percentiles(inner, params, [], m)
                tally.set_total({m.name: total.get(())})
        return True

    # -- counts ----------------------------------------------------------------------------

    def _lookup(self, source, plan: dict, row: str):
        def column(name: str) -> tuple[str, str] | None:
            if name == SOURCE_COLUMN:
                return _lit(source.doctype), "Data"
            field = source.field_for(name)
            if field in _TEXT:
                return f"{row}.{field}", "Data"
            if field in _FLAGS:
                return f"cast({row}.outcome = {_lit(_FLAGS[field])} as signed)", "Check"
            if field == "is_overdue":
                return f"{row}.od", "Check"
            if field == "department" and plan["has_department"]:
                return f"{row}.department", "Link"
            return None

        return column

    def _translated(self, text, column) -> tuple[str, list] | None:
        from care_for_girls.townflow_ext.reports import SqlAggregate
        from townflow.runtime.reports.sql import condition_sql

        context = SqlAggregate(self.run_, self.tally).context
        found = condition_sql(text, column, context)
        return None if found is None else (found[0].replace("?", "%s"), found[1])

    def _filters(self, source, column, month: bool, row: str = "v") -> tuple[str, list] | None:
        """The report's filters over a counter row (`month`: entered_on only on month bounds)
        or over a visit row; None where they would not mean exactly what SqlAggregate's do."""
        parts, params = [], []
        for c in self.run_.conditions:
            field = None if c.column == SOURCE_COLUMN else source.field_for(c.column)
            if field == "entered_on" and c.operator in (">=", "<="):
                if month:
                    bound = _month_bound(c.value, c.operator)
                    if c.operator == "<=" and len(str(c.value)) == 10:
                        bound = None  # SqlAggregate reads a bare date as before that day
                    if bound is None:
                        return None
                    parts.append(f"r.entered_month {c.operator} %s")
                    params.append(bound)
                else:
                    from care_for_girls.townflow_ext.reports import _DATE_ONLY, _FULL_DATETIME

                    if not isinstance(c.value, str):
                        return None
                    op = c.operator
                    if _DATE_ONLY.match(c.value):  # as SqlAggregate.filter_sql compares a Datetime
                        op = {"<=": "<"}.get(op, op)
                    elif not _FULL_DATETIME.match(c.value):
                        return None
                    parts.append(f"{row}.entered_on {op} %s")
                    params.append(c.value)
                continue
            found = column(c.column)
            if found is None or field in ("is_overdue", *_FLAGS) or c.operator not in ("=", "!="):
                return None
            if not isinstance(c.value, str):
                return None
            parts.append(f"coalesce({found[0]}, '') {c.operator} %s")
            params.append(c.value)
        return " and ".join(f"({p})" for p in parts) or "1", params

    def _dims(self, source, column) -> list[str] | None:
        out = []
        for i, d in enumerate(self.run_.dimensions):
            field = None if d.target_column == SOURCE_COLUMN else source.field_for(d.target_column)
            found = column(d.target_column)
            if d.bucket is not None or found is None or field in ("is_overdue", *_FLAGS):
                return None
            out.append(f"nullif({found[0]}, '') as d{i}")
        return out

    def _count_select(self, source, counted, plan) -> tuple[str, list] | None:
        column = self._lookup(source, plan, "r")
        condition = self._translated(source.condition, column)
        filters = self._filters(source, column, month=True)
        by_month = filters is not None
        if not by_month:  # a day bound: count the visits entered in range (their date index)
            filters = self._filters(source, column, month=False, row="r")
        dims = self._dims(source, column)
        if condition is None or filters is None or dims is None:
            return None
        measures, params = [], []
        for m in counted:
            if m.source not in (None, source.doctype):
                measures.append(f"null as `m_{m.name}`")
                continue
            cond = self._translated(m.condition, column)
            if cond is None:
                return None
            measures.append(f"case when {cond[0]} then r.n end as `m_{m.name}`")
            params += cond[1]
        dt, now = _lit(source.doctype), _lit(self.run_.now)
        key = "office, step, step_role, department"
        # the open visits overdue now: an open approval task of the document past its due time
        overdue = (
            f"select o.{key.replace(', ', ', o.')}, left(o.entered_on, 7) as entered_month "
            f"from `{VISITS}` o where o.doctype = {dt} and o.alive = 1 and o.left_on is null "
            f"and o.due < {now} and o.doc_state = o.step"
        )
        # read once, grouped: each group moved from is_overdue 0 (-c) to 1 (+c)
        grouped = (
            f"select {key}, entered_month, count(*) as c from ({overdue}) x group by {key}, entered_month"
        )
        rows = (
            f"(select {key}, entered_month, outcome, 0 as od, n from `{COUNTS}` where doctype = {dt} "
            f"union all select g.{key.replace(', ', ', g.')}, g.entered_month, 'open', s.od, g.c * s.sg "
            f"from ({grouped}) g cross join (select 1 as od, 1 as sg union all select 0, -1) s) r"
        )
        if not by_month:
            outcome = _outcome("v")
            rows = (
                f"(select v.office, v.step, v.step_role, v.department, v.entered_on, {outcome} as outcome, "
                f"cast(({outcome} = 'open' and coalesce(v.due < {now}, 0)) as signed) as od, 1 as n "
                f"from `{VISITS}` v where v.doctype = {dt} and v.alive = 1) r"
            )
        sql = f"select {', '.join([*dims, *measures])} from {rows} where ({filters[0]}) and ({condition[0]})"
        return sql, [*params, *filters[1], *condition[1]]

    # -- percentiles -----------------------------------------------------------------------

    def _is_closed_hours(self, m) -> bool:
        return (m.condition or "").strip() == "not doc.is_open" and all(
            s.field_for(m.column) == "hours_in_step" for s in self.run_.sources
        )

    def _fast_ranks(self, m, read: bool = False) -> dict[tuple, Any] | None:
        """A percentile of closed visits' hours per (office, step) or over all, no filter: each
        group's size from the counters, its two ranked values from the hours index."""
        from townflow.reports.tally import PERCENTILES, percentile_of_ranks, percentile_ranks

        run = self.run_
        if run.conditions or not self._is_closed_hours(m):
            return None
        targets = [d.target_column for d in run.dimensions]
        if targets not in ([], ["office", "step"]) or any(d.bucket for d in run.dimensions):
            return None
        if any(s.field_for(c) != c for s in run.sources for c in targets):
            return None
        if not read:
            return {}
        p = PERCENTILES[m.aggregate]
        doctypes = [s.doctype for s in run.sources]
        marks = ", ".join(["%s"] * len(doctypes))
        closed = ", ".join(_lit(c) for c in CLOSED)
        groups = frappe.db.sql(
            f"select office, step, sum(n) from `{COUNTS}` where doctype in ({marks}) "
            f"and outcome in ({closed}) group by office, step",
            doctypes,
        )

        def ranked(n: int, where: str, params: list, index: str) -> Any:
            first = percentile_ranks(n, p)[0] - 1
            rows = frappe.db.sql(
                f"select hours from `{VISITS}` force index ({index}) where {where} "
                f"and hours is not null and doctype in ({marks}) order by hours limit 2 offset %s",
                [*params, *doctypes, first],
            )
            return percentile_of_ranks(n, p, {first + 1 + i: float(r[0]) for i, r in enumerate(rows)})

        out: dict[tuple, Any] = {}
        if targets:
            for office, step, n in groups:
                key = (office or None, step or None)
                out[key] = ranked(
                    int(n), "alive = 1 and office = %s and step = %s", [office, step], "tf_visit_rank"
                )
        total = sum(int(n) for *_, n in groups)
        value = ranked(total, "alive = 1", [], "tf_visit_rank_all") if total else None
        out[("total",) if targets else ()] = value
        return out

    def _rank_select(self, source, m) -> tuple[str, list] | None:
        """The closed visits' hours of `source` (filtered, with the dimensions) as rows."""
        if not self._is_closed_hours(m):
            return None
        plan = plans()[source.doctype]
        column = self._lookup(source, plan, "v")
        filters = self._filters(source, column, month=False)
        dims = self._dims(source, column)
        condition = self._translated(source.condition, column)
        if filters is None or dims is None or condition is None or condition[0] != "1":
            return None
        dt = _lit(source.doctype)
        value = f"`m_{m.name}`"
        sql = (
            f"select {', '.join([*dims, f'v.hours as {value}'])} from `{VISITS}` v "
            f"where v.doctype = {dt} and v.alive = 1 and v.hours is not null and ({filters[0]})"
        )
        return sql, filters[1]


def _int(value: Any) -> Any:
    return None if value is None else int(value)


def served(report_name: str, filters: Any = None, user: str | None = None) -> dict[str, Any]:
    """For the bench tests and benchmarks: whether this run is served from the kept visits for
    `user`, and whether its rows and totals are those of the same run over the action log
    (steps_sql's window), at the same instant."""
    from care_for_girls.townflow_ext.reports import paired_runs

    fast, slow, tally = paired_runs(report_name, filters, user, "use_visits")
    kept = KeptVisits(fast, tally).run()
    a, b = fast.run(), slow.run()
    same = (a.result, a.totals) == (b.result, b.totals)
    out = {"kept": kept, "same": same, "rows": len(a.result or [])}
    if not same:
        out["kept_rows"], out["sql_rows"] = a.result[:5], b.result[:5]
    return out


def timed(report_name: str, filters: Any = None, user: str | None = None, repeats: int = 3) -> dict[str, Any]:
    """For benchmarks (bench execute): seconds of each of `repeats` runs of the report for
    `user`, in process, and whether it was served from the kept visits."""
    import time

    from care_for_girls.townflow_ext.reports import FrappeReportRun, reports
    from townflow.reports import filters as report_filters
    from townflow.reports.tally import Tally

    if user:
        frappe.set_user(user)
    report = reports()[report_name]
    values = report_filters.parse_filter_values(dict(frappe.parse_json(filters) if filters else {}))
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    probe = FrappeReportRun(report, values)
    kept = KeptVisits(probe, Tally(report, probe.dimensions, settings=spec.settings())).run()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        FrappeReportRun(report, values).run()
        seconds.append(round(time.perf_counter() - started, 3))
    return {"kept": kept, "seconds": seconds}
