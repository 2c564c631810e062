"""Document reads at scale: scoped list with filters, count, and get, against raw SQL on the same file.

    python -m benchmarks.bench_documents --sizes 10000,100000     (or via `python -m benchmarks`)

`run(size, folder=None) -> list[dict]` builds (once per size, cached in `folder`) a site of the
real project with `size` Person records in 45 villages (a household per 4 persons), then times:

- list, village clerk: `get_list("Person", filters={"gender": "Female"}, order_by="modified desc")`
  first page of 20, scoped to the clerk's village by the permission WHERE;
- list, township clerk: the same with an explicit `village` filter (no scope restriction);
- count, village clerk: `get_count("Person", {"gender": "Female"})`;
- get, village head: `get("Person", name)` (masked ID number, so no audit write);
- save, village clerk: `save` of one changed field with its `modified`, durable (one fsync'd
  commit holding the row, its Version and its audit row), against a raw read + UPDATE commit.

Each row reports median and p95 in ms and the ratio against the same query in raw SQL on the
same connection (what the engine adds: permission SQL, field checks, masking, dict building).
Rows are loaded in bulk with raw SQL (synchronous=OFF while loading); timing uses the site as
it runs in production (synchronous=FULL; reads do not fsync).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from townflow.rules.validators import id_number_check_char
from townflow.runtime import Site
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[1]
VILLAGES = 45
REPEATS = 200
PAGE = 20


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds of samples in seconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _id_number(i: int) -> str:
    """A valid, unique resident ID number per row: a birth day per thousand rows, then a sequence."""
    born = date(1950, 1, 1) + timedelta(days=i // 1000)
    first17 = f"370626{born:%Y%m%d}{i % 1000:03d}"
    return first17 + id_number_check_char(first17)


def _load(site: Site, size: int) -> None:
    """Bulk rows straight into the tables (a benchmark fixture, not an import path)."""
    villages = [r["name"] for r in site.db.fetchall('SELECT name FROM "tabVillage" ORDER BY name')][:VILLAGES]
    households = max(1, size // 4)
    stamp = "2026-01-01 00:00:00.000000"
    db = site.db
    with db.transaction():
        db.conn.executemany(
            'INSERT INTO "tabHousehold" (name, owner, creation, modified, modified_by, docstatus, idx, '
            "village, head_name, residence_type, address, household_type) "
            "VALUES (?, 'bench', ?, ?, 'bench', 0, 0, ?, ?, 'Rural', 'addr', 'One-girl')",
            (
                (f"BH-{h:07d}", stamp, stamp, villages[h % len(villages)], f"户主{h}")
                for h in range(households)
            ),
        )
        db.conn.executemany(
            'INSERT INTO "tabPerson" (name, owner, creation, modified, modified_by, docstatus, idx, '
            "household, village, full_name, gender, date_of_birth, relationship, id_number) "
            "VALUES (?, 'bench', ?, ?, 'bench', 0, 0, ?, ?, ?, ?, '1990-01-01', 'Daughter', ?)",
            (
                (
                    f"BP-{i:08d}",
                    stamp,
                    f"2026-01-{1 + i // 10**6:02d} 00:00:00.{i % 10**6:06d}",
                    f"BH-{(i // 4):07d}",
                    villages[(i // 4) % len(villages)],
                    f"姓名{i}",
                    "Female" if i % 2 else "Male",
                    _id_number(i),
                )
                for i in range(size)
            ),
        )
        db.execute("ANALYZE")


def build_site(size: int, folder: Path) -> Site:
    project = load_project(ROOT)
    path = folder / f"documents_{size}"
    fresh = not (path / "site.sqlite").exists()
    site = Site.open(path, project, synchronous="OFF" if fresh else "FULL", admin_password="bench")
    if fresh:
        _load(site, size)
        admin = site.session("Administrator")
        for role, user in (
            ("Village Clerk", "bench.clerk"),
            ("Village Head", "bench.head"),
            ("Township Clerk", "bench.township"),
        ):
            admin.insert({"doctype": "User", "email": user, "full_name": user, "roles": [{"role": role}]})
        village = site.db.scalar('SELECT village FROM "tabPerson" LIMIT 1')
        for user in ("bench.clerk", "bench.head"):
            admin.insert(
                {"doctype": "User Permission", "user": user, "allow": "Village", "for_value": village}
            )
        site.close()
        site = Site.open(path, project, admin_password="bench")
    return site


def _save(session, name: str, i: int) -> None:
    """What a form's Save sends: the changed field and the `modified` it was read with."""
    modified = session.site.db.scalar('SELECT modified FROM "tabPerson" WHERE name = ?', (name,))
    session.save({"doctype": "Person", "name": name, "modified": modified, "full_name": f"姓名{i}"})


