"""Every pregnancy has an outcome, and termination drugs follow the certificate: the decisions
both runtimes apply (townflow.runtime.pregnancy, care_for_girls.townflow_ext.pregnancy).

Which report, dispensing or certificate may be filed is said in the spec as DocType `rules:`
(Termination Report: operation dated on or before the filing date and not before the
certificate's issue; Drug Dispensing Record: a drug flagged `requires_certificate` in the Drug
list needs a valid certificate of the same woman at the same facility). What cannot be an
expression — what a filing changes elsewhere — is decided here:

- a submitted Termination Report closes its Pregnancy Record: outcome Termination, the operation
  date, the reason and the facility, in the same transaction (孕情必有结果，流引产必有原因);
- a termination drug dispensed under a certificate marks the certificate used, as a report does;
- a report filed after the certificate expired, for an operation inside its validity, is flagged
  for the township's review rather than counted as a termination without a certificate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from townflow.rules.campaign import FieldUpdate
from townflow.rules.campaign import _as_date as as_date

PREGNANCY = "Pregnancy Record"
CERTIFICATE = "Termination Certificate Application"
ONGOING = "Ongoing"
TERMINATION = "Termination"
#: Who reviews a report filed after its certificate expired, and what their inbox calls it: a
#: copy (抄送) to every Township Approver, as a workflow step's CC.
LATE_REPORT_REVIEWER = "Township Approver"
LATE_REPORT_STATE = "Filed After Expiry"


# --- certificates -----------------------------------------------------------------------------


def within_validity(certificate: Mapping[str, Any] | None, on: date | None) -> bool:
    """`on` falls inside the certificate's validity (it was issued, and on or before its last day)."""
    if not certificate or on is None:
        return False
    start, until = as_date(certificate.get("valid_from")), as_date(certificate.get("valid_until"))
    return start is not None and until is not None and start <= on <= until


def covers_report(certificate: Mapping[str, Any] | None, on: date | None) -> bool:
    """A certificate covers a termination reported for `on` when `on` is inside its validity and
    it is unused, expired only because the report came late, or used by the drugs dispensed
    under it (the report of that same termination)."""
    if not within_validity(certificate, on):
        return False
    status = certificate.get("certificate_status")
    if status in ("Unused", "Expired"):
        return True
    return (
        status == "Used"
        and bool(certificate.get("drug_dispensing"))
        and not certificate.get("termination_report")
    )


def filed_after_expiry(certificate: Mapping[str, Any] | None, on: date | None, filed_on: date | None) -> bool:
    """A report filed after the certificate's last day, for an operation inside its validity:
    flagged for the township's review (was the operation really done in time?)."""
    until = as_date(certificate.get("valid_until")) if certificate else None
    return (
        within_validity(certificate, on) and filed_on is not None and until is not None and filed_on > until
    )


def needs_township_review(report: Mapping[str, Any]) -> bool:
    """A submitted report the township is sent to review (filed after its certificate expired)."""
    return bool(report.get("filed_after_expiry"))


def moves_to_used(certificate: Mapping[str, Any] | None) -> bool:
    """Whether the system moves the certificate to Used: only an Issued one (an expired one stays
    expired until the township has reviewed the late report; a used one is used already)."""
    return bool(certificate) and certificate.get("workflow_state") == "Issued"


def dispensing_effects(
    dispensing: Mapping[str, Any], certificate: Mapping[str, Any] | None, requires_certificate: bool
) -> list[FieldUpdate]:
    """A termination drug dispensed under an unused certificate marks it used by the dispensing,
    as a termination report would (the rules refused the dispensing without a valid one)."""
    if not requires_certificate or not certificate or certificate.get("certificate_status") != "Unused":
        return []
    on = as_date(dispensing.get("dispensed_on"))
    if not within_validity(certificate, on):
        return []
    name = certificate["name"]
    return [
        FieldUpdate(CERTIFICATE, name, "drug_dispensing", dispensing.get("name")),
        FieldUpdate(CERTIFICATE, name, "used_on", on.isoformat()),
    ]


# --- pregnancy outcomes -----------------------------------------------------------------------


def pregnancy_to_close(
    report: Mapping[str, Any], certificate: Mapping[str, Any] | None, ongoing: Iterable[str] = ()
) -> str | None:
    """The Pregnancy Record a termination report closes: the one it names, else its
    certificate's, else the woman's one ongoing record (none if she has several or none)."""
    named = report.get("pregnancy_record") or (certificate or {}).get("pregnancy_record")
    if named:
        return named
    candidates = list(ongoing)
    return candidates[0] if len(candidates) == 1 else None


def termination_outcome(report: Mapping[str, Any], pregnancy: Mapping[str, Any] | None) -> list[FieldUpdate]:
    """The fields a submitted termination report sets on the ongoing pregnancy it ends: outcome
    Termination, the operation date, the reason, the facility, the report and its certificate.
    A record already closed keeps its outcome."""
    if not pregnancy or pregnancy.get("outcome") != ONGOING:
        return []
    name = pregnancy["name"]
    values = {
        "outcome": TERMINATION,
        "outcome_date": report.get("operation_date"),
        "outcome_reason": report.get("reason"),
        "outcome_facility": report.get("facility"),
        "termination_report": report.get("name"),
        "termination_certificate": report.get("certificate") or None,
    }
    return [
        FieldUpdate(PREGNANCY, name, field, value) for field, value in values.items() if value is not None
    ]
