"""Cross-checks of reports/ against the rest of the spec, each error at its file:line:col.

A report may only name DocTypes, fields, roles and Campaign Settings fields that exist; every
report column a filter, dimension or measure reads must resolve in each source it applies to;
ratios name two aggregate measures; dashboards name reports, measures and dimensions that exist.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from townflow.expr import ExprError, parse
from townflow.spec.checks import SETTINGS_DOCTYPE, STANDARD_FIELDS, Checker, _close
from townflow.spec.reports import SOURCE_COLUMN, STEP_COLUMNS, Dashboard, Report, ReportSource

if TYPE_CHECKING:
    from townflow.spec.project import Where

#: Columns every document row has besides its declared fields.
_ROW_FIELDS = STANDARD_FIELDS | {"creation", "workflow_state"}


def source_fields(c: Checker, source: ReportSource) -> set[str] | None:
    """The fieldnames a source row offers (None when its DocType is unknown)."""
    doctype = c.project.doctypes.get(source.doctype)
    if doctype is None:
        return None
    fields = {f.fieldname for f in doctype.data_fields} | _ROW_FIELDS
    if source.rows == "steps":
        fields |= set(STEP_COLUMNS)
    return fields


def source_columns(c: Checker, source: ReportSource) -> set[str] | None:
    """The report columns a source offers: its fields, its aliases, and `source_doctype`."""
    fields = source_fields(c, source)
    if fields is None:
        return None
    return fields | set(source.columns) | {SOURCE_COLUMN}


def check_reports(c: Checker) -> None:
    for report in c.project.reports.values():
        check_report(c, report, c.project.where[("report", report.report_name)])
    for dashboard in c.project.dashboards.values():
        check_dashboard(c, dashboard, c.project.where[("dashboard", dashboard.dashboard_name)])


def _settings_field(c: Checker, where: Where, path: tuple, name: str) -> None:
    settings = c.project.doctypes.get(SETTINGS_DOCTYPE)
    if settings is not None and settings.field(name) is None:
        hint = _close(name, [f.fieldname for f in settings.fields])
        c.add(where, path, f"{SETTINGS_DOCTYPE} has no field {name!r}{hint}")


def _condition(
    c: Checker, where: Where, path: tuple, source: str | None, columns: set[str] | None, what: str
) -> None:
    """The expression parses; each doc.<name> is one of `columns`, each settings.<name> a setting."""
    if source is None:
        return
    try:
        expr = parse(source, runtime_functions=())
    except ExprError as exc:
        c.add(where, path, f"expression does not parse: {exc.message}", offset=exc.offset)
        return
    settings = c.project.doctypes.get(SETTINGS_DOCTYPE)
    for node in ast.walk(expr.tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        owner, name = node.value.id, node.attr
        if owner == "doc" and columns is not None and name not in columns:
            c.add(
                where,
                path,
                f"expression reads doc.{name}, which {what} does not have{_close(name, columns)}",
                offset=expr.node_offset(node),
            )
        elif owner == "settings" and settings is not None and settings.field(name) is None:
            c.add(
                where,
                path,
                f"expression reads settings.{name}, which {SETTINGS_DOCTYPE} does not have",
                offset=expr.node_offset(node),
            )


def _check_sources(c: Checker, report: Report, where: Where) -> dict[str, set[str] | None]:
    """Each source's DocType, fields and condition; returns doctype -> its report columns."""
    out: dict[str, set[str] | None] = {}
    for index, source in enumerate(report.sources):
        at = ("sources", index)
        doctype = c.project.doctypes.get(source.doctype)
        if doctype is None:
            if not c.known_doctype(source.doctype):
                hint = _close(source.doctype, c.project.doctypes)
                c.add(where, (*at, "doctype"), f"DocType {source.doctype!r} is not declared{hint}")
            out[source.doctype] = None
            continue
        if doctype.istable or doctype.issingle:
            c.add(
                where, (*at, "doctype"), f"{source.doctype} is a child table or single: report on its parent"
            )
        if source.doctype in out:
            c.add(where, (*at, "doctype"), f"{source.doctype} is already a source of this report")
        workflow_known = source.doctype in c.project.workflows or c.project.is_broken(
            "workflow", source.doctype
        )
        if source.rows == "steps" and not workflow_known:
            c.add(where, (*at, "rows"), f"rows: steps needs a workflow on {source.doctype}")
        fields = source_fields(c, source) or set()
        for column, fieldname in source.columns.items():
            if fieldname not in fields:
                hint = _close(fieldname, fields)
                c.add(where, (*at, "columns", column), f"{source.doctype} has no field {fieldname!r}{hint}")
        _condition(c, where, (*at, "condition"), source.condition, fields, source.doctype)
        out[source.doctype] = source_columns(c, source)
    return out


def _needs_column(
    c: Checker, where: Where, path: tuple, column: str, columns: dict[str, set[str] | None]
) -> None:
    for doctype, have in columns.items():
        if have is not None and column not in have:
            c.add(
                where, path, f"column {column!r} is not a field of source {doctype} (map it in its columns:)"
            )


