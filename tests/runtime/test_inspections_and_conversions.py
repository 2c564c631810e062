"""The leading group's inspections (issue 11, point 11) and the two-way insurance conversion task
(point 7): tasks the system opens for the party that must act, due when the rule says, escalated
when overdue, closed by the act that ends them."""

from __future__ import annotations

from datetime import datetime

import pytest
from workflow_support import EAST, FACILITY, TOWNSHIP_NOTICE, VILLAGE_NOTICE, act, state, walk

from townflow.runtime import errors, workflow


def _admin(wsite):
    return wsite.session("Administrator")


def _inspection(wsite, **values):
    return wsite.session("leader1").insert(
        {
            "doctype": "Leading Group Inspection",
            "inspected_on": "2026-03-02",
            "inspectors": "领导小组 王组长、李副组长",
            "findings": "B超室未张贴严禁鉴定胎儿性别标志；使用登记缺两天",
            "rectification_required": "张贴标志，补全使用登记",
            "rectification_deadline": "2026-03-10",
            **values,
        }
    )


def _todo(wsite, user):
    return [i["reference_name"] for i in workflow.inbox(wsite.session(user), "todo")["items"]]


def test_an_inspection_opens_a_rectification_task_for_the_facility_escalated_when_overdue(wsite, wclock):
    doc = _inspection(wsite, inspected_kind="Facility", facility=FACILITY)
    act(wsite, "leader1", doc, "Issue")
    assert state(wsite, doc) == "Pending Facility Rectification"
    assert doc["name"] in _todo(wsite, "facility")
    assert doc["name"] not in _todo(wsite, "head.east")
    # due at the end of the deadline day: nothing happens on the deadline itself
    wclock.now = datetime(2026, 3, 10, 23, 0)
    assert wsite.tick(wclock.now)["escalated"] == 0
    wclock.now = datetime(2026, 3, 11, 8, 0)
    assert wsite.tick(wclock.now)["escalated"] == 1
    escalated = workflow.inbox(wsite.session("leader2"), "todo")["items"]
    assert [(i["reference_name"], i["source"]) for i in escalated] == [(doc["name"], "escalate")]
    assert doc["name"] in [
        i["reference_name"] for i in workflow.inbox(wsite.session("facility"), "overdue")["items"]
    ]
    # the facility reports its rectification; the leading group accepts it and the task is closed
    facility = wsite.session("facility")
    with pytest.raises(errors.ValidationError) as missing:
        act(wsite, "facility", doc, "Report Rectification")
    assert "rectification_report" in missing.value.fields
    facility.save({**facility.get(doc["doctype"], doc["name"]), "rectification_report": "已张贴标志并补登"})
    act(wsite, "facility", doc, "Report Rectification")
    assert _todo(wsite, "facility") == []
    assert doc["name"] in _todo(wsite, "leader1")
    leader = wsite.session("leader1")
    leader.save({**leader.get(doc["doctype"], doc["name"]), "accepted_on": "2026-03-11"})
    closed = act(wsite, "leader1", doc, "Accept")
    assert (closed["workflow_state"], closed["docstatus"]) == ("Closed", 1)
    assert doc["name"] not in _todo(wsite, "leader1") + _todo(wsite, "leader2")


def test_a_rectification_sent_back_reopens_the_partys_task(wsite):
    doc = _inspection(wsite, inspected_kind="Village", village=EAST, findings="育龄妇女台账未按月更新")
    act(wsite, "leader1", doc, "Issue")
    assert state(wsite, doc) == "Pending Village Rectification"
    assert doc["name"] in _todo(wsite, "head.east")
    assert doc["name"] not in _todo(wsite, "head.west") + _todo(wsite, "facility")
    head = wsite.session("head.east")
    head.save({**head.get(doc["doctype"], doc["name"]), "rectification_report": "台账已更新"})
    act(wsite, "head.east", doc, "Report Rectification")
    with pytest.raises(errors.MandatoryError, match="comment is required"):
        act(wsite, "leader1", doc, "Send Back")
    act(wsite, "leader1", doc, "Send Back", "缺三月份记录")
    assert state(wsite, doc) == "Pending Village Rectification"
    assert doc["name"] in _todo(wsite, "head.east")


