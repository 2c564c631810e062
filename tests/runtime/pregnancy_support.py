"""Valid documents of the pregnancy, ultrasound and termination registries on the real project
(tests/runtime/workflow_support.py's site and people), for the tests that break one rule each."""

from __future__ import annotations

import workflow_support as support
from workflow_support import EAST, act

ADMIN = "Administrator"
OTHER_FACILITY = "高新街道计划生育服务站"


def operator(site, certificate_no: str, facility: str = support.FACILITY, **values) -> str:
    """An active, certified ultrasound operator (created by the System Manager); its name."""
    doc = {
        "doctype": "Ultrasound Operator",
        "operator_name": f"执机{certificate_no}",
        "facility": facility,
        "qualification": "Physician",
        "certificate_no": certificate_no,
        "certificate_issued_on": "2024-01-01",
        "valid_until": "2028-12-31",
        "status": "Active",
        **values,
    }
    return site.session(ADMIN).insert(doc)["name"]


def machine(site, registration_no: str = "BC-备-001", **values) -> str:
    doc = {
        "doctype": "Ultrasound Machine",
        "registration_no": registration_no,
        "facility": support.FACILITY,
        "model": "迈瑞 DC-70",
        "status": "In Use",
        "sign_posted": 1,
        "usage_log_kept": 1,
        **values,
    }
    return site.session(ADMIN).insert(doc)["name"]


def exam(site, world) -> dict:
    """A routine prenatal scan at the facility with two active operators (not yet inserted)."""
    record = world.pregnancy(world.person(world.household(EAST)))
    return {
        "doctype": "Ultrasound Exam",
        "machine": machine(site),
        "exam_date": site.now().date().isoformat(),
        "purpose": "Routine Prenatal Check",
        "pregnancy_record": record["name"],
        "operator_1": operator(site, "SG-001"),
        "operator_2": operator(site, "SG-002"),
        "no_sex_identification": 1,
        "findings": "单胎，胎心正常",
    }


def issue(site, world, weeks: int = 8) -> dict:
    """A certificate issued by the township (village clerk -> head -> approver)."""
    app = world.certificate_application(EAST, weeks=weeks)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(site, user, app, action)
    return site.session(ADMIN).get(app["doctype"], app["name"])


def dispensing(site, patient: str | None = None, **values) -> dict:
    """A Drug Dispensing Record of Mifepristone at the facility (not yet inserted)."""
    return {
        "doctype": "Drug Dispensing Record",
        "facility": support.FACILITY,
        "prescription_no": "CF-0001",
        "prescribing_doctor": "刘医生",
        "doctor_licence_no": "110370000000001",
        "drug": "Mifepristone",
        "batch_no": "B2026-01",
        "quantity": 1,
        "unit": "片",
        "patient": patient,
        "dispensed_on": site.now().strftime("%Y-%m-%d %H:%M:%S"),
        "supervising_doctor": "王医生",
        "under_supervision": 1,
        **values,
    }


def termination_report(site, certificate: dict | None = None, **values) -> dict:
    """A facility's Termination Report of a procedure today (not yet inserted)."""
    doc = {
        "doctype": "Termination Report",
        "facility": support.FACILITY,
        "operation_date": site.now().date().isoformat(),
        "procedure": "Surgical Abortion",
        "gestational_weeks": 8,
        "surgeon": "刘医生",
        "reason": "避孕失败，本人自愿",
        "maternal_condition": "Good",
        **values,
    }
    if certificate:
        doc["certificate"] = certificate["name"]
    return doc
