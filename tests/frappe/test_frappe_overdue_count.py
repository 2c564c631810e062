"""On the real Frappe site: the inbox's overdue count stays exact on both of its paths.

Overdue cannot be kept by a trigger (the clock changes it). A range with up to a thousand overdue
tasks is counted directly from its (..., due) index; one with more is the kept open count less
the tasks not yet due or without a due time (townflow_ext.inbox._overdue) — at 1M the township
approvers' pool holds 104k overdue tasks, and counting them took 90 ms of every inbox call. Here a
village's Village Head pool gets 1,100 overdue pooled tasks, 30 not yet due and 5 without a due
time (written in bulk, as a county's backlog would be), and its head reads the counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from frappe_support import run_bench

pytestmark = pytest.mark.frappe

VILLAGE = "超期核对村"
SUBSIDY = "Subsidy Application"
FIELDS = [
    "name",
    "creation",
    "modified",
    "owner",
    "modified_by",
    "reference_doctype",
    "reference_name",
    "role",
    "scope_kind",
    "scope_value",
    "source",
    "kind",
    "status",
    "state",
    "due",
]


def _tasks(prefix: str, n: int, due) -> list[list]:
    at = (datetime.now() - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    return [
        [
            f"{prefix}-{i:05d}",
            at,
            at,
            "Administrator",
            "Administrator",
            SUBSIDY,
            f"{prefix}-DOC-{i:05d}",
            "Village Head",
            "village",
            VILLAGE,
            "step",
            "Approval",
            "Open",
            "Pending Village Verification",
            due,
        ]
        for i in range(n)
    ]


def _write(rows: list[list]) -> None:
    for start in range(0, len(rows), 400):  # one command-line argument holds at most 128 KiB
        chunk = rows[start : start + 400]
        run_bench("execute", "frappe.db.bulk_insert", "--args", repr(["Townflow Task", FIELDS, chunk]))


def _clear() -> None:
    run_bench("execute", "frappe.db.delete", "--args", repr(["Townflow Task", {"scope_value": VILLAGE}]))


def test_overdue_past_a_thousand_is_the_open_count_less_what_is_not_yet_due(admin, people):
    if not admin.get_list("Village", filters={"name": VILLAGE}):
        admin.insert({"doctype": "Village", "village_name": VILLAGE, "township": "高新街道"})
    head = people.make("overdue-head", ["Village Head"], Village=VILLAGE)
    past = (datetime.now() - timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S")
    future = (datetime.now() + timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S")
    _clear()
    try:
        _write(
            _tasks("TFOVERDUE-P", 1100, past)
            + _tasks("TFOVERDUE-F", 30, future)
            + _tasks("TFOVERDUE-N", 5, None)
        )
        counts = head.inbox("overdue")["counts"]
        assert (counts["todo"], counts["overdue"]) == (1135, 1100)
        assert head.inbox("overdue", doctype=SUBSIDY)["counts"]["overdue"] == 1100
        assert head.inbox("overdue", doctype="Student Aid Application")["counts"]["overdue"] == 0

        # below the threshold the range is counted directly: the same answer
        run_bench(
            "execute",
            "frappe.db.delete",
            "--args",
            repr(["Townflow Task", {"scope_value": VILLAGE, "name": ["like", "TFOVERDUE-P-002%"]}]),
        )
        counts = head.inbox("overdue")["counts"]
        assert (counts["todo"], counts["overdue"]) == (1035, 1000)
        run_bench(
            "execute",
            "frappe.db.delete",
            "--args",
            repr(["Townflow Task", {"scope_value": VILLAGE, "name": ["like", "TFOVERDUE-P-001%"]}]),
        )
        counts = head.inbox("overdue")["counts"]
        assert (counts["todo"], counts["overdue"]) == (935, 900)
    finally:
        _clear()
    assert head.inbox("overdue")["counts"]["overdue"] == 0
