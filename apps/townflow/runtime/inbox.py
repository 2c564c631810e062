"""The approver's inbox: to do for me, done by me, CC to me, overdue — a page and all four counts.

A user reads their inbox as several audiences: themselves, and each pool they are in (a role
they hold, in a scope value they reach — see workflow_store). Each tab is one range of the
`workflow_action_audience` index (audience, kind, status, modified, scope columns, role) per
audience, newest first, merged by SQLite (UNION ALL ... ORDER BY), so a page and a count cost the
size of the user's own inbox, never the size of the document tables. The permission check is
applied inside each range: a row counts only if the user still holds the role it was assigned
through and still reaches its scope (the same rule `townflow.rules.scope` gives documents). The
page's documents are then checked once more against the data plane's record permission, so
nothing unreadable is ever shown.
"""

from __future__ import annotations

from typing import Any

from townflow.rules import monitoring as monitoring_rules
from townflow.rules import steps as step_rules
from townflow.runtime import workflow_io
from townflow.runtime.errors import QueryError
from townflow.runtime.inbox_filters import ORDERS, InboxFilter, filter_sql
from townflow.runtime.workflow_store import ACTION, COUNT, pool_audience
from townflow.spec.models import SCOPE_DOCTYPE

TABS = ("todo", "done", "cc", "overdue")
_PAGE_COLUMNS = (
    "name, reference_doctype, reference_name, workflow_state, title, role, creation, modified, due_at, source"
)
MAX_PAGE = 500

_TAB_WHERE = {
    "todo": "kind = 'todo' AND status = 'Open'",
    "done": "kind = 'done' AND status = 'Completed'",
    "cc": "kind = 'cc' AND status = 'Open'",
    "overdue": "kind = 'todo' AND status = 'Open' AND due_at < ?",
}


def _source(tab: str) -> str:
    """The overdue tab walks the user's audiences' open to-dos by due time (what is overdue now for
    them), never their whole to-do list nor the township's overdue work."""
    return f"{ACTION} INDEXED BY workflow_action_audience_due" if tab == "overdue" else ACTION


def audiences(session, ctx, tab: str = "todo") -> list[str]:
    """Who the user is in a tab: themselves, and for to-dos every pool they are in — each role
    they hold that some step is assigned or escalated to, in each scope value they reach."""
    found = [ctx.user]
    if tab not in {"todo", "overdue"}:
        return found
    for role in sorted(ctx.roles & _pooled_roles(session.site.project)):
        kind = workflow_io.role_scope(session, role)
        values = [None] if kind == "township" else sorted(ctx.allowed(kind))
        found += [pool_audience(role, kind, value) for value in values]
    return found


#: id(project) -> (project, the roles a pooled to-do can wait on): read at every inbox call (a page
#: and its counts ask several times), fixed for a loaded project (workflows are spec, not data)
_POOLED_ROLES: dict[int, tuple[Any, frozenset[str]]] = {}


def _pooled_roles(project) -> frozenset[str]:
    known = _POOLED_ROLES.get(id(project))
    if known is not None and known[0] is project:
        return known[1]
    # and the roles monitoring work waits on (visits due: village clerk, escalated: township clerk)
    roles = step_rules.waiting_roles(project.workflows.values()) | monitoring_rules.WORK_ROLES
    if len(_POOLED_ROLES) >= 64:  # a process holds one project; tests load a few
        _POOLED_ROLES.clear()
    _POOLED_ROLES[id(project)] = (project, roles)
    return roles


def _visibility(ctx, null: str = "IS NULL") -> tuple[str, list[Any]]:
    """SQL over a row's role and scope columns: the user's roles, and their scope values."""
    roles = sorted(ctx.roles)
    terms = ["scope_kind = 'township'"]
    params: list[Any] = []
    for kind in SCOPE_DOCTYPE:
        values = sorted(ctx.allowed(kind))
        if values:
            terms.append(f"(scope_kind = ? AND scope_value IN ({', '.join('?' for _ in values)}))")
            params += [kind, *values]
    empty_role = "role IS NULL" if null == "IS NULL" else "role = ''"
    role_sql = f"({empty_role} OR role IN ({', '.join('?' for _ in roles)}))"
    return f"({' OR '.join(terms)}) AND {role_sql}", [*params, *roles]


def _where(
    ctx, tab: str, doctype: str | None, now: str, audience: list[str], extra: tuple[str, list[Any]] = ("", [])
) -> tuple[str, list[Any]]:
    params: list[Any] = list(audience)
    sql = f"audience IN ({', '.join('?' for _ in audience)}) AND {_TAB_WHERE[tab]}"
    if tab == "overdue":
        params.append(now)
    if doctype:
        sql += " AND reference_doctype = ?"
        params.append(doctype)
    if extra[0]:
        sql += extra[0]
        params += extra[1]
    if ctx.is_administrator:
        return sql, params
    visible, visible_params = _visibility(ctx)
    return f"{sql} AND {visible}", [*params, *visible_params]


