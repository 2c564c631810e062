"""How Frappe writes what it exports, so generated files look exported by Frappe itself.

- `frappe.as_json` (frappe/__init__.py, v15): indent 1, sorted keys, `(",", ": ")` separators;
  DocType files keep `ensure_ascii=True` (write_document_file), fixtures use `ensure_ascii=False`
  (export_json). Files end with one newline, as the files in frappe/frappe do.
- `frappe.scrub`: "Sales Order" -> "sales_order".
- Timestamps: Frappe stamps `creation`/`modified`; a compiler that stamped the wall clock would
  never be byte-identical twice, so both are derived from the content they describe.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

#: All generated records are "created" at this instant; `modified` is creation plus an offset
#: taken from a hash of the record, so a changed spec gives a changed (but stable) timestamp.
EPOCH = datetime(2024, 1, 1, 0, 0, 0)
OWNER = "Administrator"


def as_json(obj: Any, ensure_ascii: bool = True) -> str:
    """frappe.as_json, plus the trailing newline of files in a Frappe repository."""
    return json.dumps(obj, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=ensure_ascii) + "\n"


def scrub(text: str) -> str:
    """frappe.scrub."""
    return text.replace(" ", "_").replace("-", "_").lower()


def class_name(doctype: str) -> str:
    """The controller class Frappe derives from a DocType name: "Sales Order" -> "SalesOrder"."""
    return doctype.replace(" ", "").replace("-", "")


def stamp(moment: datetime) -> str:
    """Frappe's datetime string with microseconds, as in exported JSON."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def content_timestamps(payload: Any) -> tuple[str, str]:
    """(creation, modified) derived from `payload` (anything JSON-serialisable)."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    offset = timedelta(
        seconds=int(digest[:8], 16) % (365 * 86400), microseconds=int(digest[8:13], 16) % 10**6
    )
    return stamp(EPOCH), stamp(EPOCH + offset)


def strip_falsy(value: Any) -> Any:
    """DocType.before_export: drop keys whose value is falsy (0, "", None); lists stay."""
    if isinstance(value, dict):
        return {k: strip_falsy(v) for k, v in value.items() if isinstance(v, list) or v}
    if isinstance(value, list):
        return [strip_falsy(v) for v in value]
    return value
