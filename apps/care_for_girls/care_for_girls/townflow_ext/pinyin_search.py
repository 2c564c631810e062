"""Search by pinyin in the Frappe app (issue 17 point 4); the keys are townflow.rules.pinyin's,
the same the embedded runtime indexes.

- `fill(doc, method)`: doc_events validate of every DocType with Chinese title or search fields:
  the hidden `tf_pinyin` column (compiled into the DocType by townflow.compile.verify_app) gets
  ` zhangxiaoyan zxy xiaoyan xy ` — each key between spaces, so `% zxy%` is a prefix match.
- `search(...)`: the `standard_queries` method of those DocTypes, so every Link field in the desk
  and frappe.desk.search.search_link find 张小燕 by `zxy` or `zhangxiaoyan`, as well as by the
  text itself (name, title, search fields). It calls frappe.get_list: the user's permissions
  (DocPerm, User Permissions, the app's permission_query_conditions) decide what is found.
"""

from __future__ import annotations

from typing import Any

import frappe

from townflow.rules import pinyin

from . import spec

FIELD = "tf_pinyin"
_TEXT_TYPES = {"Data", "Text", "Small Text", "Long Text", "Link", "Select", "Read Only"}


def _fields(doctype: str) -> list[str]:
    found = spec.doctype(doctype)
    return pinyin.pinyin_fields(found) if found is not None else []


def fill(doc: Any, method: str | None = None) -> None:
    fields = _fields(doc.doctype)
    if not fields:
        return
    keys: dict[str, None] = {}
    for fieldname in fields:
        for key in pinyin.keys(doc.get(fieldname)):
            keys[key] = None
    doc.set(FIELD, f" {' '.join(keys)} " if keys else "")


@frappe.whitelist()
def search(
    doctype: str,
    txt: str,
    searchfield: str | None = None,
    start: int = 0,
    page_len: int = 20,
    filters: Any = None,
    as_dict: bool = False,
    reference_doctype: str | None = None,
) -> list:
    """Link-field suggestions: [name, title] rows the user may read, matching `txt` as text or pinyin."""
    meta = frappe.get_meta(doctype)
    title = meta.title_field
    found = spec.doctype(doctype)
    searched = ["name", *([title] if title else []), *((found.search_fields or []) if found else [])]
    or_filters = []
    if txt:
        for fieldname in dict.fromkeys(searched):
            df = meta.get_field(fieldname)
            if fieldname == "name" or (df is not None and df.fieldtype in _TEXT_TYPES):
                or_filters.append([doctype, fieldname, "like", f"%{txt}%"])
        key = pinyin.query_key(txt)
        if key and meta.has_field(FIELD):
            or_filters.append([doctype, FIELD, "like", f"% {key}%"])
    fields = ["name", title] if title and title != "name" else ["name"]
    return frappe.get_list(
        doctype,
        fields=fields,
        filters=filters,
        or_filters=or_filters or None,
        limit_start=int(start or 0),
        limit_page_length=int(page_len or 20),
        order_by=f"{meta.sort_field or 'modified'} {meta.sort_order or 'desc'}",
        as_list=not as_dict,
        reference_doctype=reference_doctype,
    )


def backfill() -> int:
    """Records saved before their DocType had the tf_pinyin column get their keys once (after_migrate;
    new saves fill them on validate). Returns the records filled."""
    filled = 0
    for name in spec.doctype_names():
        fields = _fields(name)
        if not fields or not frappe.db.table_exists(name):
            continue
        if FIELD not in set(frappe.db.get_table_columns(name)):
            continue
        rows = frappe.get_all(
            name, filters=[[FIELD, "is", "not set"]], fields=["name", *fields], limit_page_length=0
        )
        for row in rows:
            keys: dict[str, None] = {}
            for fieldname in fields:
                for key in pinyin.keys(row.get(fieldname)):
                    keys[key] = None
            if keys:
                frappe.db.set_value(name, row["name"], FIELD, f" {' '.join(keys)} ", update_modified=False)
                filled += 1
    return filled
