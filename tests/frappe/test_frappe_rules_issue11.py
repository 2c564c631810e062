"""Issue 11's rules on the real Frappe site, over REST (the stand-in frappe of tests/compile checks
the extension code's decisions; this checks that hooks.py wires them and Frappe applies them):
fetal sex refused as a Custom Field, a termination drug refused without a certificate, a
termination report closing its pregnancy, the household's type recomputed from its children, a
second one-time reward refused while the first is pending, a signed visit's date read-only, and
the daily job expiring a birth service certificate. Skipped without a bench (tests/frappe/conftest.py)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from frappe_support import act, run_bench, state

from townflow.client import errors

pytestmark = pytest.mark.frappe


def _household(clerk, org, head: str, **values) -> dict:
    return clerk.insert(
        {
            "doctype": "Household",
            "village": org["a"],
            "head_name": head,
            "residence_type": "Rural",
            "address": "东关村二组",
            "second_child_entitled": 1,
            "income_status": "Normal",
            **values,
        }
    )


def _person(clerk, org, household: dict, **values) -> dict:
    return clerk.insert(
        {
            "doctype": "Person",
            "household": household["name"],
            "village": org["a"],
            "full_name": "李秀英",
            "gender": "Female",
            "date_of_birth": "1994-05-04",
            "relationship": "Spouse",
            **values,
        }
    )


def test_a_custom_field_denoting_fetal_sex_is_refused(admin):
    with pytest.raises(errors.ValidationError, match=r"(?i)fetal sex|胎儿性别"):
        admin.insert(
            {
                "doctype": "Custom Field",
                "dt": "Ultrasound Exam",
                "fieldname": f"fetal_sex_{uuid.uuid4().hex[:6]}",
                "label": "胎儿性别",
                "fieldtype": "Data",
            }
        )
    assert not admin.get_list("Custom Field", filters={"dt": "Ultrasound Exam", "label": "胎儿性别"})


def test_a_termination_drug_needs_a_certificate(users, org, household):
    facility = users["facility"]
    with pytest.raises(errors.ValidationError, match=r"(?i)certificate|凭证"):
        facility.insert(
            {
                "doctype": "Drug Dispensing Record",
                "facility": org["facility"],
                "prescription_no": f"CF-{uuid.uuid4().hex[:6]}",
                "prescribing_doctor": "刘医生",
                "doctor_licence_no": "110370000000001",
                "drug": "Mifepristone",
                "batch_no": "B2026-01",
                "quantity": 1,
                "unit": "片",
                "patient": household["mother"],
                "dispensed_on": f"{date.today().isoformat()} 09:00:00",
                "supervising_doctor": "王医生",
                "under_supervision": 1,
            }
        )


def test_a_termination_report_closes_its_pregnancy_record(admin, users, org):
    clerk = users["clerk_a"]
    home = _household(clerk, org, "终止测试户")
    mother = _person(clerk, org, home, relationship="Head")
    lmp = (date.today() - timedelta(weeks=8)).isoformat()
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": date.today().isoformat(),
            "lmp_date": lmp,
            "outcome": "Ongoing",
        }
    )
    app = clerk.insert(
        {
            "doctype": "Termination Certificate Application",
            "person": mother["name"],
            "household": home["name"],
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
    act(users["approver"], app, "Approve")
    assert state(admin, app) == "Issued"
    report = users["facility"].insert(
        {
            "doctype": "Termination Report",
            "facility": org["facility"],
            "certificate": app["name"],
            "person": mother["name"],
            "household": home["name"],
            "village": org["a"],
            "operation_date": date.today().isoformat(),
            "procedure": "Surgical Abortion",
            "gestational_weeks": 8,
            "surgeon": "刘医生",
            "reason": "避孕失败，本人自愿",
            "maternal_condition": "Good",
            "docstatus": 1,
        }
    )
    closed = admin.get_doc("Pregnancy Record", record["name"])
    assert (closed["outcome"], closed["outcome_date"]) == ("Termination", date.today().isoformat())
    assert closed["termination_report"] == report["name"]
    assert closed["outcome_facility"] == org["facility"]
    assert state(admin, app) == "Used"


def test_the_household_type_is_recomputed_from_its_children(admin, users, org):
    clerk = users["clerk_a"]
    home = _household(clerk, org, "类别测试户", household_type="One-girl", is_girl_household=1)
    assert (
        admin.get_doc("Household", home["name"])["household_type"] == "Childless"
    )  # what it sent is not kept
    for n, (relationship, gender) in enumerate((("Daughter", "Female"), ("Son", "Male"), ("Son", "Male"))):
        _person(
            clerk,
            org,
            home,
            full_name=f"张{n}",
            gender=gender,
            relationship=relationship,
            date_of_birth="2012-04-01",
        )
        if n == 0:
            first = admin.get_doc("Household", home["name"])
            assert (first["household_type"], first["is_girl_household"]) == ("One-girl", 1)
    stored = admin.get_doc("Household", home["name"])
    assert (stored["number_of_children"], stored["number_of_daughters"]) == (3, 1)
    assert stored["household_type"] != "One-girl" and stored["is_girl_household"] == 0


def test_a_second_one_time_reward_is_refused_while_the_first_is_pending(users, org):
    clerk = users["clerk_a"]
    home = _household(clerk, org, "奖励测试户")
    head = _person(clerk, org, home, relationship="Head", full_name="奖励测试")
    _person(clerk, org, home, full_name="张小雨", relationship="Daughter", date_of_birth="2016-04-01")
    reward = {
        "doctype": "Subsidy Application",
        "household": home["name"],
        "applicant": head["name"],
        "benefit_kind": "One-time Reward",
        "amount": 1000,
        "one_girl_pledge": 1,
        "pledge_signed_on": date.today().isoformat(),
    }
    first = clerk.insert(reward)
    act(clerk, first, "Submit")
    with pytest.raises(errors.ValidationError, match=r"(?i)already applied|已申请"):
        clerk.insert(reward)


def test_a_signed_visits_date_cannot_be_changed(users, org, household):
    clerk = users["clerk_a"]
    today = date.today()
    home = _household(clerk, org, "签名测试户")
    mother = _person(clerk, org, home, relationship="Head", full_name="签名测试")
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": (today - timedelta(days=30)).isoformat(),
            "lmp_date": (today - timedelta(days=80)).isoformat(),
            "outcome": "Ongoing",
            "visits": [
                {
                    "visit_date": (today - timedelta(days=2)).isoformat(),
                    "visit_type": "Home Visit",
                    "visitor": "王敏",
                    "findings": "良好",
                    "family_signature": 1,
                    "signed_by": "家属",
                    "signature_method": "Scanned Sheet",
                    "signature_image": "/files/tf-signature.png",
                }
            ],
        }
    )
    doc = clerk.get_doc("Pregnancy Record", record["name"])
    doc["visits"][0]["visit_date"] = (today - timedelta(days=1)).isoformat()
    with pytest.raises(errors.ValidationError, match=r"(?i)read-only|只读"):
        clerk.update(doc)
    kept = clerk.get_doc("Pregnancy Record", record["name"])["visits"][0]["visit_date"]
    assert kept == (today - timedelta(days=2)).isoformat()


def test_the_daily_job_expires_a_birth_service_certificate_past_its_validity(admin, users, org):
    clerk = users["clerk_a"]
    home = _household(clerk, org, "生育证测试户")
    mother = _person(clerk, org, home, relationship="Head", full_name="生育证测试")
    app = clerk.insert(
        {
            "doctype": "Birth Service Certificate",
            "household": home["name"],
            "mother": mother["name"],
            "father_name": "张建国",
            "child_order": "Second Child",
            "reason": "符合生育二孩政策",
        }
    )
    act(clerk, app, "Submit")
    act(users["head_a"], app, "Verify")
    act(users["approver"], app, "Approve")
    assert state(admin, app) == "Issued"
    run_bench(
        "execute",
        "frappe.db.set_value",
        "--args",
        repr([app["doctype"], app["name"], "valid_until", "2020-01-31"]),
    )
    run_bench("execute", "care_for_girls.townflow_ext.scheduler.daily")
    assert state(admin, app) == "Expired"
