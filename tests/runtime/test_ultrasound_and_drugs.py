"""The four gates' registries on the real project (issue 11.2, 11.5, 11.12): two distinct
certified operators at every exam; nothing on an exam or a visit states a fetal sex; a
termination drug from the Drug list needs this woman's valid certificate at this facility and
uses it, as a termination report would."""

from __future__ import annotations

import pregnancy_support as ps
import pytest
import workflow_support as support
from workflow_support import EAST

from townflow.runtime import errors

ADMIN = ps.ADMIN
OTHER_FACILITY = ps.OTHER_FACILITY
_operator = ps.operator


@pytest.fixture
def scan(wsite, world):
    """A machine in use at the facility, two active operators there, and an ongoing pregnancy."""
    return {**ps.exam(wsite, world), "exam_date": "2026-03-02"}


def test_an_exam_with_two_certified_operators_is_recorded(wsite, scan):
    exam = wsite.session("facility").insert(scan)
    assert (exam["operator_1_name"], exam["operator_2_name"]) == ("执机SG-001", "执机SG-002")


def test_the_same_operator_twice_is_refused(wsite, scan):
    with pytest.raises(errors.ValidationError) as refused:
        wsite.session("facility").insert({**scan, "operator_2": scan["operator_1"]})
    assert refused.value.fields == ["operator_2"]
    assert "Two different operators" in str(refused.value)


def test_an_operator_suspended_or_of_another_facility_is_refused(wsite, scan):
    suspended = _operator(wsite, "SG-003", status="Suspended")
    elsewhere = _operator(wsite, "SG-004", facility=OTHER_FACILITY)
    facility = wsite.session("facility")
    with pytest.raises(errors.ValidationError) as refused:
        facility.insert({**scan, "operator_2": suspended})
    assert refused.value.fields == ["operator_2"]
    with pytest.raises(errors.ValidationError) as refused:
        facility.insert({**scan, "operator_1": elsewhere})
    assert "operator_1" in refused.value.fields


@pytest.mark.parametrize("findings", ["B超提示男胎", "胎儿性别：女", "医生说是个男孩", "Fetal sex: female"])
def test_findings_stating_a_fetal_sex_are_refused(wsite, scan, findings):
    with pytest.raises(errors.ValidationError) as refused:
        wsite.session("facility").insert({**scan, "findings": findings})
    assert refused.value.fields == ["findings"]
    assert "fetal sex" in str(refused.value)
    assert wsite.session(ADMIN).get_count("Ultrasound Exam") == 0


def test_a_follow_up_visit_stating_a_fetal_sex_is_refused_naming_the_row(wsite, world):
    record = world.pregnancy(world.person(world.household(EAST)))
    clerk = wsite.session("clerk.east")
    fresh = clerk.get("Pregnancy Record", record["name"])
    visit = {"visit_date": "2026-02-20", "visit_type": "Home Visit", "visitor": "王敏"}
    with pytest.raises(errors.ValidationError) as refused:
        clerk.save(
            {**fresh, "visits": [{**visit, "findings": "情况良好"}, {**visit, "findings": "家属称是个女孩"}]}
        )
    assert refused.value.fields == ["visits[2].findings"]
    saved = clerk.save({**fresh, "visits": [{**visit, "findings": "已告知严禁鉴定胎儿性别，情况良好"}]})
    assert len(saved["visits"]) == 1


# --- termination drugs ----------------------------------------------------------------------


issue = ps.issue


def dispensing(
    wsite, patient=None, drug: str = "Mifepristone", certificate: str | None = None, **values
) -> dict:
    session = values.pop("session", "facility")
    doc = ps.dispensing(wsite, patient, drug=drug, **values)
    if certificate:
        doc["termination_certificate"] = certificate
    return wsite.session(session).insert(doc)


def test_the_drug_list_flags_the_termination_drugs():
    from townflow.spec import load_project

    flagged = {
        r.model_extra["generic_name"]
        for r in load_project(support.ROOT).records_of("Drug")
        if r.model_extra.get("requires_certificate")
    }
    assert {"Mifepristone", "Misoprostol"} <= flagged


