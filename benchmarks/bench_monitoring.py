"""Pregnancy monitoring at size: one `tick` over every ongoing pregnancy, and a village clerk's
due visits (`python -m benchmarks --suites monitoring --sizes 10000`).

A site of N documents gets N/10 pregnancy records (clones of one record made through the API,
spread over the villages, 70% ongoing, registered over the last 200 days, two visits each, half of
them signed). Measured:
- the first tick (a full pass, as on a site that never had one: opens the due work, one to-do per
  due visit / check / outcome, escalations, and stores every record's schedule columns);
- a tick with nothing new (what `serve --tick-interval` costs every few minutes: the incremental
  `monitoring.sync_due`), median of 5; baselines: the full pass every tick made before (median
  of 3) and reading the same records and visits with raw SQL, in the same process;
- the ticks of the next three mornings (new work falls due, overdue work escalates);
- a village clerk's due visits (inbox to-do of Pregnancy Record, one page and the counts),
  median and p95 of 30; baseline: a raw indexed count of that village's open rows.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from townflow.runtime import inbox, monitoring
from townflow.runtime.db import quote

REPEATS = 30


def _seed(site, count: int) -> int:
    admin = site.session("Administrator")
    person = site.db.fetchone(
        'SELECT name FROM "tabPerson" WHERE gender = ? ORDER BY name LIMIT 1', ("Female",)
    )
    today = site.now().date()
    template = admin.insert(
        {
            "doctype": "Pregnancy Record",
            "person": person["name"],
            "responsible_visitor": "村计生专干",
            "registered_on": (today - timedelta(days=60)).isoformat(),
            "lmp_date": (today - timedelta(days=100)).isoformat(),
            "outcome": "Ongoing",
        }
    )
    row = dict(site.db.fetchone('SELECT * FROM "tabPregnancy Record" WHERE name = ?', (template["name"],)))
    villages = [r[0] for r in site.db.fetchall('SELECT name FROM "tabVillage" ORDER BY name')]
    columns = list(row)
    records, visits = [], []
    for i in range(count):
        registered = today - timedelta(days=i % 200)
        values = {
            **row,
            "name": f"PRB-{i:07d}",
            "village": villages[i % len(villages)],
            "registered_on": registered.isoformat(),
            "lmp_date": (registered - timedelta(days=40)).isoformat(),
            "expected_delivery_date": (registered + timedelta(days=240)).isoformat(),
            "outcome": "Ongoing" if i % 10 < 7 else "Live Birth",
        }
        records.append([values[c] for c in columns])
        for n in range(2):
            day = registered + timedelta(days=20 * (n + 1))
            if day <= today:
                visits.append((f"PRBV-{i:07d}-{n}", values["name"], n + 1, day.isoformat(), i % 2 == 0))
    marks = ", ".join("?" for _ in columns)
    with site.transaction():
        site.db.conn.executemany(
            f'INSERT INTO "tabPregnancy Record" ({", ".join(quote(c) for c in columns)}) VALUES ({marks})',  # noqa: S608
            records,
        )
        site.db.conn.executemany(
            """INSERT INTO "tabPregnancy Follow Up Visit" (name, parent, parenttype, parentfield, idx, owner,
               creation, modified, modified_by, docstatus, visit_date, visit_type, visitor, findings,
               family_signature, signature_image) VALUES (?, ?, 'Pregnancy Record', 'visits', ?, 'bench',
               '2025-01-01', '2025-01-01', 'bench', 0, ?, 'Home Visit', '王敏', '良好', 0, ?)""",
            [
                (n, p, idx, d, "/private/files/x/signature.png" if signed else None)
                for n, p, idx, d, signed in visits
            ],
        )
    return count


def _open_count(site) -> int:
    return site.db.scalar(
        """SELECT count(*) FROM "tabWorkflow Action" WHERE reference_doctype = 'Pregnancy Record'
           AND kind = 'todo' AND status = 'Open'"""
    )


def _ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def measure(site, size: int) -> list[dict]:
    records = _seed(site, max(100, size // 10))
    now = site.now()
    first = _ms(lambda: monitoring.sync_due(site, now))  # no full pass yet on this site: a full one
    opened = _open_count(site)
    again = [_ms(lambda: monitoring.sync_due(site, now)) for _ in range(5)]
    full = [_ms(lambda: monitoring.sync(site, now)) for _ in range(3)]  # what every tick did before
    raw = [_ms(lambda: monitoring.load_records(site)) for _ in range(5)]
    days = []  # the next mornings: new work opens, overdue work escalates
    for day in range(1, 4):
        later = now + timedelta(days=day)
        before = _open_count(site)
        days.append((_ms(lambda later=later: monitoring.sync_due(site, later)), _open_count(site) - before))
    clerk = site.session("clerk.0")
    village = next(iter(clerk.ctx.allowed("village")))

    def due_visits():
        inbox.inbox(clerk, tab="todo", doctype="Pregnancy Record", limit_page_length=20)

    reads = sorted(_ms(due_visits) for _ in range(REPEATS))
    pool = f"pool\x1fVillage Clerk\x1fvillage\x1f{village}"

    def raw_page():  # the same to-do rows: one page by the audience index, and their count
        site.db.fetchall(
            """SELECT * FROM "tabWorkflow Action" WHERE audience = ? AND kind = 'todo' AND status = 'Open'
               ORDER BY modified DESC LIMIT 20""",
            (pool,),
        )
        site.db.scalar(
            """SELECT count(*) FROM "tabWorkflow Action" WHERE audience = ? AND kind = 'todo'
               AND status = 'Open'""",
            (pool,),
        )

    counted = sorted(_ms(raw_page) for _ in range(REPEATS))
    p95 = reads[int(0.95 * (len(reads) - 1))]
    tick_median, raw_median, full_median = (
        statistics.median(again),
        statistics.median(raw),
        statistics.median(full),
    )
    next_days = ", ".join(f"{ms:.0f} ms (+{n:,})" for ms, n in days)
    return [
        {
            "benchmark": f"monitoring: first tick, a full pass ({records:,} pregnancies)",
            "size": size,
            "value": f"{first:.0f} ms, {opened:,} to-dos opened ({records / first * 1000:,.0f} records/s)",
            "baseline": "-",
            "ratio": "-",
        },
        {
            "benchmark": "monitoring: tick, nothing new (incremental)",
            "size": size,
            "value": f"median {tick_median:.1f} ms",
            "baseline": f"full pass {full_median:.0f} ms; raw read of records+visits {raw_median:.0f} ms",
            "ratio": f"{tick_median / full_median:.3f} of full" if full_median else "-",
        },
        {
            "benchmark": "monitoring: tick on each of the next 3 mornings (to-dos added)",
            "size": size,
            "value": next_days,
            "baseline": f"full pass {full_median:.0f} ms",
            "ratio": f"{max(ms for ms, _ in days) / full_median:.2f} of full (slowest)"
            if full_median
            else "-",
        },
        {
            "benchmark": "monitoring: village clerk's due visits (page + counts)",
            "size": size,
            "value": f"median {statistics.median(reads):.2f} ms, p95 {p95:.2f} ms",
            "baseline": f"raw page+count {statistics.median(counted):.2f} ms",
            "ratio": f"{statistics.median(reads) / statistics.median(counted):.1f}"
            if statistics.median(counted)
            else "-",
        },
    ]