def test_an_ultrasound_machine_inspection_goes_to_its_facility(wsite):
    admin = _admin(wsite)
    machine = admin.insert(
        {
            "doctype": "Ultrasound Machine",
            "registration_no": "BC-2026-007",
            "facility": FACILITY,
            "model": "迈瑞 DC-70",
            "filing_date": "2026-01-05",
            "status": "In Use",
            "sign_posted": 1,
        }
    )
    doc = _inspection(wsite, inspected_kind="Ultrasound Machine", ultrasound_machine=machine["name"])
    assert doc["facility"] == FACILITY  # fetched from the machine
    act(wsite, "leader1", doc, "Issue")
    assert doc["name"] in _todo(wsite, "facility")


def test_an_inspection_names_what_was_inspected_and_a_deadline_after_it(wsite):
    with pytest.raises(errors.ValidationError) as refused:
        _inspection(wsite, inspected_kind="Village", rectification_deadline="2026-03-01")
    assert {"village", "rectification_deadline"} <= set(refused.value.fields)  # named, and after
    with pytest.raises(errors.ValidationError) as refused:
        _inspection(wsite, inspected_kind="Facility")
    assert "facility" in refused.value.fields
    with pytest.raises(errors.PermissionError):
        wsite.session("clerk.east").insert(
            {
                "doctype": "Leading Group Inspection",
                "inspected_kind": "Village",
                "village": EAST,
                "inspected_on": "2026-03-02",
                "inspectors": "x",
                "findings": "x",
                "rectification_required": "x",
                "rectification_deadline": "2026-03-10",
            }
        )


# --- two-way insurance (两全保险) conversion ---------------------------------------------------


def _insured(wsite, world, born="2012-06-15"):
    household = world.household(EAST, children=(), only_child_certificate_no="DSZN-009")
    parent = world.person(household, relationship="Head", gender="Male")
    child = world.child(household, "Female", is_only_child=1, date_of_birth=born)
    app = wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": parent["name"],
            "benefit_kind": "Only-child Insurance",
            "insured_child": child["name"],
            "insurer": "中国人寿",
            "policy_no": "LQ-2026-009",
            "amount": 200,
        }
    )
    steps = [("clerk.east", "Submit"), ("head.east", "Verify"), *VILLAGE_NOTICE, ("approver1", "Forward")]
    steps += [("hr", "Approve"), *TOWNSHIP_NOTICE, ("approver2", "Issue Notice")]
    walk(wsite, app, steps)
    return app, child


def _conversions(wsite):
    return _admin(wsite).get_list(
        "Insurance Conversion",
        fields=["name", "insured_child", "due_on", "workflow_state"],
        limit_page_length=0,
    )


def test_the_insurance_conversion_appears_as_a_task_when_the_child_reaches_the_age(wsite, world, wclock):
    app, child = _insured(wsite, world, born="2012-06-15")  # 14 on 2026-06-15
    assert wsite.tick(wclock.now)["conversions"] == 0
    assert _todo(wsite, "hr") == []
    wclock.now = datetime(2026, 6, 15, 9, 0)
    assert wsite.tick(wclock.now)["conversions"] == 1
    assert wsite.tick(wclock.now)["conversions"] == 0  # once
    [task] = _conversions(wsite)
    assert (task["insured_child"], task["due_on"], task["workflow_state"]) == (
        child["name"],
        "2026-06-15",
        "Pending Conversion",
    )
    assert _todo(wsite, "hr") == [task["name"]]
    hr = wsite.session("hr")
    doc = hr.get("Insurance Conversion", task["name"])
    assert doc["subsidy_application"] == app["name"] and doc["policy_no"] == "LQ-2026-009"
    hr.save({**doc, "pension_policy_no": "YL-2026-001", "converted_on": "2026-06-16"})
    assert act(wsite, "hr", doc, "Convert")["workflow_state"] == "Converted"
    assert _todo(wsite, "hr") == []


def test_the_conversion_age_is_the_one_in_campaign_settings(wsite, world, wclock):
    _insured(wsite, world, born="2013-01-20")  # 13 on 2026-01-20
    assert wsite.tick(wclock.now)["conversions"] == 0
    admin = _admin(wsite)
    admin.save({**admin.get("Campaign Settings", "Campaign Settings"), "insurance_conversion_age": 13})
    assert wsite.tick(wclock.now)["conversions"] == 1
    assert [c["due_on"] for c in _conversions(wsite)] == ["2026-01-20"]
