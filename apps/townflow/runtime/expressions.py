"""Evaluating spec expressions (townflow.expr) against a document, with the runtime functions.

`exists(doctype, **filters)` and `count(doctype, **filters)` look up the registries without
permission checks (eligibility must see every household, not just the clerk's) and leave out the
document being validated, so "a household cannot receive a one-time reward twice" reads
`not exists("Subsidy Application", household=doc.household, benefit_type="One-time Reward")`.
A filter value may be a plain value (equality), a list (in) or [operator, value].
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from townflow.expr import Expr, parse
from townflow.runtime import query
from townflow.runtime.db import quote


@lru_cache(maxsize=2048)
def compiled(source: str) -> Expr:
    return parse(source)


def context(site, ctx, doc: dict, parent: dict | None = None) -> dict[str, Any]:
    """The names an expression may read: doc, parent (a child row's document, else None), user,
    roles, today, now, settings."""
    now = site.now()
    return {
        "doc": doc,
        "parent": parent,
        "user": ctx.user,
        "roles": sorted(ctx.roles),
        "today": now.date().isoformat(),
        "now": now.isoformat(" ", "seconds")
        if now.tzinfo is None and now.year >= 1000
        else now.strftime("%Y-%m-%d %H:%M:%S"),
        "settings": site.settings(),
    }


def runtime_functions(site, current: dict | None) -> dict[str, Any]:
    """exists/count over the site's tables, excluding `current` (the document being validated)."""

    def _where(doctype: str, filters: dict) -> tuple[str, list, Any]:
        meta = site.metas.get(doctype)
        exclude = current is not None and current.get("doctype") == doctype and bool(current.get("name"))
        plain = _plain_equalities(meta, filters, exclude)
        if plain is not None:
            params = list(filters.values())
            if exclude:
                params.append(current["name"])
            return plain, params, meta
        normalized = {
            k: (
                ["in", v]
                if isinstance(v, (list, tuple)) and (not v or str(v[0]).lower() not in query.OPERATORS)
                else v
            )
            for k, v in filters.items()
        }
        sql, params = query.compile_filters(meta, normalized, site.metas.get, lambda _m, _f: True)
        parts = [sql] if sql else []
        if exclude:
            parts.append(f"{quote('name')} != ?")
            params.append(current["name"])
        return (" AND ".join(f"({p})" for p in parts) or "1=1"), params, meta

    def exists(doctype: str, **filters) -> bool:
        sql, params, meta = _where(doctype, filters)
        return site.db.fetchone(f"SELECT 1 FROM {meta.table} WHERE {sql} LIMIT 1", params) is not None

    def count(doctype: str, **filters) -> int:
        sql, params, meta = _where(doctype, filters)
        return int(site.db.scalar(f"SELECT COUNT(*) FROM {meta.table} WHERE {sql}", params))

    return {"exists": exists, "count": count}


#: (id(meta), fieldnames, exclude) -> (meta, WHERE text) for filters that are all plain equalities
_PLAIN: dict[tuple, tuple[Any, str]] = {}


def _plain_equalities(meta, filters: dict, exclude: bool) -> str | None:
    """The WHERE text `query.compile_filters` gives (plus `name != ?` with `exclude`) when every
    filter is `field=value` with a value the query binds unchanged: a non-empty string on a field
    that is not numeric, or an int on an Int/Check field (or a standard column). That text depends
    only on the meta and the field names, never on the values, so it is remembered per meta and
    names; any other filter (empty value, list, operator, number coerced) returns None and is
    compiled as before, errors included. A rule's exists() runs on every transition."""
    for fieldname, value in filters.items():
        kind = type(value)
        if kind is str:
            if not value:
                return None
            field = meta.get_field(fieldname)
            if field is not None and field.fieldtype in query.NUMERIC_TYPES:
                return None
        elif kind is int:
            field = meta.get_field(fieldname)
            if field is not None and field.fieldtype not in ("Int", "Check"):
                return None
        else:
            return None
    key = (id(meta), tuple(filters), exclude)
    cached = _PLAIN.get(key)
    if cached is not None and cached[0] is meta:
        return cached[1]
    for fieldname in filters:
        if fieldname not in meta.column_set:
            return None  # compile_filters raises its QueryError
    # the same text as compile_filters' `(col = ?) AND ...` and `_where` around it
    parts = [" AND ".join(f"({quote(fieldname)} = ?)" for fieldname in filters)] if filters else []
    if exclude:
        parts.append(f"{quote('name')} != ?")
    sql = " AND ".join(f"({p})" for p in parts) or "1=1"
    if len(_PLAIN) > 1024:
        _PLAIN.clear()
    _PLAIN[key] = (meta, sql)
    return sql


def evaluate(site, ctx, source: str, doc: dict) -> Any:
    """The value of `source` for `doc` as `ctx`'s user sees it (raises ExprError)."""
    return compiled(source).evaluate(context(site, ctx, doc), runtime_functions(site, doc))


class Evaluator:
    """Evaluates many expressions against one document, building the names and functions once
    (a save checks every rule and mandatory_depends_on of the DocType)."""

    def __init__(self, site, ctx, doc: dict, parent: dict | None = None):
        self.context = context(site, ctx, doc, parent)
        self.functions = runtime_functions(site, doc)

    def __call__(self, source: str) -> Any:
        return compiled(source).evaluate(self.context, self.functions)
