"""Kept report tallies on Frappe: a report source's figures per group, kept by MariaDB triggers.

At a million documents a township-wide Benefit Tally read 640k index entries and counted the
distinct households among them (`count(distinct household)`: seconds, whatever the index). A
distinct count cannot be added up from finer groups, so it is kept per grouping: for each report
source whose measures are counts, sums and at most one distinct column (no condition on it), a
table `tabTownflow Tally <hash>` holds, for the whole township (set 0) and for each dimension of
the report that is a plain column or a bucketed date (set 1..), one row per (group value, member)
— member being the distinct column's value ('' without one) — with

- `n`: the rows of that group and member meeting the source condition,
- `c_<measure>`: the rows also meeting the measure's condition (count measures),
- `s_<measure>` / `v_<measure>`: the sum of the measure's column and how many values it had.

The rows of a set then are the group's distinct members: households per benefit kind is a count
of one primary-key range, township-wide one range of set 0. Triggers on the DocType's table
(after insert / update / delete) keep every set in the same transaction as the write, as
`tabTownflow Document Count` is kept (townflow_ext.counts); after_migrate (re)creates the tables
and triggers, and rebuilds a table from the documents when it is new or one of its triggers was
missing (a bulk load drops them). Conditions and dimensions are translated by the same code the
report's SQL path uses (townflow.runtime.reports.sql), over the row the trigger sees.

`KeptTally(run, tally).run()` serves a run from them only when it is certainly the same figures:
each source's reader reads every record (townflow_ext.permissions.township_wide: no User
Permission, no state-narrowed row), at most one dimension, filters only `=` on that dimension's
column (or on one column with no dimension), every measure kept. Anything else answers False and
the report aggregates the documents (townflow_ext.reports.SqlAggregate).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import frappe

from care_for_girls.townflow_ext import spec
from care_for_girls.townflow_ext import triggers as trigger_names
from townflow.spec.reports import SOURCE_COLUMN, Report, ReportSource

PREFIX = "tabTownflow Tally "
TRIGGER_PREFIX = "tf_tally_"
_ROW = "\x00row\x00"  # where a trigger's NEW / OLD or the rebuild's alias goes
_KEY_TYPES = {"Link", "Select", "Data", "Dynamic Link"}
_NUMERIC = {"Int", "Float", "Currency", "Percent", "Check"}
_KEY_LENGTH = 140


@dataclass
class TallyPlan:
    report: str
    doctype: str
    condition: str  # SQL over _ROW: the source condition
    keys: list[tuple[str, str]] = field(default_factory=list)  # (dimension name, SQL over _ROW)
    member: str = "''"  # SQL over _ROW of the distinct column, never NULL
    distinct: list[str] = field(default_factory=list)  # count_distinct measures (of member)
    counts: dict[str, str] = field(default_factory=dict)  # measure -> condition SQL over _ROW
    sums: dict[str, tuple[str, str]] = field(default_factory=dict)  # measure -> (condition, column)
    watched: list[str] = field(default_factory=list)  # fields a change of which moves the row

    @property
    def slug(self) -> str:
        text = repr((self.report, self.doctype, self.condition, self.keys, self.member))
        text += repr((self.distinct, sorted(self.counts.items()), sorted(self.sums.items())))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def table(self) -> str:
        return PREFIX + self.slug

    def sid(self, dimension: str | None) -> int | None:
        if dimension is None:
            return 0
        for i, (name, _) in enumerate(self.keys):
            if name == dimension:
                return i + 1
        return None

    def triggers(self) -> dict[str, str]:
        return {f"{TRIGGER_PREFIX}{self.slug}_{k}": v for k, v in self._trigger_bodies().items()}

    # -- SQL ---------------------------------------------------------------------------------

    def _figures(self, row: str) -> list[tuple[str, str]]:
        """(column, SQL of its value for one document row) of every kept figure."""
        out = [("n", "1")]
        out += [(f"c_{m}", f"case when ({c}) then 1 else 0 end") for m, c in self.counts.items()]
        for m, (c, col) in self.sums.items():
            out.append((f"s_{m}", f"case when ({c}) then ifnull({col}, 0) else 0 end"))
            out.append((f"v_{m}", f"case when ({c}) and {col} is not null then 1 else 0 end"))
        return [(name, sql.replace(_ROW, row)) for name, sql in out]

    def _sets(self, row: str) -> list[tuple[int, str]]:
        sets = [(0, "''")]
        sets += [(i + 1, f"ifnull({sql}, '')".replace(_ROW, row)) for i, (_, sql) in enumerate(self.keys)]
        return sets

    def ddl(self) -> str:
        figures = ", ".join(
            f"`{name}` {'decimal(36,9)' if name.startswith('s_') else 'bigint'} not null default 0"
            for name, _ in self._figures("t")
        )
        return (
            f"create table if not exists `{self.table}` (sid tinyint not null, "
            f"k varchar({_KEY_LENGTH}) not null default '', "
            f"member varchar({_KEY_LENGTH}) not null default '', "
            f"{figures}, primary key (sid, k, member)) engine=InnoDB "
            f"default charset=utf8mb4 collate=utf8mb4_unicode_ci"
        )

    def _add(self, row: str) -> str:
        figures = self._figures(row)
        names = ", ".join(f"`{n}`" for n, _ in figures)
        values = ", ".join(v for _, v in figures)
        update = ", ".join(f"`{n}` = `{n}` + values(`{n}`)" for n, _ in figures)
        member = self.member.replace(_ROW, row)
        # identifiers from the meta and the spec; values escaped (see _inline)
        return " ".join(
            f"insert into `{self.table}` (sid, k, member, {names}) "  # noqa: S608
            f"values ({sid}, {key}, {member}, {values}) "
            f"on duplicate key update {update};"
            for sid, key in self._sets(row)
        )

    def _remove(self, row: str) -> str:
        figures = self._figures(row)
        sets = ", ".join(f"`{n}` = `{n}` - ({v})" for n, v in figures)
        member = self.member.replace(_ROW, row)
        out = []
        for sid, key in self._sets(row):
            where = f"sid = {sid} and k = {key} and member = {member}"
            out.append(f"update `{self.table}` set {sets} where {where};")  # noqa: S608
            out.append(f"delete from `{self.table}` where {where} and n <= 0;")  # noqa: S608
        return " ".join(out)

    def _trigger_bodies(self) -> dict[str, str]:
        table = f"tab{self.doctype}"

        def when(row: str, body: str) -> str:
            return f"if ({self.condition.replace(_ROW, row)}) then {body} end if;"

        changed = " and ".join(f"OLD.`{f}` <=> NEW.`{f}`" for f in self.watched) or "1"
        return {
            "ins": f"after insert on `{table}` for each row begin {when('NEW', self._add('NEW'))} end",
            "upd": (
                f"after update on `{table}` for each row begin if not ({changed}) then "
                f"{when('OLD', self._remove('OLD'))} {when('NEW', self._add('NEW'))} end if; end"
            ),
            "del": f"after delete on `{table}` for each row begin {when('OLD', self._remove('OLD'))} end",
        }

    def recomputed(self) -> list[str]:
        """One SELECT per set: its rows recomputed from the documents."""
        figures = self._figures("t")
        out = []
        for sid, key in self._sets("t"):
            sums = ", ".join(f"sum({v})" for _, v in figures)
            out.append(
                f"select {sid} as sid, {key} as k, {self.member.replace(_ROW, 't')} as member, {sums} "  # noqa: S608
                f"from `tab{self.doctype}` t where ({self.condition.replace(_ROW, 't')}) group by 2, 3"
            )
        return out

    def rebuild(self) -> None:
        names = ", ".join(f"`{n}`" for n, _ in self._figures("t"))
        frappe.db.sql(f"delete from `{self.table}`")  # noqa: S608
        for select in self.recomputed():
            frappe.db.sql(f"insert into `{self.table}` (sid, k, member, {names}) {select}")


# -- plans from the spec ----------------------------------------------------------------------


def _inline(found: tuple[str, list] | None) -> str | None:
    """Translated SQL with its parameters written in as escaped literals (trigger bodies take no
    parameters). Column names come from the meta; every value goes through frappe.db.escape."""
    if found is None:
        return None
    sql, params = found
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        return None
    out = parts[0]
    for value, rest in zip(params, parts[1:], strict=True):
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int | float):
            lit = repr(value)
        elif isinstance(value, str):
            lit = frappe.db.escape(value)
        else:
            return None
        out += lit + rest
    return out


def plan_for(report: Report, source: ReportSource) -> TallyPlan | None:
    """How `source` of `report` is kept, or None when it cannot be (a measure that is not a
    count, a sum or an unconditioned distinct count of one column; a condition reading the
    clock, the user or the settings)."""
    from townflow.runtime.reports.sql import condition_sql

    if source.rows != "documents" or not frappe.db.table_exists(source.doctype):
        return None
    meta = frappe.get_meta(source.doctype)
    columns = set(frappe.db.get_table_columns(source.doctype))
    read: set[str] = set()

    def lookup(name: str) -> tuple[str, str] | None:
        if name == SOURCE_COLUMN:
            return frappe.db.escape(source.doctype), "Data"
        fieldname = source.field_for(name)
        if fieldname not in columns:
            return None
        read.add(fieldname)
        if fieldname in ("creation", "modified"):
            return f"{_ROW}.`{fieldname}`", "Datetime"
        df = meta.get_field(fieldname)
        if df is None:
            return None
        return f"{_ROW}.`{fieldname}`", df.fieldtype

    def translated(text: str | None) -> str | None:
        if text and "settings" in text:
            return None  # an admin may change the settings; a trigger would keep the old value
        contexts = [
            {"doc": {}, "settings": {}, "today": day, "now": f"{day} 00:00:00.000000", "user": u, "roles": r}
            for day, u, r in (("1900-01-01", "a@x", []), ("2999-12-31", "b@y", ["System Manager"]))
        ]
        found = [_inline(condition_sql(text, lookup, c)) for c in contexts]
        if found[0] is None or found[0] != found[1]:
            return None  # untranslatable, or reads the clock or the user
        return found[0]

    condition = translated(source.condition)
    if condition is None:
        return None
    plan = TallyPlan(report.report_name, source.doctype, condition)
    for m in report.measures:
        if m.is_ratio or m.source not in (None, source.doctype):
            continue
        aggregate = m.aggregate or "count"
        if aggregate == "count":
            cond = translated(m.condition)
            if cond is None:
                return None
            plan.counts[m.name] = cond
        elif aggregate == "sum":
            cond, col = translated(m.condition), lookup(m.column)
            if cond is None or col is None or col[1] not in _NUMERIC:
                return None
            plan.sums[m.name] = (cond, col[0])
        elif aggregate == "count_distinct":
            col = lookup(m.column)
            if m.condition or col is None or col[1] not in _KEY_TYPES:
                return None
            member = f"ifnull(nullif({col[0]}, ''), '')"
            if plan.distinct and plan.member != member:
                return None  # two distinct columns: one member per row only
            plan.member = member
            plan.distinct.append(m.name)
        else:
            return None
    for d in report.dimensions:
        found = lookup(d.target_column)
        if found is None:
            continue
        col, fieldtype = found
        if d.bucket is None and fieldtype in _KEY_TYPES:
            plan.keys.append((d.name, f"nullif({col}, '')"))
        elif d.bucket in ("year", "month", "day") and fieldtype in ("Date", "Datetime"):
            plan.keys.append((d.name, f"substr({col}, 1, {dict(year=4, month=7, day=10)[d.bucket]})"))
        elif d.bucket == "quarter" and fieldtype in ("Date", "Datetime"):
            sql = f"concat(substr({col}, 1, 4), '-Q', (cast(substr({col}, 6, 2) as unsigned) + 2) div 3)"
            plan.keys.append((d.name, sql))
    plan.watched = sorted(read)
    return plan


def plans() -> list[TallyPlan]:
    from care_for_girls.townflow_ext.reports import reports

    out = []
    for report in reports().values():
        for source in report.sources:
            plan = plan_for(report, source)
            if plan is not None:
                out.append(plan)
    return out


def install(rebuild: bool = True) -> list[str]:
    """Create each kept tally and its triggers; rebuild a table from the documents when it is
    new or a trigger was missing (writes may have passed unseen), or always with `rebuild`;
    drop the tables and triggers no report needs any more. Returns the tables rebuilt."""
    if getattr(frappe.db, "db_type", None) != "mariadb":
        return []
    current = plans()
    wanted_tables = {p.table for p in current}
    wanted_triggers = {t for p in current for t in p.triggers()}
    trigger_names.drop_stale("tf_tally_", wanted_triggers)
    for (table,) in frappe.db.sql("show tables like 'tabTownflow Tally %%'"):
        if table not in wanted_tables:
            frappe.db.sql_ddl(f"drop table if exists `{table}`")
    rebuilt = []
    for plan in current:
        new = not frappe.db.sql("show tables like %s", (plan.table,))
        triggers = plan.triggers()
        missing = set(triggers) - trigger_names.present(list(triggers))
        frappe.db.sql_ddl(plan.ddl())
        for name, body in triggers.items():
            frappe.db.sql_ddl(f"drop trigger if exists `{name}`")
            frappe.db.sql_ddl(f"create trigger `{name}` {body}")
        if rebuild or new or missing:
            plan.rebuild()
            rebuilt.append(plan.table)
    return rebuilt


def verify() -> list[str]:
    """Differences between each kept tally and its recomputation from the documents (empty when
    they agree): for the bench tests and an operator's check."""
    problems = []
    for plan in plans():
        names = ", ".join(f"`{n}`" for n, _ in plan._figures("t"))
        kept = {
            tuple(r)
            for r in frappe.db.sql(f"select sid, k, member, {names} from `{plan.table}`")  # noqa: S608
        }
        fresh = {tuple(r) for select in plan.recomputed() for r in frappe.db.sql(select)}
        if kept != fresh:
            problems.append(
                f"{plan.table} ({plan.report} / {plan.doctype}): kept only {sorted(kept - fresh)[:3]}, "
                f"missing {sorted(fresh - kept)[:3]}"
            )
    return problems


