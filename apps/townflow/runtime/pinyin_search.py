"""Search by pinyin in the embedded runtime (issue 17 point 4).

Keys (townflow.rules.pinyin: `zhangxiaoyan`, `zxy`, `xiaoyan`, `xy` for 张小燕) live in one side
table, `tabPinyin Key`, clustered by (DocType, key) so a typed prefix is one index range scan:

    pinyin_doctype, pinyin_key, pinyin_name, pinyin_field   PRIMARY KEY, WITHOUT ROWID

- Written in the document's own transaction: hooks on on_update (insert and save), on_submit,
  on_cancel and on_trash, and `Session.db_set` (which runs no hooks) calls `refresh`.
- Backfilled: `ensure_schema` (at every site open) compares the fields each DocType is indexed by
  (`tabPinyin Key State`) with the spec's; a DocType that is new or whose fields changed is
  reindexed in one transaction. `reindex(site)` does it on demand (bulk loaders that write SQL).
- Searched: text typed as pinyin (letters only: `zxy`, `zhangxiaoyan`, `Zhang Xiaoyan`) into a
  DocType with pinyin fields is read as pinyin: `Session.search_link` (every Link field,
  `/search/link`, `frappe.desk.search.search_link`) answers from `link_matches`, and the list's
  search box and any `or_filters` `like` on a pinyin field match the keys (`widen`) — an index
  range scan either way, never a scan of the table (a Chinese title holds no latin letters for a
  substring match to find). Any other text (Chinese, digits, serials) is the substring search as
  before. Both put the key lookup inside the same SQL as the user's permission condition, so
  nothing the user may not select or read is found; a field the user may not read is not searched
  by its pinyin either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from townflow.rules import pinyin as rules
from townflow.runtime.db import quote

TABLE = '"tabPinyin Key"'
STATE = '"tabPinyin Key State"'
SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (pinyin_doctype TEXT NOT NULL, pinyin_key TEXT NOT NULL, "
    "pinyin_name TEXT NOT NULL, pinyin_field TEXT NOT NULL, "
    "PRIMARY KEY (pinyin_doctype, pinyin_key, pinyin_name, pinyin_field)) WITHOUT ROWID",
    f'CREATE INDEX IF NOT EXISTS "tabPinyin Key_doc" ON {TABLE} (pinyin_doctype, pinyin_name)',
    f"CREATE TABLE IF NOT EXISTS {STATE} (pinyin_doctype TEXT PRIMARY KEY, fields TEXT NOT NULL)",
)
_BATCH = 5000


def fields_of(meta: Any) -> list[str]:
    """The indexed fields of an effective meta (townflow.runtime.meta.Meta)."""
    return [f for f in rules.pinyin_fields(meta.doctype) if f in meta.column_set]


def ensure_schema(site: Any) -> dict[str, int]:
    """Create the tables and reindex each DocType whose pinyin fields changed (or are new);
    returns {doctype: documents indexed}."""
    db = site.db
    with db.transaction():
        for sql in SCHEMA:
            db.execute(sql)
    done: dict[str, int] = {}
    stored = {r[0]: r[1] for r in db.fetchall(f"SELECT pinyin_doctype, fields FROM {STATE}")}
    for meta in site.metas.all():
        fields = fields_of(meta)
        if not fields and meta.name not in stored:
            continue
        if stored.get(meta.name) != ",".join(fields):
            done[meta.name] = reindex_doctype(site, meta)
    return done


def reindex(site: Any) -> dict[str, int]:
    """Rebuild every DocType's keys (each DocType in one transaction)."""
    return {m.name: reindex_doctype(site, m) for m in site.metas.all() if fields_of(m)}


def reindex_doctype(site: Any, meta: Any) -> int:
    """Drop and recompute the keys of one DocType, in one transaction. Returns the documents read."""
    db = site.db
    fields = fields_of(meta)
    count = 0
    with db.transaction():
        db.execute(f"DELETE FROM {TABLE} WHERE pinyin_doctype = ?", (meta.name,))
        db.execute(
            f"INSERT INTO {STATE} (pinyin_doctype, fields) VALUES (?, ?) "
            "ON CONFLICT(pinyin_doctype) DO UPDATE SET fields = excluded.fields",
            (meta.name, ",".join(fields)),
        )
        if not fields:
            return 0
        cols = ", ".join(quote(f) for f in fields)
        cursor = db.conn.execute(f"SELECT name, {cols} FROM {meta.table}")
        while True:
            rows = cursor.fetchmany(_BATCH)
            if not rows:
                break
            count += len(rows)
            batch = [
                (meta.name, key, row[0], field)
                for row in rows
                for i, field in enumerate(fields, start=1)
                for key in _keys(row[i])
            ]
            db.conn.executemany(f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?, ?)", batch)
    return count


