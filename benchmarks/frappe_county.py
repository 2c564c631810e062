"""County scale on a real Frappe bench: bulk-load N applications, then time the calls a county's
users make over REST with a keep-alive client, beside the same calls on the embedded runtime.

    python -m benchmarks.frappe_county load --bench B --site county.localhost --size 100000
    python -m benchmarks.frappe_county measure --url http://127.0.0.1:PORT --size 100000 \\
        [--repeats 50] [--embedded-size 100000]
    python -m benchmarks.frappe_county explain --bench B --site county.localhost

`load` runs benchmarks/frappe_bulk_load.py in the bench's Python as the bench's owner (repeatable:
it replaces the rows it wrote before). `measure` logs in as the loader's users (a village clerk,
a village head, a township approver) and prints p50/p95 in ms of: the clerk's scoped list of 20
(plain, with a state filter, newest first), the clerk's scoped count and the approver's
township-wide count (frappe.client.get_count), and townflow.api.inbox to do / done for the head
and the approver, beside `ping` (what any request costs on that bench at that moment: the
baseline, measured in the same run); the embedded runtime's inbox and counts on a site seeded to
--embedded-size (benchmarks.seeding, in process) are printed beside them. docs/frappe.md holds the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from townflow.compile.bench_owner import bench_owner

HERE = Path(__file__).resolve().parent
PASSWORD = "Load-2026-county!"
DOCTYPE = "Subsidy Application"


def explain(bench: Path, site: str) -> str:
    """benchmarks/frappe_explain.py's markdown: the SQL under each call and its ANALYZE."""
    python = str(bench / "env" / "bin" / "python")
    argv = bench_owner(bench).as_owner([python, str(HERE / "frappe_explain.py")])
    done = subprocess.run(
        argv,
        cwd=bench / "sites",
        input=json.dumps({"site": site}),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"explain failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def load(bench: Path, site: str, size: int) -> dict:
    python = str(bench / "env" / "bin" / "python")
    argv = bench_owner(bench).as_owner([python, str(HERE / "frappe_bulk_load.py")])
    request = json.dumps({"site": site, "size": size, "password": PASSWORD})
    done = subprocess.run(
        argv, cwd=bench / "sites", input=request, capture_output=True, text=True, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"load failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(line[len("RESULT") :])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def _login(url: str, user: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{url}/api/method/login", json={"usr": user, "pwd": PASSWORD}, timeout=60)
    answer.raise_for_status()
    return session


def _time(session: requests.Session, url: str, path: str, params: dict, repeats: int) -> tuple[float, float]:
    session.get(f"{url}{path}", params=params, timeout=900).raise_for_status()  # warm
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        session.get(f"{url}{path}", params=params, timeout=900).raise_for_status()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def frappe_calls(url: str, repeats: int, steps: bool = False) -> list[tuple[str, tuple[float, float]]]:
    clerk = _login(url, "load-clerk-000@example.com")
    head = _login(url, "load-head-000@example.com")
    approver = _login(url, "load-approver-0@example.com")
    listing = f"/api/resource/{DOCTYPE}"
    fields = json.dumps(["name", "workflow_state", "modified"])
    count = "/api/method/frappe.client.get_count"
    inbox = "/api/method/townflow.api.inbox"
    report = "/api/method/frappe.desk.query_report.run"
    village = approver.get(
        f"{url}/api/resource/Village", params={"order_by": "name asc", "limit_page_length": 1}, timeout=60
    ).json()["data"][0]["name"]
    cases = [
        ("baseline: ping (Frappe's own cost of a request)", clerk, "/api/method/ping", {}),
        ("clerk: list of 20, scoped", clerk, listing, {"fields": fields}),
        (
            "clerk: list of 20, state filter",
            clerk,
            listing,
            {"fields": fields, "filters": json.dumps({"workflow_state": "Approved"})},
        ),
        ("clerk: list of 20, modified desc", clerk, listing, {"fields": fields, "order_by": "modified desc"}),
        ("clerk: get_count (scoped)", clerk, count, {"doctype": DOCTYPE}),
        ("approver: get_count, township-wide", approver, count, {"doctype": DOCTYPE}),
        (
            "approver: get_count, one state",
            approver,
            count,
            {"doctype": DOCTYPE, "filters": json.dumps({"workflow_state": "Pending Township Review"})},
        ),
        ("head: inbox to do", head, inbox, {"tab": "todo"}),
        ("head: inbox done", head, inbox, {"tab": "done"}),
        ("approver: inbox to do", approver, inbox, {"tab": "todo"}),
        ("approver: inbox done", approver, inbox, {"tab": "done"}),
        (
            "approver: Benefit Tally report, township-wide",
            approver,
            report,
            {"report_name": "Benefit Tally", "filters": "{}"},
        ),
        (
            "approver: Benefit Tally report, one village",
            approver,
            report,
            {"report_name": "Benefit Tally", "filters": json.dumps({"village": village})},
        ),
        (
            "clerk: Benefit Tally report by month (own village)",
            clerk,
            report,
            {"report_name": "Benefit Tally", "filters": json.dumps({"group_by": "month"})},
        ),
        (
            "approver: Benefit Tally report by month, township-wide",
            approver,
            report,
            {"report_name": "Benefit Tally", "filters": json.dumps({"group_by": "month"})},
        ),
    ]
    if steps:  # from the kept step visits (townflow_ext.visits) for a township reader
        today = datetime.date.today()
        month = today.replace(day=1).isoformat()
        week = (today - datetime.timedelta(days=7)).isoformat()
        for label, filters in (
            ("township-wide", {}),
            ("from this month's first day", {"from_date": month}),
            ("the last 7 days (day bounds)", {"from_date": week, "to_date": today.isoformat()}),
            ("by process", {"group_by": "process"}),
            ("one process", {"process": DOCTYPE}),
        ):
            cases.append(
                (
                    f"approver: Department Timeliness, {label}",
                    approver,
                    report,
                    {"report_name": "Department Timeliness", "filters": json.dumps(filters)},
                )
            )
    # five calls of each report, not `repeats`
    out = []
    for label, s, path, params in cases:
        n = repeats if path != report else min(repeats, 5)
        out.append((label, _time(s, url, path, params, n)))
    return out


def embedded_calls(size: int, repeats: int) -> list[tuple[str, tuple[float, float]]]:
    from benchmarks import seeding
    from townflow.runtime import inbox as inbox_module

    out = []
    with tempfile.TemporaryDirectory() as folder:
        site = seeding.open_site(Path(folder) / "site", seeding.Clock(seeding.START))
        try:
            seeding.seed(site, size)
            cases = [
                ("clerk: list of 20, scoped", "clerk.0", lambda s: s.get_list(DOCTYPE, fields=["name"])),
                ("clerk: get_count (scoped)", "clerk.0", lambda s: s.get_count(DOCTYPE)),
                ("approver: get_count, township-wide", "approver.1", lambda s: s.get_count(DOCTYPE)),
                ("head: inbox to do", "head.0", lambda s: inbox_module.inbox(s, "todo")),
                ("head: inbox done", "head.0", lambda s: inbox_module.inbox(s, "done")),
                ("approver: inbox to do", "approver.1", lambda s: inbox_module.inbox(s, "todo")),
                ("approver: inbox done", "approver.1", lambda s: inbox_module.inbox(s, "done")),
            ]
            for label, user, call in cases:
                session = site.session(user)
                samples = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    call(session)
                    samples.append(time.perf_counter() - started)
                out.append((label, percentiles(samples)))
        finally:
            site.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.frappe_county", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("--bench", required=True)
    lo.add_argument("--site", required=True)
    lo.add_argument("--size", type=int, required=True)
    ex = sub.add_parser("explain")
    ex.add_argument("--bench", required=True)
    ex.add_argument("--site", required=True)
    me = sub.add_parser("measure")
    me.add_argument("--url", required=True)
    me.add_argument("--size", type=int, required=True, help="how many the site was loaded with (printed)")
    me.add_argument("--repeats", type=int, default=50)
    me.add_argument(
        "--embedded-size", type=int, default=0, help="seed the embedded runtime to this size (0: skip)"
    )
    me.add_argument(
        "--steps-report",
        action="store_true",
        help="also Department Timeliness for the township approver: whole township, from this "
        "month, the last 7 days, by process, one process (served from the kept step visits)",
    )
    args = parser.parse_args(argv)
    if args.command == "load":
        print(json.dumps(load(Path(args.bench).resolve(), args.site, args.size)))
        return 0
    if args.command == "explain":
        print(explain(Path(args.bench).resolve(), args.site))
        return 0
    frappe_rows = frappe_calls(args.url.rstrip("/"), args.repeats, steps=args.steps_report)
    embedded = dict(embedded_calls(args.embedded_size, args.repeats)) if args.embedded_size else {}
    ping = frappe_rows[0][1][0]
    header = f"| call (p50 / p95 ms) | Frappe, {args.size:,} | p50 / ping's p50 |"
    if embedded:
        header += f" embedded runtime, {args.embedded_size:,} |"
    print(header)
    print("|---|---|---|" + ("---|" if embedded else ""))
    for label, (p50, p95) in frappe_rows:
        line = f"| {label} | {p50:.1f} / {p95:.1f} | {p50 / ping:.2f} |"
        if embedded:
            other = embedded.get(label)
            line += f" {other[0]:.1f} / {other[1]:.1f} |" if other else " - |"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
