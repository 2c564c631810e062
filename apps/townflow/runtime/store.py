"""Row-level storage of documents: one row per document, child rows beside it, Singles apart.

No permission or validation happens here; `townflow.runtime.documents` decides what may be
read or written and calls these. A document is a plain dict, as Frappe's `doc.as_dict()`:
`doctype`, the standard fields, one key per value field, and for each Table field a list of
child row dicts (each with its own name, idx, parent, parentfield, parenttype).
"""

from __future__ import annotations

from datetime import datetime

from townflow.runtime.db import Database, quote
from townflow.runtime.meta import Meta, Metas

SINGLE_STANDARD = ("name", "owner", "creation", "modified", "modified_by", "docstatus", "idx")
TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"


def timestamp(moment: datetime) -> str:
    """`moment` as Frappe stores a Datetime, `TIMESTAMP` ("2025-01-01 08:00:00.000010").

    isoformat writes the same text as strftime for a naive datetime from the year 1000 on, in a
    third of the time (a workflow transition formats its moment five times); anything else (an
    aware datetime would gain an offset, an early year its padding) goes through strftime."""
    if moment.tzinfo is None and moment.year >= 1000:
        return moment.isoformat(" ", "microseconds")
    return moment.strftime(TIMESTAMP)


#: meta id -> (meta, the row keys last read for it), kept when every key is a column of the meta
_ALL_COLUMNS: dict[int, tuple[Meta, list[str]]] = {}


def _row_dict(meta: Meta, row) -> dict:
    # zip, not row[k]: a sqlite3.Row finds a column by name with a linear scan, so reading all
    # ~50 columns by name cost 14 us per row, zip 4 us (twice per workflow transition, 20x a list).
    # When the row has the columns last seen for this meta, all of them columns, the filter would
    # keep every key: 2 us.
    keys = row.keys()
    doc = {"doctype": meta.name}
    seen = _ALL_COLUMNS.get(id(meta))
    if seen is not None and seen[0] is meta and seen[1] == keys:
        doc.update(zip(keys, row, strict=True))
        return doc
    columns = meta.column_set
    doc.update({k: v for k, v in zip(keys, row, strict=True) if k in columns})
    if len(doc) == len(keys) + 1:
        if len(_ALL_COLUMNS) >= 512:
            _ALL_COLUMNS.clear()
        _ALL_COLUMNS[id(meta)] = (meta, keys)
    return doc


def load(
    db: Database,
    metas: Metas,
    meta: Meta,
    name: str,
    *,
    with_children: bool = True,
    where: tuple[str, list] | None = None,
) -> dict | None:
    """The stored document, or None; with `where` (SQL and its parameters, e.g. a permission
    condition) only if the row also meets it — one statement for "exists and may be read"."""
    if meta.issingle:
        return load_single(db, meta)
    if where is None:
        row = db.fetchone(f"SELECT * FROM {meta.table} WHERE name = ?", (name,))
    else:
        row = db.fetchone(f"SELECT * FROM {meta.table} WHERE name = ? AND ({where[0]})", (name, *where[1]))
    if row is None:
        return None
    doc = _row_dict(meta, row)
    if with_children:
        for tf in meta.table_fields:
            child = metas.get(tf.options)
            rows = db.fetchall(
                f"SELECT * FROM {child.table} WHERE parent = ? AND parenttype = ? AND parentfield = ? "
                "ORDER BY idx",
                (name, meta.name, tf.fieldname),
            )
            doc[tf.fieldname] = [_row_dict(child, r) for r in rows]
    return doc


def load_single(db: Database, meta: Meta) -> dict:
    values = {
        r["field"]: r["value"]
        for r in db.fetchall('SELECT field, value FROM "tabSingles" WHERE doctype = ?', (meta.name,))
    }
    doc: dict = {"doctype": meta.name, "name": meta.name}
    for key in SINGLE_STANDARD[1:]:
        doc[key] = values.get(key)
    doc["docstatus"] = int(doc.get("docstatus") or 0)
    for f in meta.value_fields:
        raw = values.get(f.fieldname)
        if raw is not None and f.fieldtype in ("Int", "Check"):
            raw = int(float(raw))
        elif raw is not None and f.fieldtype in ("Float", "Currency", "Percent", "Rating", "Duration"):
            raw = float(raw)
        doc[f.fieldname] = raw
    return doc


def exists(db: Database, meta: Meta, name: str) -> bool:
    if meta.issingle:
        return True
    return db.fetchone(f"SELECT 1 FROM {meta.table} WHERE name = ?", (name,)) is not None


