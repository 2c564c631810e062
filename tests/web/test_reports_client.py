"""One script reads a report the same way from either runtime: `FrappeClient.run_report` speaks
Frappe's `frappe.desk.query_report.run` to the embedded runtime over HTTP."""

from __future__ import annotations

import pytest

from townflow.client.errors import PermissionError as ClientPermissionError


def test_a_script_reads_a_report_and_is_refused_what_its_role_may_not_run(live_site):
    live_site.add_user("reports.approver@test", ["Township Approver"])
    live_site.add_user("reports.facility@test", ["Facility Officer"])
    message = live_site.login("reports.approver@test").run_report(
        "Two-Girl Household Share", {"group_by": "village"}
    )
    assert {"result", "columns", "chart", "report_summary"} <= set(message)
    assert [c["fieldname"] for c in message["columns"]][:4] == [
        "village",
        "two_child",
        "two_girl",
        "two_girl_share",
    ]
    with pytest.raises(ClientPermissionError):
        live_site.login("reports.facility@test").run_report("Benefit Tally")