def counts(
    session, doctype: str | None = None, now: str | None = None, narrowed: InboxFilter | None = None
) -> dict[str, int]:
    """The four counts. To do, done and CC are sums over the user's few count groups (kept by
    triggers, see workflow_store); overdue depends on the clock, so it is counted from its index.
    A doctype filter (or a search / village / date filter) counts from the index too (the groups
    do not split by doctype)."""
    ctx = workflow_io.context_of(session)
    now = now or workflow_io.now(session)
    db = session.site.db
    result = {}
    mine = audiences(session, ctx)
    if doctype or narrowed:
        extra = filter_sql(session.site.project, session.site.metas, narrowed)
        for tab in TABS:
            sql, params = _where(ctx, tab, doctype, now, audiences(session, ctx, tab), extra)
            result[tab] = int(db.scalar(f"SELECT count(*) FROM {_source(tab)} WHERE {sql}", params) or 0)
        return result
    sql, params = f"audience IN ({', '.join('?' for _ in mine)})", list(mine)
    if not ctx.is_administrator:
        visible, visible_params = _visibility(ctx, null="empty")
        sql, params = f"{sql} AND {visible}", [*params, *visible_params]
    grouped = {
        (r["kind"], r["status"]): r["n"]
        for r in db.fetchall(
            f"SELECT kind, status, sum(n) AS n FROM {COUNT} WHERE {sql} GROUP BY kind, status", params
        )
    }
    result["todo"] = int(grouped.get(("todo", "Open"), 0))
    result["done"] = int(grouped.get(("done", "Completed"), 0))
    result["cc"] = int(grouped.get(("cc", "Open"), 0))
    overdue_sql, overdue_params = _where(ctx, "overdue", None, now, mine)
    result["overdue"] = int(
        db.scalar(f"SELECT count(*) FROM {_source('overdue')} WHERE {overdue_sql}", overdue_params) or 0
    )
    return result


def inbox(
    session,
    tab: str = "todo",
    doctype: str | None = None,
    limit_start: int = 0,
    limit_page_length: int = 20,
    now: str | None = None,
    *,
    order: str = "modified",
    narrowed: InboxFilter | None = None,
) -> dict[str, Any]:
    """One page of a tab, newest first (`order="due"`: the nearest deadline first, those without
    one last), narrowed by `narrowed` (search, village, dates), plus the counts of every tab."""
    if order not in ORDERS:
        raise QueryError(
            f"Unknown inbox order {order!r}; use one of {', '.join(ORDERS)}", f"未知的排序 {order}"
        )
    if tab not in TABS:
        raise QueryError(f"Unknown inbox tab {tab!r}; use one of {', '.join(TABS)}", f"未知的待办分类 {tab}")
    limit_start, limit_page_length = max(0, int(limit_start)), max(1, min(int(limit_page_length), MAX_PAGE))
    ctx = workflow_io.context_of(session)
    now = now or workflow_io.now(session)
    columns = _PAGE_COLUMNS + ", ifnull(due_at, '9999') AS due_key"
    mine = audiences(session, ctx, tab)
    extra = filter_sql(session.site.project, session.site.metas, narrowed)
    by = "due_key, modified DESC" if order == "due" else "modified DESC"
    if tab == "overdue" or len(mine) == 1:  # one walk of one index range
        sql, params = _where(ctx, tab, doctype, now, mine, extra)
        by = "due_at" if tab == "overdue" else by
        query = f"SELECT {columns} FROM {_source(tab)} WHERE {sql} ORDER BY {by}"
    else:  # one range per audience, merged newest first (SQLite: MERGE (UNION ALL))
        arms = [_where(ctx, tab, doctype, now, [audience], extra) for audience in mine]
        query = " UNION ALL ".join(f"SELECT {columns} FROM {ACTION} WHERE {sql}" for sql, _ in arms)
        query += f" ORDER BY {by}"
        params = [p for _, arm_params in arms for p in arm_params]
    rows = session.site.db.fetchall(f"{query} LIMIT ? OFFSET ?", [*params, limit_page_length, limit_start])
    items = [dict(r) for r in rows if _readable(session, ctx, r)]
    for item in items:
        item["overdue"] = bool(item["due_at"] and item["due_at"] < now and tab in {"todo", "overdue"})
    for item in items:
        item.pop("due_key", None)
    return {"tab": tab, "items": items, "counts": counts(session, doctype, now, narrowed)}


def _readable(session, ctx, row) -> bool:
    site = session.site
    if not site.metas.exists(row["reference_doctype"]):
        return False
    meta = site.metas.get(row["reference_doctype"])
    return site.perms.record_allowed(site.db, meta, ctx, "read", row["reference_name"])
