"""Durable workflow transitions per second, in process, with synchronous=FULL.

Each transition is what a village head's "Verify" click does: permission and optimistic lock,
the transition rules, the save through the data plane (validation rules, version, audit), the
action log, the to-dos of the next step resolved by role and scope, the count groups, and one
fsync'd COMMIT. The baseline is a raw loop of one-row UPDATE commits on the same disk.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks import baselines, seeding
from townflow.runtime import workflow

TRANSITIONS = 500


def measure(site, count: int = TRANSITIONS) -> dict[str, float]:
    rows = site.db.fetchall(
        'SELECT name, village, modified FROM "tabSubsidy Application" WHERE workflow_state = ? LIMIT ?',
        ("Pending Village Verification", count),
    )
    heads = {v: f"head.{i}" for i, v in enumerate(seeding.villages(site))}
    sessions = {user: site.session(user) for user in set(heads.values())}
    elapsed = 0.0
    for row in rows:
        doc = {"doctype": seeding.DOCTYPE, "name": row["name"], "modified": row["modified"]}
        session = sessions[heads[row["village"]]]
        started = time.perf_counter()
        workflow.apply_workflow(session, doc, "Verify")
        elapsed += time.perf_counter() - started
    return {"transitions": len(rows), "per_second": len(rows) / elapsed if elapsed else 0.0}


def run(size: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        site = seeding.open_site(Path(folder) / "site", seeding.Clock(seeding.START))
        try:
            seeding.seed(site, size)
            return rows_for(size, measure(site), Path(folder))
        finally:
            site.close()


def measure_cpu(site, count: int = 500) -> dict[str, float]:
    """The same transitions with synchronous=OFF on this connection: what the engine costs in CPU
    alone, so the durable figure can be read against the disk it waits for. Not durable."""
    site.db.conn.execute("PRAGMA synchronous=OFF")
    try:
        return measure(site, count)
    finally:
        site.db.conn.execute(f"PRAGMA synchronous={site.db.synchronous}")


def rows_for(
    size: int, result: dict[str, float], folder: Path, cpu: dict[str, float] | None = None
) -> list[dict]:
    baseline = baselines.fsync_commits_per_second(folder)
    extra = []
    if cpu:
        extra.append(
            {
                "benchmark": f"  same, synchronous=OFF (CPU only, not durable; {cpu['transitions']:.0f})",
                "size": size,
                "value": f"{cpu['per_second']:,.0f}/s",
                "baseline": "",
                "ratio": "",
            }
        )
    return [
        {
            "benchmark": f"durable transitions/s ({result['transitions']:.0f} Verify)",
            "size": size,
            "value": f"{result['per_second']:,.0f}/s",
            "baseline": f"{baseline:,.0f}/s raw fsync'd commits",
            "ratio": f"{result['per_second'] / baseline:.2f}",
        },
        *extra,
    ]
