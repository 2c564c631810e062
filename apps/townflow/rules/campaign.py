"""The "Care for Girls" campaign's domain rules, as pure decisions both runtimes apply.

Each function takes plain values (a document as a dict, the Campaign Settings values, what the
registries hold) and returns a decision: refusals to show on fields, or `FieldUpdate` effects the
runtime writes in the same transaction as the workflow step that caused them. Nothing here reads
a database, so the Frappe app's doc_events and the embedded engine give the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

#: Benefit kinds a household may receive once only (the 1,000-yuan reward with the honour title).
ONE_TIME_BENEFITS = frozenset({"One-time Reward"})
LOAN_BENEFITS = frozenset({"Interest-subsidised Loan"})

CERTIFICATE_PREFIX = "YC"  # 引产 (termination) certificate


@dataclass(frozen=True)
class FieldUpdate:
    """Set `field` to `value` on document `doctype`/`name` (name None: the document being acted on)."""

    doctype: str
    name: str | None
    field: str
    value: Any


@dataclass(frozen=True)
class Refusal:
    """A rule that does not hold, naming the field it concerns, in both languages."""

    field: str | None
    en: str
    zh: str


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
    """The fields an issued certificate gets: its serial number, issue date and validity."""
    return {
        "certificate_no": certificate_serial(
            issued_on, sequence, setting(settings, "certificate_prefix", "YC")
        ),
        "issued_on": issued_on.isoformat(),
        "valid_until": certificate_valid_until(issued_on, settings).isoformat(),
    }


def certificate_valid_on(
    certificate: Mapping[str, Any] | None, on: date, issued_state: str = "Issued"
) -> bool:
    """A certificate covers a termination on `on` when it is issued, unused and within its validity."""
    if not certificate or certificate.get("workflow_state") != issued_state:
        return False
    issued, until = _as_date(certificate.get("issued_on")), _as_date(certificate.get("valid_until"))
    return issued is not None and until is not None and issued <= on <= until


def certificate_expired(certificate: Mapping[str, Any], today: date, issued_state: str = "Issued") -> bool:
    """An issued certificate nobody used is expired the day after its validity ends."""
    until = _as_date(certificate.get("valid_until"))
    return certificate.get("workflow_state") == issued_state and until is not None and until < today


# --- the health step -----------------------------------------------------------------------


def needs_health_review(gestational_weeks: Any, settings: Mapping[str, Any]) -> bool:
    """The health department reviews applications at or above the configured gestational week."""
    threshold = int(setting(settings, "health_review_weeks", 14))
    try:
        return int(gestational_weeks or 0) >= threshold
    except (TypeError, ValueError):
        return False


# --- termination reports --------------------------------------------------------------------


def termination_report_effects(
    report: Mapping[str, Any],
    certificate: Mapping[str, Any] | None,
    certificate_doctype: str = "Termination Certificate Application",
) -> list[FieldUpdate]:
    """What a facility's termination report does to the registries.

    With a certificate valid on the operation date, the certificate is used. Without one, the
    household's birth quota is suspended (未经批准私自流引产的，不再安排生育指标).
    """
    on = _as_date(report.get("operation_date")) or date.today()
    household = report.get("household")
    if certificate_valid_on(certificate, on):
        return [FieldUpdate(certificate_doctype, certificate["name"], "certificate_used", 1)]
    if not household:
        return []
    return [
        FieldUpdate("Household", household, "birth_quota_status", "Suspended"),
        FieldUpdate("Household", household, "quota_suspended_by", report.get("name")),
    ]


# --- subsidies (六位一体) -------------------------------------------------------------------


def subsidy_refusals(
    benefit_type: str | None,
    amount: Any,
    granted_before: Iterable[str],
    settings: Mapping[str, Any],
) -> list[Refusal]:
    """Why a subsidy application may not go on: a one-time benefit twice, a loan out of range."""
    refusals: list[Refusal] = []
    if benefit_type in ONE_TIME_BENEFITS and benefit_type in set(granted_before):
        refusals.append(
            Refusal(
                "benefit_type",
                f"The household has already received the {benefit_type}; it is granted once only",
                "该户已领取一次性奖励，不能重复领取",
            )
        )
    if benefit_type in LOAN_BENEFITS:
        low = float(setting(settings, "loan_min_amount", 1000))
        high = float(setting(settings, "loan_max_amount", 5000))
        try:
            value = float(amount or 0)
        except (TypeError, ValueError):
            value = -1.0
        if not low <= value <= high:
            refusals.append(
                Refusal(
                    "amount",
                    f"A subsidised loan must be between {low:,.0f} and {high:,.0f} yuan",
                    f"贴息贷款金额须在 {low:,.0f} 至 {high:,.0f} 元之间",
                )
            )
    return refusals


def subsidy_amount(benefit_type: str | None, settings: Mapping[str, Any]) -> float | None:
    """The fixed amount of a benefit, when the policy fixes it (the one-time reward)."""
    if benefit_type in ONE_TIME_BENEFITS:
        return float(setting(settings, "one_time_reward_amount", 1000))
    return None


# --- student aid ----------------------------------------------------------------------------


def student_aid_refusals(aid_type: str | None, student: Mapping[str, Any] | None) -> list[Refusal]:
    """Student aid is for girls: poor female university students, dropouts back to school, and
    the +10 senior-high admission points for only children."""
    refusals: list[Refusal] = []
    if not student:
        return [Refusal("student", "The student is not in the person registry", "学生不在人口档案中")]
    if student.get("gender") not in {"Female", "女"}:
        refusals.append(Refusal("student", "Student aid is for girls only", "助学仅面向女孩"))
    return refusals
