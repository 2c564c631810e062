"""Import columns: which field each header names, and each cell as the value the form would hold.

Headers follow Frappe's Data Import template: the field's label (Chinese or English) or its
fieldname, or both as `标签 (fieldname)` (what townflow's template writes); `ID` / `name` is the
record's name; Frappe's `Sr` numbering column is ignored. Links are resolved by name, else by the
linked DocType's title field (villages by 村名), else left as given for validation to refuse.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from townflow.dataio.reader import ImportFileError
from townflow.runtime.db import quote
from townflow.runtime.meta import Meta

_LABEL_WITH_NAME = re.compile(r"^.*[(（]\s*([a-z_][a-z0-9_]*)\s*[)）]\s*$")
IGNORED_HEADERS = {"sr", "no.", "序号"}
NAME_HEADERS = {"id", "name", "编号"}
#: Dates as Chinese Excel users type them: 1990/1/5, 1990.1.5, 1990年1月5日 (read as 1990-01-05).
_LOCAL_DATE = re.compile(r"^(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?$")
_TRUE = {"1", "yes", "y", "true", "是", "√", "x"}
_FALSE = {"0", "no", "n", "false", "否", ""}


@dataclass
class ColumnMap:
    """Header position -> fieldname (None: ignored)."""

    fields: list[str | None]
    by_field: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_field = {f: i for i, f in enumerate(self.fields) if f}


def header_names(meta: Meta) -> dict[str, str]:
    """Every accepted header (lower-cased) -> fieldname."""
    names: dict[str, str] = {}
    for f in meta.value_fields:
        names[f.fieldname.lower()] = f.fieldname
        if f.label is not None:
            for text in (f.label.zh, f.label.en):
                if text:
                    names.setdefault(text.strip().lower(), f.fieldname)
    return names


def required_fields(meta: Meta) -> list[str]:
    """Fields a row must give: mandatory, with no default and not filled in by the system."""
    return [
        f.fieldname
        for f in meta.value_fields
        if f.reqd and f.default is None and not f.fetch_from and not f.read_only
    ]


def map_header(meta: Meta, header: list[str], file_name: str) -> ColumnMap:
    names = header_names(meta)
    fields: list[str | None] = []
    unknown: list[str] = []
    for index, text in enumerate(header, start=1):
        key = text.strip().lower()
        if not key or key in IGNORED_HEADERS:
            fields.append(None)
            continue
        if key in NAME_HEADERS:
            fields.append("name")
            continue
        match = _LABEL_WITH_NAME.match(text)
        fieldname = names.get(match.group(1)) if match else None
        fieldname = fieldname or names.get(key)
        if fieldname is None:
            unknown.append(f"column {index} {text!r}")
        fields.append(fieldname)
    if unknown:
        raise ImportFileError(f"{file_name}: {meta.name} has no field for the header " + ", ".join(unknown))
    seen: set[str] = set()
    for fieldname in fields:
        if fieldname and fieldname in seen:
            raise ImportFileError(f"{file_name}: two columns are the field {fieldname!r}")
        if fieldname:
            seen.add(fieldname)
    missing = [f for f in required_fields(meta) if f not in seen]
    if missing:
        raise ImportFileError(f"{file_name}: the required column(s) {', '.join(missing)} are missing")
    return ColumnMap(fields)


class CellConverter:
    """A cell as the stored value: dates as ISO text, integers without `.0`, Checks as 0/1,
    Select values by value or Chinese label, Links by name or title."""

    def __init__(self, site, meta: Meta):
        self.site = site
        self.meta = meta
        self._links: dict[tuple[str, str], str | None] = {}

    def convert(self, fieldname: str, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
        if value is None:
            return None
        if fieldname == "name":
            return str(value)
        f = self.meta.get_field(fieldname)
        kind = f.fieldtype
        if kind == "Date" and isinstance(value, (dt.datetime, dt.date)):
            return value.strftime("%Y-%m-%d")
        if kind == "Date" and isinstance(value, str):
            local = _LOCAL_DATE.match(value)
            if local:  # the digits as given; validation refuses a month 13 or a day 45
                return f"{local.group(1)}-{int(local.group(2)):02d}-{int(local.group(3)):02d}"
            return value
        if kind == "Datetime" and isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if kind in ("Int",) and isinstance(value, float) and value.is_integer():
            return int(value)
        if kind == "Check":
            text = str(value).strip().lower()
            if text in _TRUE:
                return 1
            if text in _FALSE:
                return 0
            return value  # validation names the field
        if kind == "Select" and isinstance(f.options, list):
            for choice in f.options:
                if value in (choice.value, choice.zh):
                    return choice.value
            return value
        if kind == "Link" and f.options:
            return self.link(f.options, str(value))
        if isinstance(value, float) and value.is_integer() and kind in ("Data", "Small Text", "Text"):
            return str(int(value))  # an ID or phone number Excel stored as a number
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        return value

    def column(self, fieldname: str) -> Callable[[Any], Any]:
        """`convert` for one column, worked out once per column instead of once per cell: a text
        column's text is only stripped (what `convert` does with it), anything else goes
        through `convert`."""
        convert = self.convert
        f = self.meta.get_field(fieldname) if fieldname != "name" else None
        if f is not None and f.fieldtype in ("Data", "Small Text", "Text"):

            def text(value: Any) -> Any:
                if type(value) is str:
                    return value.strip() or None
                return convert(fieldname, value)

            return text
        return lambda value: convert(fieldname, value)

    def link(self, doctype: str, value: str) -> str:
        """The name of the `doctype` record `value` names (by name, else by a unique title)."""
        key = (doctype, value)
        if key not in self._links:
            self._links[key] = self._resolve(doctype, value)
        return self._links[key] or value

    def _resolve(self, doctype: str, value: str) -> str | None:
        if not self.site.metas.exists(doctype):
            return None
        target = self.site.metas.get(doctype)
        db = self.site.db
        if db.scalar(f"SELECT name FROM {target.table} WHERE name = ?", (value,)) is not None:  # noqa: S608 - meta's table and columns, quoted; values bound
            return value
        title = target.title_field
        if not title or title not in target.column_set:
            return None
        rows = db.fetchall(f"SELECT name FROM {target.table} WHERE {quote(title)} = ? LIMIT 2", (value,))  # noqa: S608 - meta's table and columns, quoted; values bound
        return rows[0]["name"] if len(rows) == 1 else None
