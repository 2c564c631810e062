"""Running a report of the spec in the embedded runtime, over what the user may read.

Permission (deny by default): the user must hold one of the report's roles, and DocPerm
`report` on a source for that source to count at all (a report none of whose sources the user
may report on is refused). Every read goes through `Permissions.where()` for `report` and
`read` — the same scope condition as lists — so a record the user could not open is never
counted. A measure reading a field at a permlevel the user may not read is withheld (no
figure); a filter or dimension on such a field is refused.

Speed: when every condition translates to SQL (runtime/reports/sql.py) and every measure is a
count, sum or count distinct, each source is aggregated by SQLite (GROUP BY over whitelisted
columns, with the DocTypes' indexes serving the filters); otherwise the needed columns of the
permitted rows are read and `townflow.reports.Tally` aggregates them. Either way the figures
come out of the same `Tally.finish()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from townflow.expr import parse
from townflow.reports import Tally
from townflow.reports import filters as report_filters
from townflow.reports.compute import measure_columns, needed_fields
from townflow.reports.filters import Condition, ReportInputError
from townflow.reports.tally import PERCENTILES, ReportResult, percentile_of_ranks
from townflow.runtime.db import quote
from townflow.runtime.errors import DoesNotExistError, FieldMessage, PermissionError, ValidationError
from townflow.runtime.reports.sql import condition_sql
from townflow.runtime.reports.steps_source import add_step_rows
from townflow.runtime.reports.steps_sql import steps_from, steps_lookup
from townflow.runtime.reports.summaries import rollup_select, steps_aggregate, visits_from
from townflow.spec.reports import SOURCE_COLUMN, Dimension, Measure, Report, ReportSource

#: how each aggregate is asked of SQLite over the measure's values (median and p90: see _percentiles)
_SQL_FUNCTIONS = {
    "count": "SUM({})",
    "sum": "TOTAL({})",
    "count_distinct": "COUNT(DISTINCT {})",
    "avg": "AVG({})",
    "min": "MIN({})",
    "max": "MAX({})",
}


def input_error(exc: ReportInputError) -> ValidationError:
    return ValidationError.from_messages([FieldMessage(exc.field, exc.message_zh, str(exc))])


def get_report(session, report_name: str) -> Report:
    """The report, if this user may run it (one of its roles); else DoesNotExist / Permission."""
    project = session.site.project
    report = project.reports.get(report_name) if isinstance(report_name, str) else None
    if report is None:
        raise DoesNotExistError(f"Report {report_name} not found", f"报表 {report_name} 不存在")
    if not (session.ctx.is_administrator or session.ignore_permissions or set(report.roles) & session.roles):
        session.site.audit.record_denial(session.user, "Report", report_name, "report")
        raise PermissionError(
            f"You don't have access to Report: {report_name}", f"无权查看报表：{report.label.zh}"
        )
    return report


class ReportRun:
    """One run of one report for one session."""

    #: read the summaries kept by triggers (runtime/reports/summaries.py) where they can serve;
    #: False reads the documents and the approval log (what the summaries must always equal)
    use_summaries = True
    #: numbers the TEMP tables of runs (per connection, dropped at the end of each run)
    _temp_serial = 0

    def __init__(
        self, session, report: Report, values: Mapping[str, Any], *, lang: str = "zh", output: str = "report"
    ):
        self.session = session
        #: "report" to show the figures; "export" for a file, which needs DocPerm export as well
        self.rights = ("report",) if output == "report" else ("report", output)
        self.site = session.site
        self.report = report
        self.values = dict(values)
        self.lang = lang
        try:
            self.conditions = report_filters.conditions(report, self.values)
            self.dimensions = report_filters.group_by(report, self.values)
        except ReportInputError as exc:
            raise input_error(exc) from None
        self.sources = [s for s in report.sources if self._may_report(s)]
        if not self.sources:
            doctypes = ", ".join(s.doctype for s in report.sources)
            session.site.audit.record_denial(session.user, "Report", report.report_name, "report")
            what = "export" if "export" in self.rights else "get a report on"
            raise PermissionError(
                f"You don't have permission to {what}: {doctypes}",
                f"没有 {doctypes} 的{'导出' if 'export' in self.rights else '报表'}权限",
            )
        now = self.site.now()
        self.today = now.date().isoformat()
        self.now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        self.settings = self.site.settings()
        self.context = {
            "settings": self.settings,
            "today": self.today,
            "now": self.now,
            "user": "",
            "roles": [],
        }
        self.withheld = self._withheld()
        self._check_readable()
        self._steps: dict[str, tuple | None] = {}

    # -- permission ------------------------------------------------------------------------

    def _may_report(self, source: ReportSource) -> bool:
        """DocPerm `report` (and `export` for a file) on the source: the runtime's output check."""
        if self.session.ignore_permissions:
            return True
        meta = self.site.metas.get(source.doctype)
        return all(
            self.site.perms.output_allowed(self.site.db, meta, self.session.ctx, r) for r in self.rights
        )

    def readable(self, source: ReportSource, column: str) -> bool:
        if column == SOURCE_COLUMN or self.session.ignore_permissions:
            return True
        meta = self.site.metas.get(source.doctype)
        return self.site.perms.can_read_field(meta, self.session.ctx, source.field_for(column))

    def _withheld(self) -> set[str]:
        withheld: set[str] = set()
        for m in self.report.measures:
            if m.is_ratio:
                if {m.ratio.numerator, m.ratio.denominator} & withheld:
                    withheld.add(m.name)
                continue
            sources = [s for s in self.sources if m.source in (None, s.doctype)]
            columns = measure_columns(m)
            if any(not self.readable(s, c) for s in sources for c in columns):
                withheld.add(m.name)
        return withheld

    def _check_readable(self) -> None:
        used = [(c.column, c.column) for c in self.conditions] + [
            (d.name, d.target_column) for d in self.dimensions
        ]
        for source in self.sources:
            for name, column in used:
                if not self.readable(source, column):
                    raise PermissionError(
                        f"no permission to filter or group on {name}", f"无权按 {name} 筛选或分组"
                    )
            if source.condition:
                for column in parse(source.condition, runtime_functions=()).fields_used:
                    if not self.readable(source, column) and not self.session.ctx.is_administrator:
                        raise PermissionError(
                            f"the report reads {column}, which you may not read",
                            f"报表依据的字段 {column} 您无权查看",
                        )

    def where(self, source: ReportSource, alias: str = "") -> tuple[str, list]:
        """The records of `source` this user may read and report on (and export, for a file):
        the list's own condition, one per right, AND-ed (identical ones once)."""
        if self.session.ignore_permissions:
            return "1=1", []
        meta = self.site.metas.get(source.doctype)
        parts: list[tuple[str, list]] = []
        for ptype in ("read", *self.rights):
            sql, params = self.site.perms.where(meta, self.session.ctx, ptype, alias=alias)
            if (sql, list(params)) not in parts:
                parts.append((sql, list(params)))
        if len(parts) == 1:
            return parts[0]
        return " AND ".join(f"({sql})" for sql, _ in parts), [p for _, ps in parts for p in ps]

    # -- SQL pieces ------------------------------------------------------------------------

    def source_from(self, source: ReportSource) -> tuple[str, list, dict[str, str] | None] | None:
        """(FROM clause, its parameters, step columns) of a source; None when it cannot be SQL."""
        if source.rows == "documents":
            return self.site.metas.get(source.doctype).table, [], None
        if source.doctype not in self._steps:
            self._steps[source.doctype] = visits_from(self, source) or steps_from(self, source)
        return self._steps[source.doctype]

    def column_sql(self, source: ReportSource):
        if source.rows == "steps":
            found = self.source_from(source)
            return steps_lookup(self, source, found[2] if found else {})
        meta = self.site.metas.get(source.doctype)

        def lookup(column: str) -> tuple[str, str] | None:
            if column == SOURCE_COLUMN:
                return f"'{source.doctype}'", "Data"  # a DocType name: Title Case words only
            fieldname = source.field_for(column)
            if fieldname not in meta.column_set:
                return None
            f = meta.get_field(fieldname)
            fieldtype = (
                f.fieldtype if f is not None else ("Int" if fieldname in ("docstatus", "idx") else "Data")
            )
            return quote(fieldname), fieldtype

        return lookup

    def filter_sql(self, source: ReportSource, conds: list[Condition]) -> tuple[str, list]:
        lookup = self.column_sql(source)
        parts, params = [], []
        for c in conds:
            col, _fieldtype = lookup(c.column)
            if c.operator in ("=", "!="):
                parts.append(f"COALESCE({col}, '') {c.operator} ?")
            else:
                parts.append(f"{col} IS NOT NULL AND {col} != '' AND {col} {c.operator} ?")
            params.append(c.value)
        return " AND ".join(f"({p})" for p in parts) or "1", params

    def dimension_sql(self, source: ReportSource, d: Dimension) -> str:
        col, _ = self.column_sql(source)(d.target_column)
        col = f"NULLIF({col}, '')"
        if d.bucket == "year":
            return f"substr({col}, 1, 4)"
        if d.bucket == "month":
            return f"substr({col}, 1, 7)"
        if d.bucket == "day":
            return f"substr({col}, 1, 10)"
        if d.bucket == "quarter":
            return f"substr({col}, 1, 4) || '-Q' || ((CAST(substr({col}, 6, 2) AS INTEGER) + 2) / 3)"
        return col

    # -- running ---------------------------------------------------------------------------

    def only(self, measures: set[str]) -> ReportRun:
        """Compute only these measures (and what their ratios divide): the others come out as
        no figure, like a withheld one. The dashboard asks a report for its cards' measures."""
        wanted = set(measures)
        for _ in range(len(self.report.measures)):
            for m in self.report.measures:
                if m.name in wanted and m.is_ratio:
                    wanted |= {m.ratio.numerator, m.ratio.denominator}
        self.skipped = {m.name for m in self.report.measures if m.name not in wanted}
        return self

    def tally(self) -> Tally:
        return Tally(
            self.report,
            self.dimensions,
            settings=self.settings,
            today=self.today,
            now=self.now,
            withheld=self.withheld | getattr(self, "skipped", set()),
            lang=self.lang,
        )

    def run(self, *, last: int | None = None) -> ReportResult:
        tally = self.tally()
        if not self._aggregate_in_sql(tally):
            for source in self.sources:
                if source.rows == "steps":
                    add_step_rows(self, source, tally)
                else:
                    self._add_rows(source, tally)
        return tally.finish(last=last)

    def _aggregate_in_sql(self, tally: Tally) -> bool:
        """Aggregate every source in SQLite, if each condition translates; False to use rows.

        One query groups what adds up; a report that needs more than one pass over its rows
        (percentiles, totals of what does not add up) first copies them into a TEMP table, so the
        sources (and the approval log's window query) are read once."""
        if steps_aggregate(self, tally):  # step visits read from their counters and index
            return True
        selects: list[tuple[str, list]] = []
        for source in self.sources:
            select = self._source_select(source, tally)
            if select is None:
                return False
            selects.append(select)
        dims = [f"d{i}" for i in range(len(self.dimensions))]
        inner = " UNION ALL ".join(sql for sql, _ in selects)
        params = [p for _, ps in selects for p in ps]
        grouped = [m for m in tally.aggregates if m.aggregate in _SQL_FUNCTIONS]
        whole = [m for m in grouped if m.aggregate not in ("count", "sum")] if dims else []
        ranked = [m for m in tally.aggregates if m.aggregate in PERCENTILES]
        db = self.site.db
        if whole or ranked:
            ReportRun._temp_serial += 1
            table = f"temp.report_rows_{ReportRun._temp_serial}"
            db.execute(f"CREATE TEMP TABLE {table} AS {inner}", params)
            rows_from, rows_params = table, []
        else:
            table, rows_from, rows_params = None, f"({inner})", params
        try:
            if grouped:
                outer = [
                    _SQL_FUNCTIONS[m.aggregate].format(quote(f"m_{m.name}")) + f" AS {quote('m_' + m.name)}"
                    for m in grouped
                ]
                group = f" GROUP BY {', '.join(dims)}" if dims else ""
                select_dims = "".join(f"{d}, " for d in dims)
                rows = db.fetchall(
                    f"SELECT {select_dims}{', '.join(outer)} FROM {rows_from}{group}", rows_params
                )
                for row in rows:
                    if not dims and all(row[f"m_{m.name}"] is None for m in grouped):
                        continue
                    key = tuple(row[d] for d in dims)
                    tally.add_partial(key, {m.name: row[f"m_{m.name}"] for m in grouped})
            for m in ranked:
                for key, value in self._percentiles(rows_from, m, dims).items():
                    tally.add_partial(key, {m.name: value})
            if whole:
                cols = ", ".join(_SQL_FUNCTIONS[m.aggregate].format(quote("m_" + m.name)) for m in whole)
                total = db.fetchone(f"SELECT {cols} FROM {rows_from}", rows_params)
                tally.set_total({m.name: total[i] for i, m in enumerate(whole)})
            if dims:
                for m in ranked:
                    tally.set_total({m.name: self._percentiles(rows_from, m, []).get(())})
        finally:
            if table is not None:
                db.execute(f"DROP TABLE IF EXISTS {table}")
        return True

    def _percentiles(self, rows_from: str, m: Measure, dims: list[str]) -> dict[tuple, float | None]:
        """The measure's percentile per group, from the (at most) two ranked values each needs."""
        p = PERCENTILES[m.aggregate]
        value = quote(f"m_{m.name}")
        partition = f"PARTITION BY {', '.join(dims)} " if dims else ""
        select_dims = "".join(f"{d}, " for d in dims)
        sql = (
            f"SELECT {select_dims}v, rn, n FROM (SELECT {select_dims}{value} AS v, "
            f"ROW_NUMBER() OVER ({partition}ORDER BY {value}) AS rn, "
            f"COUNT(*) OVER ({partition.strip()}) AS n "
            f"FROM {rows_from} WHERE {value} IS NOT NULL) "
            f"WHERE rn BETWEEN (n - 1) * {p} / 100 + 1 AND (n - 1) * {p} / 100 + 2"
        )
        ranked: dict[tuple, tuple[int, dict[int, float]]] = {}
        for row in self.site.db.fetchall(sql):
            key = tuple(row[d] for d in dims)
            ranked.setdefault(key, (row["n"], {}))[1][row["rn"]] = row["v"]
        return {key: percentile_of_ranks(n, p, values) for key, (n, values) in ranked.items()}

    def _source_select(self, source: ReportSource, tally: Tally) -> tuple[str, list] | None:
        summarized = rollup_select(self, source, tally)
        if summarized is not None:
            sql, params, rest = summarized
            if not rest:
                return sql, params
            # the measures the roll-up cannot serve, each from the documents meeting its own
            # condition (one index range each, where an index fits)
            dims = [f"d{i}" for i in range(len(self.dimensions))]
            for name in rest:
                documents = self._source_select_documents(source, tally, {name})
                if documents is None:
                    return None
                rows = documents[0]
                if self.report.measure(name).aggregate in ("count", "sum"):  # added up here already
                    values = [
                        (
                            _SQL_FUNCTIONS[m.aggregate].format(quote("m_" + m.name))
                            if m.name == name
                            else "NULL"
                        )
                        + f" AS {quote('m_' + m.name)}"
                        for m in tally.aggregates
                    ]
                    group = f" GROUP BY {', '.join(dims)}" if dims else ""
                    rows = f"SELECT {', '.join([*dims, *values])} FROM ({rows}){group}"
                sql, params = f"{sql} UNION ALL {rows}", [*params, *documents[1]]
            return sql, params
        return self._source_select_documents(source, tally, None)

    def _source_select_documents(
        self, source: ReportSource, tally: Tally, only: set[str] | None
    ) -> tuple[str, list] | None:
        """The source's rows read from its documents: every measure, or `only` these (the other
        measures NULL, and only the rows some of them count)."""
        found = self.source_from(source)
        if found is None:
            return None
        from_sql, from_params, step_columns = found
        lookup = self.column_sql(source)
        condition = condition_sql(source.condition, lookup, self.context)
        if condition is None:
            return None
        measures, measure_params, counted, counted_params = [], [], [], []
        for m in tally.aggregates:
            alias = quote(f"m_{m.name}")
            if m.source not in (None, source.doctype) or (only is not None and m.name not in only):
                measures.append(f"NULL AS {alias}")
                continue
            cond = condition_sql(m.condition, lookup, self.context)
            if cond is None:
                return None
            counted.append(cond[0])
            counted_params.extend(cond[1])
            if m.aggregate == "count":
                value = "1"
            else:
                column = lookup(m.column)
                if column is None:
                    return None
                value = f"NULLIF({column[0]}, '')" if m.aggregate == "count_distinct" else column[0]
            measures.append(f"CASE WHEN {cond[0]} THEN {value} END AS {alias}")
            measure_params.extend(cond[1])
        perm_sql, perm_params = ("1", []) if step_columns is not None else self.where(source)
        filt_sql, filt_params = self.filter_sql(source, self.conditions)
        dims = [f"{self.dimension_sql(source, d)} AS d{i}" for i, d in enumerate(self.dimensions)]
        wanted, wanted_params = "1", []
        if only is not None:
            wanted, wanted_params = " OR ".join(f"({c})" for c in counted) or "0", counted_params
        sql = (
            f"SELECT {', '.join([*dims, *measures])} FROM {from_sql} "
            f"WHERE ({perm_sql}) AND ({filt_sql}) AND ({condition[0]}) AND ({wanted})"
        )
        return sql, [
            *measure_params,
            *from_params,
            *perm_params,
            *filt_params,
            *condition[1],
            *wanted_params,
        ]

    def needed_fields(self, source: ReportSource) -> list[str]:
        """The source's fieldnames the rows path reads (whitelisted against the meta)."""
        meta = self.site.metas.get(source.doctype)
        wanted = needed_fields(self.report, source, self.dimensions, self.conditions, self.withheld)
        return [f for f in wanted if f in meta.column_set]

    def _add_rows(self, source: ReportSource, tally: Tally) -> None:
        meta = self.site.metas.get(source.doctype)
        lookup = self.column_sql(source)
        condition = condition_sql(source.condition, lookup, self.context)
        cond_sql, cond_params = condition if condition is not None else ("1", [])
        perm_sql, perm_params = self.where(source)
        filt_sql, filt_params = self.filter_sql(source, self.conditions)
        select = ", ".join(quote(f) for f in self.needed_fields(source))
        rows = self.site.db.execute(
            f"SELECT {select} FROM {meta.table} WHERE ({perm_sql}) AND ({filt_sql}) AND ({cond_sql})",
            [*perm_params, *filt_params, *cond_params],
        )
        checked = condition is not None
        for row in rows:
            tally.add_row(source, dict(row), checked=checked)


def run_report(session, report_name: str, filters: Any = None, *, lang: str = "zh", last: int | None = None):
    """Run `report_name` with `filters` (dict or JSON text) for `session`: a ReportResult."""
    report = get_report(session, report_name)
    try:
        values = report_filters.parse_filter_values(filters)
    except ReportInputError as exc:
        raise input_error(exc) from None
    return ReportRun(session, report, values, lang=lang).run(last=last)
