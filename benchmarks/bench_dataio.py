"""Registers in and out at scale: import of N persons from .xlsx and export of N rows, each beside
a raw baseline run in the same process.

    python -m benchmarks.bench_dataio --sizes 1000,10000

- import: `import_file(admin, "Person", persons.xlsx)`: openpyxl read-only, every row through
  `Session.insert` (permission check, validation, naming, Version and audit rows; each row a
  SAVEPOINT, committed per batch of BATCH_ROWS). Baseline: the same file read with openpyxl
  read-only and each row INSERTed with raw SQL, committed per batch of the same size.
- export: `export_list(admin, "Person", out.xlsx)`: permission-checked pages of the list, masks,
  formula escaping, openpyxl write-only. Baseline: one raw SELECT of the same columns written
  with openpyxl write-only.

Rates are rows per second; the ratio is townflow's time over the baseline's.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook

from townflow.dataio.export import default_fields, export_list, write_xlsx
from townflow.dataio.importer import BATCH_ROWS, import_file
from townflow.rules.validators import id_number_check_char
from townflow.runtime import Site
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[1]
PER_HOUSEHOLD = 4
HEADER = ["所属户", "姓名", "性别", "出生日期", "公民身份号码", "与户主关系"]


def _person(i: int, household: str) -> list:
    born = date(1960, 1, 1) + timedelta(days=i // 1000)
    first17 = f"370626{born:%Y%m%d}{i % 1000:03d}"
    gender = "Male" if int(first17[16]) % 2 else "Female"
    return [household, f"人员{i}", gender, born.isoformat(), first17 + id_number_check_char(first17), "Head"]


def _households(site: Site, count: int) -> list[str]:
    admin = site.session("Administrator")
    village = site.db.scalar('SELECT name FROM "tabVillage" ORDER BY name LIMIT 1')
    names = []
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
    for i in range(size):
        sheet.append(_person(i, households[i // PER_HOUSEHOLD % len(households)]))
    book.save(path)


def _raw_import(site: Site, path: Path) -> int:
    """Baseline: read the same file, raw INSERTs committed per batch of BATCH_ROWS (a scratch table)."""
    db = site.db
    db.execute(
        'CREATE TABLE IF NOT EXISTS "bench_person" (name TEXT PRIMARY KEY, household, full_name, '
        "gender, date_of_birth, id_number UNIQUE, relationship)"
    )
    book = load_workbook(path, read_only=True)
    count = 0
    rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        with db.transaction():
            for row in batch:
                count += 1
                db.execute('INSERT INTO "bench_person" VALUES (?, ?, ?, ?, ?, ?, ?)', (f"B{count}", *row))
    book.close()
    return count


def _raw_export(site: Site, fields: list[str], out: Path) -> int:
    select = ", ".join(f'"{f}"' for f in fields)
    rows = site.db.fetchall(f'SELECT {select} FROM "tabPerson" ORDER BY name')  # noqa: S608 - constant names
    return write_xlsx(([*r] for r in rows), out)


def run(size: int, folder: str | Path | None = None) -> list[dict]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(folder or scratch)
        site = Site.open(folder / "site", load_project(ROOT), admin_password="bench")
        try:
            households = _households(site, max(1, size // PER_HOUSEHOLD))
            source = folder / "persons.xlsx"
            _write_source(source, size, households)
            admin = site.session("Administrator")

            started = time.perf_counter()
            result = import_file(admin, "Person", source)
            imported = time.perf_counter() - started
            assert not result.failed, result.failed[:3]
            started = time.perf_counter()
            _raw_import(site, source)
            raw_imported = time.perf_counter() - started

            fields = default_fields(site.metas.get("Person"))
            started = time.perf_counter()
            exported_rows = export_list(admin, "Person", folder / "out.xlsx", "xlsx", fields=fields)
            exported = time.perf_counter() - started
            started = time.perf_counter()
            _raw_export(site, fields, folder / "raw.xlsx")
            raw_exported = time.perf_counter() - started
        finally:
            site.close()
    total_rows = int(exported_rows)
    return [
        _row("import persons (.xlsx)", size, len(result.inserted), imported, raw_imported),
        _row("export persons (.xlsx)", size, total_rows, exported, raw_exported),
    ]


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
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        for row in run(size):
            print(" | ".join(str(row[k]) for k in ("benchmark", "size", "value", "baseline", "ratio")))


if __name__ == "__main__":
    main()
