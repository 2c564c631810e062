"""Export a DocType list, with its filters, to .xlsx or .csv.

The rows come from `Session.get_list(..., ptype="export")`: the same permission-checked list
read as `/api/resource` (the DocPerm `export` right, the record scope, field permlevels and the
masks the list shows), read page by page so a million rows never sit in memory at once. The
.xlsx is streamed (townflow.dataio.xlsx_stream), the .csv as UTF-8 with a BOM so
Chinese Excel opens it. Text a spreadsheet would read as a formula (= + - @ ...) is escaped
with `safe_cell`, the one implementation the report export uses too.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from townflow.runtime.meta import Meta
from townflow.web.report_export import safe_cell

#: Rows read per list call while streaming.
PAGE_SIZE = 5000
#: The header of the `name` column, as in Frappe's Data Import / export templates.
NAME_HEADER = "ID"
FORMATS = ("xlsx", "csv")


def field_label(meta: Meta, fieldname: str, lang: str = "zh") -> str:
    """The column header of a field: its label in `lang` (zh first), else the fieldname."""
    if fieldname == "name":
        return NAME_HEADER
    f = meta.get_field(fieldname)
    if f is None or f.label is None:
        return fieldname
    return (f.label.en if lang == "en" else f.label.zh) or fieldname


def default_fields(meta: Meta) -> list[str]:
    """What an export holds when no fields are asked: the name and every value field."""
    return ["name", *(f.fieldname for f in meta.value_fields)]


def _as_list(filters: Any) -> list:
    """Frappe filters (a dict, or a list of conditions) as a list of conditions."""
    if not filters:
        return []
    if isinstance(filters, dict):
        out = []
        for key, value in filters.items():
            if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str):
                out.append([key, value[0], value[1]])
            else:
                out.append([key, "=", value])
        return out
    return list(filters)


def iter_rows(
    session,
    doctype: str,
    fields: Sequence[str] | None = None,
    filters: Any = None,
    or_filters: Any = None,
    order_by: str | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> Iterator[dict]:
    """Every row the user may export, page by page (each page a permission-checked list read).

    Without an `order_by` the pages go by name (keyset paging: each page starts after the last
    name read, so page 200 costs what page 1 does); with one, by the list's order and OFFSET.
    """
    meta = session.meta(doctype)
    fields = list(fields or default_fields(meta))
    if order_by is None:
        wanted = fields if "name" in fields else ["name", *fields]
        base = _as_list(filters)
        last: str | None = None
        while True:
            page = session.get_list(
                doctype,
                fields=wanted,
                filters=base + ([["name", ">", last]] if last is not None else []),
                or_filters=or_filters,
                order_by="name asc",
                limit_start=0,
                limit_page_length=page_size,
                ptype="export",
            )
            yield from page
            if len(page) < page_size:
                return
            last = page[-1]["name"]
    # a stable order across pages: the list's order, then the name
    order = f"{order_by}, name asc"
    start = 0
    while True:
        page = session.get_list(
            doctype,
            fields=fields,
            filters=filters,
            or_filters=or_filters,
            order_by=order,
            limit_start=start,
            limit_page_length=page_size,
            ptype="export",
        )
        yield from page
        if len(page) < page_size:
            return
        start += page_size


def table_rows(
    meta: Meta,
    fields: Sequence[str],
    rows: Iterator[dict],
    lang: str = "zh",
    *,
    serial: bool = False,
    escape: bool = True,
) -> Iterator[list]:
    """The header, then each row, as lists of formula-safe cells (`serial`: Frappe's "Sr" column).
    `escape=False` leaves the values as read, for a writer that escapes them itself."""
    header = [safe_cell(field_label(meta, f, lang)) for f in fields]
    yield (["Sr", *header] if serial else header)
    clean = safe_cell if escape else None
    for index, row in enumerate(rows, start=1):
        cells = [clean(row.get(f)) for f in fields] if clean else [row.get(f) for f in fields]
        yield ([index, *cells] if serial else cells)


def write_csv(lines: Iterator[list], out: IO[bytes]) -> int:
    """Write the lines as UTF-8 CSV with a BOM; the number of data rows written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    count = -1
    for count, line in enumerate(lines):  # noqa: B007 - the last index is the count
        writer.writerow(line)
    text.flush()
    text.detach()
    return max(count, 0)


def write_xlsx(lines: Iterator[list], out: IO[bytes] | str | Path, title: str = "Sheet1") -> int:
    """Write the lines to a one-sheet .xlsx, streamed (townflow.dataio.xlsx_stream); the number
    of data rows written."""
    from townflow.dataio.xlsx_stream import write_rows

    return write_rows(lines, out, title=title)


def export_list(
    session,
    doctype: str,
    out: IO[bytes] | str | Path,
    file_format: str,
    *,
    fields: Sequence[str] | None = None,
    filters: Any = None,
    or_filters: Any = None,
    order_by: str | None = None,
    lang: str = "zh",
    serial: bool = False,
) -> int:
    """Export what the user may export of `doctype` to `out`; the number of rows written.

    Refused (PermissionError, audited) without the DocPerm `export` right, before any file is written.
    """
    if file_format not in FORMATS:
        raise ValueError(f"file format must be one of {FORMATS}, not {file_format!r}")
    meta = session.meta(doctype)
    session.require_output(doctype, "export")
    fields = list(fields or default_fields(meta))
    rows = iter_rows(session, doctype, fields, filters, or_filters, order_by)
    # the first page is read before anything is written: a bad filter or field writes no file
    first = next(rows, None)
    rows = itertools.chain([] if first is None else [first], rows)
    if file_format == "csv":
        rows_iter = table_rows(meta, fields, rows, lang, serial=serial)
        if isinstance(out, (str, Path)):
            with open(out, "wb") as handle:
                return write_csv(rows_iter, handle)
        return write_csv(rows_iter, out)
    from townflow.dataio.xlsx_stream import write_rows

    # the writer escapes formula-looking text itself, as safe_cell does (one pass over the cells)
    rows_iter = table_rows(meta, fields, rows, lang, serial=serial, escape=False)
    return write_rows(rows_iter, out, title=doctype, formula_safe=True)
