"""The "Care for Girls" campaign's domain rules that need code, as pure decisions both runtimes apply.

Each function takes plain values (a document as a dict, the Campaign Settings values, what the
registries hold) and returns a decision: field values, or `FieldUpdate` effects the runtime
writes in the same transaction as the step that caused them. Nothing here reads a database, so
the Frappe app's doc_events and the embedded engine give the same answers.

Rules the spec can say as expressions live in the spec, not here, so each has one
implementation: the health step is a transition condition (`doc.gestational_weeks >=
settings.health_review_weeks`), and subsidy and student-aid eligibility (a one-time reward once
per household, a loan within the policy range, aid for girls only) are DocType `rules:`, checked
on every save — and so at every workflow step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

CERTIFICATE_PREFIX = "YC"  # 引产 (termination) certificate


@dataclass(frozen=True)
class FieldUpdate:
    """Set `field` to `value` on document `doctype`/`name` (name None: the document being acted on)."""

    doctype: str
    name: str | None
    field: str
    value: Any


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def setting(settings: Mapping[str, Any], key: str, default: Any) -> Any:
    value = settings.get(key) if settings else None
    return default if value is None or value == "" else value


# --- termination certificates (凭证引产) ----------------------------------------------------


def certificate_serial(issued_on: date, sequence: int, prefix: str = CERTIFICATE_PREFIX) -> str:
    """Serial number of a certificate: prefix, year, a per-year sequence — `YC-2026-00042`."""
    if sequence < 1:
        raise ValueError("certificate sequence starts at 1")
    return f"{prefix}-{issued_on.year}-{sequence:05d}"


def certificate_valid_until(issued_on: date, settings: Mapping[str, Any]) -> date:
    """Last day a certificate may be used: issued_on + certificate_validity_days - 1 (day of issue counts)."""
    days = int(setting(settings, "certificate_validity_days", 30))
    return issued_on + timedelta(days=days - 1)


def certificate_issue(issued_on: date, sequence: int, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The fields an issued certificate gets: its serial number and validity."""
    prefix = setting(settings, "certificate_prefix", CERTIFICATE_PREFIX)
    return {
        "certificate_serial": certificate_serial(issued_on, sequence, prefix),
        "valid_from": issued_on.isoformat(),
        "valid_until": certificate_valid_until(issued_on, settings).isoformat(),
    }


def next_sequence(last_serial: str | None) -> int:
    """The sequence after the year's highest serial (`YC-2026-00041` -> 42; none yet -> 1)."""
    return int(last_serial.rsplit("-", 1)[1]) + 1 if last_serial else 1


def certificate_serial_prefix(settings: Mapping[str, Any], issued_on: date) -> str:
    """What every certificate serial of that year starts with (`YC-2026-`)."""
    return f"{setting(settings, 'certificate_prefix', CERTIFICATE_PREFIX)}-{issued_on.year}-"


def serial_counter_key(prefix: str) -> str:
    """The counter row (`tabSeries`, as Frappe's getseries keeps naming series) a serial prefix
    draws from: one row per series and year, incremented in the transaction that issues the
    number, so numbers stay gap-free and in order past 99,999 (`BZTZ-2026-100000` follows
    `-99999`; a string max() would not) and two issues lock one row, not the year's range."""
    return prefix


def sequence_of(serial: str | None, prefix: str) -> int | None:
    """The sequence number of a serial under `prefix` (`YC-2026-00042` -> 42), None if it is not one."""
    if not serial or not serial.startswith(prefix) or not serial[len(prefix) :].isdigit():
        return None
    return int(serial[len(prefix) :])


def certificate_valid_on(certificate: Mapping[str, Any] | None, on: date) -> bool:
    """A certificate covers a termination on `on` when it is issued, unused and within its validity."""
    if not certificate or certificate.get("certificate_status") != "Unused":
        return False
    start, until = _as_date(certificate.get("valid_from")), _as_date(certificate.get("valid_until"))
    return start is not None and until is not None and start <= on <= until


def certificate_expired(certificate: Mapping[str, Any], today: date) -> bool:
    """An issued certificate nobody used is expired the day after its validity ends."""
    until = _as_date(certificate.get("valid_until"))
    return certificate.get("certificate_status") == "Unused" and until is not None and until < today


#: the certificates the daily job expires (Issued -> Expired the day after `valid_until`), with the
#: `certificate_status` an expiring one must still hold (None: the DocType keeps no use status —
#: a birth service certificate (生育服务证) stays valid for the pregnancy that named it, its
#: record checks the validity against its own registration date)
EXPIRING_CERTIFICATES: dict[str, str | None] = {
    "Termination Certificate Application": "Unused",
    "Birth Service Certificate": None,
}


