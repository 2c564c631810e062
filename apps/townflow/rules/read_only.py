"""`read_only_depends_on` enforced on the server (issue 11, point 1), the same in both runtimes.

A form shows a field read-only while its `read_only_depends_on` holds; a REST client could still
send a new value. The server refuses it: a field whose condition held for the row as it was
stored (the row the user read; for a child row, `parent` is the stored document) may not change.
A row added in this write has nothing stored, so its fields are as free as the form leaves them.
System writes (a checked workflow move, the Administrator, ignore_permissions) are not limited.

Both runtimes call `locked_changes` with their own evaluator of spec expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from townflow.spec.models import DocField


def _plain(value: Any) -> Any:
    """A stored value as compared: empty is None, dates as ISO text, numbers as float."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value)
    return str(value)


def same(old: Any, new: Any, fieldtype: str | None = None) -> bool:
    """Whether a value was left as stored (Frappe's 0 for an unset Check equals None)."""
    a, b = _plain(old), _plain(new)
    if fieldtype == "Check":
        return bool(a) == bool(b)
    if isinstance(a, str) and isinstance(b, str) and fieldtype in ("Date", "Datetime"):
        return a[: len(b)] == b or b[: len(a)] == a
    if (isinstance(a, str) and isinstance(b, float)) or (isinstance(a, float) and isinstance(b, str)):
        try:
            return float(a) == float(b)
        except ValueError:
            return False
    return a == b


def locked_changes(
    fields: Iterable[DocField],
    stored: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    holds: Callable[[str], bool],
) -> list[DocField]:
    """The fields of `new` that changed although their `read_only_depends_on` held for `stored`
    (`holds(source)` evaluates a condition against the stored row). Nothing for a new row."""
    if stored is None:
        return []
    found = []
    for f in fields:
        if not f.read_only_depends_on or f.fieldname not in new:
            continue
        if same(stored.get(f.fieldname), new.get(f.fieldname), f.fieldtype):
            continue
        if holds(f.read_only_depends_on):
            found.append(f)
    return found
