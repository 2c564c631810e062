"""Search by pinyin in the embedded runtime (issue 17 point 4).

Keys (townflow.rules.pinyin: `zhangxiaoyan`, `zxy`, `xiaoyan`, `xy` for 张小燕) live in one side
table, `tabPinyin Key`, clustered by (DocType, key) so a typed prefix is one index range scan:

    pinyin_doctype, pinyin_key, pinyin_name, pinyin_field   PRIMARY KEY, WITHOUT ROWID
    pinyin_scope                                            the record's village (its scope key)

The village is kept with each key (index (DocType, village, key)) so a village clerk's search
walks only her village's keys, not every village's keys of a common prefix; it is written with
the keys and moved with the record (`moved`, called where a household's move carries its people).

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
from functools import lru_cache
from typing import Any

from townflow.rules import pinyin as rules
from townflow.runtime.db import quote

TABLE = '"tabPinyin Key"'
STATE = '"tabPinyin Key State"'
SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (pinyin_doctype TEXT NOT NULL, pinyin_key TEXT NOT NULL, "
    "pinyin_name TEXT NOT NULL, pinyin_field TEXT NOT NULL, pinyin_scope TEXT, "
    "PRIMARY KEY (pinyin_doctype, pinyin_key, pinyin_name, pinyin_field)) WITHOUT ROWID",
    f'CREATE INDEX IF NOT EXISTS "tabPinyin Key_doc" ON {TABLE} (pinyin_doctype, pinyin_name)',
    f'CREATE INDEX IF NOT EXISTS "tabPinyin Key_scope" ON {TABLE} '
    "(pinyin_doctype, pinyin_scope, pinyin_key, pinyin_name)",
    f"CREATE TABLE IF NOT EXISTS {STATE} (pinyin_doctype TEXT PRIMARY KEY, fields TEXT NOT NULL)",
)
_BATCH = 5000
#: the permission scope whose value each key row carries
SCOPE = "village"


def fields_of(meta: Any) -> list[str]:
    """The indexed fields of an effective meta (townflow.runtime.meta.Meta)."""
    return [f for f in rules.pinyin_fields(meta.doctype) if f in meta.column_set]


def scope_field(meta: Any) -> str | None:
    """The DocType's own field holding its village (None when it has none)."""
    field = meta.scope_fields.get(SCOPE)
    return field if field and field in meta.column_set and field != "name" else None


def _state(meta: Any) -> str:
    return ",".join(fields_of(meta)) + "|" + (scope_field(meta) or "")


def ensure_schema(site: Any) -> dict[str, int]:
    """Create the tables and reindex each DocType whose pinyin fields changed (or are new);
    returns {doctype: documents indexed}."""
    db = site.db
    with db.transaction():
        columns = [r[1] for r in db.fetchall(f"PRAGMA table_info({TABLE})")]
        if columns and "pinyin_scope" not in columns:  # written before keys carried the village
            db.execute(f"DROP TABLE {TABLE}")
            db.execute(f"DROP TABLE IF EXISTS {STATE}")
        for sql in SCHEMA:
            db.execute(sql)
    done: dict[str, int] = {}
    stored = {r[0]: r[1] for r in db.fetchall(f"SELECT pinyin_doctype, fields FROM {STATE}")}
    for meta in site.metas.all():
        fields = fields_of(meta)
        if not fields and meta.name not in stored:
            continue
        if stored.get(meta.name) != _state(meta):
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
            (meta.name, _state(meta)),
        )
        if not fields:
            return 0
        cols = ", ".join(quote(f) for f in fields)
        scope = quote(scope_field(meta)) if scope_field(meta) else "NULL"
        cursor = db.conn.execute(f"SELECT name, {scope}, {cols} FROM {meta.table}")
        while True:
            rows = cursor.fetchmany(_BATCH)
            if not rows:
                break
            count += len(rows)
            batch = [
                (meta.name, key, row[0], field, row[1])
                for row in rows
                for i, field in enumerate(fields, start=2)
                for key in _keys(row[i])
            ]
            db.conn.executemany(f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?, ?, ?)", batch)
    return count


def _keys(value: Any) -> tuple[str, ...]:
    return _text_keys(value) if isinstance(value, str) else ()


@lru_cache(maxsize=4096)
def _text_keys(text: str) -> tuple[str, ...]:
    """rules.keys of one text, remembered: the same titles and names come back on every write
    (each notice of a step has its step's title; a village's people share surnames and names)."""
    return tuple(rules.keys(text))


