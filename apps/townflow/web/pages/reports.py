"""Report pages and the campaign dashboard.

    /app/dashboard                          number cards (target against actual), month trends,
                                            links into the reports: the township roles' home
    /app/query-report                       the reports this user may run
    /app/query-report/<report>              filters, a sortable table with its totals row, a
                                            frappe-charts chart, Export Excel / CSV
    /app/query-report/<report>/export.xlsx|.csv

Every figure comes from `townflow.runtime.reports` over what the user may read: these pages
only lay it out. Charts are drawn in the browser by the vendored frappe-charts from the JSON
the page embeds (`/static/reports.js`; no inline script, no CDN).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from townflow.reports.display import display_rows, value_labels
from townflow.runtime import inbox as runtime_inbox
from townflow.runtime.errors import DoesNotExistError
from townflow.runtime.reports.dashboard import build_dashboard, may_run
from townflow.web.api_reports import export_response, may_export, run_for
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, render, slug

router = APIRouter(route_class=PageRoute)

#: Who lands on the dashboard at /app (the township's own roles); others keep the forms home.
HOME_ROLES = frozenset({"Township Clerk", "Township Approver", "Township Leader"})
#: this room's own words, key -> (zh, en)
WORDS = {
    "reports": ("统计报表", "Reports"),
    "dashboard": ("统计概览", "Dashboard"),
    "run": ("查询", "Run"),
    "clear": ("清除", "Clear"),
    "group_by": ("分组", "Group by"),
    "any": ("全部", "All"),
    "export_excel": ("导出 Excel", "Export Excel"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "no_rows": ("没有符合条件的数据", "No data for these filters"),
    "target": ("目标", "Target"),
    "actual": ("实际", "Actual"),
    "met": ("达标", "On target"),
    "not_met": ("未达标", "Off target"),
    "at_most": ("不高于", "at most"),
    "at_least": ("不低于", "at least"),
    "above": ("高于", "above"),
    "below": ("低于", "below"),
    "open_report": ("查看报表", "Open report"),
    "waiting": ("待办 {n} 件", "{n} waiting"),
    "forms_home": ("业务办理", "Forms"),
    "scope_village": ("本村数据", "Your village"),
    "withheld": ("无权查看", "Not shown"),
}


def words(lang: str):
    def w(key: str, **kwargs: Any) -> str:
        zh, en = WORDS[key]
        text = zh if lang == "zh" else en
        return text.format(**kwargs) if kwargs else text

    return w


def script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no `</script>` can end the element."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def report_from_slug(site: Any, value: str) -> str:
    for name in site.project.reports:
        if slug(name) == value:
            return name
    raise DoesNotExistError(f"Report {value} not found", f"报表 {value} 不存在")


def wants_dashboard_home(session: Any) -> bool:
    """Township roles land on the campaign dashboard (the forms home stays one click away)."""
    return bool(HOME_ROLES & session.ctx.roles) and "Campaign Dashboard" in session.site.project.dashboards


def format_value(value: Any, fieldtype: str | None, precision: int | None = None) -> str:
    if value is None:
        return "—"
    if fieldtype == "Check":
        return "✓" if value else "✗"
    if isinstance(value, float):
        if fieldtype == "Currency":
            return f"{value:,.2f}"
        digits = precision if precision is not None else (0 if value.is_integer() else 2)
        text = f"{value:,.{digits}f}"
        return text + ("%" if fieldtype == "Percent" else "")
    if isinstance(value, int) and fieldtype in ("Int", "Currency", "Float", "Percent"):
        return f"{value:,}" + ("%" if fieldtype == "Percent" else "")
    return str(value)


def _options(page: Page, report, f) -> list[tuple[str, str]]:
    """(value, label) choices of a filter: Select options, or the Link records the user may read."""
    if f.fieldtype == "Select":
        labels = value_labels(page.site.project, report, f.target_column, page.lang)
        return [(o, labels.get(o, o)) for o in f.options or []]
    if f.fieldtype == "Link":
        try:
            rows = page.session.get_list(
                f.options, fields=["name"], order_by="name asc", limit_page_length=200
            )
        except Exception:  # no read right on the Link's DocType: a free text box instead
            return []
        return [(r["name"], r["name"]) for r in rows]
    return []


@router.get("/app/query-report", response_class=HTMLResponse)
async def reports_index(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        reports = [
            {"name": r.report_name, "label": page.label(r.label), "description": page.label(r.description)}
            for r in page.site.project.reports.values()
            if may_run(session, r.report_name)
        ]
        return render(page, "reports_index.html", reports=reports, w=words(page.lang))

    return await call(build)


@router.get("/app/dashboard", response_class=HTMLResponse)
async def dashboard_page(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        board = build_dashboard(session, lang=page.lang)
        for card in board["cards"]:
            card["shown"] = format_value(card["value"], card["fieldtype"], card["precision"])
            if card["target"] is not None:
                card["target_shown"] = format_value(card["target"], card["fieldtype"], card["precision"])
        villages = (
            sorted(session.ctx.allowed("village"))
            if "village"
            in {r.scope for name, r in page.site.project.roles.items() if name in session.ctx.roles}
            else []
        )
        counts = runtime_inbox.counts(session)
        return render(
            page,
            "dashboard.html",
            board=board,
            w=words(page.lang),
            villages=villages,
            todo=counts.get("todo", 0),
            charts_json=script_json([c["chart"] for c in board["charts"]]),
        )

    return await call(build)


@router.get("/app/query-report/{report_slug}", response_class=HTMLResponse)
async def report_page(request: Request, session: SessionDep, report_slug: str) -> HTMLResponse:
    page = Page(request, session)
    params = {k: v for k, v in request.query_params.items() if k != "lang" and v != ""}

    def build() -> HTMLResponse:
        name = report_from_slug(page.site, report_slug)
        report, values, result = run_for(session, name, params, page.lang)
        project = page.site.project
        rows = display_rows(project, report, result.columns, result.result, page.lang)
        totals = display_rows(project, report, result.columns, [result.totals], page.lang)[0]
        chart = result.chart
        if chart:  # the chart's labels as the table shows them (Chinese state, role and kind names)
            dims = [c["fieldname"] for c in result.columns if report.dimension(c["fieldname"])]
            labels = [" · ".join(str(r.get(d) or "—") for d in dims) for r in rows]
            chart = {**chart, "data": {**chart["data"], "labels": labels}}
        formatted = [
            [
                (
                    format_value(r.get(c["fieldname"]), c["fieldtype"], c.get("precision")),
                    r.get(c["fieldname"]),
                )
                for c in result.columns
            ]
            for r in rows
        ]
        total_cells = [
            format_value(totals.get(c["fieldname"]), c["fieldtype"], c.get("precision"))
            for c in result.columns
        ]
        filters = [
            {"f": f, "options": _options(page, report, f), "value": values.get(f.fieldname, "")}
            for f in report.filters
        ]
        chosen_group = values.get("group_by") or ",".join(report.group_by)
        groupings = [
            (
                ",".join(report.group_by),
                " + ".join(page.label(report.dimension(n).label) for n in report.group_by),
            )
        ]
        groupings += [
            (d.name, page.label(d.label)) for d in report.dimensions if d.name != ",".join(report.group_by)
        ]
        return render(
            page,
            "report.html",
            report=report,
            result=result,
            formatted=formatted,
            total_cells=total_cells,
            filters=filters,
            groupings=groupings,
            chosen_group=chosen_group,
            summary=[
                {
                    **s,
                    "shown": format_value(s["value"], s["datatype"]),
                    "target_shown": format_value(s.get("target"), s["datatype"]),
                }
                for s in result.report_summary
            ],
            chart_json=script_json(chart) if chart else "",
            export_query=urlencode(params),
            report_slug=report_slug,
            can_export=may_export(session, name),
            w=words(page.lang),
        )

    return await call(build)


@router.get("/app/query-report/{report_slug}/export.{ext}")
async def report_export_page(request: Request, session: SessionDep, report_slug: str, ext: str) -> Response:
    page = Page(request, session)
    params = {k: v for k, v in request.query_params.items() if k != "lang" and v != ""}
    if ext not in ("xlsx", "csv"):
        raise DoesNotExistError(f"No export as {ext}", f"不支持导出为 {ext}")

    def build() -> Response:
        name = report_from_slug(page.site, report_slug)
        return export_response(session, name, params, "CSV" if ext == "csv" else "Excel", page.lang)

    return await call(build)
