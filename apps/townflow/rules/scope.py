"""Record scope: which villages, departments or facilities a user's roles reach. Pure functions.

A DocPerm row carries a `scope`. `township` reaches every record. `village` reaches a record
whose Link to Village is one of the user's allowed villages (their User Permissions with
allow = "Village"); `department` and `facility` likewise with Department and Designated
Facility. A record whose scope field is empty is reached by nobody scoped (strict, unlike
Frappe's default, which shows such records to everyone). A user with several roles reaches the
union of what each role reaches; several User Permissions give several villages.

The embedded runtime turns the same facts into a SQL WHERE (townflow.runtime.permissions); the
Frappe app uses them in `has_permission` and `permission_query_conditions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from townflow.spec.models import SCOPE_DOCTYPE, DocPerm

SCOPED = tuple(SCOPE_DOCTYPE)  # ("village", "department", "facility")


def allowed_values(
    user_permissions: Iterable[Mapping], scope: str, doctype: str | None = None
) -> frozenset[str]:
    """The values a user may reach in `scope`, from their User Permission records.

    A User Permission applies to `doctype` when apply_to_all_doctypes is set, or when its
    applicable_for names that DocType (Frappe's rule).
    """
    target = SCOPE_DOCTYPE[scope]
    values = set()
    for up in user_permissions:
        if up.get("allow") != target:
            continue
        applicable = up.get("applicable_for")
        if up.get("apply_to_all_doctypes", 1) or not applicable or doctype is None or applicable == doctype:
            values.add(up.get("for_value"))
    values.discard(None)
    return frozenset(values)


def value_in_scope(scope: str, value, allowed: frozenset[str]) -> bool:
    """Whether a record whose scope field holds `value` is reached by a holder of `allowed`."""
    if scope == "township":
        return True
    return value not in (None, "") and value in allowed


def doc_in_scope(scope: str, doc: Mapping, scope_field: str | None, allowed: frozenset[str]) -> bool:
    """Whether a document (a dict of field values) is reached; no scope field means not reached."""
    if scope == "township":
        return True
    if scope_field is None:
        return False
    return value_in_scope(scope, doc.get(scope_field), allowed)


def reaches_nothing(
    permissions: Iterable[DocPerm],
    roles: Iterable[str],
    user_permissions: Iterable[Mapping],
    doctype: str,
    ptype: str = "read",
) -> bool:
    """Deny by default: True when every permlevel-0 row of the user's roles that grants `ptype` on
    `doctype` is scoped and the user has no User Permission in its scope — a department officer
    bound to no Department reaches no record (Frappe, without a User Permission, would show them
    all). False when a row reaches something (a township row, or a scope the user is bound in),
    or when no row grants `ptype` (DocPerm alone refuses then)."""
    held = set(roles)
    user_permissions = list(user_permissions)
    granting = False
    for row in permissions:
        if row.role not in held or row.permlevel != 0:
            continue
        if not (getattr(row, ptype, False) or (ptype == "select" and row.read)):
            continue
        granting = True
        if row.scope == "township" or allowed_values(user_permissions, row.scope, doctype):
            return False
    return granting


def reaches_every_record(permissions: Iterable[DocPerm], roles: Iterable[str], ptype: str = "read") -> bool:
    """Whether a permlevel-0 row of the user's roles grants `ptype` on every record: township
    scope, no workflow states, not only the user's own records (a township approver). User
    Permissions the user holds may still narrow them (the caller checks)."""
    held = set(roles)
    for row in permissions:
        if row.role not in held or row.permlevel != 0 or not getattr(row, ptype, False):
            continue
        if row.scope == "township" and row.workflow_states is None and not getattr(row, "if_owner", False):
            return True
    return False


def reachable_workflow_states(
    permissions: Iterable[DocPerm], roles: Iterable[str], ptype: str = "read"
) -> tuple[str, ...] | None:
    """The workflow states a holder of `roles` reaches records in, or None when not narrowed.

    Only permlevel-0 rows of the user's roles that grant `ptype` count ("select" is granted by
    read too). None when one of them has no `workflow_states` (it reaches every state) or when
    none grants `ptype` at all (DocPerm alone refuses then). Otherwise the union of their
    states. The Frappe app narrows by this per user (permission_query_conditions and
    has_permission hooks); the embedded runtime applies each row's states to that row alone,
    which differs only for a user whose rows are scoped differently and narrowed differently.
    """
    held = set(roles)
    states: list[str] = []
    granting = False
    for row in permissions:
        if row.role not in held or row.permlevel != 0:
            continue
        if not (getattr(row, ptype, False) or (ptype == "select" and row.read)):
            continue
        granting = True
        if row.workflow_states is None:
            return None
        states.extend(s for s in row.workflow_states if s not in states)
    return tuple(states) if granting else None
