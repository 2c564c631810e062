"""The spec's reports on Frappe: every generated Script Report's `execute(filters)` lands here.

The figures come from `townflow.reports.compute_report`, the same pure computation the embedded
runtime runs (townflow.runtime.reports), fed with the records this user may read:
- `frappe.has_permission(doctype, "report")` decides whether a source counts at all (deny by
  default: a report none of whose sources the user may report on is refused);
- rows are read with `frappe.get_list`, which applies the user's role permissions, User
  Permissions and the app's permission query conditions, exactly as the list view does;
- a measure reading a field at a permlevel the user may not read is withheld (no figure);
- `rows: steps` sources read the action log (Townflow Action) of those same documents and turn
  it into step visits with `townflow.reports.steps.step_visits`.

Two control values come from the generated Number Cards and Dashboard Charts, not from users'
filters: `totals_only` (a card's one figure: the totals row) and `last_groups` (a trend's last
N months). They are taken out before the report's own filters are checked.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import frappe
from frappe import _
from frappe.utils import now_datetime

from care_for_girls.townflow_ext import log, spec
from townflow.expr import parse
from townflow.reports import compute_report, measure_columns, needed_fields
from townflow.reports import filters as report_filters
from townflow.reports.filters import ReportInputError
from townflow.reports.steps import step_visits
from townflow.reports.tally import PERCENTILES, Tally, percentile_of_ranks
from townflow.rules.steps import ActionEntry
from townflow.spec.reports import SOURCE_COLUMN, Report, ReportSource

TOTALS_ONLY = "totals_only"
LAST_GROUPS = "last_groups"
STANDARD_FIELDS = {"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"}


@cache
def reports() -> dict[str, Report]:
    data = json.loads(spec.BUNDLE.read_text(encoding="utf-8"))
    return {r["report_name"]: Report.model_validate(r) for r in data.get("reports") or []}


def _plain(value: Any) -> Any:
    """Frappe's Python values as the embedded runtime's SQLite gives them (text dates, floats)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return str(value)
    return value


def _readable(source: ReportSource, column: str) -> bool:
    if column == SOURCE_COLUMN:
        return True
    meta = frappe.get_meta(source.doctype)
    df = meta.get_field(source.field_for(column))
    return df is None or not df.permlevel or df.permlevel in meta.get_permlevel_access("read")


def _withheld(report: Report, sources: list[ReportSource]) -> set[str]:
    """Measures reading a field the user may not read (its permlevel): no figure, as embedded."""
    withheld: set[str] = set()
    for m in report.measures:
        if m.is_ratio:
            if {m.ratio.numerator, m.ratio.denominator} & withheld:
                withheld.add(m.name)
        elif any(
            not _readable(s, c) for s in sources if m.source in (None, s.doctype) for c in measure_columns(m)
        ):
            withheld.add(m.name)
    return withheld


