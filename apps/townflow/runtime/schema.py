"""Schema sync: a `tab<DocType>` table per DocType, kept in step with the effective meta.

Frappe's layout, so a Frappe developer finds what they expect: `name` is the primary key, the
standard columns (owner, creation, modified, modified_by, docstatus, idx; parent, parentfield,
parenttype for child tables), then one column per value field. Single DocTypes keep their values
in `tabSingles` (doctype, field, value); naming series counters in `tabSeries` (name, current).

Columns are only added: a new field (spec or Custom Field) becomes `ALTER TABLE ADD COLUMN`; a
field that disappeared keeps its column and data (Frappe does not drop columns either). Indexes
serve what lists and inboxes filter on: search_index fields, scope Links (village, department,
facility), workflow_state, modified, the DocType's declared `indexes`, and
(workflow_state, <scope field>, modified) for the scoped inbox; those on an optional scope Link
leave out the rows where it is empty (see `scope_index_where`). Indexes follow the spec both
ways: sync creates the wanted ones and drops this table's own `idx_...` ones no longer wanted
(an index holds no data of its own).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

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


@dataclass(frozen=True)
class IndexSpec:
    """One index: its columns and, for a partial index, the WHERE that selects its rows.

    `where` is built here from whitelisted column names only, never from user input."""

    columns: tuple[str, ...]
    where: str | None = None

    @property
    def create_sql(self) -> str:
        return ", ".join(quote(c) for c in self.columns)


def scope_index_where(meta: Meta, fieldname: str) -> str | None:
    """`"<field>" IS NOT NULL` for a scope Link that may be empty; None for a mandatory one.

    A department is NULL until the township routes the application, yet every transition moves
    the document's entries in the indexes holding `modified` and `workflow_state`: a full
    (department, modified) index pays ~2 pages per transition for rows no query looks up there.
    Every scoped read names the scope value (`"department" IN (?)`, `= ?`), which SQLite proves
    implies IS NOT NULL, so the partial index serves it. A mandatory field (`reqd`, as
    customized) has no NULL rows to leave out: a partial index would save no write and would lose
    the queries that do not name a value (grouped counts, `is not set`, sorting by it).
    """
    field = meta.get_field(fieldname)
    if field is not None and field.reqd:
        return None
    return f"{quote(fieldname)} IS NOT NULL"


def index_specs(meta: Meta) -> list[IndexSpec]:
    """The indexes one DocType wants (deduplicated by columns, order kept)."""
    specs: list[IndexSpec] = []
    cols = meta.column_set
    scope_where = {f: scope_index_where(meta, f) for f in meta.scope_fields.values()}

    def want(*columns: str, where: str | None = None) -> None:
        if all(c in cols for c in columns) and all(s.columns != columns for s in specs):
            specs.append(IndexSpec(columns, where))

    if meta.istable:
        want("parent", "parentfield")
        return specs
    want("modified")
    for fieldname, where in scope_where.items():
        # Full: it holds neither `modified` nor the state, so a transition does not move it, and
        # it keeps what the partial ones cannot serve (grouped counts, `is not set`, sorting).
        want(fieldname)
        want(fieldname, "modified", where=where)
    state = meta.workflow_state_field
    if state:
        want(state, "modified")
        for fieldname, where in scope_where.items():
            want(state, fieldname, "modified", where=where)
    for f in meta.value_fields:
        if f.search_index or f.unique:
            want(f.fieldname, where=scope_where.get(f.fieldname))
    # A declared index with the columns of a scope index above is that index (deduplicated by
    # columns): it exists for the same scoped lists, which always name the scope value.
    for declared in meta.doctype.indexes:
        want(*declared)
    # An index whose columns lead another one adds nothing for lookups but costs pages on every
    # write (each commit is fsync'd): (village) goes when (village, modified) exists. A partial
    # index covers only an index with the same WHERE.
    return [s for s in specs if not any(_covers(o, s) for o in specs)]


def _covers(wider: IndexSpec, narrower: IndexSpec) -> bool:
    return (
        wider != narrower
        and wider.columns[: len(narrower.columns)] == narrower.columns
        and wider.where in (None, narrower.where)
    )


def index_name(doctype: str, spec: IndexSpec) -> str:
    """Unique per database and stable; a different definition gets a different name.

    The hash of a full index is what it always was, so existing sites keep their indexes; a
    partial index hashes its WHERE too, so sync replaces the full one it supersedes."""
    key = (doctype, *spec.columns) if spec.where is None else (doctype, *spec.columns, "WHERE", spec.where)
    digest = hashlib.sha1("|".join(key).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"idx_{'_'.join(spec.columns)[:40]}_{digest}"


def sync_indexes(db: Database, meta: Meta) -> None:
    """Create the indexes the meta wants and drop this table's own ones it no longer wants.

    Only names this module gives (`idx_...`, created by CREATE INDEX) are dropped: SQLite's
    autoindexes and the workflow engine's (`workflow_action...`) are left alone, and PRAGMA
    index_list names only this table's indexes."""
    wanted = {index_name(meta.name, spec): spec for spec in index_specs(meta)}
    table_name = quote("tab" + meta.name)
    for row in db.fetchall(f"PRAGMA index_list({table_name})"):
        if row["origin"] == "c" and row["name"].startswith("idx_") and row["name"] not in wanted:
            db.execute(f"DROP INDEX {quote(row['name'])}")
    for name, spec in wanted.items():
        where = f" WHERE {spec.where}" if spec.where else ""
        db.execute(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {meta.table} ({spec.create_sql}){where}")


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
    sync_indexes(db, meta)
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