def _keys(value: Any) -> list[str]:
    return rules.keys(value) if isinstance(value, str) else []


def refresh(site: Any, meta: Any, doc: dict, old: dict | None = None) -> None:
    """Rewrite one document's keys (inside the caller's transaction) when a pinyin field changed."""
    fields = fields_of(meta)
    name = doc.get("name")
    if not fields or not name:
        return
    if old is not None and all(doc.get(f) == old.get(f) for f in fields if f in doc):
        return
    site.db.execute(f"DELETE FROM {TABLE} WHERE pinyin_doctype = ? AND pinyin_name = ?", (meta.name, name))
    rows = [(meta.name, key, name, f) for f in fields for key in _keys(doc.get(f))]
    if rows:
        site.db.conn.executemany(f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?, ?)", rows)


def register(site: Any) -> None:
    """Keep the keys in step with every save, submit, cancel and delete (same transaction)."""

    def on_change(event: Any) -> None:
        if site.metas.exists(event.doctype):
            refresh(site, site.metas.get(event.doctype), event.doc, event.old)

    def on_trash(event: Any) -> None:
        site.db.execute(
            f"DELETE FROM {TABLE} WHERE pinyin_doctype = ? AND pinyin_name = ?",
            (event.doctype, event.doc.get("name")),
        )

    for event in ("on_update", "on_submit", "on_cancel"):
        site.hooks.register("*", event, on_change)
    site.hooks.register("*", "on_trash", on_trash)


def _range_sql(meta: Any, fields: Iterable[str], key: str) -> tuple[str, list]:
    fields = list(fields)
    low, high = rules.prefix_range(key)
    marks = ", ".join("?" * len(fields))
    return (
        f"pinyin_doctype = ? AND pinyin_key >= ? AND pinyin_key < ? AND pinyin_field IN ({marks})",
        [meta.name, low, high, *fields],
    )


def widen(meta: Any, fieldname: str, value: Any) -> tuple[str, list] | None:
    """For an `or_filters` `like "%zxy%"` on a pinyin field: the condition that finds the documents
    whose key starts with the typed pinyin (None when the value is not pinyin)."""
    if fieldname not in fields_of(meta) or not isinstance(value, str):
        return None
    key = rules.query_key(value.strip("%"))
    if key is None:
        return None
    sql, params = _range_sql(meta, [fieldname], key)
    return f"{quote('name')} IN (SELECT pinyin_name FROM {TABLE} WHERE {sql})", params


#: a table with at most this many rows is small enough to scan: typed letters also get the
#: substring search there (Link search), as before pinyin keys existed
SMALL_TABLE = 2_000


def small(site: Any, meta: Any) -> bool:
    """Whether the DocType's table is small enough to scan (its highest rowid, an index lookup)."""
    return int(site.db.scalar(f"SELECT max(rowid) FROM {meta.table}") or 0) <= SMALL_TABLE


def typed_pinyin_fields(meta: Any, txt: Any, fields: Iterable[str]) -> list[str]:
    """The pinyin fields among `fields` when `txt` is typed pinyin, else []: a search box then
    searches those fields' keys only (the other fields' substring match would scan the table)."""
    if rules.query_key(txt) is None:
        return []
    indexed = fields_of(meta)
    return [f for f in fields if f in indexed]


def link_matches(
    site: Any,
    meta: Any,
    txt: str,
    fields: list[str],
    where_sql: str,
    where_params: list,
    title_sql: str,
    limit: int,
) -> list[dict] | None:
    """Link-search suggestions found by pinyin, in key order (exact and shorter keys first),
    restricted by `where_sql` (the permission condition and the caller's filters). None when the
    text is not pinyin or no readable field carries keys."""
    key = rules.query_key(txt)
    fields = [f for f in fields_of(meta) if f in fields]
    if key is None or not fields:
        return None
    sql, params = _range_sql(meta, fields, key)
    rows = site.db.fetchall(
        f"SELECT DISTINCT {meta.table}.name AS name, {title_sql} AS title FROM {TABLE} "
        f"JOIN {meta.table} ON {meta.table}.name = pinyin_name WHERE {sql} "
        f"AND ({where_sql}) LIMIT ?",
        (*params, *where_params, int(limit)),
    )
    return [{"value": r["name"], "description": r["title"] or ""} for r in rows]
