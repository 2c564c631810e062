"""Import a DocType's records from .xlsx or .csv through the runtime's normal write path.

1. The file is read and checked as a whole before anything is written (townflow.dataio.reader,
   .columns; a first pass over the file, holding only the records' keys): a bad file, an unknown
   or missing required column, or the same record twice in the file imports nothing. The
   import then reads the rows again, 500 at a time, from the temporary file the first pass
   kept them in (reader._Spool: parsing the .xlsx again would cost ten times as much): no file
   is ever held in memory.
2. Each row becomes a document and goes through the runtime's insert (or `Session.save` with
   `update=True` for a record that already exists): the same permission check, validation,
   hooks, Version and audit rows as the form, so a row is written whole or not at all. Rows are
   committed in batches (`batch_rows`: 500 to 5,000), each row a SAVEPOINT inside its batch's transaction
   (one fsync per batch, not per row); a failed row rolls back to its savepoint only. What the
   import does not need is left out of the per-row work: the written document is not presented
   back (no answer is shown), and the derived counts of a household whose members the batch
   adds are computed once per batch, by the runtime's own computation (runtime.benefits).
3. Existing records are matched by the DocType's natural key (a Person by ID number, a
   Household by head and address), else by the `ID` column: re-importing a file never
   duplicates. In insert mode an existing record is skipped, in update mode it is updated.
4. Households with their members in one file: an .xlsx with a sheet whose title names members
   (成员/Members, `is_member_sheet`) holding Person rows (its `所属户 (household)` column gives a
   household by the `ID` written in the first sheet, or by its name or head's name).
   Households are imported first, then their members.
   Or the members as rows of the same sheet, as Frappe's Data Import lays out child rows: member
   columns are headed `<Person column> (成员)` / `(Members)` (or `members.<fieldname>`); a row
   with household columns filled starts a household (its member columns, if filled, are its
   first member), and the following rows, household columns empty, are its further members.
5. Rows that fail are collected with their reasons, per field, and written to a failed-rows
   .xlsx (the same columns plus 行 / Row and 错误 / Error), to fix and import again.
6. `preview`: the same import, run inside a transaction that is then rolled back, over the
   first rows of the file: each row's errors, per field, exactly as the import would find them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from townflow.dataio.columns import CellConverter, ColumnMap, map_header
from townflow.dataio.export import write_xlsx
from townflow.dataio.reader import ImportFileError, Table, read_tables
from townflow.runtime import pinyin_search
from townflow.runtime.db import quote
from townflow.runtime.errors import FieldMessage, TownflowError
from townflow.web.report_export import safe_cell

__all__ = ["ImportFileError", "ImportResult", "import_file", "prepare", "preview", "progress_printer"]

#: Natural keys that identify an existing record, tried in order; a key applies when the
#: DocType has all its fields.
MATCH_KEYS: dict[str, list[tuple[str, ...]]] = {
    "Person": [("id_number",)],
    "Household": [("head_name", "address")],
}
#: A DocType whose file may carry a second sheet of member rows: (member DocType, its link field).
MEMBER_SHEETS: dict[str, tuple[str, str]] = {"Household": ("Person", "household")}
ERROR_HEADER = "错误 / Error"
ROW_HEADER = "行 / Row"
SHEET_HEADER = "工作表 / Sheet"
#: Rows committed together (each row still its own SAVEPOINT, written whole or not at all): at
#: least BATCH_ROWS, and up to MAX_BATCH_ROWS for a large file (`batch_rows`). Each commit is an
#: fsync (`synchronous=FULL`) and writes every page the batch dirtied — the search keys' and
#: the indexes' inserts land on pages all over their B-trees, so a larger batch writes each page
#: once for more rows. On the loaded project machine: 40,000 rows in batches of 500 took 28 s
#: (14 s of it waiting for the disk), of 2,000 19 s; 100,000 rows in batches of 5,000 took
#: 30.1 / 34.6 s of CPU against 32.6 / 36.7 s in batches of 2,000 (paired runs). A batch holds
#: the write lock while it runs, 1.5-4 s for 5,000 rows: other writers wait for it (busy
#: timeout 30 s), so an import of a large register is best run out of office hours.
BATCH_ROWS = 500
MAX_BATCH_ROWS = 5000
#: Rows a preview checks.
PREVIEW_ROWS = 200

Progress = Callable[[int, int], None]


@dataclass
class FailedRow:
    line: int
    cells: list[Any]
    reason: str
    messages: list[FieldMessage] = field(default_factory=list)
    sheet: str = ""

    @property
    def by_field(self) -> dict[str, str]:
        """Field -> its message(s) in Chinese and English (messages naming no field under "")."""
        out: dict[str, str] = {}
        for m in self.messages:
            text = f"{m.zh} / {m.en}" if m.en and m.en != m.zh else m.zh
            key = m.field or ""
            out[key] = f"{out[key]}; {text}" if key in out else text
        return out


@dataclass
class ImportResult:
    doctype: str
    total: int = 0
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[FailedRow] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    #: members imported with the households (second sheet), counted apart
    members: ImportResult | None = None

    def summary(self) -> str:
        text = (
            f"{self.doctype}: {self.total} rows; {len(self.inserted)} inserted, {len(self.updated)} updated, "
            f"{len(self.skipped)} already there (skipped), {len(self.failed)} failed"
        )
        return text + (f"; members {self.members.summary()}" if self.members is not None else "")

    @property
    def all_failed(self) -> list[FailedRow]:
        return self.failed + (self.members.failed if self.members is not None else [])


@dataclass
class Sheet:
    """One sheet of the file, checked: its table, columns, and its rows as documents (`docs()`
    reads the sheet again: the rows are never all in memory)."""

    site: Any
    meta: Any
    table: Table
    columns: ColumnMap
    key: tuple[str, ...] | None
    link_field: str | None = None  # members: the field naming their household

    @property
    def count(self) -> int:
        return self.table.count

    def docs(self) -> Iterator[tuple[int, list[Any], dict]]:
        keep = frozenset({self.link_field}) if self.link_field else frozenset()
        return iter_docs(self.site, self.meta, self.table, self.columns, keep_raw=keep)


@dataclass
class Prepared:
    doctype: str
    main: Sheet
    members: Sheet | None = None

    @property
    def total(self) -> int:
        return self.main.count + (self.members.count if self.members else 0)


#: Words in a sheet's title that make it the members sheet of a households file.
MEMBER_SHEET_WORDS = ("成员", "member", "人员", "person")


def is_member_sheet(title: str) -> bool:
    return any(word in title.lower() for word in MEMBER_SHEET_WORDS)


_MEMBER_COLUMN = re.compile(r"^(.*?)\s*[(（]\s*(?:成员|members?)\s*[)）]\s*$", re.IGNORECASE)
_MEMBER_PREFIX = re.compile(r"^(?:成员|members?)\s*[.:：]\s*(.+)$", re.IGNORECASE)
#: The household a same-sheet member row belongs to: the line of its household row.
_ROW_KEY = "\x00row "


def member_column(text: str) -> str | None:
    """The member column's own header (`姓名 (成员)` -> `姓名`), or None: a household column."""
    found = _MEMBER_COLUMN.match(text.strip()) or _MEMBER_PREFIX.match(text.strip())
    return found.group(1).strip() if found else None


