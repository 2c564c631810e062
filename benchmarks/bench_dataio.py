"""Registers in and out at scale: import of N persons from .xlsx and export of N rows, each beside
a raw baseline run in the same process.

    python -m benchmarks.bench_dataio --sizes 1000,10000 [--export-rows 1000000]
    (also in `make bench`: the `dataio` suite)

- import: `import_file(admin, "Person", persons.xlsx)`: the file read and checked, every row
  through the runtime's insert (permission check, validation, naming, hooks, Version and audit
  rows; each row a SAVEPOINT, committed per batch of `batch_rows(N)`). Per-batch times give median
  and p95. Baseline: the same file read with openpyxl read-only and each row INSERTed with raw
  SQL, committed per batch of the same size.
- export: `export_list(admin, "Person", out.xlsx)`: permission-checked pages of the list (keyset
  paging), masks, formula escaping, the streaming writer (townflow.dataio.xlsx_stream). Times
  per 5,000 rows give median and p95. Baseline: one raw SELECT of the same columns through the
  same writer. Reference row: the same rows through openpyxl's write-only mode (with lxml).
- reader reference: one pass over the import's own file with openpyxl's read-only mode
  (`iter_rows(values_only=True)`) beside the same pass with townflow.dataio.xlsx_read, in the
  same process: the import parses its file once (the check pass; the rows it read are kept in a
  temporary file for the import), so the figure printed is what the reader costs the import.
- `--export-rows N`: the export again over N persons (bulk-loaded with raw SQL, as
  bench_reports loads its data): the "1M rows in <= 60 s" figure.

Rates are rows per second; the ratio is townflow's time over the baseline's.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook

from benchmarks.bench_search import names as person_names
from townflow.dataio.export import default_fields, export_list, write_xlsx
from townflow.dataio.importer import batch_rows, import_file
from townflow.rules.validators import id_number_check_char
from townflow.runtime import Site
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[1]
PER_HOUSEHOLD = 4
HEADER = ["所属户", "姓名", "性别", "出生日期", "公民身份号码", "与户主关系"]
CHUNK = 5000
#: `make bench` imports at most this many rows (issue 15's target size) and exports the full size.
MAX_IMPORT = 100_000


def _person(i: int, household: str, name: str | None = None) -> list:
    born = date(1960, 1, 1) + timedelta(days=i // 1000)
    first17 = f"370626{born:%Y%m%d}{i % 1000:03d}"
    gender = "Male" if int(first17[16]) % 2 else "Female"
    full_name = name or f"人员{i}"
    return [household, full_name, gender, born.isoformat(), first17 + id_number_check_char(first17), "Head"]


def _households(site: Site, count: int) -> list[str]:
    admin = site.session("Administrator")
    village = site.db.scalar('SELECT name FROM "tabVillage" ORDER BY name LIMIT 1')
    names = []
    with site.db.transaction():  # one commit for the setup (not measured)
        for i in range(count):
            doc = {
                "doctype": "Household",
                "village": village,
                "head_name": f"户主{i}",
                "address": f"{i}号",
                "household_type": "Childless",
            }
            names.append(admin.insert(doc)["name"])
    return names


def _write_source(path: Path, size: int, households: list[str]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(HEADER)
    # names as a register holds them (bench_search's 101 surnames and 88 given-name characters):
    # the pinyin keys of each are worked out, not one cached reading for every row
    for i, name in enumerate(person_names(size)):
        sheet.append(_person(i, households[i // PER_HOUSEHOLD % len(households)], name))
    book.save(path)


def _raw_import(site: Site, path: Path, total: int) -> int:
    """Baseline: read the same file, raw INSERTs committed per batch of the import's size (scratch table)."""
    db = site.db
    db.execute('DROP TABLE IF EXISTS "bench_person"')
    db.execute(
        'CREATE TABLE "bench_person" (name TEXT PRIMARY KEY, household, full_name, '
        "gender, date_of_birth, id_number UNIQUE, relationship)"
    )
    book = load_workbook(path, read_only=True)
    count = 0
    rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
    size = batch_rows(total)
    while batch := list(itertools.islice(rows, size)):
        with db.transaction():
            for row in batch:
                count += 1
                db.execute('INSERT INTO "bench_person" VALUES (?, ?, ?, ?, ?, ?, ?)', (f"B{count}", *row))
    book.close()
    return count


