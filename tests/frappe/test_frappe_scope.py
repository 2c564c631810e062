"""On the real Frappe site: deny by default, as in the embedded runtime (townflow.rules.scope.
reaches_nothing, in the app's permission_query_conditions and has_permission). An Education
Officer bound to no Department sees no student-aid application — Frappe alone, applying User
Permissions only to users who have some, would show them all."""

from __future__ import annotations

import pytest
from frappe_support import act, record_dropout

from townflow.client import errors

pytestmark = pytest.mark.frappe

AID = "Student Aid Application"


def test_an_officer_without_a_department_sees_nothing(users, people, org, household):
    clerk = users["clerk_a"]
    record_dropout(clerk, household["daughter"])
    app = clerk.insert(
        {
            "doctype": AID,
            "student": household["daughter"],
            "household": household["household"],
            "village": org["a"],
            "guardian_name": "王秀英",
            "aid_kind": "Dropout Girl Returning to School",
            "academic_year": "2025-2026",
            "school": "高新中学",
            "grade": "初二",
            "dropped_out_on": "2024-09-01",
            "dropout_reason": "家庭困难",
        }
    )
    for who, action in [("clerk_a", "Submit"), ("head_a", "Verify"), ("approver", "Forward")]:
        act(users[who], app, action)
    bound = users["edu"]
    assert app["name"] in [r["name"] for r in bound.get_list(AID, fields=["name"], limit_page_length=0)]
    unbound = people.make("edu-unbound", ["Education Officer"])
    assert unbound.get_list(AID, fields=["name"], limit_page_length=0) == []
    assert unbound.call("frappe.client.get_count", doctype=AID) == 0
    with pytest.raises((errors.PermissionError, errors.DoesNotExistError)):
        unbound.get_doc(AID, app["name"])
