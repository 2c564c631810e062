"""The three processes walked over REST on a real Frappe v15 site, as the real roles.

Each step is taken by the user whose role and village/department/facility the spec names; the
refusals a wrong village, a wrong role or a missing comment must get are asserted on the way.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from frappe_support import act, record_dropout, state, todo_names

from townflow.client import errors

pytestmark = pytest.mark.frappe

REFUSED = (errors.PermissionError, errors.DoesNotExistError)


def test_subsidy_application_village_township_department(admin, users, org, household):
    clerk, head = users["clerk_a"], users["head_a"]
    app = clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household["household"],
            "village": org["a"],
            "applicant": household["mother"],
            "benefit_kind": "Low-income Relief",
            "amount": 600,
            "hardship_description": "丈夫病故，收入微薄",
            "monthly_household_income": 800,
        }
    )
    assert app["workflow_state"] == "Draft"
    # Another village's clerk neither sees nor reaches it.
    with pytest.raises(REFUSED):
        users["clerk_b"].get_doc("Subsidy Application", app["name"])
    assert app["name"] not in [r["name"] for r in users["clerk_b"].get_list("Subsidy Application")]
    # Counts are scoped too, also through frappe.client.get_count (Frappe 15 counts everything there).
    mine = {"name": app["name"]}
    assert users["clerk_b"].call("frappe.client.get_count", doctype="Subsidy Application", filters=mine) == 0
    assert clerk.call("frappe.client.get_count", doctype="Subsidy Application", filters=mine) == 1
    assert users["clerk_b"].get_count("Subsidy Application", mine) == 0

    act(clerk, app, "Submit")
    assert state(admin, app) == "Pending Village Verification"
    # The village head of the document's own village gets the task, the other village's does not.
    assert app["name"] in todo_names(head, "Subsidy Application")
    assert app["name"] not in todo_names(users["head_b"], "Subsidy Application")
    with pytest.raises((*REFUSED, errors.ValidationError)):
        act(users["head_b"], app, "Verify")
    # A clerk cannot take the head's action; a reject needs a comment.
    with pytest.raises(errors.FrappeError):
        act(clerk, app, "Verify")
    with pytest.raises(errors.FrappeError) as refused:
        act(head, app, "Reject")
    assert "comment" in str(refused.value).lower()

    act(head, app, "Verify")
    assert state(admin, app) == "Village Public Notice"  # 公示 in the village
    act(head, app, "End Notice")
    assert state(admin, app) == "Pending Township Review"
    act(users["approver"], app, "Forward")
    routed = admin.get_doc("Subsidy Application", app["name"])
    assert routed["workflow_state"] == "Pending Civil Affairs Review"
    assert routed["department"] == org["dept"]["Civil Affairs"]
    # Routed to Civil Affairs: the Education officer does not see it.
    with pytest.raises(REFUSED):
        users["edu"].get_doc("Subsidy Application", app["name"])
    assert app["name"] in todo_names(users["civil"], "Subsidy Application")
    act(users["civil"], app, "Approve")
    assert state(admin, app) == "Township Public Notice"  # 公示 at the township
    act(users["approver"], app, "End Notice")
    assert not admin.get_doc("Subsidy Application", app["name"]).get("approval_notice_serial")
    act(users["approver"], app, "Issue Notice")
    done = admin.get_doc("Subsidy Application", app["name"])
    assert done["workflow_state"] == "Approved"
    assert done["docstatus"] == 1
    # 审批通知书: the notice gets its own number, the rule the embedded runtime applies.
    assert re.fullmatch(rf"BZTZ-{date.today().year}-\d{{5,}}", done["approval_notice_serial"])
    history = users["approver"].timeline("Subsidy Application", app["name"])
    actions = [a["action"] for a in history["actions"]]
    assert actions == ["Submit", "Verify", "End Notice", "Forward", "Approve", "End Notice", "Issue Notice"]
    assert app["name"] in [i["reference_name"] for i in clerk.inbox("cc")["items"]]


def test_student_aid_withdraw_and_education_approval(admin, users, org, household):
    clerk = users["clerk_a"]
    record_dropout(clerk, household["daughter"])
    app = clerk.insert(
        {
            "doctype": "Student Aid Application",
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
    act(clerk, app, "Submit")
    # 撤回: the applicant pulls it back before the village head acts.
    clerk.withdraw({"doctype": app["doctype"], "name": app["name"]}, comment="补充材料")
    assert state(admin, app) == "Draft"
    assert app["name"] not in todo_names(users["head_a"], "Student Aid Application")
    act(clerk, app, "Submit")
    act(users["head_a"], app, "Verify")
    # Once the next step acted, withdrawing is refused.
    with pytest.raises(errors.FrappeError):
        clerk.withdraw({"doctype": app["doctype"], "name": app["name"]})
    act(users["approver"], app, "Forward")
    assert state(admin, app) == "Pending Education Review"
    with pytest.raises(REFUSED):
        users["civil"].get_doc("Student Aid Application", app["name"])
    act(users["edu"], app, "Approve")
    approved = admin.get_doc("Student Aid Application", app["name"])
    assert approved["workflow_state"] == "Approved"
    assert re.fullmatch(rf"ZXTZ-{date.today().year}-\d{{5,}}", approved["approval_notice_serial"])


def test_termination_certificate_return_issue_and_report(admin, users, org, household):
    clerk = users["clerk_a"]
    lmp = (date.today() - timedelta(weeks=8)).isoformat()
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": household["mother"],
            "household": household["household"],
            "village": org["a"],
            "responsible_visitor": "张医生",
            "registered_on": date.today().isoformat(),
            "lmp_date": lmp,
            "outcome": "Ongoing",
        }
    )
    app = clerk.insert(
        {
            "doctype": "Termination Certificate Application",
            "person": household["mother"],
            "household": household["household"],
            "village": org["a"],
            "pregnancy_record": record["name"],
            "gestational_weeks": 8,
            "reason_category": "Contraceptive Failure",
            "reason": "避孕失败，本人申请",
            "facility": org["facility"],
        }
    )
    act(clerk, app, "Submit")
    act(users["head_a"], app, "Verify")
    assert state(admin, app) == "Pending Township Approval"
    # 退回: the township sends it back to the village step with a reason; no reason, no return.
    doc = {"doctype": app["doctype"], "name": app["name"]}
    with pytest.raises(errors.FrappeError):
        users["approver"].return_to(doc, "Pending Village Verification", comment="")
    users["approver"].return_to(doc, "Pending Village Verification", comment="请核实孕周")
    assert state(admin, app) == "Pending Village Verification"
    act(users["head_a"], app, "Verify")
    assert state(admin, app) == "Pending Township Approval"
    act(users["approver"], app, "Approve")  # under the health threshold: issued at once
    issued = admin.get_doc(app["doctype"], app["name"])
    assert issued["workflow_state"] == "Issued"
    assert issued["certificate_serial"].startswith(f"YC-{date.today().year}-")
    # the site's today (its time zone, not this machine's: they differ around midnight)
    assert issued["valid_from"] == str(issued["modified"])[:10]
    assert issued["valid_until"] > issued["valid_from"]

    # Unused past its validity: the daily job expires it.
    _bench_execute("frappe.db.set_value", repr([app["doctype"], app["name"], "valid_until", "2020-01-31"]))
    _bench_execute("care_for_girls.townflow_ext.scheduler.daily")
    assert state(admin, app) == "Expired"


def test_termination_report_without_certificate_suspends_the_quota(admin, users, org, household):
    facility = users["facility"]
    report = facility.insert(
        {
            "doctype": "Termination Report",
            "facility": org["facility"],
            "person": household["mother"],
            "household": household["household"],
            "village": org["a"],
            "operation_date": date.today().isoformat(),
            "procedure": "Medical Abortion",
            "gestational_weeks": 7,
            "surgeon": "李医生",
            "reason": "未持凭证",
            "maternal_condition": "Good",
            "docstatus": 1,
        }
    )
    assert report["docstatus"] == 1
    hh = admin.get_doc("Household", household["household"])
    assert hh["birth_quota_status"] == "Suspended"
    assert hh["quota_suspended_by"] == report["name"]


def _bench_execute(method: str, args: str | None = None) -> None:
    import os
    import shutil
    import subprocess

    bench = os.environ["TOWNFLOW_FRAPPE_BENCH"]
    command = os.environ.get("TOWNFLOW_FRAPPE_BENCH_CMD") or shutil.which("bench") or "bench"
    site = os.environ.get("TOWNFLOW_FRAPPE_SITE", "")
    argv = [command, *(["--site", site] if site else []), "execute", method]
    if args:
        argv += ["--args", args]
    subprocess.run(argv, cwd=bench, check=True, capture_output=True, text=True, timeout=300)


def test_health_step_delegate_overdue_and_leader_countersign(
    admin, url, password, people, users, org, household
):
    from townflow.client import FrappeClient

    clerk = users["clerk_a"]
    # A colleague who joins the health department only after the step began: the step waits on the
    # department's health officers, whoever they are now, so they find it, and it can be delegated
    # to them.
    health2 = people.make("health-2", ["Health Officer"])
    for up in admin.get_list("User Permission", fields=["name"], filters={"user": health2.email}):
        admin.delete("User Permission", up["name"])
    sister = clerk.insert(
        {
            "doctype": "Person",
            "household": household["household"],
            "village": org["a"],
            "full_name": "王秀兰",
            "gender": "Female",
            "date_of_birth": "1990-07-01",
            "relationship": "Other",
        }
    )
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": sister["name"],
            "household": household["household"],
            "village": org["a"],
            "responsible_visitor": "张医生",
            "registered_on": date.today().isoformat(),
            "lmp_date": (date.today() - timedelta(weeks=16)).isoformat(),
            "outcome": "Ongoing",
        }
    )
    app = clerk.insert(
        {
            "doctype": "Termination Certificate Application",
            "person": sister["name"],
            "household": household["household"],
            "village": org["a"],
            "pregnancy_record": record["name"],
            "gestational_weeks": 16,
            "reason_category": "Contraceptive Failure",
            "reason": "避孕失败",
            "facility": org["facility"],
        }
    )
    act(clerk, app, "Submit")
    # allow_edit: once submitted to the village head, the clerk may no longer edit it.
    with pytest.raises(errors.FrappeError):
        clerk.update({"doctype": app["doctype"], "name": app["name"], "reason": "改了"})
    act(users["head_a"], app, "Verify")
    act(users["approver"], app, "Approve")  # at or above the threshold: the health department reviews
    routed = admin.get_doc(app["doctype"], app["name"])
    assert routed["workflow_state"] == "Pending Health Review"
    assert routed["department"] == org["dept"]["Health"]

    # 转交: the health officer hands the task to a colleague; not to someone without the role.
    doc = {"doctype": app["doctype"], "name": app["name"]}
    health = users["health"]
    admin.insert(
        {
            "doctype": "User Permission",
            "user": health2.email,
            "allow": "Department",
            "for_value": org["dept"]["Health"],
        }
    )
    with pytest.raises(errors.FrappeError):
        health.delegate(doc, users["edu"].email, comment="请处理")
    assert app["name"] in todo_names(health2, app["doctype"])
    health.delegate(doc, health2.email, comment="出差，请代办")
    assert app["name"] in todo_names(health2, app["doctype"])
    assert app["name"] not in todo_names(health, app["doctype"])

    # Overdue: the hourly job reminds once and escalates to the Township Leader.
    tasks = admin.get_list(
        "Townflow Task",
        fields=["name"],
        filters={"reference_name": app["name"], "status": "Open", "user": health2.email},
    )
    admin.update({"doctype": "Townflow Task", "name": tasks[0]["name"], "due": "2020-01-01 00:00:00"})
    assert app["name"] in [i["reference_name"] for i in health2.inbox("overdue")["items"]]
    _bench_execute("care_for_girls.townflow_ext.scheduler.hourly")
    task = admin.get_doc("Townflow Task", tasks[0]["name"])
    assert (task["reminded"], task["escalated"]) == (1, 1)
    # escalated to the Township Leaders' pool: every leader finds it, the delegate still has it
    assert app["name"] in todo_names(users["leader"], app["doctype"])
    assert app["name"] in todo_names(users["leader2"], app["doctype"])
    escalated = admin.get_list(
        "Townflow Task",
        fields=["user", "role", "source"],
        filters={"reference_name": app["name"], "status": "Open", "source": "escalate"},
    )
    assert [(t["user"], t["role"]) for t in escalated] == [(None, "Township Leader")]
    _bench_execute("care_for_girls.townflow_ext.scheduler.hourly")  # nothing more to do
    still = {"reference_name": app["name"], "status": "Open", "kind": "Approval"}
    assert len(admin.get_list("Townflow Task", filters=still)) == 2  # the delegate's and the pool

    act(health2, app, "Approve")
    assert state(admin, app) == "Pending Leader Countersign"
    # 会签: every Township Leader on the site must countersign; until then it stays.
    waiting = users["approver"].timeline(app["doctype"], app["name"])["expected"]
    leaders = [e["user"] for e in waiting]
    assert {users["leader"].email, users["leader2"].email} <= set(leaders)
    for index, leader in enumerate(sorted(leaders)):
        client = (
            users["leader"]
            if leader == users["leader"].email
            else FrappeClient(url, usr=leader, pwd=password)
        )
        act(client, app, "Countersign")
        expected = "Issued" if index == len(leaders) - 1 else "Pending Leader Countersign"
        assert state(admin, app) == expected
    assert admin.get_doc(app["doctype"], app["name"])["certificate_serial"].startswith("YC-")


def test_bulk_actions_go_through_the_apps_rules(admin, users, org, household):
    clerk, head = users["clerk_a"], users["head_a"]
    names = []
    for amount in (300, 400):
        app = clerk.insert(
            {
                "doctype": "Subsidy Application",
                "household": household["household"],
                "village": org["a"],
                "applicant": household["mother"],
                "benefit_kind": "Low-income Relief",
                "amount": amount,
                "hardship_description": "因病致贫",
                "monthly_household_income": 700,
            }
        )
        act(clerk, app, "Submit")
        names.append(app["name"])
    # Reject needs a comment: the whole bulk reject is refused document by document.
    refused = head.bulk_apply("Subsidy Application", names, "Reject")
    assert refused["done"] == [] and [f["name"] for f in refused["failed"]] == names
    # The desk list view's bulk action lands in the same rules.
    head.call(
        "frappe.model.workflow.bulk_workflow_approval",
        docnames=names,
        doctype="Subsidy Application",
        action="Verify",
    )
    for name in names:
        assert admin.get_doc("Subsidy Application", name)["workflow_state"] == "Pending Township Review"
    done = users["approver"].bulk_apply("Subsidy Application", names, "Reject", comment="材料不全")
    assert done["done"] == names