# -- reading ---------------------------------------------------------------------------------


def _ready(plans: list[TallyPlan]) -> bool:
    """Whether every plan's table and triggers are there (a table without its triggers may have
    missed writes: a bulk load drops them until it rebuilds)."""
    triggers = [t for p in plans for t in p.triggers()]
    if trigger_names.present(triggers) != set(triggers):
        return False
    return all(frappe.db.sql("show tables like %s", (p.table,)) for p in plans)


class KeptTally:
    """A run of a report served from its kept tallies (see the module's docstring), or False."""

    def __init__(self, run, tally):
        self.run_ = run
        self.tally = tally

    def run(self) -> bool:
        run, tally = self.run_, self.tally
        if getattr(frappe.db, "db_type", None) != "mariadb" or len(run.dimensions) > 1:
            return False
        from care_for_girls.townflow_ext.permissions import township_wide

        report = run.report
        by_doctype = {}
        for source in run.sources:
            plan = plan_for(report, source)
            if plan is None or not township_wide(source.doctype):
                return False
            by_doctype[source.doctype] = (source, plan)
        for m in tally.aggregates:
            plan_measures = [
                set(p.counts) | set(p.sums) | set(p.distinct)
                for s, p in by_doctype.values()
                if m.source in (None, s.doctype)
            ]
            if any(m.name not in kept for kept in plan_measures):
                return False
        # the one column keyed: the dimension's, and every filter an `=` on it
        dim = run.dimensions[0] if run.dimensions else None
        keyed = {dim.target_column: dim.name} if dim else {}
        values = None
        for c in run.conditions:
            if c.operator != "=" or not isinstance(c.value, str) or c.value == "":
                return False
            if not keyed:
                named = [d for d in report.dimensions if d.target_column == c.column and d.bucket is None]
                if not named:
                    return False
                keyed = {c.column: named[0].name}
            if c.column not in keyed or values not in (None, c.value):
                return False
            values = c.value
        key_dim = next(iter(keyed.values()), None)
        if key_dim is not None:
            dimension = next(d for d in report.dimensions if d.name == key_dim)
            if dimension.bucket is not None and values is not None:
                return False  # a filter on a bucketed date is not an `=` on the bucket
            for source, _plan in by_doctype.values():
                fieldtype = self._fieldtype(source, dimension.target_column)
                if values is not None and fieldtype not in ("Link", "Select"):
                    return False  # as SqlAggregate.filter_sql: `=` only where MariaDB compares alike
        found = {}
        for source, plan in by_doctype.values():
            sid = plan.sid(key_dim)
            if sid is None:
                return False
            found[source.doctype] = (plan, sid)
        if not _ready([p for p, _ in found.values()]):  # last: the checks above are free
            return False
        additive = [m for m in tally.aggregates if (m.aggregate or "count") in ("count", "sum")]
        distinct = [m for m in tally.aggregates if m.aggregate == "count_distinct"]
        grouped = dim is not None
        results = {}
        for doctype, (plan, sid) in found.items():
            results[doctype] = self._read(plan, sid, values, grouped, tally.aggregates)
            for key, figures in results[doctype]:
                self.tally.add_partial(key, {m.name: figures[m.name] for m in additive})
        for m in distinct:
            contributing = [d for d in found if m.source in (None, d) and results[d]]
            if not contributing:
                continue
            if len(contributing) == 1:
                rows = results[contributing[0]]
                for key, figures in rows:
                    self.tally.add_partial(key, {m.name: figures[m.name]})
                if grouped:
                    plan, _ = found[contributing[0]]
                    total = self._read(plan, sid if values is not None else 0, values, False, [m])
                    self.tally.set_total({m.name: total[0][1][m.name] if total else 0})
                continue
            # members of two DocTypes: counted once over their union
            parts, params = [], []
            for d in contributing:
                plan, sid = found[d]
                where, ps = self._where(sid, values)
                parts.append(f"select k, member from `{plan.table}` where {where}")  # noqa: S608
                params += ps
            union = " union all ".join(parts)
            if grouped:
                for k, n in frappe.db.sql(
                    f"select k, count(distinct nullif(member, '')) from ({union}) u group by k",  # noqa: S608
                    params,
                ):
                    self.tally.add_partial((k if k != "" else None,), {m.name: n})
            total_parts, total_params = [], []
            for d in contributing:
                plan, sid = found[d]
                where, ps = self._where(sid if values is not None else 0, values)
                total_parts.append(f"select member from `{plan.table}` where {where}")  # noqa: S608
                total_params += ps
            (n,) = frappe.db.sql(
                f"select count(distinct nullif(member, '')) from ({' union all '.join(total_parts)}) u",  # noqa: S608
                total_params,
            )[0]
            if grouped:
                self.tally.set_total({m.name: n})
            else:
                self.tally.add_partial((), {m.name: n})
        return True

    def _fieldtype(self, source: ReportSource, column: str) -> str | None:
        fieldname = source.field_for(column)
        if fieldname in ("creation", "modified"):
            return "Datetime"
        df = frappe.get_meta(source.doctype).get_field(fieldname)
        return df.fieldtype if df is not None else None

    @staticmethod
    def _where(sid: int, value: str | None) -> tuple[str, list]:
        if value is None:
            return "sid = %s", [sid]
        return "sid = %s and k = %s", [sid, value]

    def _read(self, plan: TallyPlan, sid: int, value: str | None, grouped: bool, measures) -> list:
        """[(group key, {measure: figure})] of one set, as SqlAggregate.aggregate answers them
        (a count or sum of no row is NULL; an empty source gives no group)."""
        outer = []
        for m in measures:
            aggregate = m.aggregate or "count"
            if m.name in plan.counts and aggregate == "count":
                outer.append(f"nullif(sum(`c_{m.name}`), 0)")
            elif m.name in plan.sums and aggregate == "sum":
                outer.append(f"if(sum(`v_{m.name}`) = 0, null, sum(`s_{m.name}`))")
            elif m.name in plan.distinct:
                outer.append("count(nullif(member, ''))")  # one row per (group, member)
            else:
                outer.append("null")
        where, params = self._where(sid, value)
        group = " group by k" if grouped else ""
        key_sql = "k" if grouped else "''"
        rows = frappe.db.sql(
            f"select {key_sql}, sum(n), {', '.join(outer)} "  # noqa: S608
            f"from `{plan.table}` where {where}{group}",
            params,
        )
        out = []
        for row in rows:
            if not row[1]:
                continue  # no document of this source: no group
            key = (row[0] if row[0] != "" else None,) if grouped else ()
            out.append((key, {m.name: _number(v) for m, v in zip(measures, row[2:], strict=True)}))
        return out


