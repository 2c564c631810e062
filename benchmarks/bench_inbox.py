"""Inbox latency: the first page of a tab with all four counts, and the counts alone.

Measured for the users whose inboxes are largest at each size: a village head (to do), a
township approver (to do for a tenth of all documents, done for a good share of the rest) and a
village clerk (done). The baseline is a raw indexed first page + COUNT on a table of the same
size (state + village + modified index), measured in the same process.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks import baselines, seeding
from townflow.runtime import inbox as inbox_module

REPEATS = 200
CASES = [("head.0", "todo"), ("approver.1", "todo"), ("approver.1", "done"), ("clerk.0", "done")]


def measure(site, repeats: int = REPEATS) -> list[dict]:
    results = []
    for user, tab in CASES:
        session = site.session(user)
        page_samples, count_samples = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            page = inbox_module.inbox(session, tab, limit_page_length=20)
            page_samples.append(time.perf_counter() - started)
            started = time.perf_counter()
            inbox_module.counts(session)
            count_samples.append(time.perf_counter() - started)
        results.append(
            {
                "user": user,
                "tab": tab,
                "items": len(page["items"]),
                "count": page["counts"][tab],
                "page": baselines.percentiles(page_samples),
                "counts": baselines.percentiles(count_samples),
            }
        )
    return results


def rows_for(size: int, results: list[dict], folder: Path) -> list[dict]:
    _median, base_p95 = baselines.indexed_page_latency(folder, size)
    rows = []
    for r in results:
        for what in ("page", "counts"):
            median, p95 = r[what]
            label = "first page + counts" if what == "page" else "counts only"
            rows.append(
                {
                    "benchmark": f"inbox {r['tab']} {label} ({r['user']}, {r['count']:,} items)",
                    "size": size,
                    "value": f"median {median:.2f} ms, p95 {p95:.2f} ms",
                    "baseline": f"raw page+count p95 {base_p95:.2f} ms",
                    "ratio": f"{p95 / base_p95:.1f}" if base_p95 else "-",
                }
            )
    return rows


def run(size: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        site = seeding.open_site(Path(folder) / "site", seeding.Clock(seeding.START))
        try:
            seeding.seed(site, size)
            return rows_for(size, measure(site), Path(folder))
        finally:
            site.close()
