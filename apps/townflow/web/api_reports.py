"""`/api/method/frappe.desk.query_report.*` and `townflow.api.dashboard`: the spec's reports over
REST, answered as Frappe 15 answers them, so one script reads the same report from both
runtimes (`townflow.client.FrappeClient.run_report`).

`frappe.desk.query_report.run(report_name, filters)` -> `{"message": {"result", "columns",
"chart", "report_summary", "message", "skip_total_row", "add_total_row", ...}}`; the last row
of `result` is the totals row (`is_total_row: 1`). Scope, roles and withheld measures are the
runtime's (`townflow.runtime.reports`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.responses import Response

from townflow.reports.display import display_rows
from townflow.reports.filters import ReportInputError, parse_filter_values
from townflow.runtime.reports import ReportRun, get_report
from townflow.runtime.reports.dashboard import build_dashboard
from townflow.runtime.reports.run import input_error
from townflow.web import report_export
from townflow.web.errors import ValidationError
from townflow.web.whitelist import Param, whitelisted

router = APIRouter()

REPORT_NAME = Param("report_name", required=True, description="the report's name, e.g. Sex Ratio at Birth")
REPORT_FILTERS = Param(
    "filters",
    {"oneOf": [{"type": "object"}, {"type": "string"}]},
    description='filter values as an object or its JSON, e.g. {"village": "东关村", "group_by": "year"}',
)
FORMAT = Param("file_format_type", description="Excel (default) or CSV")


def _name(args: dict[str, Any]) -> str:
    value = args.get("report_name")
    if not isinstance(value, str) or not value:
        raise ValidationError("Argument report_name is required", zh="缺少参数 report_name")
    return value


def run_for(session: Any, report_name: str, filters: Any, lang: str = "zh", output: str = "report"):
    report = get_report(session, report_name)
    try:
        values = parse_filter_values(filters)
    except ReportInputError as exc:
        raise input_error(exc) from None
    run = ReportRun(session, report, values, lang=lang, output=output)
    return report, values, run.run()


def may_export(session: Any, report_name: str) -> bool:
    """Whether the user may export the report: DocPerm export (and report) on one of its sources."""
    report = session.site.project.reports[report_name]
    metas, perms, ctx = session.site.metas, session.site.perms, session.ctx
    return any(
        all(perms.output_allowed(session.site.db, metas.get(s.doctype), ctx, r) for r in ("report", "export"))
        for s in report.sources
    )


@whitelisted(router, "frappe.desk.query_report.run", params=[REPORT_NAME, REPORT_FILTERS])
def query_report_run(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Run a report of the spec over what the user may read (Frappe's query_report.run)."""
    _report, _values, result = run_for(session, _name(args), args.get("filters"))
    return result.as_frappe()


def filter_lines(report, values: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """(label, value) of each filter set, for the top of an export."""
    lines = []
    for f in report.filters:
        value = values.get(f.fieldname)
        if value not in (None, ""):
            lines.append((f.label.zh if lang == "zh" else f.label.en, str(value)))
    if values.get("group_by"):
        lines.append(("分组" if lang == "zh" else "Group by", str(values["group_by"])))
    if not lines:
        lines.append(
            ("筛选条件" if lang == "zh" else "Filters", "全部（未筛选）" if lang == "zh" else "none (all)")
        )
    return lines


def export_response(session: Any, report_name: str, filters: Any, file_format: str, lang: str) -> Response:
    report, values, result = run_for(session, report_name, filters, lang, output="export")
    rows = display_rows(session.site.project, report, result.columns, [*result.result, result.totals], lang)
    title = report.label.zh if lang == "zh" else report.label.en
    lines = filter_lines(report, values, lang)
    if file_format.lower() == "csv":
        body, media, ext = (
            report_export.to_csv(title, lines, result.columns, rows),
            "text/csv; charset=utf-8",
            "csv",
        )
    else:
        body = report_export.to_xlsx(title, lines, result.columns, rows)
        media, ext = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    filename = f"{report.report_name}.{ext}"
    ascii_name = report.report_name.replace(" ", "_")
    disposition = f"attachment; filename=\"{ascii_name}.{ext}\"; filename*=UTF-8''{quote(filename)}"
    headers = {"Content-Disposition": disposition}
    return Response(body, media_type=media, headers=headers)


@whitelisted(router, "frappe.desk.query_report.export_query", params=[REPORT_NAME, REPORT_FILTERS, FORMAT])
def query_report_export(session: Any, args: dict[str, Any]) -> Response:
    """The report as an Excel (.xlsx) or CSV file, its filters listed at the top."""
    file_format = args.get("file_format_type") or "Excel"
    if file_format not in ("Excel", "CSV"):
        raise ValidationError("file_format_type must be Excel or CSV", zh="文件格式应为 Excel 或 CSV")
    return export_response(session, _name(args), args.get("filters"), file_format, "zh")


@whitelisted(router, "townflow.api.dashboard", params=[Param("dashboard_name")])
def dashboard(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """The campaign dashboard's number cards and charts, over what the user may read."""
    name = args.get("dashboard_name")
    return build_dashboard(session, name if isinstance(name, str) else None)
