"""Report summaries kept in the writing transaction: roll-ups of documents and step visits.

Two kinds of table, both built from the spec's reports when a site is opened (and backfilled
from the documents and the approval log when they are missing or their definition changed), and
both kept exact by SQLite triggers, so every write that changes a document or appends to the
approval log changes its summary in the same statement's transaction. A trigger cannot be
skipped by any write path (Session writes, workflow actions, the group committer's batches, a
raw SQL import), rolls back with its savepoint, and is as durable as the write itself: after a
crash the WAL holds both or neither.

- **Roll-ups** (`__rollup <DocType>`): one row per distinct combination of the columns the
  reports over that DocType filter, group and count on (a date column cut to its month), with the
  row count `__n` and a sum per summed column. A report source is served from the roll-up when
  every condition, filter and dimension of the run translates to the roll-up's columns (a date
  filter must fall on month bounds) and the user's permission condition reads only roll-up
  columns (the whole township, one village, a department): the same SQL condition as lists is
  then evaluated on each roll-up row, which holds the same values as each of its documents. Any
  other run (a user scoped by owner, a day filter) reads the documents. Measures the roll-up
  cannot serve (a distinct count, a condition on today) are read beside it from the documents,
  each through its own condition and a support index on the fields those conditions read.
- **Step visits** (`__step_visit`): one row per visit of a workflow step (the approval log entry
  that entered it, when it was left and how), with the document's current state (while the visit is
  open: a closed visit keeps none, so a step moves one visit row, not all of them), department and
  office, and **visit counters** (`__step_visit_count`) kept by triggers on the visits: Department
  Timeliness reads counters and an index of hours instead of a window over the whole log.

`ensure(site)` creates or rebuilds them; `rollup_select`, `steps_aggregate` and `visits_from`
are what `ReportRun` asks first, falling back to its scans when they answer None / False;
`verify(site)` compares each with its recomputation.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from townflow.expr import parse
from townflow.runtime.db import quote
from townflow.runtime.reports.sql import condition_sql
from townflow.runtime.reports.steps_sql import STATE_CHANGES, _case, literal
from townflow.runtime.workflow_store import ACTION, LOG
from townflow.spec.reports import SOURCE_COLUMN, STEP_COLUMNS

if TYPE_CHECKING:
    from townflow.reports import Tally
    from townflow.runtime.reports.run import ReportRun
    from townflow.spec.reports import ReportSource

STAMPS = '"__report_summary"'
VISITS = '"__step_visit"'
COUNT = "__n"
DATE_TYPES = frozenset({"Date", "Datetime"})
_STANDARD_DATES = frozenset({"creation", "modified"})
NUMERIC_TYPES = frozenset({"Int", "Float", "Currency", "Percent", "Check"})


def _month(field_name: str) -> str:
    return f"{field_name}:month"


def _sum(field_name: str) -> str:
    return f"{field_name}:sum"


def _slug(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]  # noqa: S324 - a name, not a secret


def _is_date(meta, fieldname: str) -> bool:
    if fieldname in _STANDARD_DATES:
        return True
    f = meta.get_field(fieldname)
    return f is not None and f.fieldtype in DATE_TYPES


def _fieldtype(meta, fieldname: str) -> str:
    f = meta.get_field(fieldname)
    return f.fieldtype if f is not None else ("Int" if fieldname in ("docstatus", "idx") else "Data")


# -- definitions ---------------------------------------------------------------------------


@dataclass
class Rollup:
    doctype: str
    raw: list[str] = field(default_factory=list)  # fields kept as they are
    months: list[str] = field(default_factory=list)  # date fields kept as their month (YYYY-MM)
    sums: list[str] = field(default_factory=list)  # numeric fields summed
    #: what the conditions of the measures read from the documents beside the roll-up use: an
    #: index of the documents on them (and the scope fields) lets those reads skip the rest
    support: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"rollup:{self.doctype}"

    @property
    def table(self) -> str:
        return quote(f"__rollup {self.doctype}")

    @property
    def prefix(self) -> str:
        return f"tf_rollup_{_slug(self.doctype)}_"

    def keys(self) -> list[tuple[str, str]]:
        """(rollup column, SQL of it over a document row `{row}`) per key."""
        out = [(f, "{row}." + quote(f)) for f in self.raw]
        out += [(_month(f), "substr({row}." + quote(f) + ", 1, 7)") for f in self.months]
        return out

    def statements(self, meta) -> list[str]:
        keys = self.keys()
        cols = [quote(c) for c, _ in keys]
        sums = [quote(_sum(f)) for f in self.sums]
        table_sql = (
            f"CREATE TABLE {self.table} ({', '.join(cols)}{', ' if cols else ''}"
            f"{quote(COUNT)} INTEGER NOT NULL{''.join(f', {s} REAL NOT NULL' for s in sums)})"
        )
        out = [table_sql]
        if cols:
            out.append(f"CREATE INDEX {quote(self.prefix + 'keys')} ON {self.table} ({', '.join(cols)})")
        if self.support:
            scope = [f for f in meta.scope_fields.values() if f not in self.support]
            indexed = ", ".join(quote(f) for f in [*self.support, *scope])
            out.append(
                f"CREATE INDEX IF NOT EXISTS {quote(self.prefix + 'support')} ON {meta.table} ({indexed})"
            )
            village = meta.scope_fields.get("village")
            if village:  # a village user's reads: their village's range of the same
                first = ", ".join(quote(f) for f in dict.fromkeys([village, *self.support, *scope]))
                out.append(
                    f"CREATE INDEX IF NOT EXISTS {quote(self.prefix + 'support_village')} "
                    f"ON {meta.table} ({first})"
                )

        def match(row: str) -> str:
            return " AND ".join(f"{quote(c)} IS {expr.format(row=row)}" for c, expr in keys) or "1"

        def add(row: str, sign: str) -> list[str]:
            sets = [f"{quote(COUNT)} = {quote(COUNT)} {sign} 1"]
            sets += [
                f"{quote(_sum(f))} = {quote(_sum(f))} {sign} COALESCE({row}.{quote(f)}, 0)" for f in self.sums
            ]
            stmts = [f"UPDATE {self.table} SET {', '.join(sets)} WHERE {match(row)};"]
            if sign == "+":
                values = [expr.format(row=row) for _, expr in keys] + ["1"]
                values += [f"COALESCE({row}.{quote(f)}, 0)" for f in self.sums]
                stmts.append(
                    f"INSERT INTO {self.table} ({', '.join([*cols, quote(COUNT), *sums])}) "
                    f"SELECT {', '.join(values)} WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {self.table} WHERE {match(row)});"
                )
            else:
                stmts.append(f"DELETE FROM {self.table} WHERE {quote(COUNT)} <= 0 AND {match(row)};")
            return stmts

        watched = [*self.raw, *self.months, *self.sums]
        changed = " OR ".join(f"OLD.{quote(f)} IS NOT NEW.{quote(f)}" for f in watched) or "0"
        out.append(
            f"CREATE TRIGGER {quote(self.prefix + 'ins')} AFTER INSERT ON {meta.table} BEGIN "
            + " ".join(add("NEW", "+"))
            + " END"
        )
        out.append(
            f"CREATE TRIGGER {quote(self.prefix + 'del')} AFTER DELETE ON {meta.table} BEGIN "
            + " ".join(add("OLD", "-"))
            + " END"
        )
        if watched:
            out.append(
                f"CREATE TRIGGER {quote(self.prefix + 'upd')} AFTER UPDATE OF "
                f"{', '.join(quote(f) for f in watched)} ON {meta.table} WHEN {changed} BEGIN "
                + " ".join(add("OLD", "-") + add("NEW", "+"))
                + " END"
            )
        group = ", ".join(expr.format(row="d") for _, expr in keys)
        selects = [*(expr.format(row="d") for _, expr in keys), "COUNT(*)"]
        selects += [f"TOTAL(d.{quote(f)})" for f in self.sums]
        out.append(
            f"INSERT INTO {self.table} ({', '.join([*cols, quote(COUNT), *sums])}) "
            f"SELECT {', '.join(selects)} FROM {meta.table} AS d"
            + (f" GROUP BY {group}" if group else " HAVING COUNT(*) > 0")
        )
        return out


def _source_plan(report, source, meta) -> tuple[set[str], set[str], set[str], list[str]] | None:
    """(raw, month, summed, support) fields a roll-up needs to serve this source, or None if it
    cannot; `support`: the fields the conditions of the measures it cannot serve read."""
    raw: set[str] = set()
    support: list[set[str]] = []
    rest_columns: set[str] = set()
    months: set[str] = set()
    sums: set[str] = set()

    def field_of(column: str) -> str | None:
        if column == SOURCE_COLUMN:
            return None
        name = source.field_for(column)
        return name if name in meta.column_set else ""

    def conditional(text: str | None) -> bool:
        if not text:
            return True
        for column in parse(text, runtime_functions=()).fields_used:
            name = field_of(column)
            if name == "" or (name and _is_date(meta, name)):
                return False
            if name:
                raw.add(name)
        return True

    if not conditional(source.condition):
        return None
    served = 0
    for m in report.measures:
        if m.is_ratio or m.source not in (None, source.doctype):
            continue
        # a measure the roll-up cannot serve (a distinct count, a condition on a date) is read
        # from the documents beside it (rollup_select's `rest`)
        if m.aggregate not in ("count", "sum") or not _conditional_ok(m.condition, field_of, meta):
            used = parse(m.condition, runtime_functions=()).fields_used if m.condition else ()
            support.append({field_of(c) for c in used} - {None, ""})
            if m.column and field_of(m.column):
                rest_columns.add(field_of(m.column))
            continue
        if m.aggregate == "sum":
            name = field_of(m.column)
            if not name or _fieldtype(meta, name) not in NUMERIC_TYPES:
                continue
            sums.add(name)
        conditional(m.condition)
        served += 1
    if not served:
        return None
    for column, bucketed in [(d.target_column, d.bucket) for d in report.dimensions] + [
        (f.target_column, None) for f in report.filters
    ]:
        name = field_of(column)
        if name == "":
            return None
        if name and _is_date(meta, name):
            if bucketed == "day":
                continue  # grouping by day reads the documents
            months.add(name)
        elif name:
            raw.add(name)
    raw |= set(meta.scope_fields.values())
    # the index: fields every such condition reads first (compared for equality, mostly), then
    # the dates (ranges against today), then the rest; sorted within each, so it is stable
    common = set.intersection(*support) if support else set()
    every = set().union(*support) if support else set()
    dates = sorted(f for f in every if _is_date(meta, f))
    first = sorted(common - set(dates))
    order = first + dates + sorted(every - set(first) - set(dates))
    if support:  # then what the source's condition reads before, what they count and group after
        used = parse(source.condition, runtime_functions=()).fields_used if source.condition else ()
        ahead = sorted({field_of(c) for c in used} - {None, ""})
        after = sorted(rest_columns) + sorted((raw | months) - set(meta.scope_fields.values()))
        order = list(dict.fromkeys([*ahead, *order, *after]))
    return raw, months, sums, order


def _conditional_ok(text: str | None, field_of, meta) -> bool:
    if not text:
        return True
    for column in parse(text, runtime_functions=()).fields_used:
        name = field_of(column)
        if name == "" or (name and _is_date(meta, name)):
            return False
    return True


@dataclass
class Plans:
    rollups: dict[str, Rollup]
    visits: dict[str, dict[str, Any]]  # doctype -> how its step visits are kept
    stamps: dict[str, tuple[str, list[str]]]  # summary name -> (stamp, statements)


_PLANS: dict[tuple[int, int], Plans] = {}


def plans(site) -> Plans:
    key = (id(site.project), getattr(site.metas, "generation", 0))
    found = _PLANS.get(key)
    if found is not None:
        return found
    project, metas = site.project, site.metas
    rollups: dict[str, Rollup] = {}
    step_doctypes: list[str] = []
    for report in project.reports.values():
        for source in report.sources:
            if not metas.exists(source.doctype):
                continue
            meta = metas.get(source.doctype)
            if source.rows == "steps":
                if source.doctype not in step_doctypes:
                    step_doctypes.append(source.doctype)
                continue
            plan = _source_plan(report, source, meta)
            if plan is None:
                continue
            rollup = rollups.setdefault(source.doctype, Rollup(source.doctype))
            rollup.raw = sorted(set(rollup.raw) | plan[0])
            rollup.months = sorted(set(rollup.months) | plan[1])
            rollup.sums = sorted(set(rollup.sums) | plan[2])
            rollup.support += [f for f in plan[3] if f not in rollup.support]
    stamps: dict[str, tuple[str, list[str]]] = {}
    for rollup in rollups.values():
        # scope fields first: a village's rows are one range of the index
        scope = [f for f in metas.get(rollup.doctype).scope_fields.values() if f in rollup.raw]
        rollup.raw = scope + [f for f in rollup.raw if f not in scope]
        statements = rollup.statements(metas.get(rollup.doctype))
        stamps[rollup.name] = (_slug("\n".join(statements)), statements)
    visits: dict[str, dict[str, Any]] = {}
    for doctype in sorted(step_doctypes):
        plan = _visit_plan(site, doctype)
        if plan is not None:
            visits[doctype] = plan
    if visits:
        statements = _visit_statements(site, visits)
        stamps["step visits"] = (_slug("\n".join(statements)), statements)
    found = Plans(rollups, visits, stamps)
    _PLANS.clear()
    _PLANS[key] = found
    return found


# -- step visits ---------------------------------------------------------------------------


def _visit_plan(site, doctype: str) -> dict[str, Any] | None:
    workflow = site.project.workflow_for(doctype)
    if workflow is None:
        return None
    meta = site.metas.get(doctype)
    roles = {s.state: s.step.assignee_role for s in workflow.states if s.step and s.step.assignee_role}
    if not roles:
        return None
    return {
        "meta": meta,
        "roles": roles,
        "department_roles": [n for n, r in site.project.roles.items() if r.scope == "department"],
        "rejects": [
            f"{t.state}\x1f{t.action}\x1f{t.next_state}" for t in workflow.transitions if t.kind == "reject"
        ],
        "state_field": meta.workflow_state_field or workflow.workflow_state_field,
        "has_department": "department" in meta.column_set,
    }


_VISIT_COLUMNS = (
    "log_name, doctype, ref, step, step_role, entered_on, left_on, next_kind, next_action, next_state, "
    "hours, closed_outcome, doc_state, department, office, alive"
)


def _office(plan: dict, role: str, department: str) -> str:
    if not (plan["has_department"] and plan["department_roles"]):
        return role
    dept_roles = ", ".join(literal(r) for r in plan["department_roles"])
    return (
        f"CASE WHEN ({role}) IN ({dept_roles}) AND COALESCE({department}, '') != '' "
        f"THEN {department} ELSE {role} END"
    )


def _closed_outcome(plan: dict, step: str, kind: str, action: str, next_state: str) -> str:
    rejects = ", ".join(literal(k) for k in plan["rejects"]) or "NULL"
    return (
        f"CASE WHEN {kind} = 'return' THEN 'returned' WHEN {kind} = 'withdraw' THEN 'withdrawn' "
        f"WHEN {kind} = 'transition' AND ({step} || char(31) || {action} || char(31) || {next_state}) "
        f"IN ({rejects}) THEN 'rejected' ELSE 'forward' END"
    )


def _hours(start: str, end: str) -> str:
    return f"ROUND((julianday({end}) - julianday({start})) * 24, 4)"


def _visit_statements(site, visits: dict[str, dict]) -> list[str]:
    out = [
        f"""CREATE TABLE {VISITS} (
            log_name INTEGER PRIMARY KEY, doctype TEXT NOT NULL, ref TEXT NOT NULL, step TEXT NOT NULL,
            step_role TEXT, entered_on TEXT, left_on TEXT, next_kind TEXT, next_action TEXT,
            next_state TEXT, hours REAL, closed_outcome TEXT, doc_state TEXT, department TEXT,
            office TEXT, alive INTEGER NOT NULL)""",
        f"CREATE INDEX tf_visit_ref ON {VISITS} (doctype, ref, left_on)",
        # covering: a percentile pass reads this index alone, never the table
        f"CREATE INDEX tf_visit_office ON {VISITS} (doctype, alive, office, step, hours, left_on, "
        "doc_state, step_role, department, entered_on)",
        # a percentile of closed visits' hours per (office, step), or over all: LIMIT 2 OFFSET k
        f"CREATE INDEX tf_visit_rank ON {VISITS} (alive, office, step, hours, doctype) "
        "WHERE hours IS NOT NULL",
        f"CREATE INDEX tf_visit_rank_all ON {VISITS} (alive, hours, doctype) WHERE hours IS NOT NULL",
    ]
    for doctype, plan in visits.items():
        meta = plan["meta"]
        slug = _slug(doctype)
        dt = literal(doctype)
        state = quote(plan["state_field"])
        steps = ", ".join(literal(s) for s in plan["roles"])
        dept = "d.department" if plan["has_department"] else "NULL"
        new_dept = "NEW.department" if plan["has_department"] else "NULL"
        out.append(
            f"CREATE TRIGGER tf_visit_{slug}_log AFTER INSERT ON {LOG} "
            f"WHEN NEW.reference_doctype = {dt} AND NEW.kind IN {STATE_CHANGES} BEGIN "
            f"UPDATE {VISITS} SET left_on = NEW.creation, next_kind = NEW.kind, next_action = NEW.action, "
            f"next_state = NEW.to_state, hours = {_hours('entered_on', 'NEW.creation')}, doc_state = NULL, "
            f"closed_outcome = {_closed_outcome(plan, 'step', 'NEW.kind', 'NEW.action', 'NEW.to_state')} "
            f"WHERE doctype = {dt} AND ref = NEW.reference_name AND left_on IS NULL; "
            f"INSERT INTO {VISITS} ({_VISIT_COLUMNS}) "
            f"SELECT NEW.name, {dt}, NEW.reference_name, NEW.to_state, "
            f"{_case('NEW.to_state', plan['roles'])}, NEW.creation, NULL, NULL, NULL, NULL, NULL, NULL, "
            f"d.{state}, {dept}, {_office(plan, _case('NEW.to_state', plan['roles']), dept)}, "
            f"d.name IS NOT NULL FROM (SELECT 1) LEFT JOIN {meta.table} AS d ON d.name = NEW.reference_name "
            f"WHERE NEW.to_state IN ({steps}); END"
        )
        # only the rows whose values change: a closed visit keeps no document state (it is read
        # only while the visit is open), so a state change rewrites the open visit alone, not
        # every visit of the document (each one an index entry moved and its counters)
        doc_state = f"CASE WHEN left_on IS NULL THEN NEW.{state} END"
        office = _office(plan, "step_role", new_dept)
        refresh = (
            f"UPDATE {VISITS} SET alive = 1, doc_state = {doc_state}, department = {new_dept}, "
            f"office = {office} WHERE doctype = {dt} AND ref = NEW.name AND (alive IS NOT 1 OR "
            f"doc_state IS NOT {doc_state} OR department IS NOT {new_dept} OR office IS NOT {office});"
        )
        out.append(f"CREATE TRIGGER tf_visit_{slug}_ins AFTER INSERT ON {meta.table} BEGIN {refresh} END")
        # a visit whose document is gone keeps none of its values (as the backfill, whose join
        # finds no document, computes it): not alive, no state, no department
        dead = (
            f"alive = 0, doc_state = NULL, department = NULL, office = {_office(plan, 'step_role', 'NULL')}"
        )
        out.append(
            f"CREATE TRIGGER tf_visit_{slug}_del AFTER DELETE ON {meta.table} BEGIN "
            f"UPDATE {VISITS} SET {dead} WHERE doctype = {dt} AND ref = OLD.name; END"
        )
        watched = ["name", plan["state_field"]] + (["department"] if plan["has_department"] else [])
        changed = " OR ".join(f"OLD.{quote(f)} IS NOT NEW.{quote(f)}" for f in watched)
        out.append(
            f"CREATE TRIGGER tf_visit_{slug}_upd AFTER UPDATE OF {', '.join(quote(f) for f in watched)} "
            f"ON {meta.table} WHEN {changed} BEGIN {refresh} END"
        )
        # a renamed document: its old name's visits are no longer alive (the refresh above
        # finds the new name's); its own trigger, so a state change does not run it
        out.append(
            f"CREATE TRIGGER tf_visit_{slug}_rename AFTER UPDATE OF name ON {meta.table} "
            f"WHEN OLD.name IS NOT NEW.name BEGIN "
            f"UPDATE {VISITS} SET {dead} WHERE doctype = {dt} AND ref = OLD.name; END"
        )
        # backfill: the same visits from the log as it stands
        out.append(f"INSERT INTO {VISITS} ({_VISIT_COLUMNS}) {_visit_backfill_select(doctype, plan)}")
    # counters per (process, office, step, role, department, month entered, outcome) of the
    # visits of documents that exist, kept by triggers on the visits themselves
    keys = ", ".join(_VISIT_KEYS)
    # unique over the keys with NULL as its own value (an empty blob: no text equals it), so a
    # visit counted is one UPSERT, and a counter is found by the same expressions
    unique = ", ".join(_VISIT_UNIQUE)
    out.append(f"CREATE TABLE {VISIT_COUNTS} ({keys}, n INTEGER NOT NULL)")
    out.append(f"CREATE UNIQUE INDEX tf_visit_count_keys ON {VISIT_COUNTS} ({unique})")
    out.append(
        f"INSERT INTO {VISIT_COUNTS} ({keys}, n) SELECT {_visit_key_sql('v')}, COUNT(*) FROM {VISITS} AS v "
        f"WHERE v.alive = 1 GROUP BY {', '.join(str(i + 1) for i in range(len(_VISIT_KEYS)))}"
    )

    def match(row: str) -> str:  # the unique index's expressions, so it finds the counter
        pairs = zip(_VISIT_KEYS, _visit_key_exprs(row), strict=True)
        return " AND ".join(
            f"{k} = {e}" if k == "doctype" else f"ifnull({k}, x'') = ifnull({e}, x'')" for k, e in pairs
        )

    def add(row: str) -> str:
        return (
            f"INSERT INTO {VISIT_COUNTS} ({keys}, n) SELECT {_visit_key_sql(row)}, 1 WHERE {row}.alive = 1 "
            f"ON CONFLICT ({unique}) DO UPDATE SET n = n + 1;"
        )

    def remove(row: str) -> str:
        return (
            f"UPDATE {VISIT_COUNTS} SET n = n - 1 WHERE {row}.alive = 1 AND {match(row)}; "
            f"DELETE FROM {VISIT_COUNTS} WHERE n <= 0 AND {match(row)};"
        )

    out.append(f"CREATE TRIGGER tf_visit_count_ins AFTER INSERT ON {VISITS} BEGIN {add('NEW')} END")
    out.append(f"CREATE TRIGGER tf_visit_count_del AFTER DELETE ON {VISITS} BEGIN {remove('OLD')} END")
    watched = ("alive", "doctype", "office", "step", "step_role", "department", "entered_on", "left_on")
    watched += ("doc_state", "closed_outcome")
    # only when the counter the visit falls in changes (not, say, an open visit's state moving
    # between two other steps): the keys compared, as computed, and whether it is counted
    keys_changed = [
        f"{a} IS NOT {b}" for a, b in zip(_visit_key_exprs("OLD"), _visit_key_exprs("NEW"), strict=True)
    ]
    changed = " OR ".join(["OLD.alive IS NOT NEW.alive", *keys_changed])
    out.append(
        f"CREATE TRIGGER tf_visit_count_upd AFTER UPDATE OF {', '.join(watched)} ON {VISITS} "
        f"WHEN {changed} BEGIN {remove('OLD')} {add('NEW')} END"
    )
    return out


def _visit_backfill_select(doctype: str, plan: dict) -> str:
    """The visits of `doctype` computed from the approval log as it stands (a window over each
    document's state changes, as runtime/reports/steps_sql.py reads them)."""
    dt = literal(doctype)
    state = quote(plan["state_field"])
    steps = ", ".join(literal(s) for s in plan["roles"])
    dept = "d.department" if plan["has_department"] else "NULL"
    window = (
        f"SELECT l.name, l.reference_name, l.to_state, l.creation, "
        f"LEAD(l.creation) OVER w AS next_at, LEAD(l.kind) OVER w AS next_kind, "
        f"LEAD(l.action) OVER w AS next_action, LEAD(l.to_state) OVER w AS next_state "
        f"FROM {LOG} AS l WHERE l.reference_doctype = {dt} AND l.kind IN {STATE_CHANGES} "
        f"WINDOW w AS (PARTITION BY l.reference_name ORDER BY l.name)"
    )
    role = _case("w.to_state", plan["roles"])
    return (
        f"SELECT w.name, {dt}, w.reference_name, w.to_state, "
        f"{role}, w.creation, w.next_at, w.next_kind, w.next_action, w.next_state, "
        f"CASE WHEN w.next_at IS NOT NULL THEN {_hours('w.creation', 'w.next_at')} END, "
        f"CASE WHEN w.next_at IS NOT NULL THEN "
        f"{_closed_outcome(plan, 'w.to_state', 'w.next_kind', 'w.next_action', 'w.next_state')} END, "
        f"CASE WHEN w.next_at IS NULL THEN d.{state} END, {dept}, {_office(plan, role, dept)}, "
        f"d.name IS NOT NULL "
        f"FROM ({window}) AS w LEFT JOIN {plan['meta'].table} AS d ON d.name = w.reference_name "
        f"WHERE w.to_state IN ({steps})"
    )


VISIT_COUNTS = '"__step_visit_count"'
_VISIT_KEYS = ("doctype", "office", "step", "step_role", "department", "entered_month", "outcome")
#: the counters' unique index: each key, NULL read as an empty blob (distinct from every text)
_VISIT_UNIQUE = ("doctype", *(f"ifnull({k}, x'')" for k in _VISIT_KEYS[1:]))


def _visit_outcome(row: str) -> str:
    return (
        f"CASE WHEN {row}.left_on IS NULL AND {row}.doc_state = {row}.step THEN 'open' "
        f"WHEN {row}.left_on IS NULL THEN 'other' ELSE {row}.closed_outcome END"
    )


def _visit_key_exprs(row: str) -> list[str]:
    return [
        f"{row}.doctype",
        f"{row}.office",
        f"{row}.step",
        f"{row}.step_role",
        f"{row}.department",
        f"substr({row}.entered_on, 1, 7)",
        _visit_outcome(row),
    ]


def _visit_key_sql(row: str) -> str:
    return ", ".join(_visit_key_exprs(row))


# -- building ------------------------------------------------------------------------------


_CREATED = re.compile(r'^CREATE (TABLE|TRIGGER) ("[^"]+"|\S+)')


def _objects(db, plan_prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = db.fetchall("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index', 'table')")
    return [(r["type"], r["name"]) for r in rows if r["name"].startswith(plan_prefixes)]


def _prefixes(name: str, rollups: dict[str, Rollup]) -> tuple[str, ...]:
    if name == "step visits":
        return ("tf_visit_", "__step_visit")  # the visits and their counts
    doctype = name.split(":", 1)[1]
    rollup = rollups.get(doctype) or Rollup(doctype)
    return (rollup.prefix, f"__rollup {doctype}")


def _drop(db, prefixes: tuple[str, ...]) -> None:
    for kind, obj in _objects(db, prefixes):
        if kind == "trigger":
            db.execute(f"DROP TRIGGER IF EXISTS {quote(obj)}")
        elif kind == "index":
            db.execute(f"DROP INDEX IF EXISTS {quote(obj)}")
    for kind, obj in _objects(db, prefixes):
        if kind == "table":
            db.execute(f"DROP TABLE IF EXISTS {quote(obj)}")


def _complete(db, statements: list[str], prefixes: tuple[str, ...]) -> bool:
    """Whether every trigger and table of the summary is there."""
    present = {obj for _, obj in _objects(db, prefixes)}
    for statement in statements:
        created = _CREATED.match(statement.strip())
        if created and created.group(2).strip('"') not in present:
            return False
    return True


def ensure(site) -> list[str]:
    """Create, or rebuild and backfill, every summary whose definition is new or changed, and
    drop those no report needs any more; one transaction. Returns the names (re)built."""
    db = site.db
    current = plans(site)
    built: list[str] = []
    if _all_current(site, current):  # the usual open: no write lock taken
        return built
    with db.transaction():
        db.execute(f"CREATE TABLE IF NOT EXISTS {STAMPS} (name TEXT PRIMARY KEY, stamp TEXT NOT NULL)")
        stored = {r["name"]: r["stamp"] for r in db.fetchall(f"SELECT name, stamp FROM {STAMPS}")}
        for name in stored:
            if name not in current.stamps:
                _drop(db, _prefixes(name, current.rollups))
                db.execute(f"DELETE FROM {STAMPS} WHERE name = ?", (name,))
        for name, (stamp, statements) in current.stamps.items():
            prefixes = _prefixes(name, current.rollups)
            if stored.get(name) == stamp and _complete(db, statements, prefixes):
                continue
            _drop(db, prefixes)
            for statement in statements:
                db.execute(statement)
            db.execute(
                f"INSERT INTO {STAMPS} (name, stamp) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET stamp = excluded.stamp",
                (name, stamp),
            )
            built.append(name)
    return built


def _all_current(site, current: Plans) -> bool:
    try:
        stored = {r["name"] for r in site.db.fetchall(f"SELECT name FROM {STAMPS}")}
    except sqlite3.OperationalError:
        return False
    return stored == set(current.stamps) and all(_ready(site, name) for name in current.stamps)


def _ready(site, name: str) -> bool:
    current = plans(site)
    found = current.stamps.get(name)
    if found is None:
        return False
    stamp, statements = found
    db = site.db
    try:
        stored = db.scalar(f"SELECT stamp FROM {STAMPS} WHERE name = ?", (name,))
    except sqlite3.OperationalError:
        return False
    return stored == stamp and _complete(db, statements, _prefixes(name, current.rollups))


# -- reading -------------------------------------------------------------------------------


def _month_bound(value: Any, operator: str) -> str | None:
    """A date filter value as a month bound, when it falls on one (else None: read documents)."""
    text = str(value)
    if len(text) < 10:
        return None
    year, month, day = text[:4], text[5:7], text[8:10]
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        return None
    if operator == ">=" and day == "01" and len(text) == 10:
        return text[:7]
    if operator == "<=" and text[10:] in ("", " 23:59:59.999999"):
        last = calendar.monthrange(int(year), int(month))[1]
        if int(day) == last:
            return text[:7]
    return None


def rollup_select(run: ReportRun, source: ReportSource, tally: Tally) -> tuple[str, list, list[str]] | None:
    """The source's rows for `_aggregate_in_sql` read from its roll-up, and the measures it could
    not serve (`rest`: the caller reads those from the documents); None to read documents only.
    Every group of the source has roll-up rows, so the groups are the same either way."""
    if not getattr(run, "use_summaries", True) or source.rows != "documents":
        return None
    current = plans(run.site)
    rollup = current.rollups.get(source.doctype)
    if rollup is None or not _ready(run.site, rollup.name):
        return None
    meta = run.site.metas.get(source.doctype)
    raw, months = set(rollup.raw), set(rollup.months)

    def lookup(column: str) -> tuple[str, str] | None:
        if column == SOURCE_COLUMN:
            return literal(source.doctype), "Data"
        name = source.field_for(column)
        if name in raw and not _is_date(meta, name):
            return quote(name), _fieldtype(meta, name)
        return None

    condition = condition_sql(source.condition, lookup, run.context)
    if condition is None:
        return None
    measures, measure_params, rest = [], [], []
    for m in tally.aggregates:
        alias = quote(f"m_{m.name}")
        if m.source not in (None, source.doctype):
            measures.append(f"NULL AS {alias}")
            continue
        cond = condition_sql(m.condition, lookup, run.context) if m.aggregate in ("count", "sum") else None
        name = source.field_for(m.column) if m.aggregate == "sum" else None
        if cond is None or (m.aggregate == "sum" and name not in rollup.sums):
            measures.append(f"NULL AS {alias}")
            rest.append(m.name)
            continue
        value = quote(COUNT) if m.aggregate == "count" else quote(_sum(name))
        measures.append(f"CASE WHEN {cond[0]} THEN {value} END AS {alias}")
        measure_params.extend(cond[1])
    filters, filter_params = [], []
    for c in run.conditions:
        name = source.field_for(c.column) if c.column != SOURCE_COLUMN else None
        if c.column == SOURCE_COLUMN:
            col = literal(source.doctype)
        elif name in months and _is_date(meta, name):
            bound = _month_bound(c.value, c.operator)
            if bound is None:
                return None
            filters.append(
                f"{quote(_month(name))} IS NOT NULL AND {quote(_month(name))} != '' AND "
                f"{quote(_month(name))} {c.operator} ?"
            )
            filter_params.append(bound)
            continue
        elif name in raw and not _is_date(meta, name):
            col = quote(name)
        else:
            return None
        if c.operator in ("=", "!="):
            filters.append(f"COALESCE({col}, '') {c.operator} ?")
        else:
            filters.append(f"{col} IS NOT NULL AND {col} != '' AND {col} {c.operator} ?")
        filter_params.append(c.value)
    dims = []
    for i, d in enumerate(run.dimensions):
        name = source.field_for(d.target_column) if d.target_column != SOURCE_COLUMN else None
        if d.target_column == SOURCE_COLUMN:
            col = literal(source.doctype)
        elif name in months and _is_date(meta, name) and d.bucket in ("year", "quarter", "month"):
            col = quote(_month(name))
        elif name in raw and not _is_date(meta, name):
            col = quote(name)
        else:
            return None
        dims.append(f"{_bucket_sql(col, d.bucket)} AS d{i}")
    # the permission condition must read only the roll-up's columns (else: documents). Written
    # over the alias `r.`, a column the roll-up lacks fails to prepare (an unqualified "name"
    # SQLite would take for a string literal instead, so none may be left outside a sub-select)
    perm_sql, perm_params = run.where(source, alias="r.")
    if not _only_qualified(perm_sql, "r."):
        return None
    try:
        run.site.db.execute(f"SELECT 1 FROM {rollup.table} AS r WHERE ({perm_sql}) LIMIT 0", perm_params)
    except sqlite3.OperationalError:
        return None
    filt = " AND ".join(f"({f})" for f in filters) or "1"
    sql = (
        f"SELECT {', '.join([*dims, *measures])} FROM {rollup.table} AS r "
        f"WHERE ({perm_sql}) AND ({filt}) AND ({condition[0]})"
    )
    if len(rest) == sum(1 for m in tally.aggregates if m.source in (None, source.doctype)):
        return None  # nothing served: the documents alone
    return sql, [*measure_params, *perm_params, *filter_params, *condition[1]], rest


def _only_qualified(sql: str, alias: str) -> bool:
    """Whether every double-quoted identifier of `sql` outside its sub-selects and string
    literals is qualified by `alias` (an unqualified one naming no column would be read by
    SQLite as a string, silently changing the condition)."""
    text = re.sub(r"'(?:[^']|'')*'", "''", sql)
    stack: list[list[str]] = [[]]
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            stack.append([])
        elif ch == ")" and len(stack) > 1:
            inner = "".join(stack.pop())
            if not inner.lstrip().upper().startswith("SELECT"):
                stack[-1].append(f"({inner})")
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                return False
            stack[-1].append(text[i : end + 1])
            i = end
        else:
            stack[-1].append(ch)
        i += 1
    outer = "".join(stack[0])
    for found in re.finditer(r'"[^"]*"', outer):
        if not outer[: found.start()].endswith(alias):
            return False
    return len(stack) == 1


def _bucket_sql(col: str, bucket: str | None) -> str:
    col = f"NULLIF({col}, '')"
    if bucket == "year":
        return f"substr({col}, 1, 4)"
    if bucket == "month":
        return f"substr({col}, 1, 7)"
    if bucket == "day":
        return f"substr({col}, 1, 10)"
    if bucket == "quarter":
        return f"substr({col}, 1, 4) || '-Q' || ((CAST(substr({col}, 6, 2) AS INTEGER) + 2) / 3)"
    return col


def visits_from(run: ReportRun, source: ReportSource) -> tuple[str, list, dict[str, str]] | None:
    """(FROM clause, parameters, step column -> SQL) of a `rows: steps` source read from the step
    visits table, like `steps_sql.steps_from`; None when the table is not there."""
    if not getattr(run, "use_summaries", True):
        return None
    current = plans(run.site)
    plan = current.visits.get(source.doctype)
    if plan is None or not _ready(run.site, "step visits"):
        return None
    meta = plan["meta"]
    dt = literal(source.doctype)
    fields = [f for f in run.needed_fields(source) if f not in STEP_COLUMNS]
    carried = sorted(set(fields) - {"name"})
    perm_sql, perm_params = run.where(source, alias="d.")
    own = {"department"} if plan["has_department"] else set()
    if perm_sql == "1=1" and set(carried) <= own:
        from_sql = f"(SELECT *, ref AS _ref FROM {VISITS} WHERE doctype = {dt} AND alive = 1) AS v"
        doc_columns = {f"doc:{f}": f"v.{quote(f)}" for f in carried}
        params: list = []
    else:
        carry = "".join(f", d.{quote(f)} AS {quote('doc_' + f)}" for f in carried)
        from_sql = (
            f"(SELECT s.*, s.ref AS _ref{carry} FROM {meta.table} AS d JOIN {VISITS} AS s "
            f"ON s.doctype = {dt} AND s.ref = d.name WHERE s.alive = 1 AND ({perm_sql})) AS v"
        )
        doc_columns = {f"doc:{f}": f"v.{quote('doc_' + f)}" for f in carried}
        params = list(perm_params)
    is_open = "(v.left_on IS NULL AND v.doc_state = v.step)"
    closed = "(v.left_on IS NOT NULL)"
    now = literal(run.now)
    due = (
        f"(SELECT MIN(a.due_at) FROM {ACTION} AS a WHERE a.reference_name = v.ref "
        f"AND a.reference_doctype = {dt} AND a.kind = 'todo' AND a.status = 'Open')"
    )
    columns = {
        "step": "v.step",
        "step_role": "v.step_role",
        "office": "v.office",
        "entered_on": "v.entered_on",
        "left_on": "v.left_on",
        "hours_in_step": (
            f"CASE WHEN {closed} THEN v.hours WHEN {is_open} THEN {_hours('v.entered_on', now)} END"
        ),
        "outcome": (
            f"CASE WHEN {is_open} THEN 'open' WHEN NOT {closed} THEN 'other' ELSE v.closed_outcome END"
        ),
        "is_open": f"CAST({is_open} AS INTEGER)",
        "is_overdue": f"CAST(({is_open} AND COALESCE({due} < {now}, 0)) AS INTEGER)",
        "is_returned": f"CAST(({closed} AND v.closed_outcome = 'returned') AS INTEGER)",
        "is_rejected": f"CAST(({closed} AND v.closed_outcome = 'rejected') AS INTEGER)",
    }
    return from_sql, params, columns | doc_columns


# -- a report over step visits alone ---------------------------------------------------------

_VISIT_TEXT_COLUMNS = ("step", "step_role", "office", "outcome")
_VISIT_FLAGS = {"is_open": "open", "is_returned": "returned", "is_rejected": "rejected"}


def _overdue(dt: str, now: str) -> str:
    """The open visits whose document has an open to-do past its due time (the due index)."""
    return (
        f"SELECT o.* FROM (SELECT DISTINCT reference_name FROM {ACTION} WHERE kind = 'todo' "
        f"AND status = 'Open' AND due_at < {now} AND reference_doctype = {dt}) AS a "
        f"CROSS JOIN {VISITS} AS o ON o.doctype = {dt} AND o.ref = a.reference_name AND o.left_on IS NULL "
        f"WHERE o.alive = 1 AND o.doc_state = o.step"
    )


def _count_select(run: ReportRun, source: ReportSource, counted: list, plan: dict) -> tuple[str, list] | None:
    """The source's counting measures over its visit counts: one row per counter, plus +1 / -1
    rows moving each overdue visit (its to-do's due time has passed: a fact of now, not kept)
    from `is_overdue` 0 to 1."""
    dt, now = literal(source.doctype), literal(run.now)
    meta = plan["meta"]

    def lookup(column: str) -> tuple[str, str] | None:
        if column == SOURCE_COLUMN:
            return dt, "Data"
        name = source.field_for(column)
        if name in _VISIT_TEXT_COLUMNS:
            return f"r.{name}", "Data"
        if name in _VISIT_FLAGS:
            return f"CAST(r.outcome = {literal(_VISIT_FLAGS[name])} AS INTEGER)", "Check"
        if name == "is_overdue":
            return "r.od", "Check"
        if name == "department" and plan["has_department"]:
            return "r.department", _fieldtype(meta, "department")
        return None

    condition = condition_sql(source.condition, lookup, run.context)
    if condition is None:
        return None
    measures, params = [], []
    for m in counted:
        alias = quote(f"m_{m.name}")
        if m.source not in (None, source.doctype):
            measures.append(f"NULL AS {alias}")
            continue
        cond = condition_sql(m.condition, lookup, run.context)
        if cond is None:
            return None
        measures.append(f"CASE WHEN {cond[0]} THEN r.n END AS {alias}")
        params.extend(cond[1])
    filters, filter_params = [], []
    for c in run.conditions:
        name = None if c.column == SOURCE_COLUMN else source.field_for(c.column)
        if name == "entered_on":
            bound = _month_bound(c.value, c.operator)
            if bound is None:
                return None
            filters.append(f"r.entered_month IS NOT NULL AND r.entered_month {c.operator} ?")
            filter_params.append(bound)
            continue
        found = lookup(c.column)
        if found is None or name in ("is_overdue", *_VISIT_FLAGS):
            return None
        if c.operator in ("=", "!="):
            filters.append(f"COALESCE({found[0]}, '') {c.operator} ?")
        else:
            filters.append(f"{found[0]} IS NOT NULL AND {found[0]} != '' AND {found[0]} {c.operator} ?")
        filter_params.append(c.value)
    dims = []
    for i, d in enumerate(run.dimensions):
        name = None if d.target_column == SOURCE_COLUMN else source.field_for(d.target_column)
        if name == "entered_on" and d.bucket in ("year", "quarter", "month"):
            col = "r.entered_month"
        elif name in ("is_overdue", *_VISIT_FLAGS) or lookup(d.target_column) is None:
            return None  # a dimension on a flag would leave groups of zeros behind
        else:
            col = lookup(d.target_column)[0]
        dims.append(f"{_bucket_sql(col, d.bucket)} AS d{i}")
    key = "office, step, step_role, department"
    overdue = _overdue(dt, now)
    rows = (
        f"(SELECT {key}, entered_month, outcome, 0 AS od, n FROM {VISIT_COUNTS} WHERE doctype = {dt} "
        f"UNION ALL SELECT {key}, substr(entered_on, 1, 7), 'open', 1, 1 FROM ({overdue}) "
        f"UNION ALL SELECT {key}, substr(entered_on, 1, 7), 'open', 0, -1 FROM ({overdue})) AS r"
    )
    filt = " AND ".join(f"({f})" for f in filters) or "1"
    sql = f"SELECT {', '.join([*dims, *measures])} FROM {rows} WHERE ({filt}) AND ({condition[0]})"
    return sql, [*params, *filter_params, *condition[1]]


def _rank_select(run: ReportRun, source: ReportSource, m) -> tuple[str, list] | None:
    """The values of a percentile measure over the source's visits (the covering index)."""
    found = run.source_from(source)
    if found is None or found[2] is None:
        return None
    from_sql, from_params, _ = found
    lookup = run.column_sql(source)
    condition = condition_sql(source.condition, lookup, run.context)
    cond = condition_sql(m.condition, lookup, run.context)
    column = lookup(m.column) if m.column else None
    if condition is None or cond is None or column is None:
        return None
    filt_sql, filt_params = run.filter_sql(source, run.conditions)
    dims = [f"{run.dimension_sql(source, d)} AS d{i}" for i, d in enumerate(run.dimensions)]
    alias = quote(f"m_{m.name}")
    sql = (
        f"SELECT {', '.join([*dims, f'{column[0]} AS {alias}'])} FROM {from_sql} "
        f"WHERE ({filt_sql}) AND ({condition[0]}) AND ({cond[0]})"
    )
    return sql, [*from_params, *filt_params, *condition[1], *cond[1]]


def steps_aggregate(run: ReportRun, tally: Tally) -> bool:
    """A report whose sources are all step visits, for a user who may report on every one of
    them: counts from the visit counters, percentiles from the visits' covering index. False
    when it cannot (another user, a filter off month bounds...): the generic path runs."""
    from townflow.reports.tally import PERCENTILES

    if not getattr(run, "use_summaries", True) or not run.sources:
        return False
    if any(s.rows != "steps" for s in run.sources):
        return False
    current = plans(run.site)
    if any(s.doctype not in current.visits for s in run.sources) or not _ready(run.site, "step visits"):
        return False
    counted = [m for m in tally.aggregates if m.aggregate == "count"]
    ranked = [m for m in tally.aggregates if m.aggregate in PERCENTILES]
    if len(counted) + len(ranked) != len(tally.aggregates):
        return False
    if any(run.where(s, alias="d.")[0] != "1=1" for s in run.sources):
        return False
    counts = [_count_select(run, s, counted, current.visits[s.doctype]) for s in run.sources]
    ranks = {m.name: [_rank_select(run, s, m) for s in run.sources] for m in ranked}
    if any(c is None for c in counts) or any(r is None for rs in ranks.values() for r in rs):
        return False
    db = run.site.db
    dims = [f"d{i}" for i in range(len(run.dimensions))]
    if counted:
        inner = " UNION ALL ".join(sql for sql, _ in counts)
        params = [p for _, ps in counts for p in ps]
        outer = ", ".join(f"SUM({quote('m_' + m.name)}) AS {quote('m_' + m.name)}" for m in counted)
        group = f" GROUP BY {', '.join(dims)}" if dims else ""
        for row in db.fetchall(
            f"SELECT {''.join(f'{d}, ' for d in dims)}{outer} FROM ({inner}){group}", params
        ):
            if not dims and all(row[f"m_{m.name}"] is None for m in counted):
                continue
            tally.add_partial(tuple(row[d] for d in dims), {m.name: row[f"m_{m.name}"] for m in counted})
    for m in ranked:
        fast = _closed_hours_percentiles(run, m, dims)
        if fast is not None:
            for key, value in fast.items():
                if key == ("total",):
                    tally.set_total({m.name: value})
                else:
                    tally.add_partial(key, {m.name: value})
            continue
        from townflow.runtime.reports.run import ReportRun

        ReportRun._temp_serial += 1
        table = f"temp.report_ranks_{ReportRun._temp_serial}"
        selects = ranks[m.name]
        db.execute(
            f"CREATE TEMP TABLE {table} AS {' UNION ALL '.join(sql for sql, _ in selects)}",
            [p for _, ps in selects for p in ps],
        )
        try:
            for key, value in run._percentiles(table, m, dims).items():
                tally.add_partial(key, {m.name: value})
            if dims:
                tally.set_total({m.name: run._percentiles(table, m, []).get(())})
        finally:
            db.execute(f"DROP TABLE IF EXISTS {table}")
    return True


_CLOSED = ("forward", "returned", "rejected", "withdrawn")


def _closed_hours_percentiles(run: ReportRun, m, dims: list[str]) -> dict[tuple, Any] | None:
    """A percentile of hours in step over the visits already left (`not doc.is_open`), per
    (office, step) or over all, without filters: each group's size from the visit counters, its
    two ranked values read from the hours index (LIMIT 2 OFFSET k) — no sort, no copy.
    None for any other measure, grouping or filter (the window over the visits serves)."""
    from townflow.reports.tally import PERCENTILES, percentile_of_ranks, percentile_ranks

    if run.conditions or (m.condition or "").strip() != "not doc.is_open":
        return None
    if any(s.field_for(m.column) != "hours_in_step" for s in run.sources):
        return None
    targets = [d.target_column for d in run.dimensions]
    if targets not in ([], ["office", "step"]) or any(d.bucket for d in run.dimensions):
        return None
    if any(s.field_for(c) != c for s in run.sources for c in targets):
        return None
    p = PERCENTILES[m.aggregate]
    doctypes = [s.doctype for s in run.sources]
    marks = ", ".join("?" * len(doctypes))
    closed = ", ".join(literal(c) for c in _CLOSED)
    db = run.site.db
    groups = db.fetchall(
        f"SELECT office, step, SUM(n) AS n FROM {VISIT_COUNTS} WHERE doctype IN ({marks}) "
        f"AND outcome IN ({closed}) GROUP BY office, step",
        doctypes,
    )
    out: dict[tuple, Any] = {}

    def ranked(n: int, where: str, params: list, index: str) -> Any:
        first = percentile_ranks(n, p)[0] - 1
        rows = db.fetchall(
            f"SELECT hours FROM {VISITS} INDEXED BY {index} WHERE {where} AND hours IS NOT NULL "
            f"AND doctype IN ({marks}) ORDER BY hours LIMIT 2 OFFSET ?",
            [*params, *doctypes, first],
        )
        return percentile_of_ranks(n, p, {first + 1 + i: r["hours"] for i, r in enumerate(rows)})

    if dims:
        seen: set[tuple] = set()
        for g in groups:
            key = (g["office"] or None, g["step"] or None)
            if key in seen:
                return None  # NULL and '' are one group in the report: the window serves it
            seen.add(key)
            out[key] = ranked(
                g["n"], "alive = 1 AND office IS ? AND step IS ?", [g["office"], g["step"]], "tf_visit_rank"
            )
    total = sum(g["n"] for g in groups)
    value = ranked(total, "alive = 1", [], "tf_visit_rank_all") if total else None
    if dims:
        out[("total",)] = value
    else:
        out[()] = value
    return out


# -- checking ------------------------------------------------------------------------------


def verify(site) -> list[str]:
    """Differences between each summary as kept and as recomputed from the documents and the
    log now (empty when they agree): for tests and for an operator's check."""
    db = site.db
    current = plans(site)
    problems: list[str] = []

    def compare(label: str, stored: str, recomputed: str) -> None:
        for direction, (a, b) in (("kept only", (stored, recomputed)), ("missing", (recomputed, stored))):
            rows = db.fetchall(f"SELECT * FROM ({a}) EXCEPT SELECT * FROM ({b}) LIMIT 5")
            if rows:
                problems.append(f"{label}: {direction}: {[tuple(r) for r in rows]}")

    for rollup in current.rollups.values():
        if not _ready(site, rollup.name):
            problems.append(f"{rollup.name}: not built")
            continue
        meta = site.metas.get(rollup.doctype)
        keys = rollup.keys()
        columns = [quote(c) for c, _ in keys] + [quote(COUNT)] + [quote(_sum(f)) for f in rollup.sums]
        selects = [expr.format(row="d") for _, expr in keys] + ["COUNT(*)"]
        selects += [f"TOTAL(d.{quote(f)})" for f in rollup.sums]
        group = ", ".join(expr.format(row="d") for _, expr in keys)
        recomputed = f"SELECT {', '.join(selects)} FROM {meta.table} AS d" + (
            f" GROUP BY {group}" if group else " HAVING COUNT(*) > 0"
        )
        compare(rollup.name, f"SELECT {', '.join(columns)} FROM {rollup.table}", recomputed)
    if current.visits:
        if not _ready(site, "step visits"):
            return [*problems, "step visits: not built"]
        for doctype, plan in current.visits.items():
            compare(
                f"step visits of {doctype}",
                f"SELECT {_VISIT_COLUMNS} FROM {VISITS} WHERE doctype = {literal(doctype)}",
                _visit_backfill_select(doctype, plan),
            )
        keys = ", ".join(_VISIT_KEYS)
        groups = ", ".join(str(i + 1) for i in range(len(_VISIT_KEYS)))
        compare(
            "step visit counts",
            f"SELECT {keys}, n FROM {VISIT_COUNTS}",
            f"SELECT {_visit_key_sql('v')}, COUNT(*) FROM {VISITS} AS v WHERE v.alive = 1 GROUP BY {groups}",
        )
    return problems
