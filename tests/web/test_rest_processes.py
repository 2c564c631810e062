"""The three processes, walked end to end over HTTP with the project's own client, as the real roles.

Each user logs in with a cookie session (the client sends the CSRF token it got at login);
every step is offered by `get_transitions` and taken with `apply_workflow`, as Frappe's desk
does it, and the answers are what a Frappe client expects.
"""

from __future__ import annotations

from datetime import date

import pytest

from townflow.client import DoesNotExistError, FrappeClient, FrappeError, PermissionError

from .notice_window import notice_window_passed
from .scenario import FACILITY, VILLAGE_A, act, create_users, new_family, pregnancy, relief_application


@pytest.fixture(scope="module")
def users(live_site):
    create_users(live_site)
    return live_site


def test_subsidy_loan_from_village_to_disbursement(users):
    clerk, head = users.login("clerk.a@rest"), users.login("head.a@rest")
    approver, finance = users.login("approver@rest"), users.login("finance@rest")
    family = new_family(clerk, VILLAGE_A)
    app = clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": family["name"],
            "applicant": family["people"]["Head"]["name"],
            "benefit_kind": "Interest-subsidised Loan",
            "amount": 3000,
            "loan_purpose": "养殖",
            "lending_bank": "农村信用社",
            "loan_term_months": 24,
        }
    )
    assert app["workflow_state"] == "Draft"
    assert app["village"] == VILLAGE_A  # fetched from the household

    assert act(clerk, app, "Submit")["workflow_state"] == "Pending Village Verification"
    assert act(head, app, "Verify")["workflow_state"] == "Village Public Notice"  # 公示 in the village
    notice_window_passed(users.site_dir, app["name"])
    assert act(head, app, "End Notice")["workflow_state"] == "Pending Township Review"
    assert act(approver, app, "Forward")["workflow_state"] == "Pending Finance Review"
    assert act(finance, app, "Approve")["workflow_state"] == "Township Public Notice"  # and at the township
    notice_window_passed(users.site_dir, app["name"])
    assert act(approver, app, "End Notice")["workflow_state"] == "Pending Approval Notice"
    approved = act(approver, app, "Issue Notice")
    assert approved["workflow_state"] == "Approved"
    assert approved["docstatus"] == 1

    # the finance office pays and records it; only then is "Record Payment" offered
    assert "Record Payment" not in [t["action"] for t in finance.get_transitions(approved)]
    finance.insert(
        {
            "doctype": "Disbursement",
            "subsidy_application": app["name"],
            "amount": 3000,
            "payment_date": date.today().isoformat(),
            "payment_method": "Loan Interest Subsidy",
            "bank_reference": "YH-TEST-1",
            "paid_by": "finance@rest",
            "docstatus": 1,
        }
    )
    assert act(finance, app, "Record Payment")["workflow_state"] == "Disbursed"

    # the clerk sees the outcome; the inbox and the timeline tell the story
    assert clerk.get_doc("Subsidy Application", app["name"])["workflow_state"] == "Disbursed"
    timeline = clerk.timeline("Subsidy Application", app["name"])
    assert [a["action"] for a in timeline["actions"]][:8] == [
        "Submit",
        "Verify",
        "End Notice",
        "Forward",
        "Approve",
        "End Notice",
        "Issue Notice",
        "Record Payment",
    ]
    done = approver.inbox("done")
    assert app["name"] in {i["reference_name"] for i in done["items"]}
    assert set(done["counts"]) == {"todo", "done", "cc", "overdue"}


def test_student_aid_from_village_to_payment(users):
    clerk, head = users.login("clerk.a@rest"), users.login("head.a@rest")
    approver, education = users.login("approver@rest"), users.login("education@rest")
    family = new_family(clerk, VILLAGE_A)
    app = clerk.insert(
        {
            "doctype": "Student Aid Application",
            "student": family["people"]["Daughter"]["name"],
            "guardian_name": family["head_name"],
            "aid_kind": "Poor Female University Student",
            "academic_year": "2025-2026",
            "school": "山东师范大学",
            "grade": "大一",
            "amount": 3000,
            "admission_letter": "/files/letter.pdf",
            "family_hardship": "家庭困难",
        }
    )
    act(clerk, app, "Submit")
    assert app["name"] in {i["reference_name"] for i in head.inbox("todo")["items"]}
    act(head, app, "Verify")
    act(approver, app, "Forward")
    approved = act(education, app, "Approve")
    assert (approved["workflow_state"], approved["docstatus"]) == ("Approved", 1)
    education.update(
        {**approved, "paid_on": date.today().isoformat(), "payment_reference": "ZX-PAY-1"}
    )  # allow_on_submit fields
    assert act(education, app, "Record Payment")["workflow_state"] == "Paid"


