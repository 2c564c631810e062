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
from townflow.reports.filters import Condition, ReportInputError
from townflow.reports.tally import ReportResult
from townflow.runtime.db import quote
from townflow.runtime.errors import DoesNotExistError, FieldMessage, PermissionError, ValidationError
from townflow.runtime.reports.sql import condition_sql
from townflow.runtime.reports.steps_source import add_step_rows
from townflow.spec.reports import SOURCE_COLUMN, Dimension, Measure, Report, ReportSource

_SQL_AGGREGATES = frozenset({"count", "sum", "count_distinct"})


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

    def __init__(self, session, report: Report, values: Mapping[str, Any], *, lang: str = "zh"):
        self.session = session
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
            raise PermissionError(
                f"You don't have permission to get a report on: {doctypes}", f"没有 {doctypes} 的报表权限"
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

    # -- permission ------------------------------------------------------------------------

    def _may_report(self, source: ReportSource) -> bool:
        if self.session.ignore_permissions:
            return True
        return self.site.perms.has(self.site.metas.get(source.doctype), self.session.ctx, "report")

    def readable(self, source: ReportSource, column: str) -> bool:
        if column == SOURCE_COLUMN or self.session.ignore_permissions:
            return True
        meta = self.site.metas.get(source.doctype)
        return self.site.perms.can_read_field(meta, self.session.ctx, source.field_for(column))

    def _measure_columns(self, m: Measure) -> set[str]:
        used = {m.column} if m.column else set()
        if m.condition:
            used |= set(parse(m.condition, runtime_functions=()).fields_used)
        return used

    def _withheld(self) -> set[str]:
        withheld: set[str] = set()
        for m in self.report.measures:
            if m.is_ratio:
                if {m.ratio.numerator, m.ratio.denominator} & withheld:
                    withheld.add(m.name)
                continue
            sources = [s for s in self.sources if m.source in (None, s.doctype)]
            columns = self._measure_columns(m)
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

    def where(self, source: ReportSource) -> tuple[str, list]:
        """The records of `source` this user may report on and read (the list's own condition)."""
        if self.session.ignore_permissions:
            return "1=1", []
        meta = self.site.metas.get(source.doctype)
        report_sql, report_params = self.site.perms.where(meta, self.session.ctx, "report")
        read_sql, read_params = self.site.perms.where(meta, self.session.ctx, "read")
        if read_sql == report_sql and read_params == report_params:
            return report_sql, list(report_params)
        return f"({report_sql}) AND ({read_sql})", [*report_params, *read_params]

    # -- SQL pieces ------------------------------------------------------------------------

    def column_sql(self, source: ReportSource):
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

    def tally(self) -> Tally:
        return Tally(
            self.report,
            self.dimensions,
            settings=self.settings,
            today=self.today,
            now=self.now,
            withheld=self.withheld,
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
        """Aggregate every source in SQLite, if each condition translates; False to use rows."""
        if any(s.rows != "documents" for s in self.sources):
            return False
        if any(m.aggregate not in _SQL_AGGREGATES for m in tally.aggregates):
            return False
        selects: list[tuple[str, list]] = []
        for source in self.sources:
            select = self._source_select(source, tally)
            if select is None:
                return False
            selects.append(select)
        dims = [f"d{i}" for i in range(len(self.dimensions))]
        outer = []
        for m in tally.aggregates:
            name = quote(f"m_{m.name}")
            fn = {"count": "SUM", "sum": "TOTAL", "count_distinct": "COUNT(DISTINCT"}[m.aggregate]
            outer.append(f"{fn}({name})" + (")" if m.aggregate == "count_distinct" else "") + f" AS {name}")
        inner = " UNION ALL ".join(sql for sql, _ in selects)
        params = [p for _, ps in selects for p in ps]
        group = f" GROUP BY {', '.join(dims)}" if dims else ""
        select_dims = "".join(f"{d}, " for d in dims)
        rows = self.site.db.fetchall(f"SELECT {select_dims}{', '.join(outer)} FROM ({inner}){group}", params)
        for row in rows:
            key = tuple(row[d] for d in dims)
            if not dims and all(row[f"m_{m.name}"] is None for m in tally.aggregates):
                continue
            tally.add_partial(key, {m.name: row[f"m_{m.name}"] for m in tally.aggregates})
        distinct = [m for m in tally.aggregates if m.aggregate == "count_distinct"]
        if distinct and dims:
            cols = ", ".join(f"COUNT(DISTINCT {quote('m_' + m.name)})" for m in distinct)
            total = self.site.db.fetchone(f"SELECT {cols} FROM ({inner})", params)
            tally.set_total({m.name: total[i] for i, m in enumerate(distinct)})
        return True

    def _source_select(self, source: ReportSource, tally: Tally) -> tuple[str, list] | None:
        lookup = self.column_sql(source)
        condition = condition_sql(source.condition, lookup, self.context)
        if condition is None:
            return None
        measures, measure_params = [], []
        for m in tally.aggregates:
            alias = quote(f"m_{m.name}")
            if m.source not in (None, source.doctype):
                measures.append(f"NULL AS {alias}")
                continue
            found = condition_sql(m.condition, lookup, self.context)
            if found is None:
                return None
            cond, cond_params = found
            if m.aggregate == "count":
                value = "1"
            else:
                column = lookup(m.column)
                if column is None:
                    return None
                value = column[0] if m.aggregate == "sum" else f"NULLIF({column[0]}, '')"
            measures.append(f"CASE WHEN {cond} THEN {value} END AS {alias}")
            measure_params.extend(cond_params)
        perm_sql, perm_params = self.where(source)
        filt_sql, filt_params = self.filter_sql(source, self.conditions)
        dims = [f"{self.dimension_sql(source, d)} AS d{i}" for i, d in enumerate(self.dimensions)]
        meta = self.site.metas.get(source.doctype)
        sql = (
            f"SELECT {', '.join([*dims, *measures])} FROM {meta.table} "
            f"WHERE ({perm_sql}) AND ({filt_sql}) AND ({condition[0]})"
        )
        return sql, [*measure_params, *perm_params, *filt_params, *condition[1]]

    def needed_fields(self, source: ReportSource) -> list[str]:
        """The source's fieldnames the rows path reads (whitelisted against the meta)."""
        meta = self.site.metas.get(source.doctype)
        columns = {c.column for c in self.conditions} | {d.target_column for d in self.dimensions}
        for m in self.report.measures:
            if m.name not in self.withheld and not m.is_ratio and m.source in (None, source.doctype):
                columns |= self._measure_columns(m)
        fields = {source.field_for(c) for c in columns if c != SOURCE_COLUMN}
        if source.condition:
            fields |= set(parse(source.condition, runtime_functions=()).fields_used)
        return sorted(f for f in fields | {"name"} if f in meta.column_set)

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
