"""The campaign dashboard of the spec (reports/*.yaml `dashboard_name:`) for one user.

Each number card is one measure of a report's totals, each chart a report's measures grouped by
one dimension (a month trend): all computed by `ReportRun` over what the user may read, so a
village clerk's dashboard shows their own village's figures. A card or chart whose report the
user may not run is left out (never shown empty as if the figure were zero). Runs of the same
report with the same grouping are shared, and a card reads its totals from a chart's run of the
same report (the totals row does not depend on the grouping). Each run computes only the measures
its cards and charts show (the overdue card needs no percentile of hours).
"""

from __future__ import annotations

from typing import Any

from townflow.runtime.errors import DoesNotExistError, PermissionError
from townflow.runtime.reports.run import ReportRun, get_report
from townflow.spec.reports import Dashboard

DEFAULT_DASHBOARD = "Campaign Dashboard"


def dashboard_for(session, name: str | None = None) -> Dashboard:
    project = session.site.project
    dashboard = project.dashboards.get(name or DEFAULT_DASHBOARD)
    if dashboard is None:
        raise DoesNotExistError(f"Dashboard {name} not found", f"仪表板 {name} 不存在")
    if not (session.ctx.is_administrator or set(dashboard.roles) & session.roles):
        raise PermissionError(
            f"You don't have access to Dashboard: {dashboard.dashboard_name}", "无权查看仪表板"
        )
    return dashboard


def may_run(session, report_name: str) -> bool:
    try:
        get_report(session, report_name)
    except (PermissionError, DoesNotExistError):
        return False
    report = session.site.project.reports[report_name]
    metas, perms = session.site.metas, session.site.perms
    return session.ctx.is_administrator or any(
        perms.has(metas.get(s.doctype), session.ctx, "report") for s in report.sources
    )


def build_dashboard(session, name: str | None = None, *, lang: str = "zh") -> dict[str, Any]:
    """{"name", "label", "cards": [...], "charts": [...], "reports": [...]} for this user."""
    dashboard = dashboard_for(session, name)
    project = session.site.project
    runs: dict[tuple, Any] = {}
    allowed: dict[str, bool] = {}

    def key_of(report_name: str, filters: dict, group_by: str, last: int | None = None) -> tuple:
        return (report_name, tuple(sorted(filters.items())), group_by, last)

    # each run computes only the measures its cards and charts show
    needed: dict[tuple, set[str]] = {}
    for card in dashboard.number_cards:
        same = next(
            (c for c in dashboard.charts if c.report == card.report and c.filters == card.filters), None
        )
        key = key_of(card.report, card.filters, same.group_by if same else "", same.last if same else None)
        needed.setdefault(key, set()).add(card.measure)
    for chart in dashboard.charts:
        key = key_of(chart.report, chart.filters, chart.group_by, chart.last)
        needed.setdefault(key, set()).update(chart.measures)

    def result(report_name: str, filters: dict, group_by: str, last: int | None = None):
        key = key_of(report_name, filters, group_by, last)
        if key not in runs:
            report = project.reports[report_name]
            values = {**filters, "group_by": group_by}
            run = ReportRun(session, report, values, lang=lang).only(needed[key])
            runs[key] = (run, run.run(last=last))
        return runs[key]

    def can(report_name: str) -> bool:
        if report_name not in allowed:
            allowed[report_name] = may_run(session, report_name)
        return allowed[report_name]

    cards = []
    for card in dashboard.number_cards:
        if not can(card.report):
            continue
        report = project.reports[card.report]
        measure = report.measure(card.measure)
        # the totals do not depend on the grouping: a chart's run of the same report serves
        same = next(
            (c for c in dashboard.charts if c.report == card.report and c.filters == card.filters), None
        )
        run, computed = result(
            card.report, card.filters, same.group_by if same else "", same.last if same else None
        )
        tally = run.tally()
        value = computed.totals.get(card.measure)
        cards.append(
            {
                "name": card.name,
                "label": card.label.zh if lang == "zh" else card.label.en,
                "value": value,
                "fieldtype": measure.fieldtype,
                "precision": measure.precision,
                "withheld": card.measure in computed.withheld,
                "target": tally.target_value(measure) if measure.target else None,
                "compare": measure.target.compare if measure.target else None,
                "target_met": computed.totals.get(f"{card.measure}_target_met"),
                "report": card.report,
            }
        )
    charts = []
    for chart in dashboard.charts:
        if not can(chart.report):
            continue
        run, computed = result(chart.report, chart.filters, chart.group_by, chart.last)
        drawn = run.tally().chart(computed.result, chart.measures, chart.type)
        charts.append(
            {
                "name": chart.name,
                "label": chart.label.zh if lang == "zh" else chart.label.en,
                "report": chart.report,
                "chart": drawn,
            }
        )
    reports = [
        {"name": r, "label": project.reports[r].label.zh if lang == "zh" else project.reports[r].label.en}
        for r in dashboard.reports
        if r in project.reports and can(r)
    ]
    label = dashboard.label.zh if lang == "zh" else dashboard.label.en
    return {
        "name": dashboard.dashboard_name,
        "label": label,
        "cards": cards,
        "charts": charts,
        "reports": reports,
    }
