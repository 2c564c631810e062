"""Baselines measured in the same process, so each figure comes with a ratio against SQLite itself.

- `fsync_commits_per_second`: a raw loop of one-row UPDATE transactions with WAL and
  synchronous=FULL — the ceiling for any durable transition on this disk.
- `indexed_page_latency`: a raw `SELECT ... WHERE indexed = ? ORDER BY modified DESC LIMIT 20`
  plus its COUNT on a table of the same size — what an inbox page costs with no engine at all.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def fsync_commits_per_second(folder: Path, commits: int = 2000) -> float:
    conn = _connect(folder / "baseline_commits.sqlite")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, state TEXT, modified TEXT)")
    conn.execute("BEGIN")
    conn.executemany("INSERT OR REPLACE INTO t VALUES (?, 'A', '')", [(i,) for i in range(commits)])
    conn.execute("COMMIT")
    started = time.perf_counter()
    for i in range(commits):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE t SET state = 'B', modified = ? WHERE id = ?", (str(time.time()), i))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return commits / elapsed


class CommitLoop:
    """Raw fsync'd one-row commits, run in slices between the engine's, so both see the same disk."""

    def __init__(self, folder: Path, rows: int = 1000):
        self.conn = _connect(folder / "baseline_interleaved.sqlite")
        self.conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, state TEXT, modified TEXT)")
        self.conn.execute("BEGIN")
        self.conn.executemany("INSERT OR REPLACE INTO t VALUES (?, 'A', '')", [(i,) for i in range(rows)])
        self.conn.execute("COMMIT")
        self.rows, self.done, self.elapsed = rows, 0, 0.0

    def run(self, commits: int) -> None:
        started = time.perf_counter()
        for _ in range(commits):
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(
                "UPDATE t SET modified = ? WHERE id = ?", (str(time.time()), self.done % self.rows)
            )
            self.conn.execute("COMMIT")
            self.done += 1
        self.elapsed += time.perf_counter() - started

    @property
    def per_second(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds of samples given in seconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def indexed_page_latency(folder: Path, size: int, repeats: int = 200) -> tuple[float, float]:
    """Median and p95 (ms) of a raw indexed first page + count over `size` rows in 45 groups."""
    path = folder / f"baseline_page_{size}.sqlite"
    conn = _connect(path)
    have = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'docs'").fetchone()[0]
    if not have:
        conn.execute(
            "CREATE TABLE docs (name TEXT PRIMARY KEY, village TEXT, state TEXT, modified TEXT, title TEXT)"
        )
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
            (
                (
                    f"D{i:08d}",
                    f"V{i % 45:02d}",
                    "Pending" if (i // 45) % 3 == 0 else "Done",
                    f"{i:012d}",
                    f"title {i}",
                )
                for i in range(size)
            ),
        )
        conn.execute("CREATE INDEX docs_inbox ON docs (state, village, modified)")
        conn.execute("COMMIT")
    samples = []
    for i in range(repeats):
        village = f"V{i % 45:02d}"
        started = time.perf_counter()
        conn.execute(
            "SELECT name, title, modified FROM docs WHERE state = 'Pending' AND village = ? "
            "ORDER BY modified DESC LIMIT 20",
            (village,),
        ).fetchall()
        conn.execute(
            "SELECT count(*) FROM docs WHERE state = 'Pending' AND village = ?", (village,)
        ).fetchone()
        samples.append(time.perf_counter() - started)
    conn.close()
    return percentiles(samples)