#: (meta id, the doc's keys) -> (meta, the statements of `_statements`): the statement
#: text of a write depends only on which columns it names, and a workflow transition writes the
#: same ones every time. The meta is kept and compared, so a rebuilt Meta never meets old text.
_STATEMENTS: dict[tuple, tuple[Meta, list[str], str, list[str], str]] = {}


def _statements(meta: Meta, doc: dict) -> tuple[list[str], str, list[str], str]:
    """(columns, INSERT of them, columns but name, UPDATE of those by name) for `doc`'s keys."""
    key = (id(meta), tuple(doc))
    hit = _STATEMENTS.get(key)
    if hit is None or hit[0] is not meta:
        columns = [c for c in meta.columns if c in doc]
        marks = ", ".join("?" * len(columns))
        insert = f"INSERT INTO {meta.table} ({', '.join(quote(c) for c in columns)}) VALUES ({marks})"
        if len(_STATEMENTS) >= 512:
            _STATEMENTS.clear()
        updated = [c for c in columns if c != "name"]
        hit = _STATEMENTS[key] = (meta, columns, insert, updated, _update_sql(meta, updated))
    return hit[1:]


def _update_sql(meta: Meta, columns: list[str]) -> str:
    sets = ", ".join(f"{quote(c)} = ?" for c in columns)
    return f"UPDATE {meta.table} SET {sets} WHERE name = ?"


def insert_row(db: Database, meta: Meta, doc: dict) -> None:
    columns, insert, _updated, _update = _statements(meta, doc)
    db.execute(insert, [doc[c] for c in columns])


def update_row(db: Database, meta: Meta, doc: dict, old: dict | None = None) -> None:
    """UPDATE the columns present in `doc`; given the stored `old` row, only those that changed.

    SQLite rewrites every index on a column named in SET, changed or not, and each rewritten page
    is written and fsync'd with the commit: naming only changed columns keeps a save small."""
    _inserted, _insert, columns, sql = _statements(meta, doc)
    if old is not None:
        changed = [c for c in columns if c not in old or doc[c] != old[c] or type(doc[c]) is not type(old[c])]
        if len(changed) != len(columns):
            columns, sql = changed, _update_sql(meta, changed)
    if not columns:
        return
    db.execute(sql, [doc[c] for c in columns] + [doc["name"]])


def write_single(db: Database, meta: Meta, doc: dict) -> None:
    db.execute('DELETE FROM "tabSingles" WHERE doctype = ?', (meta.name,))
    keys = [k for k in SINGLE_STANDARD[1:]] + [f.fieldname for f in meta.value_fields]
    db.conn.executemany(
        'INSERT INTO "tabSingles" (doctype, field, value) VALUES (?, ?, ?)',
        [(meta.name, k, None if doc.get(k) is None else str(doc.get(k))) for k in keys],
    )


def replace_children(db: Database, metas: Metas, meta: Meta, doc: dict, old: dict | None) -> None:
    """Write the child tables of `doc`: rows kept by name are updated, new rows inserted, the
    rest deleted. Rows get idx 1..n in list order and the parent's standard fields."""
    for tf in meta.table_fields:
        if tf.fieldname not in doc:
            continue
        child = metas.get(tf.options)
        kept: set[str] = set()
        old_rows = {r["name"]: r for r in (old or {}).get(tf.fieldname) or []}
        old_names = set(old_rows)
        for i, row in enumerate(doc[tf.fieldname], start=1):
            row.update(
                doctype=child.name,
                parent=doc["name"],
                parentfield=tf.fieldname,
                parenttype=meta.name,
                idx=i,
                docstatus=doc.get("docstatus", 0),
                owner=row.get("owner") or doc.get("owner"),
                creation=row.get("creation") or doc.get("modified"),
                modified=doc.get("modified"),
                modified_by=doc.get("modified_by"),
            )
            if row["name"] in old_names:
                update_row(db, child, row, old_rows[row["name"]])
            else:
                insert_row(db, child, row)
            kept.add(row["name"])
        gone = old_names - kept
        if gone:
            marks = ", ".join("?" * len(gone))
            db.execute(
                f"DELETE FROM {child.table} WHERE parent = ? AND parentfield = ? AND name IN ({marks})",
                (doc["name"], tf.fieldname, *sorted(gone)),
            )


def delete(db: Database, metas: Metas, meta: Meta, name: str) -> None:
    for tf in meta.table_fields:
        child = metas.get(tf.options)
        db.execute(f"DELETE FROM {child.table} WHERE parent = ? AND parenttype = ?", (name, meta.name))
    db.execute(f"DELETE FROM {meta.table} WHERE name = ?", (name,))
