"""Schema sync: a `tab<DocType>` table per DocType, kept in step with the effective meta.

Frappe's layout, so a Frappe developer finds what they expect: `name` is the primary key, the
standard columns (owner, creation, modified, modified_by, docstatus, idx; parent, parentfield,
parenttype for child tables), then one column per value field. Single DocTypes keep their values
in `tabSingles` (doctype, field, value); naming series counters in `tabSeries` (name, current).

Sync only adds: a new field (spec or Custom Field) becomes `ALTER TABLE ADD COLUMN`; a field
that disappeared keeps its column and data (Frappe does not drop columns either). Indexes serve
what lists and inboxes filter on: search_index fields, scope Links (village, department,
facility), workflow_state, modified, the DocType's declared `indexes`, and
(workflow_state, <scope field>, modified) for the scoped inbox.
"""

from __future__ import annotations

import hashlib

from townflow.runtime.db import Database, quote
from townflow.runtime.meta import Meta

SQL_TYPES = {
    "Int": "INTEGER",
    "Check": "INTEGER",
    "Rating": "REAL",
    "Float": "REAL",
    "Currency": "REAL",
    "Percent": "REAL",
    "Duration": "REAL",
}

STANDARD_COLUMN_SQL = {
    "name": "TEXT PRIMARY KEY NOT NULL",
    "owner": "TEXT",
    "creation": "TEXT",
    "modified": "TEXT",
    "modified_by": "TEXT",
    "docstatus": "INTEGER NOT NULL DEFAULT 0",
    "idx": "INTEGER NOT NULL DEFAULT 0",
    "parent": "TEXT",
    "parentfield": "TEXT",
    "parenttype": "TEXT",
}

SYSTEM_TABLES = [
    'CREATE TABLE IF NOT EXISTS "tabSingles" (doctype TEXT NOT NULL, field TEXT NOT NULL, value TEXT, '
    "PRIMARY KEY (doctype, field))",
    'CREATE TABLE IF NOT EXISTS "tabSeries" (name TEXT PRIMARY KEY NOT NULL, '
    "current INTEGER NOT NULL DEFAULT 0)",
    'CREATE TABLE IF NOT EXISTS "__Auth" (doctype TEXT NOT NULL, name TEXT NOT NULL, '
    "fieldname TEXT NOT NULL, password TEXT NOT NULL, PRIMARY KEY (doctype, name, fieldname))",
]


def sql_type(fieldtype: str) -> str:
    return SQL_TYPES.get(fieldtype, "TEXT")


def existing_columns(db: Database, table_name: str) -> set[str]:
    return {row["name"] for row in db.fetchall(f"PRAGMA table_info({quote(table_name)})")}


def index_specs(meta: Meta) -> list[tuple[str, ...]]:
    """The column lists to index for one DocType (deduplicated, order kept)."""
    specs: list[tuple[str, ...]] = []
    cols = meta.column_set

    def want(*columns: str) -> None:
        if all(c in cols for c in columns) and columns not in specs:
            specs.append(columns)

    if meta.istable:
        want("parent", "parentfield")
        return specs
    want("modified")
    for f in meta.value_fields:
        if f.search_index or f.unique:
            want(f.fieldname)
    for fieldname in meta.scope_fields.values():
        want(fieldname)
        want(fieldname, "modified")
    state = meta.workflow_state_field
    if state:
        want(state, "modified")
        for fieldname in meta.scope_fields.values():
            want(state, fieldname, "modified")
    for declared in meta.doctype.indexes:
        want(*declared)
    # An index whose columns lead another one adds nothing for lookups but costs pages on every
    # write (each commit is fsync'd): (village) goes when (village, modified) exists.
    return [s for s in specs if not any(o != s and o[: len(s)] == s for o in specs)]


def _index_name(doctype: str, columns: tuple[str, ...]) -> str:
    # Index names must be unique per database and stable; a short hash keeps them both.
    digest = hashlib.sha1("|".join((doctype, *columns)).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"idx_{'_'.join(columns)[:40]}_{digest}"


def sync_table(db: Database, meta: Meta) -> list[str]:
    """Create or extend one DocType's table; return the columns added (for reports and tests)."""
    if meta.issingle:
        return []
    table_name = "tab" + meta.name
    have = existing_columns(db, table_name)
    added: list[str] = []
    if not have:
        column_sql = [f"{quote(c)} {STANDARD_COLUMN_SQL[c]}" for c in meta.standard_columns]
        column_sql += [f"{quote(f.fieldname)} {sql_type(f.fieldtype)}" for f in meta.value_fields]
        db.execute(f"CREATE TABLE {meta.table} ({', '.join(column_sql)})")
        added = list(meta.columns)
    else:
        for column in meta.columns:
            if column in have:
                continue
            field = meta.get_field(column)
            kind = (
                sql_type(field.fieldtype) if field else STANDARD_COLUMN_SQL[column].replace("PRIMARY KEY", "")
            )
            db.execute(f"ALTER TABLE {meta.table} ADD COLUMN {quote(column)} {kind}")
            added.append(column)
    for columns in index_specs(meta):
        cols_sql = ", ".join(quote(c) for c in columns)
        index = quote(_index_name(meta.name, columns))
        db.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {meta.table} ({cols_sql})")
    return added


def sync_all(db: Database, metas) -> dict[str, list[str]]:
    """Bring every table in line with the effective metas, in one transaction."""
    report: dict[str, list[str]] = {}
    with db.transaction():
        for statement in SYSTEM_TABLES:
            db.execute(statement)
        for meta in metas.all():
            added = sync_table(db, meta)
            if added:
                report[meta.name] = added
    return report