def _read_passes(path: Path) -> tuple[int, float, float]:
    """One pass over `path` with openpyxl read-only, then with xlsx_read: rows, and seconds each."""
    from townflow.dataio.xlsx_read import Workbook as StreamBook

    started = time.perf_counter()
    book = load_workbook(path, read_only=True)
    count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    with_openpyxl = time.perf_counter() - started
    started = time.perf_counter()
    stream = StreamBook(path)
    counted = sum(1 for _ in stream.rows(stream.sheets[0][1]))
    stream.close()
    with_stream = time.perf_counter() - started
    assert counted == count, (counted, count)
    return count, with_openpyxl, with_stream


def _raw_rows(site: Site, fields: list[str]):
    select = ", ".join(f'"{f}"' for f in fields)
    cursor = site.db.execute(f'SELECT {select} FROM "tabPerson" ORDER BY name')  # noqa: S608 - constant names
    yield fields
    while batch := cursor.fetchmany(CHUNK):
        yield from ([*r] for r in batch)


def _openpyxl_write_only(lines, out: Path) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    count = -1
    for count, line in enumerate(lines):  # noqa: B007
        sheet.append(line)
    book.save(out)
    return count


def _chunked(lines, marks: list[float]):
    """Pass the lines through, noting the time at every CHUNK rows."""
    for index, line in enumerate(lines):
        if index and index % CHUNK == 0:
            marks.append(time.perf_counter())
        yield line


def _timed_export(admin, folder: Path, fields: list[str]) -> tuple[int, float, float, list[float]]:
    """The export's count, wall and CPU seconds, and the time of each CHUNK rows."""
    from townflow.dataio import xlsx_stream

    marks: list[float] = []
    original = xlsx_stream.write_rows
    xlsx_stream.write_rows = lambda lines, out, **kw: original(_chunked(lines, marks), out, **kw)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        count = export_list(admin, "Person", folder / "out.xlsx", "xlsx", fields=fields)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        xlsx_stream.write_rows = original
    points = [started, *marks]
    return count, seconds, cpu, [b - a for a, b in itertools.pairwise(points)]


def _bulk_persons(site: Site, total: int) -> None:
    """Raw rows up to `total` persons (as bench_reports loads its data; not measured)."""
    meta = site.metas.get("Person")
    have = site.db.scalar('SELECT COUNT(*) FROM "tabPerson"')
    household = site.db.fetchone('SELECT name, village FROM "tabHousehold" LIMIT 1')
    columns = ["name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"]
    columns += ["household", "village", "full_name", "gender", "date_of_birth", "id_number", "relationship"]
    columns = [c for c in columns if c in meta.column_set or c in ("name", "owner", "creation", "modified")]
    marks = ", ".join("?" * len(columns))
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "tabPerson" ({names}) VALUES ({marks})'  # noqa: S608 - constant names
    stamp = "2026-03-01 09:00:00.000000"
    for start in range(have, total, 50_000):
        rows = []
        for i in range(start, min(total, start + 50_000)):
            person = _person(i + 10_000_000, household["name"])
            values = {
                "name": f"BULK-{i:08d}",
                "owner": "Administrator",
                "creation": stamp,
                "modified": stamp,
                "modified_by": "Administrator",
                "docstatus": 0,
                "idx": 0,
                "household": household["name"],
                "village": household["village"],
                "full_name": person[1],
                "gender": person[2],
                "date_of_birth": person[3],
                "id_number": f"B{i:017d}",
                "relationship": "Head",
            }
            rows.append([values[c] for c in columns])
        with site.db.transaction():
            site.db.conn.executemany(sql, rows)


