"""On the real Frappe site: a DocPerm row the spec narrows to workflow states. The Facility
Officer's rows on Termination Certificate Application name Issued and later, so the facility the
village clerk chose learns nothing of an application in progress (desk form, REST get, lists,
counts) and reads the certificate, reason included, once it is issued. Frappe's DocPerm cannot
say this; the app's permission_query_conditions and has_permission hooks do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from frappe_support import act, todo_names

from townflow.client import errors

pytestmark = pytest.mark.frappe

CERTIFICATE = "Termination Certificate Application"


def _application(clerk, org, household) -> dict:
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": household["mother"],
            "household": household["household"],
            "village": org["a"],
            "responsible_visitor": "张医生",
            "registered_on": date.today().isoformat(),
            "lmp_date": (date.today() - timedelta(weeks=9)).isoformat(),
            "outcome": "Ongoing",
        }
    )
    return clerk.insert(
        {
            "doctype": CERTIFICATE,
            "person": household["mother"],
            "household": household["household"],
            "village": org["a"],
            "pregnancy_record": record["name"],
            "gestational_weeks": 9,
            "reason_category": "Contraceptive Failure",
            "reason": "避孕失败，本人自愿申请",
            "facility": org["facility"],
        }
    )


def _unseen(facility, app) -> None:
    with pytest.raises(errors.PermissionError):
        facility.get_doc(CERTIFICATE, app["name"])
    assert facility.get_list(CERTIFICATE, filters={"name": app["name"]}) == []
    assert facility.get_count(CERTIFICATE, filters={"name": app["name"]}) == 0


def test_the_facility_reads_the_certificate_once_issued_not_the_application(users, org, household):
    clerk, facility = users["clerk_a"], users["facility"]
    app = _application(clerk, org, household)
    _unseen(facility, app)  # Draft
    act(clerk, app, "Submit")
    _unseen(facility, app)  # Pending Village Verification
    act(users["head_a"], app, "Verify")
    _unseen(facility, app)  # Pending Township Approval
    # the approver (no narrowed row) sees it in progress; the facility's whole list holds none
    assert users["approver"].get_count(CERTIFICATE, filters={"name": app["name"]}) == 1
    rows = facility.get_list(CERTIFICATE, fields=["name", "workflow_state"], limit_page_length=0)
    assert {r["workflow_state"] for r in rows} <= {"Issued", "Used", "Expired", "Revoked"}
    act(users["approver"], app, "Approve")  # under the health threshold: issued at once

    issued = facility.get_doc(CERTIFICATE, app["name"])
    assert issued["workflow_state"] == "Issued"
    assert issued["reason"] == "避孕失败，本人自愿申请"  # permlevel 1, once issued
    listed = facility.get_list(CERTIFICATE, filters={"name": app["name"]}, fields=["name", "workflow_state"])
    assert listed == [{"name": app["name"], "workflow_state": "Issued"}]
    assert facility.get_count(CERTIFICATE, filters={"name": app["name"]}) == 1
    assert app["name"] in todo_names(facility, CERTIFICATE)  # the facility's step: record the use
