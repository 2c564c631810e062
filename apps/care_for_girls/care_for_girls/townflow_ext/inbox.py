"""The approver's inbox on Frappe: to do, done, CC, overdue — a page and the four counts, in SQL.

As in the embedded runtime (townflow.runtime.inbox), a user reads their own rows and, for "to do"
and "overdue", every pool they are in now: an open Townflow Task with no user whose role they hold
and whose scope value their User Permissions reach (townflow.rules.scope, the rule documents are
read by, including User Permissions applicable to one DocType only). A tab is one index range of
Townflow Task (done: Townflow Action, the user's own actions) for the user's own rows and one per
pool, each read newest first up to the page from the index alone and merged; the counts are kept
in summary tables in the same transaction as each change (townflow_ext.counts), overdue counted
over a (..., due) index range. So an inbox costs the user's own queue, never the whole table (before:
every row of every tab was loaded and checked in Python — 1.6-2.0 s for 20,000 pooled tasks).
The page's documents are then checked against the user's read permission (frappe.get_list), so
nothing unreadable is shown.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.query_builder import Order
from frappe.query_builder.functions import Count
from frappe.utils import now_datetime
from frappe.utils.caching import request_cache

from care_for_girls.townflow_ext import counts, log, spec
from townflow.spec.models import SCOPE_DOCTYPE

TABS = ("todo", "done", "cc", "overdue")


def page(tab: str, doctype: str | None, start: int, length: int) -> list[dict[str, Any]]:
    """Rows `start` to `start + length` of a tab, one per document, newest first, readable now.

    The newest names of each range come from its index alone; only the rows that make the page
    are then read (a document may have several rows: two pools, several actions, so more are
    read until the page is full or the ranges end)."""
    table, parts, fields, newest = _query(tab, doctype, frappe.session.user)
    wanted = start + length
    limit = max(2 * wanted, 50)
    while True:
        heads = [
            frappe.qb.from_(table)
            .select(table.name, newest)
            .where(part)
            .orderby(newest, order=Order.desc)
            .limit(limit)
            .run(as_dict=True)
            for part in parts
        ]
        merged = sorted((h for head in heads for h in head), key=lambda h: h[newest.name], reverse=True)
        names = [h.name for h in merged[:limit]]
        rows = (
            frappe.qb.from_(table).select(*fields).where(table.name.isin(names)).run(as_dict=True)
            if names
            else []
        )
        rows.sort(key=lambda r: r[newest.name], reverse=True)
        documents = _one_per_document(rows)
        if len(documents) >= wanted or all(len(head) < limit for head in heads):
            return _readable(documents[start:wanted])
        limit *= 2


def count(tab: str, doctype: str | None) -> int:
    """How many a tab holds, summed over the user's own rows and each pool's, as the embedded
    runtime counts: to do and CC from the counts kept per audience (townflow_ext.counts), done the
    documents the user acted on (kept once each); overdue, which the clock changes, a COUNT over
    each range's (…, due) index."""
    user = frappe.session.user
    if tab == "overdue":
        return _overdue(doctype, user)
    audiences: list[tuple[str, str | None]] = [(user, None)]
    if tab == "todo":
        audiences += _pool_audiences(user)
    return counts.inbox_count(tab, audiences, doctype)


#: up to this many overdue tasks in a range are counted from the index directly; past it, the
#: range's kept open count less its tasks not yet due (what the clock has not yet made overdue)
OVERDUE_DIRECT = 1000


def _overdue(doctype: str | None, user: str) -> int:
    """Open tasks past their due time, over the user's own range and each pool's. Overdue cannot
    be kept by a trigger (the clock changes it), and counting it read every overdue task of the
    range: 90 ms for the township approvers' 104k at 1M. A range with few overdue tasks is still
    counted directly (LIMIT OVERDUE_DIRECT + 1); one with more is the kept open count of its
    audiences less the tasks not yet due or without a due time, which the index counts from the
    other end — so the cost is the smaller side of the range, not the whole of it."""
    table = frappe.qb.DocType(log.TASK)
    base = (table.kind == log.APPROVAL) & (table.status == "Open")
    if doctype:
        base &= table.reference_doctype == doctype
    now = now_datetime()
    total = 0
    for part, audiences in [((table.user == user), [(user, None)]), *_pool_parts(table, user)]:
        first = (
            frappe.qb.from_(table)
            .select(table.name)
            .where(part & base & (table.due < now))
            .limit(OVERDUE_DIRECT + 1)
        )
        direct = frappe.qb.from_(first).select(Count("*")).run()[0][0]
        if direct <= OVERDUE_DIRECT:
            total += int(direct)
            continue
        waiting = (
            frappe.qb.from_(table)
            .select(Count("*"))
            .where(part & base & ((table.due >= now) | table.due.isnull()))
            .run()[0][0]
        )
        total += counts.inbox_count("todo", audiences, doctype) - int(waiting or 0)
    return total


