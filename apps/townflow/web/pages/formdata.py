"""Reading a submitted HTML form back into a document, and runtime errors back onto fields.

Only fields the page drew as editable are read, so a read-only, masked or hidden-by-permission
value is never sent back. Inputs are named as Frappe names fields: `fieldname` for the
document, `table.<row>.fieldname` for child rows (the row number only orders the rows).
A Check is drawn as a hidden "0" followed by the checkbox, so "unticked" arrives as "0".
"""

from __future__ import annotations

import re
from typing import Any

from townflow.rules.cn_text import TypedDateError, normalize_typed_date
from townflow.spec.models import TABLE_TYPES, TEXT_TYPES

_ROW_KEY = re.compile(r"^([a-z][a-z0-9_]*)\.(\d{1,4})\.([a-z][a-z0-9_]*)$")
MAX_ROWS = 500


def _last(items: list[tuple[str, Any]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in items:
        if isinstance(value, str):
            values[key] = value
    return values


def _clean(fieldtype: str, value: str) -> Any:
    if value == "" and fieldtype not in TEXT_TYPES:
        return None
    if fieldtype == "Date":
        try:
            return normalize_typed_date(value)  # 2026/3/5, 20260305, 2026年3月5日 -> 2026-03-05
        except TypedDateError:
            return value  # the runtime refuses it with its own message beside the field
    if fieldtype == "Datetime" and "T" in value:
        value = value.replace("T", " ")
        return value if value.count(":") == 2 else value + ":00"
    return value


def document_values(items: list[tuple[str, Any]], meta: Any, access: Any, child_meta: Any) -> dict[str, Any]:
    """The values of the editable fields of `meta` found in the submitted form `items`."""
    values = _last(items)
    doc: dict[str, Any] = {}
    for df in meta.doctype.fields:
        if df.permlevel not in access.readable_levels or not access.field_editable(df) or df.hidden:
            continue
        if df.fieldtype in TABLE_TYPES:
            if f"{df.fieldname}.__table__" in values:
                doc[df.fieldname] = _table_rows(values, df.fieldname, child_meta(df.options))
            continue
        if not df.has_value or df.fieldname not in values:
            continue
        doc[df.fieldname] = _clean(df.fieldtype, values[df.fieldname])
    return doc


def _table_rows(values: dict[str, str], table: str, child: Any) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for key, value in values.items():
        match = _ROW_KEY.match(key)
        if not match or match.group(1) != table:
            continue
        index, fieldname = int(match.group(2)), match.group(3)
        df = child.get_field(fieldname) if child is not None else None
        if fieldname == "name":
            if value:
                rows.setdefault(index, {})["name"] = value
            continue
        if df is None or not df.has_value:
            continue
        rows.setdefault(index, {})[fieldname] = _clean(df.fieldtype, value)
    ordered = [rows[i] for i in sorted(rows)][:MAX_ROWS]
    for position, row in enumerate(ordered, start=1):
        row["idx"] = position
    return ordered


def field_errors(exc: Exception, lang: str) -> tuple[dict[str, list[str]], list[str]]:
    """The runtime error's messages by field (for display next to them) and those about no field."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for message in getattr(exc, "messages", None) or []:
        text = message.en if lang == "en" else message.zh
        if message.field:
            by_field.setdefault(message.field, []).append(text)
        else:
            general.append(text)
    if not by_field and not general:
        general.append(str(exc))
    return by_field, general