def refresh(site: Any, meta: Any, doc: dict, old: dict | None = None) -> None:
    """Rewrite one document's keys (inside the caller's transaction) when a pinyin field or its
    village changed."""
    fields = fields_of(meta)
    name = doc.get("name")
    if not fields or not name:
        return
    scope = scope_field(meta)
    watched = [*fields, scope] if scope else fields
    if old is not None and all(doc.get(f) == old.get(f) for f in watched if f in doc):
        return
    if scope and scope not in doc:  # db_set of other fields: the stored village
        stored = site.db.fetchone(f"SELECT {quote(scope)} FROM {meta.table} WHERE name = ?", (name,))
        village = stored[0] if stored else None
    else:
        village = doc.get(scope) if scope else None
    site.db.execute(f"DELETE FROM {TABLE} WHERE pinyin_doctype = ? AND pinyin_name = ?", (meta.name, name))
    rows = [(meta.name, key, name, f, village) for f in fields for key in _keys(doc.get(f))]
    if rows:
        site.db.conn.executemany(f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?, ?, ?)", rows)


_DEFERRED_FIELDS: dict[int, tuple[Any, list[str], str | None]] = {}


def deferred_entry(meta: Any, doc: dict) -> tuple | None:
    """What `write_deferred` needs of a document just inserted: (DocType, name, village, the
    pinyin fields' values as they are now), or None when it gets no keys. The fields of each
    meta are worked out once (an import asks for every row)."""
    cached = _DEFERRED_FIELDS.get(id(meta))
    if cached is None or cached[0] is not meta:
        if len(_DEFERRED_FIELDS) > 256:
            _DEFERRED_FIELDS.clear()
        cached = _DEFERRED_FIELDS[id(meta)] = (meta, fields_of(meta), scope_field(meta))
    _meta, fields, scope = cached
    if not fields or not doc.get("name"):
        return None
    return (meta.name, doc["name"], doc.get(scope) if scope else None, [(f, doc.get(f)) for f in fields])


def write_deferred(site: Any, entries: list[tuple]) -> None:
    """The keys of documents inserted during a bulk import's batch (`deferred_entry`; the
    importer sets `session.deferred_pinyin` and drops a failed row's entries), written together
    in the batch's transaction: the rows `refresh` would write for each, sorted, one executemany."""
    if not entries:
        return
    by_doctype: dict[str, list[str]] = {}
    for doctype, name, _scope, _values in entries:
        by_doctype.setdefault(doctype, []).append(name)
    for doctype, names in by_doctype.items():  # as `refresh` does: no stale key survives
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            site.db.execute(
                f"DELETE FROM {TABLE} WHERE pinyin_doctype = ? AND pinyin_name IN ({marks})",
                (doctype, *chunk),
            )
    rows = sorted(
        (doctype, key, name, f, scope)
        for doctype, name, scope, values in entries
        for f, value in values
        for key in _keys(value)
    )
    site.db.conn.executemany(f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?, ?, ?)", rows)


def moved(site: Any, meta: Any, names: list[str], field: str, value: Any) -> None:
    """Records whose `field` was set to `value` by SQL (a household's move carries its people):
    their keys follow when that field is the village."""
    if not names or field != scope_field(meta) or not fields_of(meta):
        return
    marks = ", ".join("?" * len(names))
    site.db.execute(
        f"UPDATE {TABLE} SET pinyin_scope = ? WHERE pinyin_doctype = ? AND pinyin_name IN ({marks})",
        (value, meta.name, *names),
    )


def register(site: Any) -> None:
    """Keep the keys in step with every save, submit, cancel and delete (same transaction)."""

    def on_change(event: Any) -> None:
        if site.metas.exists(event.doctype):
            meta = site.metas.get(event.doctype)
            pending = getattr(event.session, "deferred_pinyin", None)
            if pending is not None and event.old is None:  # a bulk import's insert: see write_deferred
                entry = deferred_entry(meta, event.doc)
                if entry is not None:
                    pending.append(entry)
                return
            refresh(site, meta, event.doc, event.old)

    def on_trash(event: Any) -> None:
        site.db.execute(
            f"DELETE FROM {TABLE} WHERE pinyin_doctype = ? AND pinyin_name = ?",
            (event.doctype, event.doc.get("name")),
        )

    for event in ("on_update", "on_submit", "on_cancel"):
        site.hooks.register("*", event, on_change)
    site.hooks.register("*", "on_trash", on_trash)


