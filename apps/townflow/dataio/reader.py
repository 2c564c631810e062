"""Read an import file (.xlsx or .csv) into a header and rows, refusing bad files up front.

A file is refused as a whole (ImportFileError naming the file and, where it applies, the row and
column) before anything is imported when it is: not .xlsx/.csv, empty, an .xlsx whose parts
would unpack to more than `MAX_UNCOMPRESSED` bytes or at a ratio above `MAX_RATIO` (a zip
bomb; checked from the zip directory before openpyxl opens it), an .xlsx with merged cells, or
holds a cell longer than `MAX_CELL_CHARS` (Excel's own limit). A .csv is UTF-8 (with or without
the BOM Excel writes) or else GB 18030, the superset of the GBK that Chinese Excel writes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import pickle
import re
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The largest text one cell may hold: Excel's own limit.
MAX_CELL_CHARS = 32_767
#: The largest total an .xlsx may unpack to, and the largest compression ratio of one part.
MAX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_RATIO = 200
#: Rows per chunk of the first pass's spool (`_Spool`).
SPOOL_ROWS = 1000
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b")


class ImportFileError(ValueError):
    """The file cannot be imported at all; nothing was imported."""


class EmptyFileError(ImportFileError):
    """The file (or sheet) holds no header or no rows."""


@dataclass
class Table:
    """A file's header cells and its data rows, read as a stream: `rows()` reads them again each
    time (as (line number, cells), empty rows dropped), so no import holds a whole file in
    memory. The first reading (`_table`) checks every cell, counts the rows and keeps them in a
    temporary file that later readings stream back (`_Spool`)."""

    path: str
    header: list[str]
    count: int
    sheet: str = ""
    lines: Callable[[], Iterator[tuple[int, list[Any]]]] | None = None

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        seen_header = False
        for line_no, cells in self.lines():
            if _blank(cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            yield line_no, cells


def read_table(path: str | Path) -> Table:
    """The first sheet of an .xlsx, or the .csv."""
    return read_tables(path)[0]


#: `inspect(sheet index, sheet title, header)` -> a check called with (line, cells) for each
#: data row of the first pass, or None: lets the importer map the header and look for
#: duplicates while the file is read the first time.
Inspect = Callable[[int, str, list[str]], "Callable[[int, list[Any]], None] | None"]


def read_tables(
    path: str | Path, extra_sheet: Callable[[str], bool] | None = None, *, inspect: Inspect | None = None
) -> list[Table]:
    """The first sheet of an .xlsx (or the .csv), which must hold rows, then the first later
    sheet whose title `extra_sheet` accepts, if it holds rows."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [_table(path, lambda: _csv_lines(path), "", inspect, 0)]
    if suffix != ".xlsx":
        raise ImportFileError(f"{path}: only .xlsx and .csv files can be imported")
    check_zip(path)
    _check_merged_cells(path)
    from townflow.dataio.xlsx_read import Workbook, XlsxError

    try:
        book = Workbook(path)
        sheets = book.sheets
        book.close()
    except XlsxError as exc:
        raise ImportFileError(f"{path.name}: cannot be read as .xlsx ({exc})") from None
    if not sheets:
        raise ImportFileError(f"{path.name}: the workbook has no sheet")
    title, part = sheets[0]
    tables = [_table(path, lambda: _xlsx_lines(path, part), title, inspect, 0)]
    later = [s for s in sheets[1:] if extra_sheet is not None and extra_sheet(s[0])]
    if later:
        title, other = later[0]
        with contextlib.suppress(EmptyFileError):  # a members sheet left empty: households alone
            tables.append(_table(path, lambda: _xlsx_lines(path, other), title, inspect, 1))
    return tables


def _xlsx_lines(path: Path, part: str) -> Iterator[tuple[int, list[Any]]]:
    from townflow.dataio.xlsx_read import Workbook, XlsxError

    try:
        book = Workbook(path)
        try:
            yield from book.rows(part)
        finally:
            book.close()
    except XlsxError as exc:
        raise ImportFileError(f"{path.name}: cannot be read as .xlsx ({exc})") from None