class FrappeReportRun:
    """One run for the session user: permitted sources, their rows, then `compute_report`."""

    #: serve from the kept tallies where they certainly give the same figures (tests compare)
    use_tallies = True
    #: serve steps reports from the kept step visits (townflow_ext.visits) where they may
    use_visits = True
    #: aggregate in MariaDB where it can (False: read rows, the reference the tests compare with)
    use_sql = True

    def __init__(self, report: Report, values: dict[str, Any]):
        self.report = report
        self.values = values
        self.conditions = report_filters.conditions(report, values)
        self.dimensions = report_filters.group_by(report, values)
        self.sources = [s for s in report.sources if frappe.has_permission(s.doctype, "report")]
        if not self.sources:
            doctypes = ", ".join(s.doctype for s in report.sources)
            frappe.throw(
                _("You don't have permission to get a report on: {0}").format(doctypes),
                frappe.PermissionError,
            )
        for source in self.sources:
            used = [c.column for c in self.conditions] + [d.target_column for d in self.dimensions]
            if source.condition:
                used += parse(source.condition, runtime_functions=()).fields_used
            for column in used:
                if not _readable(source, column):
                    frappe.throw(
                        _("No permission to filter or group on {0}").format(column), frappe.PermissionError
                    )
        now = now_datetime()
        self.today = now.date().isoformat()
        self.now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        self.withheld = _withheld(report, self.sources)

    def fields(self, source: ReportSource) -> list[str]:
        meta = frappe.get_meta(source.doctype)
        wanted = needed_fields(self.report, source, self.dimensions, self.conditions, self.withheld)
        return [f for f in wanted if f in STANDARD_FIELDS or meta.has_field(f)]

    def read(self, source: ReportSource, fields: list[str]) -> list[dict[str, Any]]:
        """The records of `source` this user may read, as the list view reads them."""
        rows = frappe.get_list(source.doctype, fields=fields, limit_page_length=0, order_by="name asc")
        return [{k: _plain(v) for k, v in row.items()} for row in rows]

    def step_rows(self, source: ReportSource) -> list[dict[str, Any]]:
        """One row per step visit of the documents the user may read (the document's fields and
        the step columns), from the action log (Townflow Action) and open tasks (Townflow Task)."""
        workflow = spec.workflow(source.doctype)
        if workflow is None:
            return []
        meta = frappe.get_meta(source.doctype)
        extra = {workflow.workflow_state_field} | ({"department"} if meta.has_field("department") else set())
        docs = {r["name"]: r for r in self.read(source, sorted(set(self.fields(source)) | extra))}
        if not docs:
            return []
        entries: dict[str, list[ActionEntry]] = defaultdict(list)
        for r in frappe.get_all(
            log.ACTION,
            filters={"reference_doctype": source.doctype, "reference_name": ["in", list(docs)]},
            fields=["reference_name", "action", "kind", "from_state", "to_state", "user", "creation"],
            order_by="reference_name asc, creation asc, step_round asc",
        ):
            entries[r.reference_name].append(
                ActionEntry(
                    r.action, r.kind, r.from_state or "", r.to_state or "", r.user, at=_plain(r.creation)
                )
            )
        due: dict[str, str] = {}
        for r in frappe.get_all(
            log.TASK,
            filters={
                "reference_doctype": source.doctype,
                "reference_name": ["in", list(docs)],
                "status": "Open",
                "kind": log.APPROVAL,
            },
            fields=["reference_name", "due"],
        ):
            if r.due and (r.reference_name not in due or _plain(r.due) < due[r.reference_name]):
                due[r.reference_name] = _plain(r.due)
        office_of = {role: spec.role_scope(role) for role in workflow_roles(workflow)}
        rows = []
        for name, history in entries.items():
            doc = docs[name]
            visits = step_visits(
                workflow,
                history,
                current_state=doc.get(workflow.workflow_state_field),
                now=self.now,
                due_at=due.get(name),
                office_of=office_of,
                department=doc.get("department"),
            )
            rows += [{**doc, **visit} for visit in visits]
        return rows

    def run(self, last: int | None = None):
        tally = Tally(
            self.report,
            self.dimensions,
            settings=spec.settings(),
            today=self.today,
            now=self.now,
            withheld=self.withheld,
            lang=frappe.local.lang or "zh",
        )
        from care_for_girls.townflow_ext.tallies import KeptTally
        from care_for_girls.townflow_ext.visits import KeptVisits

        if self.use_sql and (
            (self.use_visits and KeptVisits(self, tally).run())
            or (self.use_tallies and KeptTally(self, tally).run())
            or SqlAggregate(self, tally).run()
        ):
            return tally.finish(last=last)
        rows = {
            s.doctype: self.step_rows(s) if s.rows == "steps" else self.read(s, self.fields(s))
            for s in self.sources
        }
        return compute_report(
            self.report,
            self.values,
            rows,
            settings=spec.settings(),
            today=self.today,
            now=self.now,
            withheld=self.withheld,
            lang=frappe.local.lang or "zh",
            last=last,
        )


def workflow_roles(workflow) -> set[str]:
    """Every role that acts in `workflow`: the offices its steps can be held by."""
    roles = {t.allowed for t in workflow.transitions}
    for state in workflow.states:
        if state.step is not None:
            roles |= {r for r in (state.step.assignee_role, state.step.escalate_to) if r}
    return roles


def aggregates_in_sql(report_name: str, filters: Any = None) -> bool:
    """Whether `report_name` with `filters` is aggregated in MariaDB (SqlAggregate) for the
    session user, rather than read row by row — what the bench tests and benchmarks check."""
    report = reports()[report_name]
    values = report_filters.parse_filter_values(dict(frappe.parse_json(filters) if filters else {}))
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    run = FrappeReportRun(report, values)
    tally = Tally(report, run.dimensions, settings=spec.settings(), today=run.today, now=run.now)
    return SqlAggregate(run, tally).run()