def _filled(cells: list[Any], columns: list[int]) -> bool:
    return any(
        i < len(cells) and cells[i] is not None and not (isinstance(cells[i], str) and not cells[i].strip())
        for i in columns
    )


def _split_same_sheet(
    table: Table, own: list[int], member: list[int], counts: list[int]
) -> tuple[Table, Table]:
    """The sheet as two tables: its household rows, and its member rows (each given one more
    cell: the line of the household row above it, under the link column)."""

    def household_lines():
        yield 0, table.header
        for line, cells in table.rows():
            if _filled(cells, own):
                yield line, cells

    def member_lines():
        yield 0, [*table.header, ""]
        current: int | None = None
        width = len(table.header)
        for line, cells in table.rows():
            if _filled(cells, own):
                current = line
            if _filled(cells, member):
                cells = [*cells[:width], *[None] * (width - len(cells))]
                yield line, [*cells, f"{_ROW_KEY}{current}" if current is not None else None]

    households = Table(table.path, table.header, counts[0], table.sheet, household_lines)
    members = Table(table.path, table.header, counts[1], table.sheet, member_lines)
    return households, members


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


def _find_existing(
    site, meta, doc: dict, key: tuple[str, ...] | None, known: dict[Any, str] | None = None
) -> str | None:
    """The name of the stored record this row is (natural key first, then the ID column).
    `known`: the stored records of a one-field key, looked up for the whole batch at once
    (`_known_keys`); a value not in it is stored nowhere."""
    if key is not None and all(doc.get(f) not in (None, "") for f in key):
        if known is not None:
            found = known.get(doc[key[0]])
        else:
            where = " AND ".join(f"{quote(f)} = ?" for f in key)
            sql = f"SELECT name FROM {meta.table} WHERE {where} LIMIT 1"  # noqa: S608 - meta's table and columns, quoted; values bound
            found = site.db.scalar(sql, [doc[f] for f in key])
        if found is not None:
            return found
    if doc.get("name"):
        return site.db.scalar(f"SELECT name FROM {meta.table} WHERE name = ?", (doc["name"],))  # noqa: S608 - meta's table and columns, quoted; values bound
    return None