def test_a_termination_drug_without_a_certificate_is_refused(wsite, world):
    person = world.person(world.household(EAST))
    with pytest.raises(errors.ValidationError) as refused:
        dispensing(wsite, person["name"])
    assert refused.value.fields == ["termination_certificate"]
    assert "only against a termination certificate" in str(refused.value)
    assert wsite.session(ADMIN).get_count("Drug Dispensing Record") == 0


def test_a_drug_not_in_the_list_needs_no_certificate(wsite, world):
    person = world.person(world.household(EAST))
    assert dispensing(wsite, person["name"], drug="Oxytocin")["requires_certificate"] == 0


def test_dispensing_under_a_valid_certificate_marks_it_used(wsite, world, wclock):
    cert = issue(wsite, world)
    wclock.advance(days=2)
    done = dispensing(wsite, cert["person"], certificate=cert["name"])
    used = wsite.session(ADMIN).get(cert["doctype"], cert["name"])
    assert (used["workflow_state"], used["certificate_status"]) == ("Used", "Used")
    assert (used["drug_dispensing"], used["used_on"]) == (done["name"], "2026-03-04")
    # the same certificate cannot cover a second dispensing
    with pytest.raises(errors.ValidationError) as refused:
        dispensing(wsite, cert["person"], certificate=cert["name"], prescription_no="CF-0002")
    assert refused.value.fields == ["termination_certificate"]
    # the record itself can still be corrected
    facility = wsite.session("facility")
    fresh = facility.get("Drug Dispensing Record", done["name"])
    assert facility.save({**fresh, "notes": "留观2小时无异常"})["notes"] == "留观2小时无异常"


def test_the_termination_report_after_the_drugs_is_covered_by_the_same_certificate(wsite, world, wclock):
    cert = issue(wsite, world)
    wclock.advance(days=1)
    dispensing(wsite, cert["person"], certificate=cert["name"])
    facility = wsite.session("facility")
    report = facility.insert(
        {
            "doctype": "Termination Report",
            "facility": support.FACILITY,
            "certificate": cert["name"],
            "operation_date": wsite.now().date().isoformat(),
            "procedure": "Medical Abortion",
            "gestational_weeks": 8,
            "surgeon": "刘医生",
            "reason": "避孕失败",
            "maternal_condition": "Good",
        }
    )
    done = facility.submit(report)
    assert (done["certificate_check"], done["birth_quota_suspended"]) == ("Valid Certificate", 0)
    stored = wsite.session(ADMIN).get(cert["doctype"], cert["name"])
    assert stored["termination_report"] == done["name"]


def test_a_certificate_of_another_woman_or_facility_or_not_yet_issued_is_refused(wsite, world):
    cert = issue(wsite, world)
    stranger = world.person(world.household(EAST), full_name="张丽")
    draft = world.certificate_application(EAST, weeks=8)
    cases = [
        {"patient": stranger["name"], "termination_certificate": cert["name"]},
        {"patient": cert["person"], "termination_certificate": cert["name"], "facility": OTHER_FACILITY},
        {"patient": draft["person"], "termination_certificate": draft["name"]},
    ]
    for n, case in enumerate(cases):
        with pytest.raises(errors.ValidationError) as refused:
            dispensing(wsite, session=ADMIN, prescription_no=f"CF-01{n}", drug="Misoprostol", **case)
        assert refused.value.fields == ["termination_certificate"], case
        assert "valid on the day and unused" in str(refused.value)
    stored = wsite.session(ADMIN).get(cert["doctype"], cert["name"])
    assert stored["certificate_status"] == "Unused"


def test_dispensing_unsupervised_or_outside_a_designated_facility_is_refused(wsite, world):
    cert = issue(wsite, world)
    with pytest.raises(errors.ValidationError) as refused:
        dispensing(wsite, cert["person"], certificate=cert["name"], under_supervision=0)
    assert refused.value.fields == ["under_supervision"]
