"""The campaign's domain rules on Frappe: townflow.rules.campaign decides, this module reads the
registries it needs and writes the effects (same DocType, state and field names as the embedded
runtime's townflow.runtime.campaign). Each function does nothing for other DocTypes and reads a
field only when the DocType has it.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.utils import getdate, nowdate

from care_for_girls.townflow_ext import spec
from care_for_girls.townflow_ext.errors import bilingual
from townflow.rules import campaign as rules

CERTIFICATE = "Termination Certificate Application"
REPORT = "Termination Report"
SUBSIDY = "Subsidy Application"
STUDENT_AID = "Student Aid Application"
GRANTED_STATES = ("Approved", "Disbursed")
ISSUED_STATE = "Issued"
EXPIRED_STATE = "Expired"


def _has(doctype: str, fieldname: str) -> bool:
    dt = spec.doctype(doctype)
    return dt is not None and dt.field(fieldname) is not None


def refusals(doc) -> list[str]:
    """Eligibility: a one-time benefit once per household, loans within the policy range, student
    aid for girls in the registry."""
    found: list[rules.Refusal] = []
    if doc.doctype == SUBSIDY and _has(SUBSIDY, "benefit_type"):
        granted = []
        if doc.get("household"):
            granted = frappe.get_all(
                SUBSIDY,
                filters={
                    "household": doc.household,
                    "name": ["!=", doc.name or ""],
                    "workflow_state": ["in", GRANTED_STATES],
                },
                pluck="benefit_type",
            )
        found = rules.subsidy_refusals(doc.get("benefit_type"), doc.get("amount"), granted, spec.settings())
    elif doc.doctype == STUDENT_AID and _has(STUDENT_AID, "student") and doc.get("student"):
        student = frappe.db.get_value("Person", doc.student, "*", as_dict=True)
        found = rules.student_aid_refusals(doc.get("aid_type"), student)
    return [bilingual(r.en, r.zh) for r in found]


def entered(doc, state: str) -> None:
    """A certificate entering Issued gets its serial number and validity, in the same transaction."""
    if doc.doctype != CERTIFICATE or state != ISSUED_STATE or not _has(CERTIFICATE, "certificate_no"):
        return
    if doc.get("certificate_no"):
        return
    issued_on = getdate(nowdate())
    settings = spec.settings()
    prefix = f"{rules.setting(settings, 'certificate_prefix', rules.CERTIFICATE_PREFIX)}-{issued_on.year}-"
    # The DocType name is a constant of this module, the prefix a bound parameter.
    last = frappe.db.sql(
        f"select max(certificate_no) from `tab{CERTIFICATE}` where certificate_no like %s for update",  # noqa: S608
        (prefix + "%",),
    )[0][0]
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    for field, value in rules.certificate_issue(issued_on, sequence, settings).items():
        if _has(CERTIFICATE, field):
            doc.db_set(field, value, update_modified=False)


def after_save(doc, state: str | None) -> None:
    """A submitted termination report uses its certificate, or suspends the household's quota."""
    if doc.doctype != REPORT or doc.docstatus != 1 or doc.flags.townflow_report_done:
        return
    doc.flags.townflow_report_done = True
    certificate = None
    if doc.get("certificate"):
        certificate = frappe.db.get_value(CERTIFICATE, doc.certificate, "*", as_dict=True)
    effects = rules.termination_report_effects(doc.as_dict(), certificate, CERTIFICATE)
    if any(e.field == "birth_quota_status" for e in effects):
        effects.append(rules.FieldUpdate("Household", doc.get("household"), "quota_suspended_on", nowdate()))
    apply_effects(effects)


def apply_effects(effects: list[rules.FieldUpdate]) -> None:
    for effect in effects:
        if effect.name and _has(effect.doctype, effect.field):
            frappe.db.set_value(effect.doctype, effect.name, effect.field, effect.value)


def expired_certificates() -> list[dict[str, Any]]:
    if not _has(CERTIFICATE, "valid_until"):
        return []
    rows = frappe.get_all(
        CERTIFICATE,
        filters={"workflow_state": ISSUED_STATE, "valid_until": ["<", nowdate()]},
        fields=["name", "workflow_state", "valid_until", "certificate_used"]
        if _has(CERTIFICATE, "certificate_used")
        else ["name", "workflow_state", "valid_until"],
    )
    today = getdate(nowdate())
    return [r for r in rows if not r.get("certificate_used") and rules.certificate_expired(r, today)]
