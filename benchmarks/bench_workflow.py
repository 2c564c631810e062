"""Durable workflow transitions per second, in process, with synchronous=FULL.

Each transition is what a village head's "Verify" click does: permission and optimistic lock,
the transition rules, the save through the data plane (validation rules, version, audit), the
action log, the village heads' pooled to-do turned into the acting head's done row, the township
approvers' pooled to-do opened, the count groups, and one fsync'd COMMIT. Since 公示 the Verify
also posts the application's Public Notice (a second document: its row, naming series, audit row
and pinyin keys). Beside it, the township approver's Forward of another application (`STEPS`,
"township"): the same engine path with no notice posted, so the two costs are read apart. The
baseline is a raw loop of one-row UPDATE commits on the same disk.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

from benchmarks import baselines, seeding
from townflow.runtime import workflow

# A 10k site has 1,000 documents waiting for Verify, shared by the runs: 300 one at a time, 150 for
# the CPU figures, 150 from four threads each committing alone, 200 + 200 through group commit
# from four and from eight threads.
TRANSITIONS = 300

#: step -> (the state its documents wait in, the action, who acts: "head" = the village's head,
#: else that user, a label for the table). A 10k site has 1,000 of each waiting.
STEPS = {
    "verify": ("Pending Village Verification", "Verify", "head", "Verify (posts the village notice)"),
    "township": ("Pending Township Review", "Forward", seeding.APPROVERS[0], "Forward (township, no notice)"),
}


def _actor(site, step: str):
    """(state, action, row -> user) of a step."""
    state, action, who, _label = STEPS[step]
    if who == "head":
        heads = {v: f"head.{i}" for i, v in enumerate(seeding.villages(site))}
        return state, action, lambda row: heads[row["village"]]
    return state, action, lambda row: who


def measure(
    site, count: int = TRANSITIONS, folder: Path | None = None, slice_: int = 25, step: str = "verify"
) -> dict[str, float]:
    """`count` transitions of `step` (STEPS); with `folder`, raw fsync'd commits run in slices
    between them so the two rates are measured on the same (shared, noisy) disk at the same moments."""
    state, action, user_of = _actor(site, step)
    rows = site.db.fetchall(
        'SELECT name, village, modified FROM "tabSubsidy Application" WHERE workflow_state = ? LIMIT ?',
        (state, count),
    )
    sessions: dict = {}
    baseline = baselines.CommitLoop(folder) if folder is not None else None
    elapsed = 0.0
    for i, row in enumerate(rows):
        doc = {"doctype": seeding.DOCTYPE, "name": row["name"], "modified": row["modified"]}
        user = user_of(row)
        session = sessions.get(user) or sessions.setdefault(user, site.session(user))
        started = time.perf_counter()
        workflow.apply_workflow(session, doc, action)
        elapsed += time.perf_counter() - started
        if baseline is not None and (i + 1) % slice_ == 0:
            baseline.run(slice_)
    result = {"transitions": len(rows), "per_second": len(rows) / elapsed if elapsed else 0.0, "step": step}
    if baseline is not None:
        result["baseline_per_second"] = baseline.per_second
    return result


def measure_cpu(site, count: int = 150, step: str = "verify", slice_: int = 25) -> dict[str, float]:
    """The same transitions with synchronous=OFF on this connection: what the engine costs in CPU
    alone, so the durable figure can be read against the disk it waits for. Not durable.

    Also what load on the machine changes least: CPU time per transition (this process only) —
    the median of slices of `slice_` transitions, so a neighbour's burst that slows a few slices
    (cache, frequency) does not move it — and WAL frames (database pages) written per
    transition, counted with checkpoints held off."""
    conn = site.db.conn
    autocheckpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("PRAGMA synchronous=OFF")
    slices: list[float] = []
    done, elapsed = 0, 0.0
    try:
        while done < count:
            cpu_started = time.process_time()
            part = measure(site, min(slice_, count - done), step=step)
            if not part["transitions"]:
                break
            slices.append((time.process_time() - cpu_started) / part["transitions"])
            done += part["transitions"]
            elapsed += part["transitions"] / part["per_second"] if part["per_second"] else 0.0
        frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        conn.execute(f"PRAGMA synchronous={site.db.synchronous}")
        conn.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
    result = {"transitions": done, "per_second": done / elapsed if elapsed else 0.0, "step": step}
    done = done or 1
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    return {
        **result,
        "cpu_ms": statistics.median(slices) * 1000 if slices else 0.0,
        "frames": frames / done,
        "wal_kb": frames * (page_size + 24) / done / 1024,
        "page_size": page_size,
    }


def measure_threads(site, threads: int = 4, count: int = 200, grouped: bool = False) -> dict:
    """`count` Verify transitions from `threads` threads at once (each on its own documents), each
    committed alone (every thread waits for the write lock and its own fsync) or through a
    site's group committer, as the web server runs them (requests waiting together share one fsync'd
    COMMIT, each in its savepoint; the next batch runs while the last one's WAL flush is waited for)."""
    rows = site.db.fetchall(
        'SELECT name, village, modified FROM "tabSubsidy Application" WHERE workflow_state = ? LIMIT ?',
        ("Pending Village Verification", count),
    )
    heads = {v: f"head.{i}" for i, v in enumerate(seeding.villages(site))}
    if grouped:
        site.use_group_commit()  # as the web server does: workflow actions share COMMITs
    barrier = threading.Barrier(threads + 1)

    def work(mine: list) -> None:
        sessions: dict = {}
        barrier.wait()
        for row in mine:
            user = heads[row["village"]]
            session = sessions.get(user) or sessions.setdefault(user, site.session(user))
            doc = {"doctype": seeding.DOCTYPE, "name": row["name"], "modified": row["modified"]}
            workflow.apply_workflow(session, doc, "Verify")

    workers = [threading.Thread(target=work, args=(rows[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    result = {"transitions": len(rows), "per_second": len(rows) / elapsed, "threads": threads}
    if grouped:
        committer, site.committer = site.committer, None
        committer.close()
        result["per_commit"] = committer.requests / max(committer.commits, 1)
        result["per_flush"] = committer.requests / max(committer.flushes, 1)
    return result


def thread_rows(size: int, alone: dict, *grouped: dict) -> list[dict]:
    rows = [
        {
            "benchmark": f"durable transitions/s, {alone['threads']} threads, a COMMIT each",
            "size": size,
            "value": f"{alone['per_second']:,.0f}/s",
            "baseline": "",
            "ratio": "",
        }
    ]
    for run in grouped:
        rows.append(
            {
                "benchmark": f"durable transitions/s, {run['threads']} threads, group commit",
                "size": size,
                "value": f"{run['per_second']:,.0f}/s",
                "baseline": f"{run['per_commit']:.1f} per COMMIT, {run['per_flush']:.1f} per WAL fdatasync",
                "ratio": "",
            }
        )
    return rows


def rows_for(
    size: int, result: dict[str, float], folder: Path, cpu: dict[str, float] | None = None
) -> list[dict]:
    # the raw commits measured in slices between the transitions (same moments, same disk); the
    # separate 2,000-commit loop only when the run had no interleaved baseline
    baseline = result.get("baseline_per_second") or baselines.fsync_commits_per_second(folder)
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
        extra.append(
            {
                "benchmark": "  per transition: CPU time (median of slices), pages written (WAL frames)",
                "size": size,
                "value": f"{cpu['cpu_ms']:.2f} ms CPU",
                "baseline": f"{cpu['frames']:.1f} pages of {cpu['page_size']} B = {cpu['wal_kb']:.0f} KB",
                "ratio": "",
            }
        )
    label = STEPS[result.get("step", "verify")][3]
    return [
        {
            "benchmark": f"{label}: durable/s, one caller, a COMMIT each ({result['transitions']:.0f})",
            "size": size,
            "value": f"{result['per_second']:,.0f}/s",
            "baseline": f"{baseline:,.0f}/s raw fsync'd commits (interleaved)",
            "ratio": f"{result['per_second'] / baseline:.2f}",
        },
        *extra,
    ]


def notice_rows(size: int, verify: dict[str, float], township: dict[str, float]) -> list[dict]:
    """What posting the notice adds: Verify's CPU and pages per transition less the Forward's
    (the two steps differ in little else: one to-do pool closed, one opened, one log row each)."""
    return [
        {
            "benchmark": "  Verify less Forward (the notice's share): CPU, pages",
            "size": size,
            "value": f"{verify['cpu_ms'] - township['cpu_ms']:+.2f} ms CPU",
            "baseline": f"{verify['frames'] - township['frames']:+.1f} pages",
            "ratio": f"{verify['cpu_ms'] / township['cpu_ms']:.2f}" if township["cpu_ms"] else "",
        }
    ]


def later_step(size: int, count: int = 400, slice_: int = 25) -> dict[str, float]:
    """A step at a document's fourth visit, on its own seeded site: `count` applications walked
    through Verify, End Notice (the notice window passed) and Forward, then the health officer's
    Approve (which posts the township notice) timed with synchronous=OFF in slices: CPU per step
    (median of slices) and WAL frames per step. What the seeded first steps do not show: the
    work a step does for the document's earlier visits."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        site = seeding.open_site(Path(folder) / "site", seeding.Clock(seeding.START))
        try:
            seeding.seed(site, size)
            heads = {v: f"head.{i}" for i, v in enumerate(seeding.villages(site))}
            sessions: dict = {}

            def act(user: str, name: str, action: str) -> None:
                row = site.db.fetchone(
                    'SELECT name, modified FROM "tabSubsidy Application" WHERE name = ?', (name,)
                )
                session = sessions.get(user) or sessions.setdefault(user, site.session(user))
                doc = {"doctype": seeding.DOCTYPE, "name": row["name"], "modified": row["modified"]}
                workflow.apply_workflow(session, doc, action)

            rows = site.db.fetchall(
                'SELECT name, village FROM "tabSubsidy Application" WHERE workflow_state = ? LIMIT ?',
                ("Pending Village Verification", count),
            )
            for r in rows:
                act(heads[r["village"]], r["name"], "Verify")
            site.now.advance(days=14)  # past the village notice's five working days
            for r in rows:
                act(heads[r["village"]], r["name"], "End Notice")
            for r in rows:
                act(seeding.APPROVERS[0], r["name"], "Forward")
            conn = site.db.conn
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA wal_autocheckpoint=0")
            slices, frames = [], []
            for first in range(0, len(rows), slice_):
                part = rows[first : first + slice_]
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                started = time.process_time()
                for r in part:
                    act("health.1", r["name"], "Approve")
                slices.append((time.process_time() - started) / len(part))
                frames.append(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1] / len(part))
            visits = site.db.scalar('SELECT COUNT(*) FROM "__step_visit" WHERE ref = ?', (rows[0]["name"],))
        finally:
            site.close()
    return {
        "steps": len(rows),
        "cpu_ms": statistics.median(slices) * 1000 if slices else 0.0,
        "frames": statistics.median(frames) if frames else 0.0,
        "visits": visits,
    }


if __name__ == "__main__":  # python -m benchmarks.bench_workflow [size]: the later step alone
    import sys

    later = later_step(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    print(
        f"Approve at a fourth visit (posts the township notice), {later['steps']} steps: "
        f"{later['cpu_ms']:.2f} ms CPU (median of slices), {later['frames']:.1f} pages "
        f"({later['visits']} visits per document after it)"
    )