def _known_keys(site, meta, key: tuple[str, ...] | None, docs: list[dict]) -> dict[Any, str] | None:
    """For a one-field natural key (a Person's ID number): the stored records the batch's rows
    name, value -> name, in one query instead of one per row; None for other keys. Rows of one
    file never share a key (the first pass refuses the file), so no row of the batch can match
    another row written before it in the same batch."""
    if key is None or len(key) != 1:
        return None
    values = list({d[key[0]] for d in docs if d.get(key[0]) not in (None, "")})
    known: dict[Any, str] = {}
    column = quote(key[0])
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT {column}, name FROM {meta.table} WHERE {column} IN ({marks})"  # noqa: S608 - meta's table and columns, quoted; values bound
        for value, name in site.db.fetchall(sql, chunk):
            known.setdefault(value, name)
    return known


def reason_of(exc: Exception) -> str:
    if isinstance(exc, TownflowError):
        parts = [f"{m.field}: {m.zh}" if m.field else m.zh for m in exc.messages]
        return "; ".join(parts) + f" ({exc})"
    return f"{type(exc).__name__}: {exc}"


def iter_docs(
    site, meta, table: Table, columns: ColumnMap, *, keep_raw: frozenset[str] = frozenset()
) -> Iterator[tuple[int, list[Any], dict]]:
    """Each row as a document, read from the file as it goes. Cells of the fields in `keep_raw`
    are kept as text (resolved later: members' households)."""
    convert = CellConverter(site, meta)
    columns_used = [
        (index, fieldname, fieldname in keep_raw, convert.column(fieldname))
        for index, fieldname in enumerate(columns.fields)
        if fieldname
    ]
    for line, cells in table.rows():
        doc: dict[str, Any] = {"doctype": meta.name}
        width = len(cells)
        for index, fieldname, raw, column in columns_used:
            if index < width:
                cell = cells[index]
                if raw and cell not in (None, ""):
                    value: Any = (
                        str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell).strip()
                    )
                else:
                    value = column(cell)
                if value is not None:
                    doc[fieldname] = value
        yield line, cells, doc