def paths_agree(report_name: str, filters: Any = None, user: str | None = None) -> dict[str, Any]:
    """For the bench tests (bench execute): whether `report_name` with `filters` is aggregated in
    MariaDB for `user` (or the session user), and whether its rows and totals are exactly those
    of the same run reading rows into Python (`compute_report`), at the same instant."""
    fast, slow, tally = paired_runs(report_name, filters, user, "use_sql")
    in_sql = SqlAggregate(fast, tally).run()
    a, b = fast.run(), slow.run()
    same = (a.result, a.totals) == (b.result, b.totals)
    return {"in_sql": in_sql, "same": same, "rows": len(a.result or [])}


def paired_runs(report_name: str, filters: Any, user: str | None, slow_off: str):
    """Two runs of `report_name` with `filters` for `user` (or the session user) at the same
    instant — the second with the path `slow_off` names (`use_sql`, `use_visits`) turned off —
    and a Tally for the first: what the bench tests compare a fast path with."""
    if user:
        frappe.set_user(user)
    report = reports()[report_name]
    values = report_filters.parse_filter_values(dict(frappe.parse_json(filters) if filters else {}))
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    fast, slow = FrappeReportRun(report, values), FrappeReportRun(report, values)
    setattr(slow, slow_off, False)
    slow.today, slow.now = fast.today, fast.now
    tally = Tally(report, fast.dimensions, settings=spec.settings(), today=fast.today, now=fast.now)
    return fast, slow, tally


def execute_report(report_name: str, filters: Any = None):
    """Frappe's Script Report answer: columns, data, message, chart, report_summary,
    skip_total_row (the data ends with the computation's own totals row)."""
    report = reports().get(report_name)
    if report is None:
        frappe.throw(_("Report {0} not found").format(report_name), frappe.DoesNotExistError)
    if not (set(report.roles) & set(frappe.get_roles())):
        frappe.throw(_("You don't have access to Report: {0}").format(report_name), frappe.PermissionError)
    try:
        values = report_filters.parse_filter_values(dict(filters or {}))
        totals_only = bool(values.pop(TOTALS_ONLY, None))
        last = values.pop(LAST_GROUPS, None)
        values = {k: v for k, v in values.items() if v not in (None, "", [])}
        result = FrappeReportRun(report, values).run(last=int(last) if last else None)
    except ReportInputError as exc:
        frappe.throw(exc.message_zh if frappe.local.lang == "zh" else str(exc), frappe.ValidationError)
    rows = [*result.result, result.totals] if result.result else []
    data = [result.totals] if totals_only else rows
    return result.columns, data, result.message, result.chart, result.report_summary, 1


# --- aggregating in MariaDB -----------------------------------------------------------------

#: the aggregates MariaDB computes as the Python tally does (percentiles stay in Python)
_SQL_AGGREGATES = {
    "count": "sum({})",
    "sum": "sum({})",
    "count_distinct": "count(distinct {})",
    "avg": "avg({})",
    "min": "min({})",
    "max": "max({})",
}
_ADDITIVE = {"count", "sum"}
_LINKISH = {"Link", "Select", "Dynamic Link"}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FULL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")
_STANDARD_TYPES = {"creation": "Datetime", "modified": "Datetime", "docstatus": "Int", "idx": "Int"}