def _stats(times: list[float], rows_each: int) -> str:
    if not times:
        return "-"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"per {rows_each:,} rows median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )


def run(size: int, folder: str | Path | None = None, export_rows: int = 0) -> list[dict]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(folder or scratch)
        site = Site.open(folder / "site", load_project(ROOT), admin_password="bench")
        try:
            households = _households(site, max(1, size // PER_HOUSEHOLD))
            source = folder / "persons.xlsx"
            _write_source(source, size, households)
            admin = site.session("Administrator")

            batches: list[float] = [time.perf_counter()]
            started, cpu = time.perf_counter(), time.process_time()
            result = import_file(
                admin, "Person", source, progress=lambda d, t: batches.append(time.perf_counter())
            )
            imported, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert not result.failed, result.failed[:3]
            batch_times = [b - a for a, b in itertools.pairwise(batches[1:])]
            started = time.perf_counter()
            _raw_import(site, source, size)
            raw_imported = time.perf_counter() - started
            rows = [
                _row("import persons (.xlsx)", size, len(result.inserted), imported, raw_imported),
            ]
            rows[-1]["value"] += f" (CPU {cpu:.1f} s); {_stats(batch_times, batch_rows(size))}"
            count, with_openpyxl, with_stream = _read_passes(source)
            rows.append(
                {
                    "benchmark": "reference: one pass over the .xlsx, openpyxl read-only",
                    "size": size,
                    "value": f"{with_openpyxl:.2f} s, {count / with_openpyxl:,.0f} rows/s",
                    "baseline": f"xlsx_read {with_stream:.2f} s, {count / with_stream:,.0f} rows/s",
                    "ratio": round(with_openpyxl / with_stream, 2),
                }
            )
            rows += _export_rows(site, admin, folder, size)
            if export_rows > size:
                _bulk_persons(site, export_rows)
                rows += _export_rows(site, admin, folder, export_rows, reference=False)
        finally:
            site.close()
    return rows


def _export_rows(site, admin, folder: Path, size: int, *, reference: bool = True) -> list[dict]:
    fields = default_fields(site.metas.get("Person"))
    count, exported, cpu, chunks = _timed_export(admin, folder, fields)
    started = time.perf_counter()
    write_xlsx(_raw_rows(site, fields), folder / "raw.xlsx")
    raw_exported = time.perf_counter() - started
    rows = [_row(f"export persons (.xlsx, {len(fields)} columns)", size, count, exported, raw_exported)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows[-1]["value"] += f" (CPU {cpu:.1f} s); {_stats(chunks, CHUNK)}; process peak RSS {peak:.0f} MB"
    if reference:
        started = time.perf_counter()
        _openpyxl_write_only(_raw_rows(site, fields), folder / "openpyxl.xlsx")
        seconds = time.perf_counter() - started
        rows.append(
            {
                "benchmark": "reference: raw SELECT + openpyxl write-only (lxml)",
                "size": size,
                "value": f"{seconds:.2f} s, {count / seconds:,.0f} rows/s",
                "baseline": f"raw SELECT + xlsx_stream {raw_exported:.2f} s",
                "ratio": round(seconds / raw_exported, 2),
            }
        )
    return rows


def _row(name: str, size: int, rows: int, seconds: float, baseline: float) -> dict:
    return {
        "benchmark": name,
        "size": size,
        "value": f"{seconds:.2f} s, {rows / seconds:,.0f} rows/s",
        "baseline": f"raw {baseline:.2f} s, {rows / baseline:,.0f} rows/s",
        "ratio": round(seconds / baseline, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000")
    parser.add_argument(
        "--export-rows", type=int, default=0, help="also export this many persons (raw-loaded)"
    )
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        for row in run(size, export_rows=args.export_rows):
            print(
                " | ".join(str(row[k]) for k in ("benchmark", "size", "value", "baseline", "ratio")),
                flush=True,
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