def test_termination_certificate_with_health_step_countersign_and_report(users):
    clerk, head, approver = (
        users.login("clerk.a@rest"),
        users.login("head.a@rest"),
        users.login("approver@rest"),
    )
    health, facility = users.login("health@rest"), users.login("facility@rest")
    leader1, leader2 = users.login("leader1@rest"), users.login("leader2@rest")
    family = new_family(clerk, VILLAGE_A)
    woman = family["people"]["Spouse"]["name"]
    record = pregnancy(clerk, woman, weeks=16)
    app = clerk.insert(
        {
            "doctype": "Termination Certificate Application",
            "person": woman,
            "pregnancy_record": record["name"],
            "gestational_weeks": 16,
            "reason_category": "Contraceptive Failure",
            "reason": "避孕失败",
            "facility": FACILITY,
        }
    )
    act(clerk, app, "Submit")
    act(head, app, "Verify")
    # 16 weeks is over the threshold: the township's approval goes to the health office
    assert act(approver, app, "Approve")["workflow_state"] == "Pending Health Review"
    assert act(health, app, "Approve")["workflow_state"] == "Pending Leader Countersign"
    # all leaders must countersign (会签): the first signature leaves it pending
    assert act(leader1, app, "Countersign")["workflow_state"] == "Pending Leader Countersign"
    issued = act(leader2, app, "Countersign")
    assert issued["workflow_state"] == "Issued"
    assert issued["certificate_serial"] and issued["valid_until"]

    # the designated facility reports the operation; the certificate becomes Used
    facility.insert(
        {
            "doctype": "Termination Report",
            "facility": FACILITY,
            "certificate": app["name"],
            "person": woman,
            "operation_date": date.today().isoformat(),
            "procedure": "Medical Abortion",
            "gestational_weeks": 16,
            "surgeon": "王医生",
            "reason": "避孕失败",
            "maternal_condition": "Good",
            "docstatus": 1,
        }
    )
    assert clerk.get_doc("Termination Certificate Application", app["name"])["workflow_state"] == "Used"


def test_other_village_clerk_cannot_see_or_act(users):
    clerk_a, clerk_b = users.login("clerk.a@rest"), users.login("clerk.b@rest")
    app = clerk_a.insert(relief_application(clerk_a, VILLAGE_A))
    with pytest.raises(DoesNotExistError) as missing:
        clerk_b.get_doc("Subsidy Application", app["name"])
    assert missing.value.status == 404
    with pytest.raises(DoesNotExistError):
        clerk_b.apply_workflow({"doctype": "Subsidy Application", "name": app["name"]}, "Submit")
    assert app["name"] not in {
        r["name"] for r in clerk_b.get_list("Subsidy Application", limit_page_length=0)
    }
    assert clerk_b.get_count("Subsidy Application", {"name": app["name"]}) == 0
    assert clerk_a.get_count("Subsidy Application", {"name": app["name"]}) == 1


def test_wrong_role_is_refused(users):
    facility = users.login("facility@rest")
    clerk = users.login("clerk.a@rest")
    with pytest.raises(PermissionError) as refused:
        facility.get_list("Subsidy Application")  # no DocPerm for the Facility Officer
    assert refused.value.status == 403
    app = clerk.insert(relief_application(clerk, VILLAGE_A))
    act(clerk, app, "Submit")
    # the clerk may not verify her own application: the action is not offered, and refused as Frappe does
    assert "Verify" not in [
        t["action"] for t in clerk.get_transitions(clerk.get_doc(app["doctype"], app["name"]))
    ]
    with pytest.raises(Exception) as not_offered:
        clerk.apply_workflow(clerk.get_doc(app["doctype"], app["name"]), "Verify")
    assert not_offered.value.status in (403, 417)
    assert not_offered.value.exc_type in {"WorkflowTransitionError", "PermissionError"}


def test_a_clerk_cannot_skip_the_workflow_by_posting_a_submitted_document(users):
    clerk = users.login("clerk.a@rest")
    with pytest.raises(PermissionError):
        clerk.insert({**relief_application(clerk, VILLAGE_A), "docstatus": 1})


def test_a_state_cannot_be_written_directly(users):
    clerk = users.login("clerk.a@rest")
    app = clerk.insert(relief_application(clerk, VILLAGE_A))
    for change in [{"workflow_state": "Approved"}, {"docstatus": 1}]:
        with pytest.raises(FrappeError) as refused:
            clerk.update({"doctype": app["doctype"], "name": app["name"], **change})
        assert refused.value.status == 417, change
    assert clerk.get_doc(app["doctype"], app["name"])["workflow_state"] == "Draft"


def test_token_auth_works_without_csrf(users):
    admin = users.admin
    secret = admin.generate_keys("clerk.a@rest")
    key = admin.get_doc("User", "clerk.a@rest")["api_key"]
    scripted = FrappeClient(users.url, token=f"{key}:{secret}")
    assert scripted.get_logged_user() == "clerk.a@rest"
    family = new_family(scripted, VILLAGE_A)  # POSTs with no CSRF token: token auth needs none
    assert family["village"] == VILLAGE_A