def check_report(c: Checker, report: Report, where: Where) -> None:
    columns = _check_sources(c, report, where)
    for index, role in enumerate(report.roles):
        c.role(where, ("roles", index), role)
    if report.ref_doctype is not None and report.ref_doctype not in columns:
        c.add(where, ("ref_doctype",), "ref_doctype must be one of the report's sources")
    seen: set[str] = set()
    for index, f in enumerate(report.filters):
        at = ("filters", index)
        if f.fieldname in seen or f.fieldname == "group_by":
            c.add(where, (*at, "fieldname"), f"filter {f.fieldname!r} is declared twice or reserved")
        seen.add(f.fieldname)
        _needs_column(c, where, (*at, "column" if f.column else "fieldname"), f.target_column, columns)
        if f.fieldtype == "Link" and isinstance(f.options, str) and not c.known_doctype(f.options):
            c.add(where, (*at, "options"), f"DocType {f.options!r} is not declared")
    dims: set[str] = set()
    for index, d in enumerate(report.dimensions):
        at = ("dimensions", index)
        if d.name in dims:
            c.add(where, (*at, "name"), f"dimension {d.name!r} is declared twice")
        dims.add(d.name)
        _needs_column(c, where, (*at, "column" if d.column else "name"), d.target_column, columns)
        if d.options is not None and not c.known_doctype(d.options):
            c.add(where, (*at, "options"), f"DocType {d.options!r} is not declared")
    for index, name in enumerate(report.group_by):
        if name not in dims:
            c.add(where, ("group_by", index), f"{name!r} is not one of the report's dimensions")
    _check_measures(c, report, where, columns)
    names = {m.name for m in report.measures}
    for index, name in enumerate(report.summary):
        if name not in names:
            c.add(where, ("summary", index), f"{name!r} is not one of the report's measures")
    if report.chart is not None:
        for index, name in enumerate(report.chart.measures):
            if name not in names:
                c.add(where, ("chart", "measures", index), f"{name!r} is not one of the report's measures")


def _check_measures(c: Checker, report: Report, where: Where, columns: dict[str, set[str] | None]) -> None:
    aggregates: dict[str, int] = {}
    for index, m in enumerate(report.measures):
        at = ("measures", index)
        if m.name in aggregates or any(m.name == other.name for other in report.measures[:index]):
            c.add(where, (*at, "name"), f"measure {m.name!r} is declared twice")
        if m.target is not None:
            _settings_field(c, where, (*at, "target", "setting"), m.target.setting)
        if m.ratio is not None:
            for part in ("numerator", "denominator"):
                name = getattr(m.ratio, part)
                if name not in aggregates:
                    c.add(
                        where,
                        (*at, "ratio", part),
                        f"{name!r} is not an aggregate measure declared before this one",
                    )
            continue
        aggregates[m.name] = index
        scope = columns
        if m.source is not None:
            if m.source not in columns:
                c.add(where, (*at, "source"), f"{m.source!r} is not one of the report's sources")
                continue
            scope = {m.source: columns[m.source]}
        if m.column:
            _needs_column(c, where, (*at, "column"), m.column, scope)
        for doctype, have in scope.items():
            _condition(c, where, (*at, "condition"), m.condition, have, f"source {doctype}")


def check_dashboard(c: Checker, dashboard: Dashboard, where: Where) -> None:
    for index, role in enumerate(dashboard.roles):
        c.role(where, ("roles", index), role)
    for index, name in enumerate(dashboard.reports):
        if name not in c.project.reports and not c.project.is_broken("report", name):
            c.add(where, ("reports", index), f"report {name!r} is not declared in reports/")
    cards = [("number_cards", i, card) for i, card in enumerate(dashboard.number_cards)]
    charts = [("charts", i, chart) for i, chart in enumerate(dashboard.charts)]
    names: set[str] = set()
    for key, index, item in cards + charts:
        at = (key, index)
        if item.name in names:
            c.add(where, (*at, "name"), f"{item.name!r} is declared twice on this dashboard")
        names.add(item.name)
        report = c.project.reports.get(item.report)
        if report is None:
            if not c.project.is_broken("report", item.report):
                c.add(where, (*at, "report"), f"report {item.report!r} is not declared in reports/")
            continue
        measures = [item.measure] if key == "number_cards" else item.measures
        for m_index, measure in enumerate(measures):
            path = (*at, "measure") if key == "number_cards" else (*at, "measures", m_index)
            if report.measure(measure) is None:
                hint = _close(measure, [m.name for m in report.measures])
                c.add(where, path, f"report {item.report!r} has no measure {measure!r}{hint}")
        if key == "charts" and report.dimension(item.group_by) is None:
            c.add(where, (*at, "group_by"), f"report {item.report!r} has no dimension {item.group_by!r}")
        for fieldname in item.filters:
            if report.filter(fieldname) is None:
                c.add(
                    where, (*at, "filters", fieldname), f"report {item.report!r} has no filter {fieldname!r}"
                )
