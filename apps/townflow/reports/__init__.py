"""townflow.reports: the figures of the spec's reports, computed from rows (pure: no db, no web).

`Tally(report, dimensions, settings=..., today=...)` takes rows (`add_row`) or aggregates a
database already computed (`add_partial`, `set_total`) and `finish()`es into a `ReportResult`
shaped as Frappe's query_report.run answers (columns, result with a totals row, chart,
report_summary). `compute_report(report, values, rows_by_doctype, ...)` does it all from
rows, `needed_fields` says which to read (the compiled Script Reports use these). `filters`
checks the user's filter values and group-by; `steps` turns a workflow's action log into step
visits (Department Timeliness). Both runtimes call these.
"""

from townflow.reports.compute import compute_report, measure_columns, needed_fields
from townflow.reports.filters import Condition, ReportInputError, bucket, conditions, group_by
from townflow.reports.tally import ReportResult, Tally, median, percentile

__all__ = [
    "Condition",
    "ReportInputError",
    "ReportResult",
    "Tally",
    "bucket",
    "compute_report",
    "conditions",
    "group_by",
    "measure_columns",
    "median",
    "needed_fields",
    "percentile",
]
