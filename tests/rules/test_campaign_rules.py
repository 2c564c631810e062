"""The campaign's coded rules as pure decisions: certificate serial and validity, expiry, and what a
termination report does with or without a valid certificate."""

from __future__ import annotations

from datetime import date

import pytest

from townflow.rules.campaign import (
    FieldUpdate,
    certificate_expired,
    certificate_issue,
    certificate_serial,
    certificate_valid_on,
    next_sequence,
    termination_report_check,
    termination_report_effects,
)

SETTINGS = {"certificate_prefix": "YC", "certificate_validity_days": 30}


def issued(**values):
    return {
        "name": "YCSQ-1",
        "certificate_status": "Unused",
        "valid_from": "2026-03-02",
        "valid_until": "2026-03-31",
        **values,
    }


def test_serial_numbers_are_prefix_year_and_a_five_digit_sequence():
    assert certificate_serial(date(2026, 3, 2), 42) == "YC-2026-00042"
    assert next_sequence(None) == 1
    assert next_sequence("YC-2026-00041") == 42
    with pytest.raises(ValueError):
        certificate_serial(date(2026, 3, 2), 0)


def test_validity_counts_the_day_of_issue():
    assert certificate_issue(date(2026, 3, 2), 1, SETTINGS) == {
        "certificate_serial": "YC-2026-00001",
        "valid_from": "2026-03-02",
        "valid_until": "2026-03-31",
    }
    assert (
        certificate_issue(date(2026, 3, 2), 1, {"certificate_validity_days": 7})["valid_until"]
        == "2026-03-08"
    )


def test_a_certificate_is_valid_only_unused_and_within_its_dates():
    assert certificate_valid_on(issued(), date(2026, 3, 31))
    assert not certificate_valid_on(issued(), date(2026, 4, 1))
    assert not certificate_valid_on(issued(), date(2026, 3, 1))
    assert not certificate_valid_on(issued(certificate_status="Used"), date(2026, 3, 10))
    assert not certificate_valid_on(None, date(2026, 3, 10))


def test_unused_certificates_expire_the_day_after_validity():
    assert not certificate_expired(issued(), date(2026, 3, 31))
    assert certificate_expired(issued(), date(2026, 4, 1))
    assert not certificate_expired(issued(certificate_status="Used"), date(2026, 5, 1))


def test_a_report_with_a_valid_certificate_uses_it():
    report = {"name": "ZZBG-1", "operation_date": "2026-03-05", "household": "HH-1", "certificate": "YCSQ-1"}
    assert termination_report_check(report, issued()) == {
        "certificate_check": "Valid Certificate",
        "birth_quota_suspended": 0,
        "filed_after_expiry": 0,
    }
    assert termination_report_effects(report, issued()) == [
        FieldUpdate("Termination Certificate Application", "YCSQ-1", "termination_report", "ZZBG-1"),
        FieldUpdate("Termination Certificate Application", "YCSQ-1", "used_on", "2026-03-05"),
    ]


def test_a_report_without_a_valid_certificate_suspends_the_birth_quota():
    report = {"name": "ZZBG-2", "operation_date": "2026-04-05", "household": "HH-1", "certificate": "YCSQ-1"}
    assert termination_report_check(report, issued())["certificate_check"] == "Invalid Certificate"
    no_cert = {**report, "certificate": None}
    assert termination_report_check(no_cert, None) == {
        "certificate_check": "No Certificate",
        "birth_quota_suspended": 1,
        "filed_after_expiry": 0,
    }
    assert termination_report_effects(no_cert, None) == [
        FieldUpdate("Household", "HH-1", "birth_quota_status", "Suspended"),
        FieldUpdate("Household", "HH-1", "quota_suspended_on", "2026-04-05"),
        FieldUpdate("Household", "HH-1", "quota_suspended_by", "ZZBG-2"),
    ]