def duplicate_checker(site, meta, columns: ColumnMap, file_name: str, sheet: str):
    """A per-row check refusing the whole file when a record appears twice in it (by natural
    key, else by ID); only the keys are held, not the rows. Called by the reader's first pass."""
    convert = CellConverter(site, meta)
    key = match_key(meta, columns)
    wanted = [(i, f) for i, f in enumerate(columns.fields) if f and (f == "name" or (key and f in key))]
    seen: dict[tuple, int] = {}
    where = f" (sheet {sheet})" if sheet else ""

    def check(line: int, cells: list[Any]) -> None:
        doc = {f: convert.convert(f, cells[i]) for i, f in wanted if i < len(cells)}
        identity = _key_of(doc, key)
        if identity is None:
            return
        if identity in seen:
            what = ", ".join(str(v) for v in identity)
            raise ImportFileError(
                f"{file_name}{where}: rows {seen[identity]} and {line} are the same record ({what})"
            )
        seen[identity] = line

    return check if wanted else None


def prepare(session, doctype: str, path: str | Path) -> Prepared:
    """Read and check the whole file (raises ImportFileError; nothing is written)."""
    site = session.site
    meta = session.meta(doctype)
    if meta.istable or meta.issingle:
        raise ImportFileError(f"{doctype} records cannot be imported on their own")
    session.require_doctype(meta, "create")
    member_doctype, link_field = MEMBER_SHEETS.get(doctype, (None, None))
    members_wanted = member_doctype is not None and site.metas.exists(member_doctype)
    name = Path(path).name
    mapped: dict[int, ColumnMap] = {}
    same_sheet: dict[str, Any] = {}  # members as rows of the first sheet: their columns, counts

    def inspect(index: int, title: str, header: list[str]):
        """Each sheet's header mapped, then its rows checked for duplicates, in the first pass."""
        member_headers = [member_column(h) for h in header] if index == 0 and members_wanted else []
        if any(member_headers):
            return inspect_same_sheet(header, member_headers)
        if index == 0:
            sheet_meta, label = meta, name
        else:
            sheet_meta, label = session.meta(member_doctype), f"{name} (sheet {title})"
            session.require_doctype(sheet_meta, "create")
        columns = map_header(sheet_meta, header, label)
        if index and link_field not in columns.by_field:
            raise ImportFileError(
                f"{label}: the members need the column {link_field!r} "
                "(the household's ID in the first sheet, or its name)"
            )
        mapped[index] = columns
        return duplicate_checker(site, sheet_meta, columns, name, title if index else "")

    def inspect_same_sheet(header: list[str], member_headers: list[str | None]):
        member_meta = session.meta(member_doctype)
        session.require_doctype(member_meta, "create")
        own = [i for i, m in enumerate(member_headers) if m is None]
        member = [i for i, m in enumerate(member_headers) if m is not None]
        columns = map_header(
            meta, [h if m is None else "" for h, m in zip(header, member_headers, strict=True)], name
        )
        # the last column: the household row above (filled in by the import, never in the file)
        member_header = [*(m or "" for m in member_headers), link_field]
        member_columns = map_header(
            member_meta, member_header, f"{name} (member columns; their household is the household row above)"
        )
        mapped[0] = columns
        same_sheet.update(own=own, member=member, columns=member_columns, counts=[0, 0])
        counts = same_sheet["counts"]
        checks = [
            duplicate_checker(site, meta, columns, name, ""),
            duplicate_checker(site, member_meta, member_columns, name, "members"),
        ]

        def check(line: int, cells: list[Any]) -> None:
            for part, (kind, check_part) in enumerate(zip((own, member), checks, strict=True)):
                if _filled(cells, kind):
                    counts[part] += 1
                    if check_part is not None:
                        check_part(line, cells)

        return check

    tables = read_tables(path, is_member_sheet if members_wanted else None, inspect=inspect)
    if same_sheet:
        member_meta = session.meta(member_doctype)
        own_rows, member_rows = _split_same_sheet(
            tables[0], same_sheet["own"], same_sheet["member"], same_sheet["counts"]
        )
        main = Sheet(site, meta, own_rows, mapped[0], match_key(meta, mapped[0]))
        members = Sheet(
            site,
            member_meta,
            member_rows,
            same_sheet["columns"],
            match_key(member_meta, same_sheet["columns"]),
            link_field,
        )
        return Prepared(doctype, main, members)
    main = Sheet(site, meta, tables[0], mapped[0], match_key(meta, mapped[0]))
    prepared = Prepared(doctype, main)
    if len(tables) > 1:
        member_meta = session.meta(member_doctype)
        prepared.members = Sheet(
            site, member_meta, tables[1], mapped[1], match_key(member_meta, mapped[1]), link_field
        )
    return prepared


