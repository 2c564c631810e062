"""Document names, as Frappe's `autoname` rules make them (frappe/model/naming.py).

- None or "hash": 10 random hex characters.
- "autoincrement": 1, 2, 3 ... per DocType.
- "field:<fieldname>": the field's value (a duplicate is a DuplicateEntryError).
- "naming_series:": the series in the document's `naming_series` field.
- "prompt": the name the client gave (`name` or `__newname`).
- "format:SUB-{YYYY}-{#####}": placeholders {YYYY} {YY} {MM} {DD} {<fieldname>} {###...}.
- A series such as "SUB-.YYYY.-.#####": dot-separated parts; YYYY/YY/MM/DD are dates, a part
  naming a field is its value, the #-part is the counter, the rest is literal.

Counters live in `tabSeries` (name = the prefix before the #-part, current = last number), as in
Frappe. They are incremented by one UPSERT inside the document's own write transaction (which
holds SQLite's write lock from BEGIN IMMEDIATE), so concurrent inserts never share a number and a
failed insert rolls its number back: series are gap-free per prefix.
Single DocTypes are named after themselves; child rows get hash names.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from townflow.runtime.db import Database
from townflow.runtime.errors import ValidationError
from townflow.runtime.meta import Meta

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def generate_hash(length: int = 10) -> str:
    return secrets.token_hex((length + 1) // 2)[:length]


def next_value(db: Database, key: str) -> int:
    """Increment and return the counter `key` (call inside a write transaction)."""
    row = db.fetchone(
        'INSERT INTO "tabSeries" (name, current) VALUES (?, 1) '
        "ON CONFLICT(name) DO UPDATE SET current = current + 1 RETURNING current",
        (key,),
    )
    return int(row[0])


def _date_part(part: str, now: datetime) -> str | None:
    return {
        "YYYY": f"{now.year:04d}",
        "YY": f"{now.year % 100:02d}",
        "MM": f"{now.month:02d}",
        "DD": f"{now.day:02d}",
    }.get(part)


def _field_value(meta: Meta, doc: dict, part: str) -> str | None:
    if meta.get_field(part) is None:
        return None
    value = doc.get(part)
    if value in (None, ""):
        raise ValidationError(f"{part} is needed to name the document", f"生成编号需要 {part}", messages=None)
    return str(value)


def parse_series(db: Database, series: str, meta: Meta, doc: dict, now: datetime) -> str:
    """Name from a dotted series like "SUB-.YYYY.-.#####" (Frappe's `parse_naming_series`)."""
    prefix = ""
    suffix = ""
    digits = 0
    for part in series.split("."):
        if not part:
            continue
        if part.startswith("#") and set(part) == {"#"}:
            digits = len(part)
            continue
        text = _date_part(part, now) or _field_value(meta, doc, part) or part
        if digits:
            suffix += text
        else:
            prefix += text
    if not digits:
        digits = 5  # Frappe's default when the series has no #-part
    return f"{prefix}{next_value(db, prefix):0{digits}d}{suffix}"


def format_name(db: Database, pattern: str, meta: Meta, doc: dict, now: datetime) -> str:
    """Name from "format:..." (Frappe's `_format_autoname`): the counter is keyed by the text before it."""
    out = ""
    for i, piece in enumerate(_PLACEHOLDER.split(pattern)):
        if i % 2 == 0:
            out += piece
            continue
        if piece and set(piece) == {"#"}:
            out += f"{next_value(db, out):0{len(piece)}d}"
        else:
            out += _date_part(piece, now) or _field_value(meta, doc, piece) or ""
    return out


def make_name(db: Database, meta: Meta, doc: dict, now: datetime) -> str:
    """The name of a new document (inside its insert transaction)."""
    if meta.issingle:
        return meta.name
    if meta.istable:
        return generate_hash()
    rule = (meta.doctype.autoname or "hash").strip()
    lowered = rule.lower()
    if lowered == "hash":
        return generate_hash()
    if lowered == "autoincrement":
        return str(next_value(db, f"autoincrement:{meta.name}"))
    if lowered == "prompt":
        name = doc.get("__newname") or doc.get("name")
        if not name:
            raise ValidationError("a name is required", "需要填写名称")
        return str(name)
    if lowered.startswith("field:"):
        fieldname = rule.split(":", 1)[1].strip()
        value = doc.get(fieldname)
        if value in (None, ""):
            raise ValidationError.from_messages(
                [_missing(fieldname, meta)],
            )
        return str(value).strip()
    if lowered.startswith("naming_series:"):
        series = doc.get("naming_series") or _first_series_option(meta)
        if not series:
            raise ValidationError("naming series is required", "需要编号规则")
        return parse_series(db, series, meta, doc, now)
    if lowered.startswith("format:"):
        return format_name(db, rule.split(":", 1)[1], meta, doc, now)
    if "#" in rule or "." in rule:
        return parse_series(db, rule, meta, doc, now)
    return generate_hash()


def amended_name(amended_from: str, source_amended_from: str | None) -> str:
    """NAME-1 for the first amendment, NAME-2 when amending NAME-1 (Frappe's `_get_amended_name`)."""
    if source_amended_from:
        base, _, counter = amended_from.rpartition("-")
        if counter.isdigit() and base:
            return f"{base}-{int(counter) + 1}"
    return f"{amended_from}-1"


def _first_series_option(meta: Meta) -> str | None:
    f = meta.get_field("naming_series")
    if f is None:
        return None
    if f.choices:
        return f.choices[0].value
    return str(f.default) if f.default else None


def _missing(fieldname: str, meta: Meta):
    from townflow.runtime.errors import FieldMessage

    f = meta.get_field(fieldname)
    label_zh = f.label.zh if f and f.label else fieldname
    label_en = f.label.en if f and f.label else fieldname
    return FieldMessage(fieldname, f"{label_zh} 为必填项", f"{label_en} is mandatory")