def expires(doctype: str, certificate: Mapping[str, Any], today: date) -> bool:
    """Whether an Issued certificate of `doctype` is expired at `today` (see EXPIRING_CERTIFICATES)."""
    if doctype not in EXPIRING_CERTIFICATES:
        return False
    status = EXPIRING_CERTIFICATES[doctype]
    if status is not None:
        return certificate_expired(certificate, today) and certificate.get("certificate_status") == status
    until = _as_date(certificate.get("valid_until"))
    return until is not None and until < today


# --- approval notices (审批通知书) ------------------------------------------------------------


@dataclass(frozen=True)
class NoticeSerialRule:
    """Which state of a DocType issues its approval notice, and the notice numbers' prefix."""

    state: str
    prefix: str
    field: str = "approval_notice_serial"


#: An approved application gets an approval notice numbered `<prefix>-<year>-<#####>`, gap-free per
#: DocType and year: `BZTZ` 补助通知 (subsidy notice), `ZXTZ` 助学通知 (student-aid notice). The
#: prefixes differ so a notice number alone tells which register it belongs to.
APPROVAL_NOTICES: dict[str, NoticeSerialRule] = {
    "Subsidy Application": NoticeSerialRule(state="Approved", prefix="BZTZ"),
    "Student Aid Application": NoticeSerialRule(state="Approved", prefix="ZXTZ"),
    # 生育服务证: numbered by the township when it approves (its validity: townflow.rules.benefits)
    "Birth Service Certificate": NoticeSerialRule(state="Issued", prefix="SYZ", field="certificate_no"),
}


def notice_serial_rule(doctype: str, entering_state: str, current_serial: Any) -> NoticeSerialRule | None:
    """The rule to apply when `doctype` enters `entering_state`, or None: not a notice-issuing
    state, or the document already has its number (a notice keeps the number it was issued with)."""
    rule = APPROVAL_NOTICES.get(doctype)
    if rule is None or entering_state != rule.state or current_serial:
        return None
    return rule


def notice_serial_prefix(rule: NoticeSerialRule, issued_on: date) -> str:
    """What every notice number of that DocType and year starts with (`BZTZ-2026-`): the runtimes
    look up the year's highest number with it, under a lock, and pass it to `next_sequence`."""
    return f"{rule.prefix}-{issued_on.year}-"


def approval_notice_serial(rule: NoticeSerialRule, issued_on: date, sequence: int) -> dict[str, str]:
    """The field update giving the notice its number — `{"approval_notice_serial": "BZTZ-2026-00007"}`."""
    return {rule.field: certificate_serial(issued_on, sequence, rule.prefix)}


# --- termination reports --------------------------------------------------------------------


def termination_report_check(
    report: Mapping[str, Any], certificate: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What the system writes on a facility's termination report when it is submitted:
    whether a valid certificate covered it, and whether the birth quota is suspended for it."""
    from townflow.rules import pregnancy  # it builds on FieldUpdate above

    on = _as_date(report.get("operation_date")) or date.today()
    if pregnancy.covers_report(certificate, on):
        late = pregnancy.filed_after_expiry(certificate, on, _as_date(report.get("reported_on")))
        return {
            "certificate_check": "Valid Certificate",
            "birth_quota_suspended": 0,
            "filed_after_expiry": int(late),
        }
    check = "Invalid Certificate" if report.get("certificate") else "No Certificate"
    return {
        "certificate_check": check,
        "birth_quota_suspended": 1 if report.get("household") else 0,
        "filed_after_expiry": 0,
    }


def termination_report_effects(
    report: Mapping[str, Any],
    certificate: Mapping[str, Any] | None,
    certificate_doctype: str = "Termination Certificate Application",
) -> list[FieldUpdate]:
    """What a submitted termination report does to the registries.

    With a certificate covering the operation date (townflow.rules.pregnancy.covers_report), the
    certificate is marked used by this report.
    Without one, the household's birth quota is suspended (未经批准私自流引产的，不再安排生育指标).
    """
    from townflow.rules import pregnancy

    on = _as_date(report.get("operation_date")) or date.today()
    if pregnancy.covers_report(certificate, on):
        used = [
            FieldUpdate(certificate_doctype, certificate["name"], "termination_report", report.get("name"))
        ]
        if not certificate.get("used_on"):  # drugs dispensed under it used it first
            used.append(FieldUpdate(certificate_doctype, certificate["name"], "used_on", on.isoformat()))
        return used
    household = report.get("household")
    if not household:
        return []
    return [
        FieldUpdate("Household", household, "birth_quota_status", "Suspended"),
        FieldUpdate("Household", household, "quota_suspended_on", on.isoformat()),
        FieldUpdate("Household", household, "quota_suspended_by", report.get("name")),
    ]
