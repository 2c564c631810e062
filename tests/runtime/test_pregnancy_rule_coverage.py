"""Every rule of the pregnancy, ultrasound, drug and termination DocTypes, broken one at a time on
the real project (issue 11.12): a valid document changed in one place is refused with that rule's
message on that rule's fields. Each case fails when its rule is removed from the spec, and a rule
added without a case here fails `test_every_rule_has_a_case`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pregnancy_support as ps
import pytest
import workflow_support as support
from workflow_support import EAST

from townflow.runtime import errors

NOT_DESIGNATED = "东关村卫生室"
DOCTYPES = (
    "Ultrasound Exam",
    "Ultrasound Operator",
    "Ultrasound Machine",
    "Drug Dispensing Record",
    "Pregnancy Record",
    "Pregnancy Follow Up Visit",
    "Termination Report",
    "Termination Certificate Application",
    "Infant Death Report",
)


class Ctx:
    def __init__(self, site, world):
        self.site, self.world = site, world

    @property
    def today(self) -> str:
        return self.site.now().date().isoformat()

    @property
    def tomorrow(self) -> str:
        return (self.site.now().date() + timedelta(days=1)).isoformat()

    def woman(self, **values) -> dict:
        return self.world.person(self.world.household(EAST), **values)

    def man(self) -> dict:
        return self.woman(full_name="张建国", gender="Male", relationship="Head")

    def record(self, **values) -> dict:
        """A Pregnancy Record as the East clerk files it (not yet inserted)."""
        return {
            "doctype": "Pregnancy Record",
            "person": self.woman()["name"],
            "responsible_visitor": "王敏",
            "registered_on": "2026-01-10",
            "lmp_date": "2025-12-01",
            "outcome": "Ongoing",
            **values,
        }

    def visit(self, **values) -> dict:
        row = {"visit_date": "2026-02-20", "visit_type": "Home Visit", "visitor": "王敏", "findings": "良好"}
        return self.record(visits=[{**row, **values}])

    def certificate_application(self, **values) -> dict:
        person = self.woman()
        record = self.world.pregnancy(person)
        return {
            "doctype": "Termination Certificate Application",
            "person": person["name"],
            "pregnancy_record": record["name"],
            "gestational_weeks": 8,
            "reason_category": "Contraceptive Failure",
            "reason": "避孕失败",
            "facility": support.FACILITY,
            **values,
        }

    def infant_death(self, **values) -> dict:
        return {
            "doctype": "Infant Death Report",
            "facility": support.FACILITY,
            "reported_by": "刘医生",
            "mother": self.woman()["name"],
            "infant_sex": "Female",
            "date_of_birth": "2026-01-10",
            "date_of_death": "2026-02-20",
            "place_of_death": "Facility",
            "cause_of_death": "新生儿肺炎",
            **values,
        }


def _exam(c: Ctx, **values):
    return "Administrator", {**ps.exam(c.site, c.world), **values}


def _machine(**values):
    machine = {"doctype": "Ultrasound Machine", "registration_no": "BC-X", "facility": support.FACILITY}
    return "Administrator", {
        **machine,
        "model": "X",
        "status": "In Use",
        "sign_posted": 1,
        "usage_log_kept": 1,
        **values,
    }


def _expired_operator(c: Ctx, no: str) -> str:
    return ps.operator(c.site, no, certificate_issued_on="2020-01-01", valid_until="2026-01-31")


def _second_application(c: Ctx):
    first = c.certificate_application()
    c.site.session("clerk.east").insert(first)
    return "clerk.east", {**first}


def _second_ongoing(c: Ctx):
    record = c.record()
    c.site.session("clerk.east").insert(record)
    return "clerk.east", {**record}


def _report_with(c: Ctx, **values):
    certificate = ps.issue(c.site, c.world)
    return "Administrator", ps.termination_report(c.site, certificate, **values)


def _report_for_stranger(c: Ctx):
    certificate = ps.issue(c.site, c.world)
    return "Administrator", ps.termination_report(
        c.site, certificate, person=c.woman(full_name="张丽")["name"]
    )


def _report_with_other_record(c: Ctx):
    certificate = ps.issue(c.site, c.world)
    other = c.world.pregnancy(c.woman(full_name="张丽"))
    return "facility", ps.termination_report(c.site, certificate, pregnancy_record=other["name"])


def _dispensing(c: Ctx, **values):
    certificate = ps.issue(c.site, c.world)
    base = ps.dispensing(c.site, certificate["person"], termination_certificate=certificate["name"])
    return "Administrator", {**base, **values}


#: rule name -> how to break it: (user, document to insert)
CASES: dict[tuple[str, str], Callable[[Ctx], tuple[str, dict]]] = {
    ("Ultrasound Exam", "two_different_operators"): lambda c: _exam(c, operator_2="SG-001"),
    ("Ultrasound Exam", "operator_1_certified"): lambda c: _exam(
        c, operator_1=ps.operator(c.site, "SG-009", status="Suspended")
    ),
    ("Ultrasound Exam", "operator_2_certified"): lambda c: _exam(
        c, operator_2=ps.operator(c.site, "SG-009", facility=ps.OTHER_FACILITY)
    ),
    ("Ultrasound Exam", "operator_1_certificate_current"): lambda c: _exam(
        c, operator_1=_expired_operator(c, "SG-009")
    ),
    ("Ultrasound Exam", "operator_2_certificate_current"): lambda c: _exam(
        c, operator_2=_expired_operator(c, "SG-009")
    ),
    ("Ultrasound Exam", "machine_in_use"): lambda c: _exam(
        c, machine=ps.machine(c.site, "BC-备-009", status="Sealed")
    ),
    ("Ultrasound Exam", "no_fetal_sex_identified"): lambda c: _exam(c, no_sex_identification=0),
    ("Ultrasound Exam", "exam_not_in_future"): lambda c: _exam(c, exam_date=c.tomorrow),
    ("Ultrasound Operator", "validity_after_issue"): lambda c: (
        "Administrator",
        {
            "doctype": "Ultrasound Operator",
            "operator_name": "李医生",
            "facility": support.FACILITY,
            "qualification": "Sonographer",
            "certificate_no": "SG-100",
            "certificate_issued_on": "2026-01-01",
            "valid_until": "2025-12-31",
        },
    ),
    ("Ultrasound Machine", "machine_in_use_has_sign"): lambda c: _machine(sign_posted=0),
    ("Ultrasound Machine", "machine_in_use_is_logged"): lambda c: _machine(usage_log_kept=0),
    ("Drug Dispensing Record", "designated_facility_only"): lambda c: (
        "Administrator",
        ps.dispensing(c.site, c.woman()["name"], facility=NOT_DESIGNATED, drug="Oxytocin"),
    ),
    ("Drug Dispensing Record", "used_under_supervision"): lambda c: _dispensing(c, under_supervision=0),
    ("Drug Dispensing Record", "termination_drug_needs_certificate"): lambda c: (
        "facility",
        ps.dispensing(c.site, c.woman()["name"], drug="Misoprostol"),
    ),
    ("Drug Dispensing Record", "certificate_valid_for_dispensing"): lambda c: _dispensing(
        c, patient=c.woman(full_name="张丽")["name"]
    ),
    ("Drug Dispensing Record", "patient_is_female"): lambda c: (
        "Administrator",
        ps.dispensing(c.site, c.man()["name"], drug="Oxytocin"),
    ),
    ("Pregnancy Record", "mother_is_female"): lambda c: ("clerk.east", c.record(person=c.man()["name"])),
    # no birth service certificate has that number (the certificate's own cases:
    # test_households_and_birth_quota.py)
    ("Pregnancy Record", "birth_service_certificate_of_the_household"): lambda c: (
        "clerk.east",
        c.record(birth_service_certificate_no="SYZ-2026-09999"),
    ),
    ("Pregnancy Record", "one_ongoing_pregnancy"): _second_ongoing,
    ("Pregnancy Record", "every_pregnancy_has_an_outcome_date"): lambda c: (
        "clerk.east",
        c.record(outcome="Stillbirth"),
    ),
    ("Pregnancy Record", "every_termination_has_a_reason"): lambda c: (
        "clerk.east",
        c.record(outcome="Miscarriage", outcome_date="2026-02-01"),
    ),
    ("Pregnancy Record", "outcome_after_lmp"): lambda c: (
        "clerk.east",
        c.record(outcome="Stillbirth", outcome_date="2025-11-01"),
    ),
    ("Pregnancy Record", "outcome_not_in_future"): lambda c: (
        "clerk.east",
        c.record(outcome="Stillbirth", outcome_date=c.tomorrow),
    ),
    ("Pregnancy Record", "delivery_after_lmp"): lambda c: (
        "clerk.east",
        c.record(expected_delivery_date="2025-11-01"),
    ),
    ("Pregnancy Follow Up Visit", "visit_not_in_future"): lambda c: (
        "clerk.east",
        c.visit(visit_date=c.tomorrow),
    ),
    ("Pregnancy Follow Up Visit", "visit_after_last_period"): lambda c: (
        "clerk.east",
        c.visit(visit_date="2025-11-30"),
    ),
    ("Pregnancy Follow Up Visit", "next_visit_after_visit"): lambda c: (
        "clerk.east",
        c.visit(next_visit_date="2026-02-20"),
    ),
    ("Termination Report", "certificate_for_this_facility"): lambda c: _report_with(
        c, facility=ps.OTHER_FACILITY
    ),
    ("Termination Report", "certificate_for_this_person"): _report_for_stranger,
    ("Termination Report", "operation_not_in_future"): lambda c: _report_with(c, operation_date=c.tomorrow),
    ("Termination Report", "operation_not_after_filing"): lambda c: _report_with(
        c, operation_date=c.tomorrow
    ),
    ("Termination Report", "operation_not_before_certificate_issue"): lambda c: _report_with(
        c, operation_date="2026-03-01"
    ),
    ("Termination Report", "pregnancy_record_of_patient"): _report_with_other_record,
    ("Termination Report", "patient_is_female"): lambda c: (
        "facility",
        ps.termination_report(c.site, person=c.man()["name"]),
    ),
    ("Termination Certificate Application", "ongoing_pregnancy_of_applicant"): lambda c: (
        "clerk.east",
        c.certificate_application(person=c.woman(full_name="张丽")["name"]),
    ),
    ("Termination Certificate Application", "designated_facility_only"): lambda c: (
        "clerk.east",
        c.certificate_application(facility=NOT_DESIGNATED),
    ),
    ("Termination Certificate Application", "one_application_per_pregnancy"): _second_application,
    ("Infant Death Report", "mother_is_female"): lambda c: (
        "facility",
        c.infant_death(mother=c.man()["name"]),
    ),
    ("Infant Death Report", "death_not_before_birth"): lambda c: (
        "facility",
        c.infant_death(date_of_death="2026-01-09"),
    ),
    ("Infant Death Report", "infant_under_one_year"): lambda c: (
        "facility",
        c.infant_death(date_of_birth="2025-01-01"),
    ),
    ("Infant Death Report", "death_not_after_report"): lambda c: (
        "facility",
        c.infant_death(date_of_death=c.tomorrow),
    ),
    ("Infant Death Report", "birth_of_this_pregnancy"): lambda c: (
        "facility",
        c.infant_death(pregnancy_record=c.world.pregnancy(c.woman())["name"]),
    ),
}


def test_every_rule_has_a_case(real_project):
    rules = {(dt, r.name) for dt in DOCTYPES for r in real_project.doctypes[dt].rules}
    assert rules - set(CASES) == set(), "a rule without a case that breaks it"
    assert set(CASES) - rules == set(), "a case for a rule the spec no longer has"


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[0]}:{k[1]}")
def test_breaking_the_rule_is_refused_with_its_message(wsite, world, real_project, key):
    doctype, name = key
    rule = next(r for r in real_project.doctypes[doctype].rules if r.name == name)
    user, doc = CASES[key](Ctx(wsite, world))
    with pytest.raises(errors.ValidationError) as refused:
        wsite.session(user).insert(doc)
    messages = [m for m in refused.value.messages if rule.message.en in m.en]
    assert messages, f"{rule.message.en!r} not in {refused.value}"
    prefix = "visits[1]." if doctype == "Pregnancy Follow Up Visit" else ""
    assert {prefix + f for f in rule.fields} <= {m.field for m in messages}
