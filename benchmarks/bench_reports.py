"""The campaign reports and the dashboard at scale, for a township user and a village clerk.

    python -m benchmarks.bench_reports --sizes 10000,100000      (or `python -m benchmarks`)

`run(size, folder=None) -> list[dict]` builds a site of the real project holding `size`
documents of the reports' DocTypes in 45 villages over five years (pregnancy records 40 %,
households 25 %, persons 20 %, subsidy applications 10 % with an approval log of three steps
each, student aid 3 %, termination certificates 1.5 %, termination reports 0.5 %), bulk-loaded
with raw SQL, then times each report of the spec through `townflow.runtime.reports.run_report`
(the REST answer minus HTTP) for a Township Approver (whole township) and a Village Clerk
(one village), and the dashboard (`build_dashboard`) for each. The baseline, in the same
process and on the same connection, is the raw SQL `SELECT village, COUNT(*) FROM
"tabPregnancy Record" GROUP BY village` — what the simplest scoped figure costs without the engine.
Targets (issue 10): township-wide report p95 <= 300 ms, a village's <= 50 ms, dashboard <= 300 ms.
The bulk load's raw INSERTs fire the summaries' triggers (runtime/reports/summaries.py) like any
write; the first row timed is a rebuild of every summary from scratch (a site opened without them).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from townflow.runtime import Site
from townflow.runtime.db import quote
from townflow.runtime.reports import run_report, summaries
from townflow.runtime.reports.dashboard import build_dashboard
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 30
NOW = datetime(2026, 3, 1, 9, 0)
SHARES = {
    "Pregnancy Record": 0.40,
    "Household": 0.25,
    "Person": 0.20,
    "Subsidy Application": 0.10,
    "Student Aid Application": 0.03,
    "Termination Certificate Application": 0.015,
    "Termination Report": 0.005,
}
KINDS = ["One-time Reward", "Interest-subsidised Loan", "Low-income Relief", "Pension Increase"]
KINDS += ["Only-child Insurance", "Fee Waiver"]
DEPARTMENTS = {
    "One-time Reward": "财政所",
    "Interest-subsidised Loan": "财政所",
    "Low-income Relief": "民政办",
}
DEPARTMENTS |= {"Pension Increase": "人社所", "Only-child Insurance": "人社所", "Fee Waiver": "卫生办"}
SUBSIDY_PATH = ["Pending Village Verification", "Pending Township Review", "Pending Finance Review"]
SUBSIDY_PATH += ["Pending Approval Notice", "Approved", "Disbursed"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _day(rng: random.Random) -> date:
    return date(2021, 3, 1) + timedelta(days=rng.randrange(5 * 365))


def _insert(site: Site, doctype: str, rows: list[dict]) -> None:
    if rows:
        columns = list(rows[0])
        site.db.conn.executemany(
            f"INSERT INTO {quote('tab' + doctype)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join('?' for _ in columns)})",
            [tuple(r[c] for c in columns) for r in rows],
        )


def _base(name: str, at: datetime, docstatus: int = 0) -> dict:
    stamp = _stamp(at)
    return {"name": name, "owner": "bench", "creation": stamp, "modified": stamp, "modified_by": "bench"} | {
        "docstatus": docstatus,
        "idx": 0,
    }


def _rows(doctype: str, i: int, village: str, rng: random.Random, logs: list[dict]) -> dict:
    day = _day(rng)
    at = datetime.combine(day, datetime.min.time()) + timedelta(hours=8, seconds=i % 3600)
    if doctype == "Pregnancy Record":
        born = rng.random() < 0.85
        return _base(f"BPR-{i:08d}", at) | {
            "village": village,
            "person": None,
            "outcome": "Live Birth" if born else "Ongoing",
            "outcome_date": day.isoformat() if born else None,
            "newborn_sex": (rng.choice(("Male", "Female", "Male", "Female", "Male")) if born else None),
            "expected_delivery_date": None if born else (day + timedelta(days=200)).isoformat(),
        }
    if doctype == "Household":
        children = rng.choice((0, 1, 1, 2, 2, 3))
        return _base(f"BHH-{i:08d}", at) | {
            "village": village,
            "head_name": f"户主{i}",
            "number_of_children": children,
            "number_of_daughters": rng.randint(0, children),
        }
    if doctype == "Person":
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(60 * 365))
        return _base(f"BPE-{i:08d}", at) | {
            "village": village,
            "full_name": f"姓名{i}",
            "gender": rng.choice(("Female", "Male")),
            "date_of_birth": born.isoformat(),
        }
    if doctype == "Subsidy Application":
        kind = KINDS[i % len(KINDS)]
        steps = 1 + i % len(SUBSIDY_PATH)
        state = SUBSIDY_PATH[steps - 1]
        name = f"BSA-{i:08d}"
        moment, previous = at, "Draft"
        for step in SUBSIDY_PATH[:steps]:
            logs.append(
                {"reference_doctype": doctype, "reference_name": name, "action": "Act", "kind": "transition"}
                | {"from_state": previous, "to_state": step, "user": "bench", "creation": _stamp(moment)}
            )
            previous, moment = step, moment + timedelta(hours=rng.randint(1, 200))
        department = DEPARTMENTS[kind] if steps >= 3 else None
        return _base(name, at, 1 if state in ("Approved", "Disbursed") else 0) | {
            "village": village,
            "household": f"BHH-{i:08d}",
            "benefit_kind": kind,
            "amount": 1000,
            "department": department,
            "workflow_state": state,
        }
    if doctype == "Student Aid Application":
        state = ("Pending Village Verification", "Approved", "Paid", "Enrolled")[i % 4]
        return _base(f"BZX-{i:08d}", at, 0 if state.startswith("Pending") else 1) | {
            "village": village,
            "household": f"BHH-{i:08d}",
            "aid_kind": "Poor Female University Student",
            "amount": 3000,
            "department": "教育办",
            "workflow_state": state,
        }
    if doctype == "Termination Certificate Application":
        state = ("Issued", "Used", "Expired", "Revoked", "Pending Township Approval")[i % 5]
        return _base(f"BYC-{i:08d}", at, 1) | {
            "village": village,
            "facility": "高新街道卫生院",
            "workflow_state": state,
            "valid_from": day.isoformat(),
        }
    return _base(f"BZZ-{i:08d}", at, 1) | {
        "village": village,
        "facility": "高新街道卫生院",
        "operation_date": day.isoformat(),
        "certificate_check": "Valid Certificate" if i % 7 else "No Certificate",
        "birth_quota_suspended": 0 if i % 7 else 1,
    }


def _load(site: Site, size: int) -> None:
    villages = [r[0] for r in site.db.fetchall('SELECT name FROM "tabVillage" ORDER BY name')]
    rng = random.Random(size)
    with site.db.transaction():
        for doctype, share in SHARES.items():
            count = max(1, int(size * share))
            for first in range(0, count, 20_000):
                logs: list[dict] = []
                rows = [
                    _rows(doctype, i, villages[i % len(villages)], rng, logs)
                    for i in range(first, min(count, first + 20_000))
                ]
                _insert(site, doctype, rows)
                _insert(site, "Workflow Action Log", logs)
    site.db.execute("ANALYZE")
    site.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def build_site(size: int, folder: Path) -> tuple[Site, str]:
    project = load_project(ROOT)
    path = folder / f"reports_{size}"
    fresh = not (path / "site.sqlite").exists()
    site = Site.open(
        path, project, synchronous="OFF" if fresh else "FULL", admin_password="bench", now=lambda: NOW
    )
    village = site.db.scalar('SELECT name FROM "tabVillage" ORDER BY name LIMIT 1')
    if fresh:
        started = time.perf_counter()
        _load(site, size)
        print(
            f"  loaded {size} documents in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True
        )
        admin = site.session("Administrator")
        admin.insert(
            {
                "doctype": "User",
                "email": "bench.approver",
                "full_name": "审批",
                "roles": [{"role": "Township Approver"}],
            }
        )
        admin.insert(
            {
                "doctype": "User",
                "email": "bench.clerk",
                "full_name": "村专干",
                "roles": [{"role": "Village Clerk"}],
            }
        )
        admin.insert(
            {"doctype": "User Permission", "user": "bench.clerk", "allow": "Village", "for_value": village}
        )
        site.close()
        site = Site.open(path, project, admin_password="bench", now=lambda: NOW)
    return site, village


def _time(fn, repeats: int) -> list[float]:
    fn()  # warm the page cache and the meta and permission caches
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def run(size: int, folder: str | Path | None = None, repeats: int = REPEATS) -> list[dict]:
    """Rows of {benchmark, size, value, baseline, ratio, median_ms, p95_ms}."""
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="townflow-bench-reports-") as tmp:
            return _measure(size, Path(tmp), repeats)
    return _measure(size, Path(folder), repeats)


def _backfill(site: Site) -> float:
    """Seconds to build every summary from scratch, as when a site made before them is opened."""
    with site.db.transaction():
        site.db.execute(f"DELETE FROM {summaries.STAMPS}")  # noqa: S608 - a constant table name
    started = time.perf_counter()
    summaries.ensure(site)
    return time.perf_counter() - started


def _measure(size: int, folder: Path, repeats: int) -> list[dict]:
    site, _village = build_site(size, folder)
    try:
        backfill = _backfill(site)
        print(f"  summaries backfilled in {backfill:.1f} s", file=sys.stderr, flush=True)
        baseline_sql = 'SELECT village, COUNT(*) FROM "tabPregnancy Record" GROUP BY village'
        base_median, _base_p95 = percentiles(_time(lambda: site.db.fetchall(baseline_sql), repeats))
        cases = []
        for user, scope, target in (("bench.approver", "township", 300), ("bench.clerk", "village", 50)):
            session = site.session(user)
            for report in site.project.reports_for(session.roles):
                cases.append((f"report {report.report_name}, {scope}", target, session, report.report_name))
            cases.append((f"dashboard, {scope}", 300, session, None))
        rows = [
            {
                "benchmark": "summaries backfill (a site opened without them)",
                "size": size,
                "median_ms": round(backfill * 1000, 1),
                "p95_ms": round(backfill * 1000, 1),
                "target_ms": None,
                "value": f"{backfill:.2f} s once",
                "baseline": f"raw GROUP BY median {base_median:.2f} ms",
                "ratio": None,
            }
        ]
        for label, target, session, report_name in cases:
            if report_name is None:
                fn = lambda s=session: build_dashboard(s)  # noqa: E731
            else:
                fn = lambda s=session, n=report_name: run_report(s, n, {})  # noqa: E731
            median, p95 = percentiles(_time(fn, repeats))
            rows.append(
                {
                    "benchmark": label,
                    "size": size,
                    "median_ms": round(median, 2),
                    "p95_ms": round(p95, 2),
                    "target_ms": target,
                    "value": f"median {median:.1f} ms, p95 {p95:.1f} ms (target p95 <= {target} ms)",
                    "baseline": f"raw GROUP BY median {base_median:.2f} ms",
                    "ratio": round(median / base_median, 1) if base_median else None,
                }
            )
            print(f"  {label}: {rows[-1]['value']}", file=sys.stderr, flush=True)
        return rows
    finally:
        site.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated document counts")
    parser.add_argument(
        "--folder", default=None, help="where to keep the generated sites (default: a temp dir)"
    )
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        for r in run(size, args.folder, args.repeats):
            flag = "" if r["target_ms"] is None or r["p95_ms"] <= r["target_ms"] else "  <-- over target"
            print(
                f"{r['benchmark']:<55} {r['size']:>9} {r['value']:<55} ratio {r['ratio']} "
                f"({r['baseline']}){flag}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