def scopes_of(session: Any, meta: Any, ptype: str = "read") -> list[str] | None:
    """The villages that bound what `session` may `ptype` of `meta`, when every permission row
    granting it is scoped to the record's own village field (a village clerk); None when the
    user's reach is not bounded that way (township roles, owner rows, the Administrator). Only
    narrows the key walk: the permission condition itself stays in the same SQL."""
    ctx = session.ctx
    if getattr(session, "ignore_permissions", False) or ctx.is_administrator:
        return None
    field = scope_field(meta)
    perms = session.site.perms
    if field is None or perms.scope_path(meta, SCOPE) != (field, None, None):
        return None
    granting = [
        r
        for r in perms.rows(meta, ctx)
        if ((r.read or r.select) if ptype == "select" else getattr(r, ptype, False))
    ]
    if not granting or any(r.scope != SCOPE for r in granting):
        return None
    return sorted(ctx.allowed(SCOPE, meta.name))


def _range_sql(
    meta: Any, fields: Iterable[str], key: str, scopes: list[str] | None = None
) -> tuple[str, list]:
    fields = list(fields)
    low, high = rules.prefix_range(key)
    marks = ", ".join("?" * len(fields))
    sql = f"pinyin_doctype = ? AND pinyin_key >= ? AND pinyin_key < ? AND pinyin_field IN ({marks})"
    params = [meta.name, low, high, *fields]
    if scopes is not None:
        sql += f" AND pinyin_scope IN ({', '.join('?' * len(scopes)) or 'NULL'})"
        params += scopes
    return sql, params


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
    scopes: list[str] | None = None,
) -> list[dict] | None:
    """Link-search suggestions found by pinyin, in key order (exact and shorter keys first),
    restricted by `where_sql` (the permission condition and the caller's filters). None when the
    text is not pinyin or no readable field carries keys."""
    key = rules.query_key(txt)
    fields = [f for f in fields_of(meta) if f in fields]
    if key is None or not fields:
        return None
    sql, params = _range_sql(meta, fields, key, scopes)
    rows = site.db.fetchall(
        f"SELECT DISTINCT {meta.table}.name AS name, {title_sql} AS title FROM {TABLE} "
        f"JOIN {meta.table} ON {meta.table}.name = pinyin_name WHERE {sql} "
        f"AND ({where_sql}) LIMIT ?",
        (*params, *where_params, int(limit)),
    )
    return [{"value": r["name"], "description": r["title"] or ""} for r in rows]


#: the list's search box counts pinyin matches up to this many and shows "1000+" beyond (as
#: Frappe's list shows a capped count); the exact figure is one click away (`exact_count`)
COUNT_CAP = 1000


def _walk_sql(
    meta: Any, fields: list[str], key: str, where_sql: str, scopes: list[str] | None
) -> tuple[str, list]:
    sql, params = _range_sql(meta, fields, key, scopes)
    return (
        f"FROM {TABLE} JOIN {meta.table} ON {meta.table}.name = pinyin_name WHERE {sql} AND ({where_sql})",
        params,
    )


def list_page(
    session: Any,
    meta: Any,
    txt: str,
    fields: list[str],
    filters: Any,
    start: int,
    page_length: int,
) -> list[str] | None:
    """The names of one page of the list's search by pinyin, in key order (the closest matches
    first: `ly` before `lyx`, then by name), walked from the key index so a broad query (`ly`,
    3% of everyone) reads only the rows up to this page. The user's permission condition and the
    list's filters are in the same SQL (`Session.list_where`). None when `txt` is not pinyin."""
    key = rules.query_key(txt)
    fields = [f for f in fields_of(meta) if f in fields]
    if key is None or not fields:
        return None
    where_sql, where_params = session.list_where(meta.name, filters)
    walk, params = _walk_sql(meta, fields, key, where_sql, scopes_of(session, meta, "read"))
    want = max(0, int(start)) + int(page_length)
    limit = want * 2 + 8
    while True:
        rows = session.site.db.fetchall(
            f"SELECT pinyin_name {walk} ORDER BY pinyin_key, pinyin_name LIMIT ?",
            (*params, *where_params, limit),
        )
        names = list(dict.fromkeys(r[0] for r in rows))  # a person matched by two keys: once
        if len(names) >= want or len(rows) < limit:
            return names[start:want]
        limit *= 4


def capped_count(
    session: Any, meta: Any, txt: str, fields: list[str], filters: Any, cap: int = COUNT_CAP
) -> int | None:
    """How many records the search matches, counted up to `cap` + 1 (a count above `cap` reads
    "cap+"); scoped as `list_page`. None when `txt` is not pinyin."""
    key = rules.query_key(txt)
    fields = [f for f in fields_of(meta) if f in fields]
    if key is None or not fields:
        return None
    where_sql, where_params = session.list_where(meta.name, filters)
    walk, params = _walk_sql(meta, fields, key, where_sql, scopes_of(session, meta, "read"))
    return int(
        session.site.db.scalar(
            f"SELECT COUNT(*) FROM (SELECT DISTINCT pinyin_name {walk} LIMIT ?)",
            (*params, *where_params, int(cap) + 1),
        )
    )
