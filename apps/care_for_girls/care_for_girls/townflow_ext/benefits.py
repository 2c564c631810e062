"""The benefits' effects and the households' derived values on Frappe, as the embedded runtime
applies them (townflow.runtime.benefits): townflow.rules.benefits decides, this module reads what
the decision needs and writes what it returns, in the same transaction.

- Household, validate: children, daughters, type and girl-household flag from its members;
- Person, on_update / on_trash: the household (and one the person left) computed again;
- a workflow state entered: the honour household title with the one-time reward, the dropout
  record cleared on enrolment, a birth service certificate's validity, a quota restored;
- the daily job: an Insurance Conversion task for every insured only child at the conversion age.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.utils import getdate, nowdate

from care_for_girls.townflow_ext import spec
from townflow.rules import benefits as rules

CONVERSION_STATE = "Pending Conversion"
CONVERSION_ACTION = "Open Conversion"


def _has(doctype: str, fieldname: str) -> bool:
    dt = spec.doctype(doctype)
    return dt is not None and dt.field(fieldname) is not None


def _members(household: str, leave_out: str | None = None) -> list[dict[str, Any]]:
    rows = frappe.get_all(
        rules.PERSON, filters={"household": household}, fields=["name", "relationship", "gender"]
    )
    return [r for r in rows if r["name"] != leave_out]


def validate(doc) -> None:
    """Household: the derived values come from the members, not from the form."""
    if doc.doctype != rules.HOUSEHOLD or not _has(rules.HOUSEHOLD, "household_type"):
        return
    members = _members(doc.name) if doc.name and not doc.is_new() else []
    for field, value in rules.household_composition(members).items():
        doc.set(field, value)


def _recompute(household: str | None, leave_out: str | None = None) -> None:
    if not household or not frappe.db.exists(rules.HOUSEHOLD, household):
        return
    stored = frappe.db.get_value(
        rules.HOUSEHOLD, household, list(rules.DERIVED_HOUSEHOLD_FIELDS), as_dict=True
    )
    changes = rules.composition_changes(stored, _members(household, leave_out))
    if changes:
        frappe.db.set_value(rules.HOUSEHOLD, household, changes)


def member_saved(doc) -> None:
    """Person, on_update: recompute the household, and the one the person left."""
    if doc.doctype != rules.PERSON or not _has(rules.PERSON, "relationship"):
        return
    _recompute(doc.get("household"))
    before = doc.get_doc_before_save()
    old = before.get("household") if before is not None else None
    if old and old != doc.get("household"):
        _recompute(old)


def member_removed(doc) -> None:
    """Person, on_trash: the row is still there; count the household without it."""
    if doc.doctype == rules.PERSON and _has(rules.PERSON, "relationship"):
        _recompute(doc.get("household"), leave_out=doc.name)


def entered(doc, state: str) -> None:
    """A workflow state entered: write its effects on the document and on the registries."""
    effects = rules.entering_effects(doc.doctype, doc.as_dict(), state, getdate(nowdate()), spec.settings())
    for field, value in rules.own_updates(effects).items():
        if _has(doc.doctype, field):
            doc.db_set(field, value, update_modified=False)
    for (doctype, name), values in rules.other_updates(effects).items():
        known = {k: v for k, v in values.items() if _has(doctype, k)}
        if known and frappe.db.exists(doctype, name):
            frappe.get_doc(doctype, name).db_set(known)  # db_set keeps a Version of the change


def open_conversions() -> int:
    """Daily: an Insurance Conversion for every insured only child who reached the conversion age."""
    if spec.doctype(rules.INSURANCE_CONVERSION) is None:
        return 0
    settings = spec.settings()
    today = getdate(nowdate())
    opened = frappe.get_all(rules.INSURANCE_CONVERSION, pluck="subsidy_application")
    applications = frappe.get_all(
        rules.SUBSIDY,
        filters={
            "benefit_kind": rules.ONLY_CHILD_INSURANCE,
            "docstatus": 1,
            "name": ["not in", opened or [""]],
        },
        fields=["name", "household", "policy_no", "insured_child"],
    )
    from care_for_girls.townflow_ext import api

    count = 0
    for application in applications:
        born = frappe.db.get_value(rules.PERSON, application.insured_child, "date_of_birth")
        if not rules.conversion_is_due(born, settings, today):
            continue
        child = {"name": application.insured_child, "date_of_birth": born}
        record = frappe.get_doc(rules.conversion_record(application, child, settings))
        record.insert(ignore_permissions=True)
        api.system_move(record, CONVERSION_STATE, CONVERSION_ACTION)
        count += 1
    return count
