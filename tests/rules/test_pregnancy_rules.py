"""townflow.rules.pregnancy: which certificate covers a report, the late-filing flag, a
termination drug using its certificate, and the outcome a termination report gives its
pregnancy record — plain values in, decisions out."""

from __future__ import annotations

from datetime import date

from townflow.rules.campaign import FieldUpdate, termination_report_check, termination_report_effects
from townflow.rules.pregnancy import (
    covers_report,
    dispensing_effects,
    filed_after_expiry,
    moves_to_used,
    pregnancy_to_close,
    termination_outcome,
)

CERT = "Termination Certificate Application"


def cert(**values):
    return {
        "name": "YCSQ-1",
        "workflow_state": "Issued",
        "certificate_status": "Unused",
        "valid_from": "2026-03-02",
        "valid_until": "2026-03-31",
        "pregnancy_record": "PR-1",
        **values,
    }


def test_a_certificate_covers_an_operation_inside_its_validity_unless_used_or_revoked():
    assert covers_report(cert(), date(2026, 3, 2)) and covers_report(cert(), date(2026, 3, 31))
    assert not covers_report(cert(), date(2026, 3, 1))
    assert not covers_report(cert(), date(2026, 4, 1))
    assert covers_report(cert(certificate_status="Expired", workflow_state="Expired"), date(2026, 3, 20))
    assert not covers_report(cert(certificate_status="Revoked"), date(2026, 3, 20))
    assert not covers_report(cert(certificate_status="Used", termination_report="ZZBG-9"), date(2026, 3, 20))
    # used by the drugs dispensed under it: the report of that same termination is covered
    assert covers_report(cert(certificate_status="Used", drug_dispensing="YW-1"), date(2026, 3, 20))
    assert not covers_report(None, date(2026, 3, 20))


def test_a_report_filed_after_expiry_for_an_operation_in_time_is_flagged():
    assert filed_after_expiry(cert(), date(2026, 3, 20), date(2026, 4, 2))
    assert not filed_after_expiry(cert(), date(2026, 3, 20), date(2026, 3, 31))
    assert not filed_after_expiry(cert(), date(2026, 4, 1), date(2026, 4, 2))  # not in time: no cover
    report = {
        "name": "ZZBG-1",
        "operation_date": "2026-03-20",
        "reported_on": "2026-04-02",
        "certificate": "YCSQ-1",
    }
    expired = cert(certificate_status="Expired", workflow_state="Expired")
    assert termination_report_check(report, expired) == {
        "certificate_check": "Valid Certificate",
        "birth_quota_suspended": 0,
        "filed_after_expiry": 1,
    }
    assert not moves_to_used(expired)  # stays Expired until the township has reviewed it
    assert moves_to_used(cert())


def test_a_report_after_drugs_under_the_certificate_links_it_and_keeps_the_day_of_use():
    used = cert(
        certificate_status="Used", workflow_state="Used", drug_dispensing="YW-1", used_on="2026-03-05"
    )
    report = {"name": "ZZBG-2", "operation_date": "2026-03-05", "certificate": "YCSQ-1", "household": "HH-1"}
    assert termination_report_check(report, used)["certificate_check"] == "Valid Certificate"
    assert termination_report_effects(report, used) == [
        FieldUpdate(CERT, "YCSQ-1", "termination_report", "ZZBG-2")
    ]


def test_a_termination_drug_uses_an_unused_certificate_valid_on_the_day():
    dispensing = {"name": "YW-1", "dispensed_on": "2026-03-05 10:30:00"}
    assert dispensing_effects(dispensing, cert(), True) == [
        FieldUpdate(CERT, "YCSQ-1", "drug_dispensing", "YW-1"),
        FieldUpdate(CERT, "YCSQ-1", "used_on", "2026-03-05"),
    ]
    assert dispensing_effects(dispensing, cert(), False) == []  # not a drug in the list
    assert dispensing_effects(dispensing, cert(certificate_status="Used"), True) == []
    assert dispensing_effects({**dispensing, "dispensed_on": "2026-04-05 08:00:00"}, cert(), True) == []
    assert dispensing_effects(dispensing, None, True) == []


def test_the_pregnancy_a_report_closes():
    assert pregnancy_to_close({"pregnancy_record": "PR-9"}, cert(), ["PR-2"]) == "PR-9"
    assert pregnancy_to_close({}, cert(), ["PR-2"]) == "PR-1"
    assert pregnancy_to_close({}, None, ["PR-2"]) == "PR-2"
    assert pregnancy_to_close({}, None, ["PR-2", "PR-3"]) is None  # ambiguous: none
    assert pregnancy_to_close({}, None, []) is None


def test_a_termination_gives_the_ongoing_pregnancy_its_outcome():
    report = {
        "name": "ZZBG-1",
        "operation_date": "2026-03-05",
        "reason": "避孕失败",
        "facility": "高新街道卫生院",
        "certificate": "YCSQ-1",
    }
    updates = termination_outcome(report, {"name": "PR-1", "outcome": "Ongoing"})
    assert {u.field: u.value for u in updates} == {
        "outcome": "Termination",
        "outcome_date": "2026-03-05",
        "outcome_reason": "避孕失败",
        "outcome_facility": "高新街道卫生院",
        "termination_report": "ZZBG-1",
        "termination_certificate": "YCSQ-1",
    }
    assert {u.name for u in updates} == {"PR-1"}
    assert termination_outcome(report, {"name": "PR-1", "outcome": "Miscarriage"}) == []  # closed already
    assert termination_outcome(report, None) == []
