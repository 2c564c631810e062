"""One call from rows to a report: what an adapter without SQL aggregates (the compiled Frappe
Script Reports, over `frappe.get_list` rows) uses, and what the embedded runtime's rows path
does piece by piece.

    fields = needed_fields(report, source, dimensions, conds)      # what to read per source
    result = compute_report(report, values, {doctype: rows, ...}, settings=..., today=..., now=...)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from townflow.expr import parse
from townflow.reports.filters import Condition, conditions, group_by, row_passes
from townflow.reports.tally import ReportResult, Tally
from townflow.spec.reports import SOURCE_COLUMN, STEP_COLUMNS, Dimension, Measure, Report, ReportSource


def measure_columns(m: Measure) -> set[str]:
    """The report columns a measure reads (its column and its condition's doc.<name>)."""
    used = {m.column} if m.column else set()
    if m.condition:
        used |= set(parse(m.condition, runtime_functions=()).fields_used)
    return used


def needed_fields(
    report: Report,
    source: ReportSource,
    dimensions: Iterable[Dimension],
    conds: Iterable[Condition],
    withheld: Iterable[str] = (),
) -> list[str]:
    """The source DocType's fieldnames a run reads (a steps source's step columns are computed)."""
    skip = set(withheld)
    columns = {c.column for c in conds} | {d.target_column for d in dimensions}
    for m in report.measures:
        if m.name not in skip and not m.is_ratio and m.source in (None, source.doctype):
            columns |= measure_columns(m)
    fields = {source.field_for(c) for c in columns if c != SOURCE_COLUMN}
    if source.condition:
        fields |= set(parse(source.condition, runtime_functions=()).fields_used)
    computed = set(STEP_COLUMNS) if source.rows == "steps" else set()
    return sorted((fields | {"name"}) - computed)


def compute_report(
    report: Report,
    values: Mapping[str, Any],
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    settings: Mapping[str, Any] | None = None,
    today: str = "",
    now: str = "",
    withheld: Iterable[str] = (),
    lang: str = "zh",
    last: int | None = None,
) -> ReportResult:
    """The report over `rows` (source DocType -> rows of its fields, already permission-checked;
    a `rows: steps` source's rows carry the step columns too). Filters are applied here.
    Raises ReportInputError for a filter or group-by the report does not have."""
    conds = conditions(report, values)
    tally = Tally(
        report,
        group_by(report, values),
        settings=settings,
        today=today,
        now=now,
        withheld=withheld,
        lang=lang,
    )
    for source in report.sources:
        for row in rows.get(source.doctype, ()):
            columns = tally.columns_of(source, row)
            if row_passes(columns, conds) and tally.source_condition_holds(source, row):
                tally.add_columns(columns)
    return tally.finish(last=last)