def _raw_update(site: Site, name: str, i: int) -> None:
    """The same row change as one fsync'd transaction of raw SQL (a read, then the update)."""
    with site.db.transaction():
        site.db.fetchone('SELECT * FROM "tabPerson" WHERE name = ?', (name,))
        site.db.execute(
            'UPDATE "tabPerson" SET full_name = ?, modified = ? WHERE name = ?', (f"raw{i}", str(i), name)
        )


def _time(fn, repeats: int = REPEATS) -> list[float]:
    fn()  # warm the page cache and the meta cache
    samples = []
    for i in range(repeats):
        started = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - started)
    return samples


def run(size: int, folder: str | Path | None = None) -> list[dict]:
    """Rows of {benchmark, size, median_ms, p95_ms, baseline_median_ms, baseline_p95_ms, ratio}.

    Without `folder` the generated site lives in a temporary folder removed afterwards."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="townflow-bench-") as tmp:
            return _measure(size, Path(tmp))
    return _measure(size, Path(folder))


def _measure(size: int, folder: Path) -> list[dict]:
    site = build_site(size, folder)
    try:
        clerk, head, township = (site.session(u) for u in ("bench.clerk", "bench.head", "bench.township"))
        village = next(iter(clerk.ctx.allowed("village")))
        names = [
            r[0]
            for r in site.db.fetchall('SELECT name FROM "tabPerson" WHERE village = ? LIMIT 500', (village,))
        ]
        rng = random.Random(7)
        picks = [rng.choice(names) for _ in range(REPEATS + 1)]
        fields = ["name", "full_name", "gender", "village", "modified"]
        raw_list = (
            'SELECT name, full_name, gender, village, modified FROM "tabPerson" '
            "WHERE village = ? AND gender = ? ORDER BY modified DESC LIMIT 20"
        )
        cases = [
            (
                "list Person, village clerk (scoped, gender filter)",
                lambda i=0: clerk.get_list(
                    "Person",
                    fields=fields,
                    filters={"gender": "Female"},
                    order_by="modified desc",
                    limit_page_length=PAGE,
                ),
                lambda i=0: site.db.fetchall(raw_list, (village, "Female")),
            ),
            (
                "list Person, township clerk (village + gender filter)",
                lambda i=0: township.get_list(
                    "Person",
                    fields=fields,
                    filters=[["village", "=", village], ["gender", "=", "Female"]],
                    order_by="modified desc",
                    limit_page_length=PAGE,
                ),
                lambda i=0: site.db.fetchall(raw_list, (village, "Female")),
            ),
            (
                "count Person, village clerk (scoped, gender filter)",
                lambda i=0: clerk.get_count("Person", {"gender": "Female"}),
                lambda i=0: site.db.scalar(
                    'SELECT COUNT(*) FROM "tabPerson" WHERE village = ? AND gender = ?', (village, "Female")
                ),
            ),
            (
                "get Person, village head (masked)",
                lambda i=0: head.get("Person", picks[i]),
                lambda i=0: site.db.fetchone('SELECT * FROM "tabPerson" WHERE name = ?', (picks[i],)),
            ),
            (
                "save Person, village clerk (durable, 1 fsync)",
                lambda i=0: _save(clerk, picks[i], i),
                lambda i=0: _raw_update(site, picks[i], i),
            ),
        ]
        rows = []
        for label, engine, baseline in cases:
            median, p95 = percentiles(_time(engine))
            base_median, base_p95 = percentiles(_time(baseline))
            rows.append(
                {
                    "benchmark": label,
                    "size": size,
                    "median_ms": round(median, 3),
                    "p95_ms": round(p95, 3),
                    "baseline_median_ms": round(base_median, 3),
                    "baseline_p95_ms": round(base_p95, 3),
                    "ratio": round(median / base_median, 1) if base_median else None,
                }
            )
        return rows
    finally:
        site.close()


def format_rows(rows: list[dict]) -> str:
    head = f"{'benchmark':<55} {'size':>9} {'median ms':>10} {'p95 ms':>8} {'raw SQL ms':>11} {'ratio':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['benchmark']:<55} {r['size']:>9} {r['median_ms']:>10.3f} {r['p95_ms']:>8.3f} "
            f"{r['baseline_median_ms']:>11.3f} {r['ratio']:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated document counts")
    parser.add_argument(
        "--folder", default=None, help="where to keep the generated sites (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows.extend(run(size, args.folder))
    print(format_rows(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
