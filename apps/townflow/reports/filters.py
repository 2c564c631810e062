"""Report filters and dimension buckets: the user's filter values checked and turned into
(column, operator, value) conditions, and dates cut into year / quarter / month / day buckets.

Pure: both runtimes turn the conditions into their own queries; rows computed in Python (the
approval log's step visits) are filtered here with `row_passes`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from townflow.spec.reports import Dimension, Report

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ReportInputError(ValueError):
    """A filter value or group-by the report cannot take; `field` names the filter."""

    def __init__(self, message: str, message_zh: str, field: str | None = None):
        super().__init__(message)
        self.message_zh = message_zh
        self.field = field


@dataclass(frozen=True)
class Condition:
    """One filter as a comparison of a report column with a value."""

    column: str
    operator: str
    value: Any


def parse_filter_values(raw: Any) -> dict[str, Any]:
    """Filters as Frappe's query_report.run takes them: a dict, or a JSON text of one."""
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ReportInputError(f"filters are not valid JSON: {exc}", "筛选条件不是有效的 JSON") from None
    if not isinstance(raw, Mapping):
        raise ReportInputError("filters must be a JSON object", "筛选条件应为 JSON 对象")
    return dict(raw)


def conditions(report: Report, values: Mapping[str, Any]) -> list[Condition]:
    """The report's filters the user set, checked: unknown filters and bad values are errors."""
    out: list[Condition] = []
    for key, value in values.items():
        if key == "group_by":
            continue
        f = report.filter(key)
        if f is None:
            names = ", ".join(x.fieldname for x in report.filters) or "none"
            raise ReportInputError(
                f"{report.report_name} has no filter {key!r} (filters: {names})",
                f"报表没有筛选条件 {key!r}",
                key,
            )
        if value in (None, "", []):
            continue
        if f.fieldtype == "Date":
            if not isinstance(value, str) or not _DATE.match(value):
                raise ReportInputError(
                    f"{key}: {value!r} is not a date (YYYY-MM-DD)", f"{key}：日期格式应为 YYYY-MM-DD", key
                )
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ReportInputError(
                    f"{key}: {value!r} is not a date", f"{key}：不是有效日期", key
                ) from None
            if f.operator == "<=":  # a date bound includes the whole day of a datetime column
                value = value + " 23:59:59.999999"
        elif f.fieldtype in ("Int", "Check"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ReportInputError(f"{key}: {value!r} is not a number", f"{key}：不是数字", key) from None
        elif f.fieldtype == "Select":
            if value not in (f.options or []):
                raise ReportInputError(
                    f"{key}: {value!r} is not one of its options", f"{key}：{value!r} 不是可选值", key
                )
        elif not isinstance(value, str):
            raise ReportInputError(f"{key}: {value!r} must be text", f"{key}：应为文本", key)
        out.append(Condition(f.target_column, f.operator, value))
    missing = [f.fieldname for f in report.filters if f.reqd and values.get(f.fieldname) in (None, "")]
    if missing:
        raise ReportInputError(
            f"filter {missing[0]} is required", f"必须填写筛选条件 {missing[0]}", missing[0]
        )
    return out


def group_by(report: Report, values: Mapping[str, Any]) -> list[Dimension]:
    """The dimensions to group by: the `group_by` filter (names, a list or comma text), else the
    report's default."""
    raw = values.get("group_by")
    if raw in (None, "", []):
        names = list(report.group_by)
    else:
        if isinstance(raw, str):
            names = [n.strip() for n in raw.split(",")]
        elif isinstance(raw, list | tuple):
            names = list(raw)
        else:
            raise ReportInputError(
                "group_by must be a dimension name or a list of them", "分组维度格式错误", "group_by"
            )
    out: list[Dimension] = []
    for name in names:
        d = report.dimension(name) if isinstance(name, str) else None
        if d is None:
            choices = ", ".join(x.name for x in report.dimensions)
            raise ReportInputError(
                f"group_by: {name!r} is not a dimension of {report.report_name} ({choices})",
                f"分组维度 {name!r} 不存在",
                "group_by",
            )
        if d not in out:
            out.append(d)
    return out


def bucket(value: Any, how: str | None) -> Any:
    """A date or datetime text cut to its year ("2024"), quarter ("2024-Q1"), month ("2024-03")
    or day; other values unchanged. The same as the SQL the runtime groups by."""
    if how is None or value in (None, ""):
        return value if value != "" else None
    text = str(value)
    if how == "year":
        return text[:4]
    if how == "month":
        return text[:7]
    if how == "day":
        return text[:10]
    month = int(text[5:7]) if text[5:7].isdigit() else 1
    return f"{text[:4]}-Q{(month + 2) // 3}"


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "=":
        return (left if left is not None else "") == right
    if op == "!=":
        return (left if left is not None else "") != right
    if left in (None, ""):
        return False
    try:
        if op == ">=":
            return left >= right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left < right
    except TypeError:
        return str(left) >= str(right) if op == ">=" else str(left) <= str(right)


def row_passes(row: Mapping[str, Any], conds: list[Condition]) -> bool:
    """Whether a row of report columns meets every filter condition."""
    return all(_compare(row.get(c.column), c.operator, c.value) for c in conds)