def _number(value: Any) -> Any:
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def check() -> dict[str, Any]:
    """`verify()` and the tables it checked, for bench execute (which prints nothing empty)."""
    return {"tables": len(plans()), "problems": verify()}


def installed_tables() -> list[str]:
    return [p.table for p in plans() if _ready([p])]


def served(report_name: str, filters: Any = None, user: str | None = None) -> dict[str, Any]:
    """For the bench tests and benchmarks (bench execute, an operator's tool): whether this run
    is served from the kept tallies for `user`, and whether its figures (every row and the
    totals) are those of the same run over the documents."""
    from care_for_girls.townflow_ext.reports import FrappeReportRun, reports
    from townflow.reports import filters as report_filters
    from townflow.reports.tally import Tally

    if user:
        frappe.set_user(user)
    report = reports()[report_name]
    values = report_filters.parse_filter_values(dict(frappe.parse_json(filters) if filters else {}))
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    run = FrappeReportRun(report, values)
    tally = Tally(report, run.dimensions, settings=spec.settings(), today=run.today, now=run.now)
    kept = KeptTally(run, tally).run()
    with_tallies = FrappeReportRun(report, values).run()
    plain = FrappeReportRun(report, values)
    plain.use_tallies = False
    without = plain.run()
    same = (with_tallies.result, with_tallies.totals) == (without.result, without.totals)
    return {"kept": kept, "same": same, "rows": len(with_tallies.result or [])}


__all__ = [
    "KeptTally",
    "TallyPlan",
    "check",
    "install",
    "installed_tables",
    "plan_for",
    "plans",
    "spec",
    "verify",
]
