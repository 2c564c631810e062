"""Any report of the spec (reports/*.yaml) to .xlsx or .csv, for scripts and the CLI.

The report is run by the runtime as the user (townflow.runtime.reports: its roles, the DocPerm
`report` and `export` rights on its sources, the user's village scope, withheld measures), as
the report page and `frappe.desk.query_report.export_query` run it; the file holds what the
page shows: the title, the filters set, the header, the rows and the totals row, with the
values' zh/en labels. Cells are formula-safe (`safe_cell`); the .xlsx is streamed (openpyxl
write-only), the .csv is UTF-8 with a BOM.

    townflow export --site DIR --report "Two-Girl Household Share" [--filters JSON] [--user U] FILE
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from townflow.dataio.export import FORMATS, write_csv, write_xlsx
from townflow.web.report_export import safe_cell, table


def export_report(
    session,
    report_name: str,
    out: IO[bytes] | str | Path,
    file_format: str,
    *,
    filters: Any = None,
    lang: str = "zh",
) -> int:
    """Write the report as `session`'s user may export it; the number of rows (totals included).

    Refused before any file is written: PermissionError without the report's roles or the export
    right on its sources, ValidationError naming a bad filter.
    """
    from townflow.reports.display import display_rows
    from townflow.web.api_reports import filter_lines, run_for

    if file_format not in FORMATS:
        raise ValueError(f"file format must be one of {FORMATS}, not {file_format!r}")
    report, values, result = run_for(session, report_name, filters, lang, output="export")
    rows = display_rows(session.site.project, report, result.columns, [*result.result, result.totals], lang)
    title = report.label.zh if lang == "zh" else report.label.en

    def lines() -> Iterator[list]:
        yield [safe_cell(title)]
        for label, value in filter_lines(report, values, lang):
            yield [safe_cell(label), safe_cell(value)]
        yield []
        yield from table(result.columns, rows)

    if file_format == "csv":
        if isinstance(out, (str, Path)):
            with open(out, "wb") as handle:
                write_csv(lines(), handle)
        else:
            write_csv(lines(), out)
    else:
        write_xlsx(lines(), out, title=report.report_name)
    return len(rows)
