"""`python -m benchmarks --sizes 10000,100000,1000000` (what `make bench` runs): seeds a site per
size, measures durable transitions (one thread; CPU and pages per transition; four threads each
committing alone; four and eight threads through group commit), inbox latency and (when the data
plane's bench_documents is present) lists with filters, and the campaign reports and dashboard
(bench_reports), search by pinyin (bench_search), Excel import and export (bench_dataio) and
the HTTP path of a real `townflow serve` (bench_http), each beside a baseline measured in the
same process; prints a table.
docs/benchmarks.md has the figures and how to read them."""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bench_expressions, bench_inbox, bench_monitoring, bench_workflow, seeding

COLUMNS = ("benchmark", "size", "value", "baseline", "ratio")


def _documents(size: int) -> list[dict]:
    try:
        module = importlib.import_module("benchmarks.bench_documents")
    except ImportError:
        return []
    rows = []
    for r in module.run(size):
        if "value" not in r:  # the data plane's own row shape: timings in ms
            r = {
                "benchmark": r["benchmark"],
                "size": r["size"],
                "value": f"median {r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms",
                "baseline": f"raw SQL median {r['baseline_median_ms']:.2f} ms",
                "ratio": r["ratio"],
            }
        rows.append(r)
    return rows


def _reports(size: int) -> list[dict]:
    """The campaign reports and dashboard (benchmarks/bench_reports.py), on their own seeded site."""
    from benchmarks import bench_reports

    return bench_reports.run(size)


def _search(size: int) -> list[dict]:
    """Search by pinyin at `size` persons (benchmarks/bench_search.py), on its own seeded site."""
    from benchmarks import bench_search

    return bench_search.run(size)


def run_size(size: int, suites: set[str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        site = seeding.open_site(Path(folder) / "site", seeding.Clock(seeding.START))
        try:
            seeding.seed(site, size)
            print(f"  seeded {size:,} documents in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            rows = []
            if "inbox" in suites:
                rows += bench_inbox.rows_for(size, bench_inbox.measure(site), Path(folder))
            if "workflow" in suites:
                durable = bench_workflow.measure(site, folder=Path(folder))
                cpu = bench_workflow.measure_cpu(site)
                rows += bench_workflow.rows_for(size, durable, Path(folder), cpu)
                # the township's Forward: the same path with no notice posted, so the two read apart
                forward = bench_workflow.measure(site, folder=Path(folder), step="township")
                forward_cpu = bench_workflow.measure_cpu(site, step="township")
                rows += bench_workflow.rows_for(size, forward, Path(folder), forward_cpu)
                rows += bench_workflow.notice_rows(size, cpu, forward_cpu)
                alone = bench_workflow.measure_threads(site, count=150, grouped=False)
                four = bench_workflow.measure_threads(site, threads=4, grouped=True)
                eight = bench_workflow.measure_threads(site, threads=8, grouped=True)
                rows += bench_workflow.thread_rows(size, alone, four, eight)
            if "monitoring" in suites:  # last: it adds pregnancy records to the site
                rows += bench_monitoring.measure(site, size)
        finally:
            site.close()
    rows += _documents(size) if "documents" in suites else []
    rows += _search(size) if "search" in suites else []
    rows += _reports(size) if "reports" in suites else []
    rows += _dataio(size) if "dataio" in suites else []
    return rows + (_http(size) if "http" in suites else [])


def _dataio(size: int) -> list[dict]:
    """Import of persons from .xlsx and list export (benchmarks/bench_dataio.py), own site: the
    import at most 100,000 rows (issue 15's import target), the export at the full size (1M)."""
    from benchmarks import bench_dataio

    imported = min(size, bench_dataio.MAX_IMPORT)
    return bench_dataio.run(imported, export_rows=size if size > imported else 0)


def _http(size: int) -> list[dict]:
    """The real `townflow serve` process on its own seeded site (benchmarks/bench_http.py)."""
    from benchmarks import bench_http

    return bench_http.run(size)


DEFAULT_SUITES = "expressions,inbox,workflow,documents,reports,monitoring,search,dataio,http"


def table(rows: list[dict]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in COLUMNS}
    line = " | ".join(c.ljust(widths[c]) for c in COLUMNS)
    out = [line, "-+-".join("-" * widths[c] for c in COLUMNS)]
    out += [" | ".join(str(r.get(c, "")).ljust(widths[c]) for c in COLUMNS) for r in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--sizes", default="10000", help="comma-separated document counts")
    parser.add_argument(
        "--suites",
        default=DEFAULT_SUITES,
        help=f"which to run (default: {DEFAULT_SUITES})",
    )
    args = parser.parse_args(argv)
    suites = {s.strip() for s in args.suites.split(",")}
    rows: list[dict] = bench_expressions.rows() if "expressions" in suites else []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        print(f"size {size:,}:", file=sys.stderr)
        rows += run_size(size, suites)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
