"""DocPerm rows narrowed to workflow states (the spec's `workflow_states`), and scoped rows that
reach nothing, on Frappe.

Deny by default (townflow.rules.scope.reaches_nothing): a user whose every row granting an
operation is scoped (a department officer) and who holds no User Permission in that scope reaches
no record — Frappe would show them every record, as it applies User Permissions only where a
user has some. With one, Frappe's own User Permission filter narrows them (strict, see install).

Frappe's DocPerm cannot say "only records in these workflow states" (a Facility Officer reads a
termination certificate once it is Issued, never the application in progress). `townflow build`
wires these two generic functions into hooks.py for every DocType with such rows:

- `query_conditions(user, doctype)` (permission_query_conditions): a SQL condition on the
  workflow state column that get_list, get_count, reports, Link search and the app's inbox add;
- `has_permission(doc, ptype, user)`: False for a single document outside those states (desk
  form, REST get, print, writes).

Both narrow a user only when every row of theirs granting the operation names states
(townflow.rules.scope.reachable_workflow_states): a user who also holds an unrestricted row
(System Manager, Township Approver) is left to DocPerm and User Permissions.
"""

from __future__ import annotations

import frappe
from frappe.utils.caching import request_cache

from townflow.rules.scope import reachable_workflow_states, reaches_every_record, reaches_nothing

from . import spec


def _states(doctype_name: str, user: str | None, ptype: str) -> tuple[str, tuple[str, ...]] | None:
    """(state field, states) narrowing `user` on `doctype_name` for `ptype`, or None."""
    user = user or frappe.session.user
    dt = spec.doctype(doctype_name)
    if dt is None or user == "Administrator":
        return None
    states = reachable_workflow_states(dt.permissions, frappe.get_roles(user), ptype)
    if states is None:
        return None
    wf = spec.workflow(doctype_name)
    if wf is None:  # the spec check demands a workflow; without one no record is in a state
        return "name", ()
    return wf.workflow_state_field, states


def township_wide(doctype_name: str, user: str | None = None) -> bool:
    """Whether the user reads every record of the DocType: Administrator, or a township-wide row
    (townflow.rules.scope.reaches_every_record) and no User Permission on anything the DocType
    links to (Frappe would narrow them by it). Counts may then come from the kept totals."""
    user = user or frappe.session.user
    dt = spec.doctype(doctype_name)
    if dt is None:
        return False
    if user == "Administrator":
        return True
    if not reaches_every_record(dt.permissions, frappe.get_roles(user), "read"):
        return False
    linked = {doctype_name} | {f.options for f in dt.fields if f.fieldtype == "Link" and f.options}
    return not any(up["allow"] in linked for up in _user_permissions(user))


@request_cache
def _user_permissions(user: str) -> list[dict]:
    """The user's User Permissions as townflow.rules.scope reads them, from Frappe's cached map."""
    from frappe.core.doctype.user_permission.user_permission import get_user_permissions

    return [
        {
            "allow": allow,
            "for_value": entry.get("doc"),
            "applicable_for": entry.get("applicable_for"),
            "apply_to_all_doctypes": not entry.get("applicable_for"),
        }
        for allow, entries in (get_user_permissions(user) or {}).items()
        for entry in entries
    ]


def _reaches_nothing(doctype_name: str, user: str | None, ptype: str) -> bool:
    user = user or frappe.session.user
    dt = spec.doctype(doctype_name)
    if dt is None or user == "Administrator":
        return False
    roles = frappe.get_roles(user)
    return reaches_nothing(dt.permissions, roles, _user_permissions(user), doctype_name, ptype)


def query_conditions(user: str | None = None, doctype: str | None = None) -> str:
    """`1=0` for a user whose scoped rows reach nothing; `tabX`.`workflow_state` in (...) for a
    user reaching `doctype` only in some states."""
    if doctype and _reaches_nothing(doctype, user, "read"):
        return "1=0"
    narrowed = _states(doctype, user, "read") if doctype else None
    if narrowed is None:
        return ""
    field, states = narrowed
    if not states:
        return "1=0"
    values = ", ".join(frappe.db.escape(s) for s in states)
    return f"`tab{doctype}`.`{field}` in ({values})"


def has_permission(doc, ptype: str = "read", user: str | None = None, debug: bool = False):
    """False when the user's scoped rows reach nothing, or `doc` is outside the states their rows
    reach; None leaves it to Frappe."""
    if _reaches_nothing(doc.doctype, user, ptype or "read"):
        return False
    narrowed = _states(doc.doctype, user, ptype or "read")
    if narrowed is None:
        return None
    field, states = narrowed
    return None if doc.get(field) in states else False