class SqlAggregate:
    """A report over document sources aggregated in MariaDB, fed to the same Tally as rows are.

    At a million documents, reading every row into Python took tens of seconds. Here each
    source's rows are the very query `frappe.get_list` builds for this user (role permissions,
    User Permissions, permission query conditions; `run=0`), used as a derived table that MariaDB
    merges, so its indexes serve the filters; grouped and aggregated around it:

        select <dimensions>, sum(case when <measure condition> then 1 end), ...
        from (select <fields> from `tabX` where <the user's permission conditions>) t
        where <filters> and <source condition> group by <dimensions>

    The source and measure conditions are translated by the embedded runtime's own translator
    (townflow.runtime.reports.sql), which answers None for anything it cannot translate with
    certainly the same meaning; filters only where the comparison is certainly the same (a
    Link/Select equal to a value; a Date or Datetime against a date). Anything else — a steps
    source, a percentile, a filter or condition that does not translate — answers False and the
    report reads rows as before: never wrong, only slower. count and sum add up over sources and
    groups; count_distinct, avg, min and max are computed per group and for the total from one
    query over every source that has rows (a UNION ALL only when two or more do)."""

    def __init__(self, run: FrappeReportRun, tally: Tally):
        self.run_ = run
        self.tally = tally
        #: (rows SQL, measure) -> its distinct count over every group, read with the pairs
        self.pair_totals: dict[tuple[str, str], Any] = {}
        self.context = {
            "doc": {},
            "settings": spec.settings(),
            "today": run.today,
            "now": run.now,
            "user": "",
            "roles": [],
        }

    def run(self) -> bool:
        sources = self.run_.sources
        measures = self.tally.aggregates
        if getattr(frappe.db, "db_type", None) != "mariadb":  # the SQL below is MariaDB's
            return False
        if any(s.rows not in ("documents", "steps") for s in sources):
            return False
        if any((m.aggregate or "count") not in {*_SQL_AGGREGATES, *PERCENTILES} for m in measures):
            return False
        selects = {}
        for source in sources:
            select = self.row_select(source)
            if select is None:
                return False
            selects[source.doctype] = select
        # step visits come from a window over the action log: computed once into a temporary
        # table that the grouped figures, the percentiles and their totals then read
        temporary = []
        try:
            for source in sources:
                if source.rows == "steps":
                    SqlAggregate._serial += 1
                    table = f"tf_report_rows_{SqlAggregate._serial}"
                    sql, params = selects[source.doctype]
                    frappe.db.sql(f"create temporary table `{table}` as {sql}", params)
                    temporary.append(table)
                    selects[source.doctype] = (f"select * from `{table}`", [])  # noqa: S608
            return self._aggregate_all(sources, selects, measures)
        finally:
            for table in temporary:
                frappe.db.sql(f"drop temporary table if exists `{table}`")

    _serial = 0

    def _aggregate_all(self, sources, selects, measures) -> bool:
        dims = [f"d{i}" for i in range(len(self.run_.dimensions))]
        additive = [m for m in measures if (m.aggregate or "count") in _ADDITIVE]
        whole = [m for m in measures if (m.aggregate or "count") not in _ADDITIVE]
        found: dict[str, tuple[list, dict | None]] = {}
        for source in sources:
            found[source.doctype] = self.aggregate([selects[source.doctype]], dims, measures)
            for key, values in found[source.doctype][0]:
                self.tally.add_partial(key, {m.name: values[m.name] for m in additive})
        for m in whole:
            contributing = [
                s.doctype for s in sources if m.source in (None, s.doctype) and found[s.doctype][0]
            ]
            if not contributing:
                continue
            if len(contributing) == 1:  # that source's own figures are the report's
                rows, total = found[contributing[0]]
            else:
                rows, total = self.aggregate([selects[d] for d in contributing], dims, [m])
            for key, values in rows:
                self.tally.add_partial(key, {m.name: values[m.name]})
            if dims:
                if total is None:
                    total = self.aggregate([selects[d] for d in contributing], [], [m])[1]
                self.tally.set_total({m.name: (total or {}).get(m.name)})
        return True

    def aggregate(
        self, selects: list[tuple[str, list]], dims: list[str], measures
    ) -> tuple[list[tuple[tuple, dict]], dict | None]:
        """([(group key, {measure: value})], {measure: total value} or None) over the union of
        `selects`; groups with no figure at all (an empty source without dimensions) left out.
        Without dimensions the one row is the total; with some, None (a query of its own when a
        figure that does not add up needs it). Grouped, a distinct count is a count over the
        distinct (group, value) pairs: `count(distinct)` inside a GROUP BY sorts every row and
        keeps a tree per group (78 ms for a village's 14k rows at 1M, 18 ms this way), and WITH
        ROLLUP forces a filesort as well (64 ms against 10 for the same count and sum)."""
        inner = " union all ".join(sql for sql, _ in selects)
        params = [p for _, ps in selects for p in ps]
        if not dims and len(measures) == 1 and (inner, measures[0].name) in self.pair_totals:
            # the total of a distinct count whose (group, value) pairs were just read (below)
            value = self.pair_totals[(inner, measures[0].name)]
            return [((), {measures[0].name: value})], {measures[0].name: value}
        split = [m for m in measures if dims and (m.aggregate or "count") == "count_distinct"]
        ranked = [m for m in measures if m.aggregate in PERCENTILES]
        rest = [m for m in measures if m not in split and m not in ranked]
        outer = [_SQL_AGGREGATES[m.aggregate or "count"].format(f"`m_{m.name}`") for m in rest]
        outer = outer or ["count(*)"]
        group = f" group by {', '.join(dims)}" if dims else ""
        # identifiers: d0.., m_<measure name of the spec>; every value is a parameter
        sql = f"select {''.join(d + ', ' for d in dims)}{', '.join(outer)} from ({inner}) r{group}"  # noqa: S608
        rows = frappe.db.sql(sql, params, as_list=True)
        found: dict[tuple, dict] = {}
        for row in rows:
            figures = row[len(dims) :]
            if not dims and all(v is None for v in figures):
                continue
            key = tuple(_plain(v) if v != "" else None for v in row[: len(dims)])
            found[key] = {m.name: figures[i] for i, m in enumerate(rest)}
        for m in split:
            # the distinct (group, value) pairs once, in a temporary table: the per-group counts
            # and the total (every group's values counted once) both read it, not the rows again
            dim_list = ", ".join(dims)
            SqlAggregate._serial += 1
            pairs = f"tf_report_pairs_{SqlAggregate._serial}"
            frappe.db.sql(
                f"create temporary table `{pairs}` as select distinct {dim_list}, `m_{m.name}` as v "  # noqa: S608
                f"from ({inner}) r where `m_{m.name}` is not null",
                params,
            )
            try:
                counted = {
                    tuple(_plain(v) if v != "" else None for v in row[: len(dims)]): row[-1]
                    for row in frappe.db.sql(
                        f"select {dim_list}, count(*) from `{pairs}` group by {dim_list}",  # noqa: S608
                        as_list=True,
                    )
                }
                total = frappe.db.sql(f"select count(distinct v) from `{pairs}`")[0][0]  # noqa: S608
                self.pair_totals[(inner, m.name)] = total
            finally:
                frappe.db.sql(f"drop temporary table if exists `{pairs}`")
            for key, figures in found.items():
                figures[m.name] = counted.get(key, 0)
        for m in ranked:
            for key, value in self.percentiles(inner, params, dims, m).items():
                if key in found:
                    found[key][m.name] = value
        for figures in found.values():
            for m in ranked:
                figures.setdefault(m.name, None)
        out = list(found.items())
        total = out[0][1] if not dims and out else None
        return out, total

    @staticmethod
    def percentiles(inner: str, params: list, dims: list[str], m) -> dict[tuple, float | None]:
        """{group key: the measure's percentile} from the two ranked values it interpolates
        between (townflow.reports.tally.percentile_of_ranks), numbered by a window in MariaDB."""
        p = PERCENTILES[m.aggregate]
        over = f"partition by {', '.join(dims)} " if dims else ""
        value = f"`m_{m.name}`"
        low = f"floor((n - 1) * {p} / 100)"
        keys = "".join(d + ", " for d in dims)
        sql = (  # identifiers d0.., m_<measure>; every value a parameter
            f"select {keys}n, rn, v from (select {keys}{value} as v, "  # noqa: S608
            f"row_number() over ({over}order by {value}) as rn, count(*) over ({over.strip()}) as n "
            f"from ({inner}) r where {value} is not null) x where rn = {low} + 1 or rn = least({low} + 2, n)"
        )
        ranks: dict[tuple, tuple[int, dict[int, float]]] = {}
        for row in frappe.db.sql(sql, params, as_list=True):
            key = tuple(_plain(v) if v != "" else None for v in row[: len(dims)])
            n, rn, v = row[len(dims) :]
            ranks.setdefault(key, (int(n), {}))[1][int(rn)] = float(v)
        return {key: percentile_of_ranks(n, p, values) for key, (n, values) in ranks.items()}

    def lookup(self, source: ReportSource):
        meta = frappe.get_meta(source.doctype)
        read = set(self.run_.fields(source))

        def column(name: str) -> tuple[str, str] | None:
            if name == SOURCE_COLUMN:
                return frappe.db.escape(source.doctype), "Data"
            fieldname = source.field_for(name)
            if fieldname not in read:
                return None
            if fieldname in STANDARD_FIELDS:
                return f"t.`{fieldname}`", _STANDARD_TYPES.get(fieldname, "Data")
            df = meta.get_field(fieldname)
            return (f"t.`{fieldname}`", df.fieldtype) if df is not None else None

        return column

    def row_select(self, source: ReportSource) -> tuple[str, list] | None:
        """(SQL, params) of one row per permitted, filtered record of `source` with the dimension
        columns d0.. and each measure's value where its condition holds (m_<name>), or None."""
        from townflow.runtime.reports.sql import condition_sql

        from_sql, from_params = None, []
        if source.rows == "steps":
            from care_for_girls.townflow_ext import steps_sql

            since = None
            for c in self.run_.conditions:  # a lower bound on entered_on narrows the window's input
                text = c.value if isinstance(c.value, str) else ""
                bound = _DATE_ONLY.match(text) or _FULL_DATETIME.match(text)
                if source.field_for(c.column) == "entered_on" and c.operator in (">=", ">") and bound:
                    since = max(since or c.value, c.value)
            found = steps_sql.visits_from(source, self.run_.fields(source), self.run_.now, since)
            if found is None:
                return None
            from_sql, from_params, step_columns = found
            column = steps_sql.lookup(source, step_columns)
        else:
            column = self.lookup(source)

        def translated(expression: str | None) -> tuple[str, list] | None:
            found = condition_sql(expression, column, self.context)
            return None if found is None else (found[0].replace("?", "%s"), found[1])

        condition = translated(source.condition)
        if condition is None:
            return None
        filters = self.filter_sql(column)
        if filters is None:
            return None
        values, value_params = [], []
        for m in self.tally.aggregates:
            alias = f"`m_{m.name}`"
            if m.source not in (None, source.doctype):
                values.append(f"null as {alias}")
                continue
            cond = translated(m.condition)
            if cond is None:
                return None
            if (m.aggregate or "count") == "count":
                value = "1"
            else:
                found = column(m.column)
                if found is None:
                    return None
                value = f"nullif({found[0]}, '')" if m.aggregate == "count_distinct" else found[0]
            values.append(f"case when {cond[0]} then {value} end as {alias}")
            value_params += cond[1]
        dims = []
        for i, d in enumerate(self.run_.dimensions):
            sql = self.dimension_sql(column, d)
            if sql is None:
                return None
            dims.append(f"{sql} as d{i}")
        if from_sql is None:
            permitted = frappe.get_list(
                source.doctype, fields=self.run_.fields(source), limit_page_length=0, order_by=None, run=0
            ).replace("%", "%%")
            from_sql = f"({permitted}) t"
        sql = (  # columns from the meta, conditions translated with every value a parameter
            f"select {', '.join([*dims, *values])} from {from_sql} "  # noqa: S608
            f"where ({filters[0]}) and ({condition[0]})"
        )
        return sql, [*value_params, *from_params, *filters[1], *condition[1]]

    def filter_sql(self, column) -> tuple[str, list] | None:
        """The report's filters where MariaDB compares exactly as townflow.reports.filters does."""
        parts, params = [], []
        for c in self.run_.conditions:
            found = column(c.column)
            if found is None:
                return None
            col, fieldtype = found
            if c.operator in ("=", "!=") and (fieldtype in _LINKISH or c.column == SOURCE_COLUMN):
                if not isinstance(c.value, str):
                    return None
                if c.operator == "=" and c.value != "":
                    parts.append(f"{col} = %s")  # the same rows, and an index range
                else:
                    parts.append(f"coalesce({col}, '') {c.operator} %s")
            elif c.operator in ("<", "<=", ">", ">=") and fieldtype in ("Date", "Datetime"):
                # the rows path compares text: a datetime as "2025-07-31 08:00:00.000000", a date
                # as "2025-07-31"; a `to_date` bound arrives as "2025-07-31 23:59:59.999999"
                if not isinstance(c.value, str):
                    return None
                op = c.operator
                if _DATE_ONLY.match(c.value):
                    if fieldtype == "Datetime":  # any time of that day is after the bare date
                        op = {"<=": "<", ">": ">="}.get(op, op)
                elif not (_FULL_DATETIME.match(c.value) and (fieldtype == "Datetime" or op in ("<", "<="))):
                    return None
                parts.append(f"{col} {op} %s")
            else:
                return None
            params.append(c.value)
        return " and ".join(f"({p})" for p in parts) or "1", params

    def dimension_sql(self, column, d) -> str | None:
        found = column(d.target_column)
        if found is None:
            return None
        col, fieldtype = found
        if d.bucket is None:
            return col if fieldtype in ("Date", "Datetime", "Int", "Check") else f"nullif({col}, '')"
        if fieldtype not in ("Date", "Datetime"):
            return None
        if d.bucket == "year":
            return f"substr({col}, 1, 4)"
        if d.bucket == "month":
            return f"substr({col}, 1, 7)"
        if d.bucket == "day":
            return f"substr({col}, 1, 10)"
        if d.bucket == "quarter":
            return f"concat(substr({col}, 1, 4), '-Q', (cast(substr({col}, 6, 2) as unsigned) + 2) div 3)"
        return None
