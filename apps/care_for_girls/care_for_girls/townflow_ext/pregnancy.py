"""Pregnancy, ultrasound and termination-drug rules on Frappe, as the embedded runtime applies
them (townflow.runtime.pregnancy): townflow.rules.fetal_sex and townflow.rules.pregnancy decide,
this module reads what they need and writes what they return.

- validate (every spec DocType, from events.validate): free text on Ultrasound Exam and
  Pregnancy Follow Up Visit rows that states a fetal sex is refused, naming the field;
- Custom Field / Property Setter validate (hooks.py doc_events): a field whose name, label or
  options denote fetal sex cannot be added or relabelled into being, from Customize Form or REST;
- Termination Report on_submit (from events.on_change): its Pregnancy Record gets the outcome
  Termination, the date, the reason and the facility, in the same transaction; one filed after
  its certificate expired is copied to the Township Approvers (CC tasks) for review;
- Drug Dispensing Record on_update: a termination drug dispensed under a certificate marks the
  certificate used and moves it to Used, as a termination report does.
"""

from __future__ import annotations

from typing import Any

import frappe

from care_for_girls.townflow_ext import log, spec
from care_for_girls.townflow_ext.errors import bilingual
from townflow.rules import fetal_sex
from townflow.rules import pregnancy as rules

REPORT = "Termination Report"
DISPENSING = "Drug Dispensing Record"
DRUG = "Drug"
USED_STATE = "Used"
USED_ACTION = "Record Use"


def text_errors(dt, doc) -> list[str]:
    """Free text stating a fetal sex on `doc` and its child rows, one message per field."""
    errors = [bilingual(r.en, r.zh) for r in fetal_sex.text_problems(dt.name, dt.data_fields, doc)]
    for f in dt.fields:
        child = (
            spec.doctype(f.options)
            if f.fieldtype == "Table" and f.options in fetal_sex.FREE_TEXT_DOCTYPES
            else None
        )
        for row in (doc.get(f.fieldname) or []) if child else []:
            errors.extend(
                f"#{row.idx} " + bilingual(r.en, r.zh)
                for r in fetal_sex.text_problems(child.name, child.data_fields, row)
            )
    return errors


def validate_customization(doc, method: str | None = None) -> None:
    """Custom Field / Property Setter: refuse a field that would record fetal sex."""
    if doc.doctype == "Custom Field":
        refusal = fetal_sex.field_problem(doc.dt, doc.fieldname or "", (doc.label,), doc.options)
    else:
        if not doc.field_name or doc.property not in ("label", "options"):
            return
        df = frappe.get_meta(doc.doc_type).get_field(doc.field_name)
        label = doc.value if doc.property == "label" else (df.label if df else None)
        options = doc.value if doc.property == "options" else (df.options if df else None)
        refusal = fetal_sex.field_problem(doc.doc_type, doc.field_name, (label,), options)
    if refusal is not None:
        frappe.throw(bilingual(refusal.en, refusal.zh), frappe.ValidationError)


def _row(doctype: str, name: str | None) -> dict[str, Any] | None:
    if not name or not frappe.db.exists(doctype, name):
        return None
    return frappe.db.get_value(doctype, name, "*", as_dict=True)


def _apply(effects) -> None:
    for effect in effects:
        dt = spec.doctype(effect.doctype)
        if effect.name and dt is not None and dt.field(effect.field) is not None:
            frappe.db.set_value(effect.doctype, effect.name, effect.field, effect.value)


def on_submit(doc) -> None:
    """Termination Report: close the pregnancy record it ends; a report filed after its
    certificate expired is copied (CC task) to every Township Approver for review."""
    if doc.doctype != REPORT or doc.flags.townflow_pregnancy_closed:
        return
    doc.flags.townflow_pregnancy_closed = True
    certificate = _row(rules.CERTIFICATE, doc.get("certificate"))
    ongoing: list[str] = []
    if not doc.get("pregnancy_record") and not (certificate or {}).get("pregnancy_record"):
        ongoing = frappe.get_all(
            rules.PREGNANCY, filters={"person": doc.get("person"), "outcome": rules.ONGOING}, pluck="name"
        )
    name = rules.pregnancy_to_close(doc.as_dict(), certificate, ongoing)
    _apply(rules.termination_outcome(doc.as_dict(), _row(rules.PREGNANCY, name)))
    if rules.needs_township_review(doc.as_dict()):  # copied to the township's reviewers
        role = rules.LATE_REPORT_REVIEWER
        for user in log.approvers_for(doc, role):
            log.add_task(doc, user, rules.LATE_REPORT_STATE, log.CC, None, role=role, source="review")


def on_dispensing_update(doc, method: str | None = None) -> None:
    """Drug Dispensing Record: a termination drug dispensed under a certificate uses it."""
    drug = _row(DRUG, doc.get("drug"))
    certificate = _row(rules.CERTIFICATE, doc.get("termination_certificate"))
    effects = rules.dispensing_effects(
        doc.as_dict(), certificate, bool((drug or {}).get("requires_certificate"))
    )
    if not effects:
        return
    _apply(effects)
    if rules.moves_to_used(certificate):
        from care_for_girls.townflow_ext import api

        api.system_move(frappe.get_doc(rules.CERTIFICATE, certificate["name"]), USED_STATE, USED_ACTION)