def _blank(cells: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)


class _Spool:
    """The rows the first pass read, kept in a temporary file (pickled in chunks of `SPOOL_ROWS`)
    so the import reads them back instead of parsing the file again: memory stays bounded (one
    chunk at a time), and reading them back costs a few µs a row against about 30 µs for the
    .xlsx's XML. The file is removed when the table is dropped."""

    def __init__(self) -> None:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open while the first pass writes
            prefix="townflow-import-", suffix=".rows", delete=False
        )
        self.path = handle.name
        self._handle = handle
        self._chunk: list[tuple[int, list[Any]]] = []
        weakref.finalize(self, _remove, self.path)

    def append(self, line_no: int, cells: list[Any]) -> None:
        self._chunk.append((line_no, cells))
        if len(self._chunk) >= SPOOL_ROWS:
            pickle.dump(self._chunk, self._handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._chunk = []

    def close(self) -> None:
        if self._chunk:
            pickle.dump(self._chunk, self._handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._chunk = []
        self._handle.close()

    def lines(self) -> Iterator[tuple[int, list[Any]]]:
        with open(self.path, "rb") as handle:
            while True:
                try:
                    chunk = pickle.load(handle)  # noqa: S301 - our own file, written by the first pass
                except EOFError:
                    return
                yield from chunk


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _table(
    path: Path,
    lines: Callable[[], Iterator[tuple[int, list[Any]]]],
    sheet: str,
    inspect: Inspect | None = None,
    index: int = 0,
) -> Table:
    """Read the sheet once: its header, every cell's length checked, the rows counted (and
    `inspect`'s check run on each). The rows read are kept (`_Spool`): the import reads them
    back from there, not from the file."""
    header: list[str] | None = None
    check = None
    count = 0
    spool = _Spool()
    try:
        for line_no, cells in lines():
            for col, value in enumerate(cells, start=1):
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise ImportFileError(
                        f"{path.name}: row {line_no}, column {col}: a cell of {len(value):,} characters "
                        f"(at most {MAX_CELL_CHARS:,})"
                    )
            if _blank(cells):
                continue
            spool.append(line_no, cells)
            if header is None:
                header = ["" if v is None else str(v).strip() for v in cells]
                while header and not header[-1]:
                    header.pop()
                check = inspect(index, sheet, header) if inspect is not None else None
                continue
            count += 1
            if check is not None:
                check(line_no, cells)
    except BaseException:
        spool.close()
        _remove(spool.path)
        raise
    spool.close()
    if header is None:
        raise EmptyFileError(f"{path.name}: the file is empty (no header row)")
    if not count:
        raise EmptyFileError(f"{path.name}: the file has a header but no rows to import")
    return Table(str(path), header, count, sheet, spool.lines)


def check_zip(path: Path) -> None:
    """Refuse an .xlsx that is not a zip, or would unpack to too much (checked before opening)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(f"{path.name}: not a valid .xlsx file ({exc})") from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise ImportFileError(
                f"{path.name}: refused, it would unpack to {total:,} bytes or more "
                f"({info.filename} compressed {ratio:.0f}:1) — a zip bomb?"
            )


def _check_merged_cells(path: Path) -> None:
    """Merged cells make the rows ambiguous: refused, naming the sheet."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            tail = b""
            with archive.open(name) as part:
                while chunk := part.read(1 << 20):
                    if _MERGE.search(tail + chunk):
                        raise ImportFileError(
                            f"{path.name}: merged cells in {name.rsplit('/', 1)[-1]}; "
                            "unmerge them so each row holds its own values"
                        )
                    tail = chunk[-32:]


def decode_csv(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{name}: neither UTF-8 nor GBK text (byte {exc.start})") from None


def _csv_lines(path: Path) -> Iterator[tuple[int, list[Any]]]:
    text = decode_csv(path.read_bytes(), path.name)
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, [c if c.strip() else None for c in cells]
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}: line {reader.line_num}: {exc}") from None
