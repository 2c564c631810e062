"""The embedded runtime's report adapter: permission-checked reads (SQL aggregates where the
conditions translate) fed to the pure `townflow.reports` computation; the dashboard built on it."""

from townflow.runtime.reports.run import ReportRun, get_report, run_report

__all__ = ["ReportRun", "get_report", "run_report"]