def batch_rows(total: int) -> int:
    """Rows per commit for a file of `total` rows: a twentieth of the file (so progress moves in
    steps of 5% at most), at least BATCH_ROWS, at most MAX_BATCH_ROWS."""
    return max(BATCH_ROWS, min(MAX_BATCH_ROWS, total // 20))


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
    prepared = prepare(session, doctype, path)
    result = run_import(session, prepared, update=update, progress=progress)
    if result.all_failed and failed_path is not None:
        write_failed_rows(result, failed_path)
    return result


class _Rollback(Exception):
    """Ends a preview: everything it wrote is rolled back."""


def preview(session, prepared: Prepared, *, update: bool = False, limit: int = PREVIEW_ROWS) -> ImportResult:
    """The first `limit` rows of each sheet imported and rolled back: what the import would do."""
    site = session.site
    holder: list[ImportResult] = []
    try:
        with site.db.transaction():
            holder.append(run_import(session, prepared, update=update, limit=limit))
            raise _Rollback
    except _Rollback:
        pass
    return holder[0]


def run_import(
    session,
    prepared: Prepared,
    *,
    update: bool = False,
    progress: Progress | None = None,
    limit: int | None = None,
) -> ImportResult:
    total = prepared.total
    done = [0]

    def step(count: int) -> None:
        done[0] += count
        if progress is not None:
            progress(done[0], total)

    main = prepared.main
    result = ImportResult(doctype=prepared.doctype, header=main.table.header)
    file_keys: dict[str, str] = {}  # the ID a household has in the file -> its name on the site
    _import_sheet(session, main, update, result, step, limit, file_keys)
    if prepared.members is not None:
        members = prepared.members
        result.members = ImportResult(doctype=members.meta.name, header=members.table.header)
        _import_sheet(session, members, update, result.members, step, limit, file_keys)
    return result


def _import_sheet(session, sheet: Sheet, update, result: ImportResult, step, limit, file_keys) -> None:
    site = session.site
    docs = sheet.docs()
    if limit is not None:
        docs = itertools.islice(docs, limit)
    result.total = min(sheet.count, limit) if limit is not None else sheet.count
    member_link = sheet.link_field
    link_target = sheet.meta.get_field(member_link).options if member_link else None
    convert = CellConverter(site, sheet.meta) if member_link else None
    sheet_name = sheet.table.sheet
    size = batch_rows(sheet.count)
    while rows := list(itertools.islice(docs, size)):
        # One commit per batch; inside it each row is its own SAVEPOINT: a row that fails is
        # undone whole and the others stay.
        batch = ImportResult(doctype=result.doctype)
        session.deferred_households = touched = set()
        session.deferred_pinyin = keys = []
        known = _known_keys(site, sheet.meta, sheet.key, [doc for _line, _cells, doc in rows])
        try:
            with site.db.transaction(), site.audit.buffered():
                for line, cells, doc in rows:
                    mark, audit_mark = len(keys), site.audit.mark()
                    row = dict(doc)
                    if member_link and str(row.get(member_link) or "").startswith(_ROW_KEY):
                        given = row[member_link]
                        if given not in file_keys:  # its household row failed: so does the member
                            reason = f"the household of row {given[len(_ROW_KEY) :]} was not imported"
                            message = FieldMessage(
                                member_link, f"第 {given[len(_ROW_KEY) :]} 行的户未导入", reason
                            )
                            batch.failed.append(FailedRow(line, cells, reason, [message], sheet_name))
                            continue
                        row[member_link] = file_keys[given]
                    elif member_link and row.get(member_link):
                        given = row[member_link]
                        row[member_link] = file_keys.get(given) or convert.link(link_target, given)
                    written = _import_row(
                        session, site, sheet.meta, sheet.key, update, line, cells, row, batch, known
                    )
                    if written is None:
                        batch.failed[-1].sheet = sheet_name
                        del keys[mark:]  # the row was rolled back: so are its search keys
                        site.audit.discard_failed(audit_mark)  # and its audit rows
                    elif not member_link:
                        file_keys[f"{_ROW_KEY}{line}"] = written
                        if doc.get("name"):
                            file_keys[str(doc["name"])] = written
                pinyin_search.write_deferred(site, keys)
                _recompute_households(session, touched)
        finally:
            session.deferred_households = None
            session.deferred_pinyin = None
        for name in ("inserted", "updated", "skipped", "failed"):
            getattr(result, name).extend(getattr(batch, name))
        step(len(rows))


def _recompute_households(session, households: set[str]) -> None:
    """The derived counts of every household the batch gave members (runtime.benefits)."""
    if not households:
        return
    from townflow.runtime import benefits

    for household in sorted(households):
        benefits.recompute_household(session, household)


def _import_row(
    session, site, meta, key, update, line, cells, doc, result: ImportResult, known=None
) -> str | None:
    """Write one row (its own SAVEPOINT); the name written, matched or skipped, None if it failed."""
    try:
        existing = _find_existing(site, meta, doc, key, known)
        if existing is not None and not session.can_see(meta, existing, "read"):
            existing = None  # a record the user may not read is none of theirs: never matched or told
        if existing is None:
            with site.db.transaction():
                name = import_insert(session, meta, doc)
            result.inserted.append(name)
        elif update:
            name = session.save({**doc, "name": existing}, check_modified=False)["name"]
            result.updated.append(name)
        else:
            name = existing
            result.skipped.append(name)
        return name
    except TownflowError as exc:
        result.failed.append(FailedRow(line, cells, reason_of(exc), list(exc.messages)))
        return None


def import_insert(session, meta, doc: dict) -> str:
    """Session.insert without presenting the written document back (an import shows none):
    the same permission check, validation, naming, hooks, audit row and Version."""
    if meta.istable or meta.issingle:
        return session.insert(doc)["name"]
    return session._insert(meta, doc)["name"]


def write_failed_rows(result: ImportResult, out: str | Path | IO[bytes]) -> None:
    """The failed rows as an .xlsx: the file's own columns, the row number and the reason.
    Failed members (second sheet) follow on a sheet of their own."""
    from openpyxl import Workbook

    def lines(part: ImportResult):
        yield [*(safe_cell(h) for h in part.header), ROW_HEADER, ERROR_HEADER]
        for row in part.failed:
            cells = [safe_cell(c) for c in row.cells[: len(part.header)]]
            cells += [""] * (len(part.header) - len(cells))
            yield [*cells, row.line, safe_cell(row.reason)]

    if result.members is None or not result.members.failed:
        write_xlsx(lines(result), out, title="Failed rows")
        return
    book = Workbook(write_only=True)
    for title, part in (("Failed rows", result), ("Failed members", result.members)):
        sheet = book.create_sheet(title=title)
        for line in lines(part):
            sheet.append(line)
    book.save(out)


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
