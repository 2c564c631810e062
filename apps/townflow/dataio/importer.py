"""Import a DocType's records from .xlsx or .csv through the runtime's normal write path.

1. The file is read and checked as a whole (townflow.dataio.reader, .columns): a bad file, an
   unknown or missing required column, or the same record twice in the file imports nothing.
2. Each row becomes a document and goes through `Session.insert` (or `Session.save` with
   `update=True` for a record that already exists): the same permission check, validation and
   atomic write as the form, so a row is written whole or not at all. Rows are committed in
   batches of `BATCH_ROWS`, each row a SAVEPOINT inside its batch's transaction (one fsync per
   batch, not per row); a failed row rolls back to its savepoint only.
3. Existing records are matched by the DocType's natural key (a Person by ID number, a
   Household by head and address), else by the `ID` column: re-importing a file never
   duplicates. In insert mode an existing record is skipped, in update mode it is updated.
4. Rows that fail are collected with their reasons and written to a failed-rows .xlsx (the
   same columns plus 错误 / Error), to fix and import again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from townflow.dataio.columns import CellConverter, ColumnMap, map_header
from townflow.dataio.export import write_xlsx
from townflow.dataio.reader import ImportFileError, Table, read_table
from townflow.runtime.db import quote
from townflow.runtime.errors import TownflowError
from townflow.web.report_export import safe_cell

__all__ = ["ImportFileError", "ImportResult", "import_file", "progress_printer"]

#: Natural keys that identify an existing record, tried in order; a key applies when the
#: DocType has all its fields.
MATCH_KEYS: dict[str, list[tuple[str, ...]]] = {
    "Person": [("id_number",)],
    "Household": [("head_name", "address")],
}
ERROR_HEADER = "错误 / Error"
#: Rows committed together (each row still its own SAVEPOINT, written whole or not at all).
BATCH_ROWS = 500

Progress = Callable[[int, int], None]


@dataclass
class FailedRow:
    line: int
    cells: list[Any]
    reason: str


@dataclass
class ImportResult:
    doctype: str
    total: int = 0
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[FailedRow] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.doctype}: {self.total} rows; {len(self.inserted)} inserted, {len(self.updated)} updated, "
            f"{len(self.skipped)} already there (skipped), {len(self.failed)} failed"
        )


def match_key(meta, columns: ColumnMap) -> tuple[str, ...] | None:
    """The natural key this file identifies records by (its fields are all columns), else None."""
    for key in MATCH_KEYS.get(meta.name, []):
        if all(f in meta.column_set and f in columns.by_field for f in key):
            return key
    return None


def _key_of(doc: dict, key: tuple[str, ...] | None) -> tuple | None:
    if key is not None:
        values = tuple(doc.get(f) for f in key)
        if all(v not in (None, "") for v in values):
            return values
    if doc.get("name"):
        return ("name", doc["name"])
    return None


def _find_existing(site, meta, doc: dict, key: tuple[str, ...] | None) -> str | None:
    """The name of the stored record this row is (natural key first, then the ID column)."""
    if key is not None and all(doc.get(f) not in (None, "") for f in key):
        where = " AND ".join(f"{quote(f)} = ?" for f in key)
        found = site.db.scalar(f"SELECT name FROM {meta.table} WHERE {where} LIMIT 1", [doc[f] for f in key])  # noqa: S608 - meta's table and columns, quoted; values bound
        if found is not None:
            return found
    if doc.get("name"):
        return site.db.scalar(f"SELECT name FROM {meta.table} WHERE name = ?", (doc["name"],))  # noqa: S608 - meta's table and columns, quoted; values bound
    return None


def reason_of(exc: Exception) -> str:
    if isinstance(exc, TownflowError):
        parts = [f"{m.field}: {m.zh}" if m.field else m.zh for m in exc.messages]
        return "; ".join(parts) + f" ({exc})"
    return f"{type(exc).__name__}: {exc}"


def build_docs(site, meta, table: Table, columns: ColumnMap) -> list[tuple[int, list[Any], dict]]:
    """Each row as a document; refuses the whole file when a record appears twice in it."""
    convert = CellConverter(site, meta)
    key = match_key(meta, columns)
    docs: list[tuple[int, list[Any], dict]] = []
    seen: dict[tuple, int] = {}
    for line, cells in table.rows:
        doc: dict[str, Any] = {"doctype": meta.name}
        for index, fieldname in enumerate(columns.fields):
            if fieldname and index < len(cells):
                value = convert.convert(fieldname, cells[index])
                if value is not None:
                    doc[fieldname] = value
        identity = _key_of(doc, key)
        if identity is not None:
            if identity in seen:
                what = ", ".join(str(v) for v in identity)
                raise ImportFileError(
                    f"{Path(table.path).name}: rows {seen[identity]} and {line} are the same record ({what})"
                )
            seen[identity] = line
        docs.append((line, cells, doc))
    return docs


def import_file(
    session,
    doctype: str,
    path: str | Path,
    *,
    update: bool = False,
    failed_path: str | Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import `path` into `doctype` as `session`'s user; see the module docstring."""
    site = session.site
    meta = session.meta(doctype)
    if meta.istable or meta.issingle:
        raise ImportFileError(f"{doctype} records cannot be imported on their own")
    session.require_doctype(meta, "create")
    table = read_table(path)
    columns = map_header(meta, table.header, Path(path).name)
    docs = build_docs(site, meta, table, columns)
    key = match_key(meta, columns)
    result = ImportResult(doctype=doctype, total=len(docs), header=table.header)
    for start in range(0, len(docs), BATCH_ROWS):
        # One commit per batch; inside it each row is its own SAVEPOINT (Session.insert nested in
        # an open transaction): a row that fails is undone whole and the others stay.
        batch = ImportResult(doctype=doctype)
        with site.db.transaction():
            for line, cells, doc in docs[start : start + BATCH_ROWS]:
                _import_row(session, site, meta, key, update, line, cells, doc, batch)
        for name in ("inserted", "updated", "skipped", "failed"):
            getattr(result, name).extend(getattr(batch, name))
        if progress is not None:
            progress(min(start + BATCH_ROWS, len(docs)), len(docs))
    if result.failed and failed_path is not None:
        write_failed_rows(result, failed_path)
    return result


