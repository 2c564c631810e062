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
