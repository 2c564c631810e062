"""The SQL under each county-scale call, and how MariaDB runs it (ANALYZE FORMAT=JSON).

Run by `python -m benchmarks.frappe_county explain` inside the bench's Python (as the bench's
owner, from the bench's sites/ folder) on a site loaded by benchmarks/frappe_bulk_load.py. Each
call of the measured set (a clerk's lists and count, the township approver's count, the inbox's to
do and done for a village head and a township approver, the compiled Benefit Tally township-wide
and for one village) is made in process as its user, with every statement it sends recorded;
each SELECT that took 0.5 ms or more, or reads one of the big tables, is then run again under
`ANALYZE FORMAT=JSON` and reported as: the time inside MariaDB, and per table how it was read
(access type, key, rows read, index only). Prints markdown for docs/frappe.md.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict

import frappe

DOCTYPE = "Subsidy Application"
BIG = ("tabSubsidy Application", "tabTownflow Task", "tabTownflow Action")


def _tables(node, out: list[dict]) -> None:
    """Every `table` object of an ANALYZE FORMAT=JSON plan, in plan order."""
    if isinstance(node, dict):
        if "table" in node and isinstance(node["table"], dict):
            out.append(node["table"])
        for value in node.values():
            _tables(value, out)
    elif isinstance(node, list):
        for value in node:
            _tables(value, out)


def analyze(query: str) -> str:
    plan = json.loads(frappe.db.sql(f"analyze format=json {query}")[0][0])
    ms = plan.get("query_block", {}).get("r_total_time_ms")
    parts = []
    tables: list[dict] = []
    _tables(plan, tables)
    for t in tables:
        name = t.get("table_name", "?")
        if name.startswith("<"):  # a derived or union result
            continue
        piece = f"{name}: {t.get('access_type')} on {t.get('key')}, {int(t.get('r_rows') or 0)} rows read"
        if t.get("using_index"):
            piece += ", index only"
        parts.append(piece)
    return f"{ms:.2f} ms: " + "; ".join(parts) if ms is not None else "; ".join(parts)


def calls() -> list[tuple[str, str, callable]]:
    from care_for_girls.townflow_ext import api, reports

    village = frappe.db.get_value("User Permission", {"user": "load-clerk-000@example.com"}, "for_value")
    fields = ["name", "workflow_state", "modified"]
    return [
        (
            "clerk: list of 20, scoped",
            "load-clerk-000@example.com",
            lambda: frappe.get_list(DOCTYPE, fields=fields, limit_page_length=20),
        ),
        (
            "clerk: list of 20, state filter",
            "load-clerk-000@example.com",
            lambda: frappe.get_list(
                DOCTYPE, fields=fields, filters={"workflow_state": "Approved"}, limit_page_length=20
            ),
        ),
        (
            "clerk: list of 20, modified desc",
            "load-clerk-000@example.com",
            lambda: frappe.get_list(DOCTYPE, fields=fields, order_by="modified desc", limit_page_length=20),
        ),
        ("clerk: get_count (scoped)", "load-clerk-000@example.com", lambda: api.get_count(DOCTYPE)),
        ("approver: get_count, township-wide", "load-approver-0@example.com", lambda: api.get_count(DOCTYPE)),
        (
            "approver: get_count, one state",
            "load-approver-0@example.com",
            lambda: api.get_count(DOCTYPE, {"workflow_state": "Pending Township Review"}),
        ),
        ("head: inbox to do", "load-head-000@example.com", lambda: api.inbox("todo")),
        ("head: inbox done", "load-head-000@example.com", lambda: api.inbox("done")),
        ("approver: inbox to do", "load-approver-0@example.com", lambda: api.inbox("todo")),
        ("approver: inbox done", "load-approver-0@example.com", lambda: api.inbox("done")),
        (
            "approver: Benefit Tally, township-wide",
            "load-approver-0@example.com",
            lambda: reports.execute_report("Benefit Tally", {}),
        ),
        (
            f"approver: Benefit Tally, one village ({village})",
            "load-approver-0@example.com",
            lambda: reports.execute_report("Benefit Tally", {"village": village}),
        ),
        (
            "clerk: Benefit Tally, own village by month",
            "load-clerk-000@example.com",
            lambda: reports.execute_report("Benefit Tally", {"group_by": "month"}),
        ),
        (
            "approver: Benefit Tally, township-wide by month",
            "load-approver-0@example.com",
            lambda: reports.execute_report("Benefit Tally", {"group_by": "month"}),
        ),
    ]


def main() -> None:
    recorded: list[tuple[float, str]] = []
    plain_sql = frappe.db.sql

    def recording_sql(query, values=(), *args, **kwargs):
        started = time.perf_counter()
        result = plain_sql(query, values, *args, **kwargs)
        recorded.append((time.perf_counter() - started, frappe.db.last_query or str(query)))
        return result

    for label, user, call in calls():
        frappe.set_user(user)
        frappe.local.request_cache = defaultdict(dict)  # a new request: roles and ranges read again
        call()  # warm: metadata and permissions cached as in a running worker
        recorded.clear()
        frappe.db.sql = recording_sql
        started = time.perf_counter()
        try:
            call()
        finally:
            frappe.db.sql = plain_sql
        took = (time.perf_counter() - started) * 1000
        print(f"\n**{label}** (in process: {took:.1f} ms, {len(recorded)} statements)\n")
        for seconds, query in recorded:
            text = " ".join(str(query).split())
            temporary = text.lower().startswith("create temporary table")
            if not (text.lower().startswith("select") or temporary):
                continue
            if seconds < 0.0005 and not any(t in text for t in BIG):
                continue
            as_run = f"{seconds * 1000:.2f} ms as the call ran it"
            if temporary or "tf_report_pairs_" in text or "tf_report_rows_" in text:
                # a report's temporary table, gone once the call returned: not re-analyzed
                print(f"- `{text[:600]}`\n  {as_run}")
                continue
            frappe.set_user("Administrator")
            try:
                how = analyze(text)
            finally:
                frappe.set_user(user)
            print(f"- `{text[:600]}`\n  {how}")


if __name__ == "__main__":
    request = json.load(sys.stdin)
    frappe.init(site=request["site"], sites_path=".")
    frappe.connect()
    try:
        main()
    finally:
        frappe.destroy()