def _import_row(session, site, meta, key, update, line, cells, doc, result: ImportResult) -> None:
    try:
        existing = _find_existing(site, meta, doc, key)
        if existing is not None and not session.can_see(meta, existing, "read"):
            existing = None  # a record the user may not read is none of theirs: never matched or told
        if existing is None:
            result.inserted.append(session.insert(doc)["name"])
        elif update:
            saved = session.save({**doc, "name": existing}, check_modified=False)
            result.updated.append(saved["name"])
        else:
            result.skipped.append(existing)
    except TownflowError as exc:
        result.failed.append(FailedRow(line, cells, reason_of(exc)))


def write_failed_rows(result: ImportResult, out: str | Path | IO[bytes]) -> None:
    """The failed rows as an .xlsx: the file's own columns, the row number and the reason."""

    def lines():
        yield [*(safe_cell(h) for h in result.header), "行 / Row", ERROR_HEADER]
        for row in result.failed:
            cells = [safe_cell(c) for c in row.cells[: len(result.header)]]
            cells += [""] * (len(result.header) - len(cells))
            yield [*cells, row.line, safe_cell(row.reason)]

    write_xlsx(lines(), out, title="Failed rows")


def progress_printer(stream) -> Progress:
    """A progress bar on a terminal; otherwise one line per 10% (for logs and scripts)."""
    tty = hasattr(stream, "isatty") and stream.isatty()
    last = [0]  # a line at each 10% reached, the first at 10%

    def report(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if tty:
            bar = "#" * (percent // 5)
            stream.write(f"\r[{bar:<20}] {percent:3d}% {done}/{total}")
            if done == total:
                stream.write("\n")
            stream.flush()
            return
        step = percent // 10
        if step > last[0]:
            last[0] = step
            stream.write(f"{step * 10}% ({done}/{total} rows)\n")
            stream.flush()

    return report
