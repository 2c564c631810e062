"""townflow.rules refusals as the exceptions Frappe answers with (HTTP status, exc_type)."""

from __future__ import annotations

import frappe
from frappe.model.workflow import WorkflowPermissionError, WorkflowTransitionError

from townflow.rules.workflow import WorkflowRuleError

_BY_KIND = {
    "permission": frappe.PermissionError,
    "transition": WorkflowTransitionError,
    "self_approval": WorkflowPermissionError,
    "state": frappe.ValidationError,
    "docstatus": frappe.ValidationError,
    "comment": frappe.MandatoryError,
    "rule": frappe.ValidationError,
}


def throw(error: WorkflowRuleError) -> None:
    frappe.throw(error.message, _BY_KIND.get(error.kind, frappe.ValidationError))


def bilingual(en: str, zh: str) -> str:
    """The message in the user's language (Chinese users get Chinese)."""
    return zh if (frappe.local.lang or "").startswith("zh") else en
