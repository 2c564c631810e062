"""Version history, in the format of Frappe's Version doctype (frappe/core/doctype/version/version.py).

Every save of a DocType with `track_changes` writes one `Version` record whose `data` is JSON:

    {"changed": [[field, old, new], ...],
     "added": [[table_field, row], ...], "removed": [[table_field, row], ...],
     "row_changed": [[table_field, idx, row_name, [[field, old, new], ...]], ...]}

Standard fields (modified, modified_by, idx, ...) are not diffs. A save that changes nothing
writes no Version, as in Frappe.
"""

from __future__ import annotations

import json

from townflow.runtime.meta import Meta, Metas
from townflow.runtime.naming import generate_hash
from townflow.runtime.store import insert_row

_SKIP = {
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "idx",
    "parent",
    "parentfield",
    "parenttype",
    "doctype",
}


#: json.dumps(data, ensure_ascii=False, default=str), without building an encoder per call
_DATA = json.JSONEncoder(ensure_ascii=False, default=str)


def _plain(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("doctype",)}


def _same(a, b) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


#: meta id -> (meta, the value fields a diff compares, in form order): all but _SKIP and Password
_COMPARED: dict[int, tuple[Meta, tuple[str, ...]]] = {}


def _compared(meta: Meta) -> tuple[str, ...]:
    hit = _COMPARED.get(id(meta))
    if hit is None or hit[0] is not meta:
        names = tuple(
            f.fieldname for f in meta.value_fields if f.fieldname not in _SKIP and f.fieldtype != "Password"
        )
        if len(_COMPARED) >= 512:
            _COMPARED.clear()
        hit = _COMPARED[id(meta)] = (meta, names)
    return hit[1]


def diff(metas: Metas, meta: Meta, old: dict, new: dict) -> dict:
    """Frappe's `get_diff(old, new)` for one document and its child tables."""
    out: dict = {"changed": [], "added": [], "removed": [], "row_changed": []}
    for fieldname in _compared(meta):
        if fieldname in new and not _same(old.get(fieldname), new.get(fieldname)):
            out["changed"].append([fieldname, old.get(fieldname), new.get(fieldname)])
    if old.get("docstatus") != new.get("docstatus") and new.get("docstatus") is not None:
        out["changed"].append(["docstatus", old.get("docstatus"), new.get("docstatus")])
    for tf in meta.table_fields:
        if tf.fieldname not in new:
            continue
        child = metas.get(tf.options)
        old_rows = {r["name"]: r for r in old.get(tf.fieldname) or []}
        new_rows = {r["name"]: r for r in new.get(tf.fieldname) or []}
        for name, row in new_rows.items():
            if name not in old_rows:
                out["added"].append([tf.fieldname, _plain(row)])
                continue
            changes = [
                [f.fieldname, old_rows[name].get(f.fieldname), row.get(f.fieldname)]
                for f in child.value_fields
                if not _same(old_rows[name].get(f.fieldname), row.get(f.fieldname))
            ]
            if changes:
                out["row_changed"].append([tf.fieldname, row.get("idx"), name, changes])
        for name, row in old_rows.items():
            if name not in new_rows:
                out["removed"].append([tf.fieldname, _plain(row)])
    return out


def has_changes(data: dict) -> bool:
    return any(data.get(k) for k in ("changed", "added", "removed", "row_changed"))


def record(db, metas: Metas, ref_doctype: str, docname: str, data: dict, user: str, now: str) -> str:
    """Write one Version row (inside the caller's transaction); returns its name."""
    version_meta = metas.get("Version")
    name = generate_hash()
    insert_row(
        db,
        version_meta,
        {
            "name": name,
            "owner": user,
            "creation": now,
            "modified": now,
            "modified_by": user,
            "docstatus": 0,
            "idx": 0,
            "ref_doctype": ref_doctype,
            "docname": docname,
            "data": _DATA.encode(data),
        },
    )
    return name


def history(db, ref_doctype: str, docname: str) -> list[dict]:
    """Versions of one document, oldest first, with `data` parsed."""
    rows = db.fetchall(
        'SELECT name, owner, creation, data FROM "tabVersion" WHERE ref_doctype = ? AND docname = ? '
        "ORDER BY creation, rowid",
        (ref_doctype, docname),
    )
    return [
        {"name": r["name"], "owner": r["owner"], "creation": r["creation"], "data": json.loads(r["data"])}
        for r in rows
    ]