def _pool_audiences(user: str) -> list[tuple[str, str | None]]:
    """(pool audience, only this DocType or None) for every pool the user is in now: the kept
    counts' keys of the ranges _pools reads."""
    roles, permissions = _membership(user)
    found: list[tuple[str, str | None]] = []
    for role in roles:
        kind = spec.role_scope(role)
        if kind == "township":
            found.append((counts.pool_audience(role, None), None))
        elif kind in SCOPE_DOCTYPE:
            general, specific = _reach_values(kind, permissions)
            found += [(counts.pool_audience(role, v), None) for v in sorted(general)]
            found += [
                (counts.pool_audience(role, v), doctype)
                for doctype, values in sorted(specific.items())
                for v in sorted(values)
            ]
    return found


def _one_per_document(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in rows:
        key = (row.reference_doctype, row.reference_name)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def _query(tab: str, doctype: str | None, user: str):
    """(table, criteria, selected fields, the column "newest" means) of a tab for `user`: one
    criterion for their own rows and one per pool they are in, each one index range
    (install.INBOX_INDEXES) — an OR of them would scan the whole table."""
    if tab == "done":
        table = frappe.qb.DocType(log.ACTION)
        base = table.kind.notin(["comment"])
        fields = [*_common(table), table.to_state.as_("workflow_state")]
        newest = table.creation  # an action is written once: (user, creation) is its index
    else:
        table = frappe.qb.DocType(log.TASK)
        base = table.kind == (log.CC if tab == "cc" else log.APPROVAL)
        if tab != "cc":
            base &= table.status == "Open"
        if tab == "overdue":
            base &= table.due < now_datetime()
        fields = [*_common(table), table.state.as_("workflow_state"), table.due, table.role, table.source]
        newest = table.modified
    if doctype:
        base &= table.reference_doctype == doctype
    parts = [(table.user == user) & base]
    if tab in {"todo", "overdue"}:
        parts += [pool & base for pool in _pools(table, user)]
    return table, parts, fields, newest


def _common(table) -> list:
    return [table.reference_doctype, table.reference_name, table.creation, table.modified]


def _pools(table, user: str) -> list:
    """A criterion per pool role the user holds: the pooled tasks (no user) of that role in a
    scope value they reach. The kind is the role's in the spec, as the task was opened with. With
    one role and one value (the township's NULL, a head's one village) the range is read newest
    first from install.INBOX_INDEXES and stops at the page."""
    return [criterion for criterion, _audiences in _pool_parts(table, user)]


def _pool_parts(table, user: str) -> list[tuple[Any, list[tuple[str, str | None]]]]:
    """_pools' criteria, each with the kept counts' audiences it covers (_pool_audiences)."""
    roles, permissions = _membership(user)
    pools = []
    for role in roles:
        kind = spec.role_scope(role)
        pool = (table.role == role) & table.user.isnull()
        if kind == "township":
            pools.append((pool & table.scope_value.isnull(), [(counts.pool_audience(role, None), None)]))
        elif kind in SCOPE_DOCTYPE:
            reach = _scope_reach(table, kind, permissions)
            if reach is not None:  # reaches no village (department, facility): in none of its pools
                general, specific = _reach_values(kind, permissions)
                audiences = [(counts.pool_audience(role, v), None) for v in sorted(general)]
                audiences += [
                    (counts.pool_audience(role, v), dt)
                    for dt, values in sorted(specific.items())
                    for v in sorted(values - general)  # a value reached for every DocType: counted once
                ]
                pools.append((pool & reach, audiences))
    return pools


@request_cache
def _membership(user: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The pool roles `user` holds and their User Permissions, read once per request (an inbox
    call asks for the to-do and overdue ranges several times)."""
    return sorted(set(frappe.get_roles(user)) & spec.pooled_roles()), log.user_permissions(user)


def _reach_values(kind: str, permissions: list[dict[str, Any]]) -> tuple[set[str], dict[str, set[str]]]:
    """The scope values the user's User Permissions reach, per DocType as
    townflow.rules.scope.allowed_values has it: (for every DocType, {DocType: values})."""
    target = SCOPE_DOCTYPE[kind]
    general: set[str] = set()
    specific: dict[str, set[str]] = {}
    for up in permissions:
        if up.get("allow") != target or not up.get("for_value"):
            continue
        applicable = up.get("applicable_for")
        if up.get("apply_to_all_doctypes", 1) or not applicable:
            general.add(up["for_value"])
        else:
            specific.setdefault(applicable, set()).add(up["for_value"])
    return general, specific


def _scope_reach(table, kind: str, permissions: list[dict[str, Any]]):
    """Tasks whose scope value the user's User Permissions reach (_reach_values)."""
    general, specific = _reach_values(kind, permissions)
    reach = None
    if general:
        reach = table.scope_value.isin(sorted(general))
    for doctype, values in sorted(specific.items()):
        one = (table.reference_doctype == doctype) & table.scope_value.isin(sorted(values))
        reach = one if reach is None else reach | one
    return reach


def _readable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only documents the user may read now (User Permissions applied by frappe.get_list)."""
    by_doctype: dict[str, set[str]] = {}
    for r in rows:
        by_doctype.setdefault(r["reference_doctype"], set()).add(r["reference_name"])
    readable = {
        (dt, n)
        for dt, names in by_doctype.items()
        for n in frappe.get_list(dt, filters={"name": ["in", list(names)]}, pluck="name", limit_page_length=0)
    }
    return [r for r in rows if (r["reference_doctype"], r["reference_name"]) in readable]
