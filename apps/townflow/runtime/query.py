"""Frappe's list-query language (fields, filters, or_filters, order_by) compiled to parameterized SQL.

Accepted filter forms, as `frappe.get_list` accepts them:
- a dict: `{"village": "V01", "amount": [">", 1000], "status": ["in", ["A", "B"]]}`
- a list of `[field, op, value]` or `[doctype, field, op, value]` (a child DocType of the listed
  one filters parents having such a row), or a JSON string of either.
Operators: = != < > <= >= like, not like, in, not in, is ("set" / "not set"), between.
Empty values follow Frappe (`ifnull(col, '')`): `!=`/`not in` match NULLs, `= ""` matches NULLs.

Every column name is checked against the effective meta before it reaches SQL; values are
always bound parameters. Unknown fields or operators are a `QueryError` (417), fields the user
may not read are a `PermissionError` (filtering on them would leak them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from townflow.runtime.db import quote, table
from townflow.runtime.errors import PermissionError, QueryError
from townflow.runtime.meta import Meta

OPERATORS = {"=", "!=", "<", ">", "<=", ">=", "like", "not like", "in", "not in", "is", "between"}
_ORDER = re.compile(r"^\s*(?:`?tab[\w ]+`?\.)?`?(\w+)`?(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMERIC = {"Int", "Check", "Float", "Currency", "Percent", "Rating", "Duration"}
#: field types whose filter values are coerced to numbers (what a cached plain filter must avoid)
NUMERIC_TYPES = frozenset(_NUMERIC)


@dataclass
class Where:
    """A SQL condition and its parameters, combined with AND."""

    parts: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def add(self, sql: str, params: list | tuple = ()) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(f"({p})" for p in self.parts) if self.parts else "1=1"


def parse_filters(filters) -> list[list]:
    """Normalize any accepted filter form to a list of [doctype|None, field, op, value]."""
    if filters is None or filters == "":
        return []
    if isinstance(filters, str):
        try:
            filters = json.loads(filters)
        except json.JSONDecodeError as exc:
            raise QueryError(f"filters are not valid JSON: {exc}", "筛选条件不是有效的 JSON") from None
    out: list[list] = []
    if isinstance(filters, dict):
        for key, value in filters.items():
            if isinstance(value, (list, tuple)) and len(value) == 2 and str(value[0]).lower() in OPERATORS:
                out.append([None, key, str(value[0]).lower(), value[1]])
            else:
                out.append([None, key, "=", value])
        return out
    if not isinstance(filters, (list, tuple)):
        raise QueryError("filters must be a dict or a list", "筛选条件应为字典或列表")
    for item in filters:
        if not isinstance(item, (list, tuple)):
            raise QueryError(f"filter {item!r} must be a list", "筛选条件格式错误")
        if len(item) == 4:
            out.append([item[0], item[1], str(item[2]).lower(), item[3]])
        elif len(item) == 3:
            out.append([None, item[0], str(item[1]).lower(), item[2]])
        elif len(item) == 2:
            out.append([None, item[0], "=", item[1]])
        else:
            raise QueryError(f"filter {item!r} must have 3 or 4 parts", "筛选条件格式错误")
    return out


def _coerce(meta: Meta, fieldname: str, value):
    f = meta.get_field(fieldname)
    if f is None or value is None or value == "":
        return value
    if f.fieldtype in _NUMERIC:
        try:
            if isinstance(value, bool):
                return int(value)
            return int(value) if f.fieldtype in ("Int", "Check") else float(value)
        except (TypeError, ValueError):
            raise QueryError(
                f"{fieldname}: {value!r} is not a number", f"{fieldname}：{value!r} 不是数字"
            ) from None
    return value


_NOT_NULL = {"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"}


def _fallback(meta: Meta, fieldname: str):
    """What NULL counts as in a comparison (Frappe's `ifnull(col, fallback)`)."""
    f = meta.get_field(fieldname)
    if f is not None and f.fieldtype in _NUMERIC:
        return 0
    if f is not None and f.fieldtype == "Date":
        return "0001-01-01"
    if f is not None and f.fieldtype == "Datetime":
        return "0001-01-01 00:00:00"
    return ""


def _condition(meta: Meta, fieldname: str, op: str, value) -> tuple[str, list]:
    """One filter as SQL, with Frappe's NULL handling: `ifnull(col, fallback) <op> value`,
    except `=`/`like`/`in` with real values, which compare the bare column so indexes serve them."""
    col = quote(fieldname)
    f = meta.get_field(fieldname)
    if op not in OPERATORS:
        raise QueryError(f"unknown filter operator {op!r}", f"未知的筛选运算符 {op!r}")
    nullable = fieldname not in _NOT_NULL
    lhs, lhs_params = (f"IFNULL({col}, ?)", [_fallback(meta, fieldname)]) if nullable else (col, [])
    if op == "is":
        if str(value).lower() == "set":
            return f"{col} IS NOT NULL AND {col} != ''", []
        if str(value).lower() == "not set":
            return f"{col} IS NULL OR {col} = ''", []
        raise QueryError("the 'is' operator takes 'set' or 'not set'", "is 运算符只接受 set 或 not set")
    if op in ("in", "not in"):
        values = value.split(",") if isinstance(value, str) else list(value or [])
        values = [_coerce(meta, fieldname, v.strip() if isinstance(v, str) else v) for v in values]
        values = ["" if v is None else v for v in values]
        if not values:
            return ("0", []) if op == "in" else ("1", [])
        marks = ", ".join("?" * len(values))
        if op == "in" and "" not in values:
            return f"{col} IN ({marks})", values
        return f"IFNULL({col}, '') {op.upper()} ({marks})", values
    if op == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise QueryError("between takes [from, to]", "between 需要 [起, 止]")
        low, high = value
        if (f is not None and f.fieldtype == "Datetime") or fieldname in ("creation", "modified"):
            if isinstance(low, str) and _DATE_ONLY.match(low):
                low += " 00:00:00"
            if isinstance(high, str) and _DATE_ONLY.match(high):
                high += " 23:59:59.999999"
        bounds = [_coerce(meta, fieldname, low), _coerce(meta, fieldname, high)]
        return f"{lhs} BETWEEN ? AND ?", [*lhs_params, *bounds]
    if isinstance(value, (list, tuple, dict)):
        raise QueryError(
            f"{fieldname}: the {op!r} operator takes one value, not {value!r}",
            f"{fieldname}：运算符 {op!r} 只接受一个值",
        )
    value = _coerce(meta, fieldname, value)
    if value is None:
        value = ""
    if op == "=" and value == "":
        return f"{col} IS NULL OR {col} = ''", []
    if op in ("=", "like") and value != "":
        return f"{col} {op.upper()} ?", [value]
    if op in ("like", "not like"):
        return f"IFNULL({col}, '') {op.upper()} ?", [value]
    return f"{lhs} {op} ?", [*lhs_params, value]


def compile_filters(
    meta: Meta,
    filters,
    child_meta: Callable[[str], Meta],
    readable: Callable[[Meta, str], bool],
    *,
    joiner: str = "AND",
) -> tuple[str, list]:
    """SQL for a filter list; child-table filters become `name IN (SELECT parent ...)`."""
    parts: list[str] = []
    params: list = []
    parsed = parse_filters(filters)
    if len(parsed) > MAX_FILTER_TERMS:
        raise QueryError(
            f"filters: at most {MAX_FILTER_TERMS} conditions, not {len(parsed)}",
            f"筛选条件最多 {MAX_FILTER_TERMS} 个，收到 {len(parsed)} 个",
        )
    for doctype, fieldname, op, value in parsed:
        target = meta
        if doctype and doctype != meta.name:
            parent_field = next((f for f in meta.table_fields if f.options == doctype), None)
            if parent_field is None:
                raise QueryError(f"{doctype} is not a child table of {meta.name}", f"{doctype} 不是子表")
            target = child_meta(doctype)
        check_field(target, fieldname)
        if not readable(target, fieldname):
            raise PermissionError(f"no permission to filter on {fieldname}", f"无权按 {fieldname} 筛选")
        sql, values = _condition(target, fieldname, op, value)
        for bound in values:
            check_bindable(fieldname, bound)
        if joiner == "OR" and target is meta and op == "like":
            sql, values = _with_pinyin(meta, fieldname, value, sql, values)
        if target is not meta:
            child_table = table(target.name)
            sql = f"{quote('name')} IN (SELECT parent FROM {child_table} WHERE parenttype = ? AND ({sql}))"
            values = [meta.name, *values]
        parts.append(f"({sql})")
        params.extend(values)
    if not parts:
        return "", []
    return f" {joiner} ".join(parts), params


def _with_pinyin(meta: Meta, fieldname: str, value, sql: str, values: list) -> tuple[str, list]:
    """A search (`or_filters` like) on a pinyin-indexed field with typed pinyin (letters only)
    matches the field's pinyin keys instead: an index range, not a scan (runtime.pinyin_search)."""
    from townflow.runtime import pinyin_search

    return pinyin_search.widen(meta, fieldname, value) or (sql, values)


#: More conditions than this are refused (SQLite's expression depth limit is 1000).
MAX_FILTER_TERMS = 200
#: SQLite stores integers in 64 bits.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def check_bindable(fieldname: str, value) -> None:
    """A filter value SQLite can bind: text, a number that fits 64 bits, or nothing. A list or
    object where one value belongs, or a number too large, is the caller's mistake (417 naming the
    field), never a 500."""
    if value is None or isinstance(value, (str, float)):
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise QueryError(f"{fieldname}: the number is too large", f"{fieldname}：数值过大")
        return
    raise QueryError(
        f"{fieldname}: expected one value, not {type(value).__name__}", f"{fieldname}：应为单个值"
    )


def check_field(meta: Meta, fieldname: str) -> None:
    if fieldname not in meta.column_set:
        raise QueryError(f"{meta.name} has no field {fieldname!r}", f"{meta.name} 没有字段 {fieldname!r}")


def compile_order_by(
    meta: Meta, order_by: str | None, readable: Callable[[Meta, str], bool] | None = None
) -> str:
    """`"field desc, other asc"` checked against the meta; default is the DocType's sort.

    Sorting by a field the user may not read is a PermissionError, as filtering on it is: the
    order of the rows would rank the hidden (masked) values."""
    if not order_by:
        sort_field = meta.doctype.sort_field if meta.doctype.sort_field in meta.column_set else "modified"
        return f"{quote(sort_field)} {meta.doctype.sort_order}"
    clauses = []
    for part in order_by.split(","):
        m = _ORDER.match(part)
        if not m:
            raise QueryError(f"order_by {part!r} is not 'field asc|desc'", "排序格式应为 '字段 asc|desc'")
        check_field(meta, m.group(1))
        if readable is not None and not readable(meta, m.group(1)):
            raise PermissionError(f"no permission to sort by {m.group(1)}", f"无权按 {m.group(1)} 排序")
        clauses.append(f"{quote(m.group(1))} {(m.group(2) or 'asc').upper()}")
    return ", ".join(clauses)


def parse_fields(meta: Meta, fields) -> list[str]:
    """The requested columns, checked; `None`/`["*"]` mean every column; `name` always comes first."""
    if fields is None or fields == "":
        return ["name"]
    if isinstance(fields, str):
        try:
            fields = json.loads(fields)
        except json.JSONDecodeError:
            fields = [f.strip() for f in fields.split(",")]
    if isinstance(fields, str):
        fields = [fields]
    if not isinstance(fields, (list, tuple)):
        raise QueryError("fields must be a list of field names", "fields 应为字段名列表")
    if not fields:
        return ["name"]  # as Frappe: no fields asked, the names are listed
    out: list[str] = []
    for f in fields:
        name = str(f).strip().strip("`")
        if name.startswith("tab") and "." in name:
            name = name.split(".", 1)[1].strip("`")
        if name == "*":
            out.extend(c for c in meta.columns if c not in out)
            continue
        check_field(meta, name)
        if name not in out:
            out.append(name)
    return out
