"""A streaming .xlsx reader for imports: the rows of a sheet as values, one row in memory at a time.

Why not openpyxl's read-only mode (issue 15 names it; the project prefers a library to
hand-written code): measured against the targets, it cannot meet them. openpyxl's read-only
reader parses with the standard library's xml.etree (`openpyxl.xml.functions.iterparse`; lxml
speeds up only its writing) and builds a cell object per value. One pass over the benchmark's
file of 10,000 persons (6 columns), same process, 7 Dec 2026 23:33 UTC, load average 2.5:
openpyxl read-only 1.39 s (7,175 rows/s), this reader 0.33 s (30,457 rows/s), 4.2x; at 100,000
persons 6.40 s against 1.69 s (8 Dec 00:30 UTC, load 1.9-2.7), in the run whose import took
29.48 s: an import parses its file once (the check pass; the rows are kept for the import,
reader._Spool), so openpyxl would have added about 4.7 s and taken it over the 30 s target.
`python -m benchmarks.bench_dataio` prints both readers side by side in every run
("reference: one pass over the .xlsx").

This reader walks the sheet part with lxml's iterparse (entities not resolved, no network),
freeing each row once read, and gives the values openpyxl's read-only `values_only=True` gives:
shared and inline strings as text, numbers as int or float, booleans, dates where the cell's
number format is a date format (openpyxl's own `is_date_format` and `from_excel` decide),
formulas as their cached value, error cells as their text (tests/dataio/test_dataio_xlsx_read.py
compares the two on the same files). The shared strings are held in memory, as openpyxl holds
them. The checks on a bad file (zip bomb, merged cells, a cell over 32,767 characters) are
townflow.dataio.reader's, made before and while this reader runs.

`sheets(path)` -> [(title, part)], `rows(path, part)` -> (row number, [values]).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_COLUMN = re.compile(r"^([A-Z]+)")


class XlsxError(ValueError):
    """The file is not a readable workbook."""


def _parse(archive: zipfile.ZipFile, part: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(archive.read(part), parser)
    except KeyError:
        raise XlsxError(f"no part {part}") from None
    except etree.XMLSyntaxError as exc:
        raise XlsxError(f"{part}: {exc}") from None


def _column_number(ref: str) -> int:
    match = _COLUMN.match(ref)
    if not match:
        raise XlsxError(f"bad cell reference {ref!r}")
    number = 0
    for char in match.group(1):
        number = number * 26 + ord(char) - 64
    return number


def _workbook(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], bool]:
    """The sheets as (title, part path) in the workbook's order, and whether dates count from 1904."""
    book = _parse(archive, "xl/workbook.xml")
    rels = _parse(archive, "xl/_rels/workbook.xml.rels")
    targets = {}
    for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        path = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        )
        targets[rel.get("Id")] = path
    sheets = []
    for sheet in book.iter(f"{NS}sheet"):
        part = targets.get(sheet.get(f"{REL_NS}id"))
        if part:
            sheets.append((sheet.get("name", ""), part))
    props = book.find(f"{NS}workbookPr")
    date1904 = props is not None and props.get("date1904") in ("1", "true")
    return sheets, date1904


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    from lxml import etree

    strings = []
    with archive.open("xl/sharedStrings.xml") as part:
        for _, item in etree.iterparse(
            part, events=("end",), tag=f"{NS}si", resolve_entities=False, no_network=True, huge_tree=True
        ):
            strings.append(_rich_text(item))
            item.clear()
    return strings


def _rich_text(item) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>; phonetic runs (<rPh>) left out."""
    text = item.find(f"{NS}t")
    if text is not None:
        return text.text or ""
    return "".join((run.findtext(f"{NS}t") or "") for run in item.iter(f"{NS}r"))


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell formats (cellXfs) that show a date."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    if "xl/styles.xml" not in archive.namelist():
        return set()
    styles = _parse(archive, "xl/styles.xml")
    formats = dict(BUILTIN_FORMATS)
    for fmt in styles.iter(f"{NS}numFmt"):
        formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
    xfs = styles.find(f"{NS}cellXfs")
    dates = set()
    if xfs is not None:
        for index, xf in enumerate(xfs.iterchildren(f"{NS}xf")):
            code = formats.get(int(xf.get("numFmtId", "0")))
            if code and is_date_format(code):
                dates.add(index)
    return dates


class Workbook:
    """An opened .xlsx: its sheets, shared strings and date formats."""

    def __init__(self, path: str | Path):
        try:
            self.archive = zipfile.ZipFile(path)
            self.sheets, self.date1904 = _workbook(self.archive)
            self.strings = _shared_strings(self.archive)
            self.dates = _date_styles(self.archive)
        except XlsxError:
            raise
        except Exception as exc:  # a broken zip or XML
            raise XlsxError(str(exc)) from None

    def close(self) -> None:
        self.archive.close()

    def rows(self, part: str) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) of every row that has cells, in order."""
        from lxml import etree
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
        strings, dates = self.strings, self.dates
        cell_tag, value_tag, inline_tag, text_tag = f"{NS}c", f"{NS}v", f"{NS}is", f"{NS}t"
        columns: dict[str, int] = {}  # "AB" -> 28, computed once per column
        last = 0
        try:
            with self.archive.open(part) as stream:
                for _, row in etree.iterparse(
                    stream,
                    events=("end",),
                    tag=f"{NS}row",
                    resolve_entities=False,
                    no_network=True,
                    huge_tree=True,
                ):
                    number = int(row.get("r") or last + 1)
                    last = number
                    cells: list[Any] = []
                    append = cells.append
                    for cell in row.iterchildren(cell_tag):
                        ref = cell.get("r")
                        if ref:
                            letters = ref.rstrip("0123456789")
                            column = columns.get(letters)
                            if column is None:
                                column = columns[letters] = _column_number(ref)
                            while len(cells) < column - 1:
                                append(None)
                        kind = cell.get("t")
                        raw = None
                        value: Any = None
                        for child in cell:  # <f>, <v>, <is>: one pass over the cell's children
                            tag = child.tag
                            if tag == value_tag:
                                raw = child.text
                            elif tag == inline_tag:
                                first = child[0] if len(child) else None
                                value = (
                                    (first.text or "")
                                    if first is not None and first.tag == text_tag and len(child) == 1
                                    else _rich_text(child)
                                )
                        if kind == "inlineStr" or not raw:
                            append(value)
                            continue
                        if kind == "s":
                            value = strings[int(raw)]
                        elif kind == "b":
                            value = raw in ("1", "true")
                        elif kind in ("str", "e"):
                            value = raw
                        else:
                            value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                            style = cell.get("s")
                            if style is not None and int(style) in dates:
                                value = from_excel(value, epoch)
                        append(value)
                    row.clear()
                    while row.getprevious() is not None:
                        del row.getparent()[0]
                    yield number, cells
        except XlsxError:
            raise
        except (etree.XMLSyntaxError, ValueError, IndexError, KeyError, zipfile.BadZipFile) as exc:
            raise XlsxError(f"{part}: {exc}") from None
