"""The figures of a report: rows (or partial aggregates) in, groups, measures, ratios, totals,
target comparison, chart and report_summary out.

Pure and shared: the embedded runtime feeds it permission-checked rows or SQL aggregates, the
compiled Frappe Script Reports feed it `frappe.get_list` rows; neither computes a figure itself.

Two ways in, one way out:
- `add_row(source, row)`: one source row (its fieldnames); the report's columns are mapped, the
  measure conditions evaluated, and every aggregate accumulated for its group and the total;
- `add_partial(key, values)` / `set_total(values)`: figures already aggregated per group by a
  database (count, sum; count_distinct per group with its own total);
- `finish()`: a `ReportResult` in Frappe's shape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from townflow.expr import parse
from townflow.reports.filters import bucket
from townflow.spec.models import Label
from townflow.spec.reports import SOURCE_COLUMN, Dimension, Measure, Report, ReportSource

#: aggregates a database hands over as one figure per group (they neither add up nor merge)
WHOLE_AGGREGATES = frozenset({"avg", "min", "max", "median", "p90"})
#: the percentile each percentile aggregate means
PERCENTILES = {"median": 50, "p90": 90}
TOTAL_LABEL = Label(zh="合计", en="Total")
TARGET_MET = Label(zh="达标", en="On Target")


def median(values: list[float]) -> float | None:
    return percentile(values, 50)


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile, linear between closest ranks (as numpy's default and Excel's
    PERCENTILE.INC)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentile_of_ranks(n: int, p: float, ranked: Mapping[int, float]) -> float | None:
    """`percentile` of n sorted values, given only the values at the ranks (1-based) it reads:
    `percentile_ranks(n, p)`. What a database with window functions hands over."""
    if n <= 0:
        return None
    low, high = percentile_ranks(n, p)
    rank = (n - 1) * p / 100
    lo_value = ranked[low]
    return lo_value + (ranked.get(high, lo_value) - lo_value) * (rank - (low - 1))


def percentile_ranks(n: int, p: float) -> tuple[int, int]:
    """The 1-based ranks of the two values `percentile` interpolates between."""
    low = math.floor((n - 1) * p / 100)
    return low + 1, min(low + 2, n)


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class _Acc:
    """One aggregate's running state."""

    __slots__ = ("distinct", "fixed", "kind", "n", "total", "values")

    def __init__(self, kind: str):
        self.kind = kind
        self.n = 0
        self.total = 0.0
        self.values: list[float] = []
        self.distinct: set = set()
        #: a figure a database computed whole (average, extreme, percentile of one group)
        self.fixed: float | None = None

    def add(self, value: Any) -> None:
        kind = self.kind
        if kind == "count":
            self.n += 1
        elif kind == "count_distinct":
            if value not in (None, ""):
                self.distinct.add(value)
        elif kind == "sum":
            number = _number(value)
            if number is not None:
                self.total += number
        else:
            number = _number(value)
            if number is not None:
                self.values.append(number)

    def add_partial(self, value: Any) -> None:
        if self.kind in WHOLE_AGGREGATES:
            self.fixed = _number(value)
            return
        number = _number(value) or 0
        if self.kind == "count":
            self.n += int(number)
        elif self.kind == "count_distinct":
            self.n += int(number)  # exact only per group; totals come from set_total
        else:
            self.total += number

    def value(self) -> float | int | None:
        kind = self.kind
        if kind == "count":
            return self.n
        if kind == "count_distinct":
            return len(self.distinct) if self.distinct else self.n
        if kind == "sum":
            return self.total
        if self.fixed is not None:
            return self.fixed
        if not self.values:
            return None
        if kind == "avg":
            return sum(self.values) / len(self.values)
        if kind == "min":
            return min(self.values)
        if kind == "max":
            return max(self.values)
        if kind == "median":
            return median(self.values)
        return percentile(self.values, 90)


@dataclass
class ReportResult:
    """A computed report, shaped as Frappe's query_report.run answers it."""

    columns: list[dict]
    result: list[dict]
    chart: dict | None
    report_summary: list[dict]
    message: str | None = None
    #: measures the user may not see (they read fields the user may not read): no figure given
    withheld: list[str] = field(default_factory=list)
    totals: dict = field(default_factory=dict)

    def as_frappe(self) -> dict:
        return {
            "result": [*self.result, self.totals] if self.result else [],
            "columns": self.columns,
            "message": self.message,
            "chart": self.chart,
            "report_summary": self.report_summary,
            "skip_total_row": 1,
            "add_total_row": 0,
            "status": None,
            "execution_time": 0,
        }


class Tally:
    """Accumulates one run of `report`, grouped by `dimensions`."""

    def __init__(
        self,
        report: Report,
        dimensions: list[Dimension],
        *,
        settings: Mapping[str, Any] | None = None,
        today: str = "",
        now: str = "",
        withheld: Iterable[str] = (),
        lang: str = "zh",
    ):
        self.report = report
        self.dimensions = dimensions
        self.settings = dict(settings or {})
        self.today = today
        self.now = now
        self.withheld = set(withheld)
        self.lang = lang
        self.aggregates = [m for m in report.measures if not m.is_ratio and m.name not in self.withheld]
        self.groups: dict[tuple, dict[str, _Acc]] = {}
        self.total = self._accs()
        self._exprs = {
            m.name: parse(m.condition, runtime_functions=()) for m in self.aggregates if m.condition
        }
        self._source_exprs: dict[str, Any] = {}
        self._total_from_db: set[str] = set()

    def _accs(self) -> dict[str, _Acc]:
        return {m.name: _Acc(m.aggregate or "count") for m in self.aggregates}

    def _group(self, key: tuple) -> dict[str, _Acc]:
        accs = self.groups.get(key)
        if accs is None:
            accs = self.groups[key] = self._accs()
        return accs

    # -- rows in ---------------------------------------------------------------------------

    def columns_of(self, source: ReportSource, row: Mapping[str, Any]) -> dict[str, Any]:
        """A source row (fieldnames) as report columns: its fields, aliases and source_doctype."""
        out = dict(row)
        for column, fieldname in source.columns.items():
            out[column] = row.get(fieldname)
        out[SOURCE_COLUMN] = source.doctype
        return out

    def source_condition_holds(self, source: ReportSource, row: Mapping[str, Any]) -> bool:
        if not source.condition:
            return True
        expr = self._source_exprs.get(source.doctype)
        if expr is None:
            expr = self._source_exprs[source.doctype] = parse(source.condition, runtime_functions=())
        return bool(expr.evaluate(self._context(row)))

    def _context(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "doc": doc,
            "settings": self.settings,
            "today": self.today,
            "now": self.now,
            "user": "",
            "roles": [],
        }

    def key_of(self, columns: Mapping[str, Any]) -> tuple:
        return tuple(bucket(columns.get(d.target_column), d.bucket) for d in self.dimensions)

    def add_columns(self, columns: Mapping[str, Any]) -> None:
        """One row already in report columns (with source_doctype) that passed its source's condition."""
        accs = self._group(self.key_of(columns))
        context = None
        for m in self.aggregates:
            if m.source is not None and m.source != columns.get(SOURCE_COLUMN):
                continue
            expr = self._exprs.get(m.name)
            if expr is not None:
                context = context or self._context(columns)
                if not expr.evaluate(context):
                    continue
            value = columns.get(m.column) if m.column else None
            accs[m.name].add(value)
            if m.name not in self._total_from_db:
                self.total[m.name].add(value)

    def add_row(self, source: ReportSource, row: Mapping[str, Any], *, checked: bool = False) -> None:
        """One source row; `checked` when its source condition was already applied (in SQL)."""
        if not checked and not self.source_condition_holds(source, row):
            return
        self.add_columns(self.columns_of(source, row))

    def add_partial(self, key: tuple, values: Mapping[str, Any]) -> None:
        """Aggregates a database computed for one group (count, sum, count_distinct)."""
        accs = self._group(tuple(key))
        for m in self.aggregates:
            if m.name in values:
                accs[m.name].add_partial(values[m.name])
                if m.name not in self._total_from_db:
                    self.total[m.name].add_partial(values[m.name])

    def set_total(self, values: Mapping[str, Any]) -> None:
        """Totals a database computed over all groups (what does not add up: count_distinct)."""
        for name, value in values.items():
            if name in self.total:
                acc = self.total[name] = _Acc(self.total[name].kind)
                acc.add_partial(value)
                self._total_from_db.add(name)

    # -- figures out -----------------------------------------------------------------------

    def _figures(self, accs: Mapping[str, _Acc]) -> dict[str, Any]:
        out: dict[str, Any] = {name: acc.value() for name, acc in accs.items()}
        for m in self.report.measures:
            if m.name in self.withheld:
                out[m.name] = None
            elif m.is_ratio:
                num, den = out.get(m.ratio.numerator), out.get(m.ratio.denominator)
                out[m.name] = num * m.ratio.scale / den if num is not None and den else None
            if m.precision is not None and isinstance(out[m.name], float):
                out[m.name] = round(out[m.name], m.precision)
            elif m.fieldtype == "Int" and isinstance(out[m.name], float) and out[m.name].is_integer():
                out[m.name] = int(out[m.name])
        for m in self.report.measures:
            if m.target is not None:
                out[f"{m.name}_target_met"] = self.meets_target(m, out[m.name])
        return out

    def target_value(self, m: Measure) -> float | None:
        return _number(self.settings.get(m.target.setting)) if m.target else None

    def meets_target(self, m: Measure, value: Any) -> int | None:
        target = self.target_value(m)
        if target is None or value is None:
            return None
        compare = m.target.compare
        met = {
            "at_most": value <= target,
            "at_least": value >= target,
            "above": value > target,
            "below": value < target,
        }[compare]
        return 1 if met else 0

    def label(self, label: Label | None) -> str:
        if label is None:
            return ""
        return label.zh if self.lang == "zh" else label.en

    def columns(self) -> list[dict]:
        cols = []
        for d in self.dimensions:
            col = {"fieldname": d.name, "label": self.label(d.label), "fieldtype": d.fieldtype, "width": 160}
            if d.fieldtype == "Link" and d.options:
                col["options"] = d.options
            if d.bucket:
                col["fieldtype"] = "Data"
            cols.append(col)
        for m in self.report.measures:
            col = {"fieldname": m.name, "label": self.label(m.label), "fieldtype": m.fieldtype, "width": 120}
            if m.precision is not None:
                col["precision"] = m.precision
            cols.append(col)
            if m.target is not None:
                cols.append(
                    {
                        "fieldname": f"{m.name}_target_met",
                        "label": self.label(TARGET_MET),
                        "fieldtype": "Check",
                        "width": 80,
                    }
                )
        return cols

    def finish(self, *, last: int | None = None) -> ReportResult:
        keys = sorted(self.groups, key=lambda k: tuple((v is None, "" if v is None else str(v)) for v in k))
        if last is not None:
            keys = keys[-last:]
        rows = []
        for key in keys:
            row = dict(zip((d.name for d in self.dimensions), key, strict=True))
            row.update(self._figures(self.groups[key]))
            rows.append(row)
        totals = self._figures(self.total)
        if self.dimensions:
            totals[self.dimensions[0].name] = self.label(TOTAL_LABEL)
            for d in self.dimensions[1:]:
                totals[d.name] = None
        totals["is_total_row"] = 1
        return ReportResult(
            columns=self.columns(),
            result=rows,
            chart=self.chart(rows),
            report_summary=self.summary(totals),
            withheld=sorted(self.withheld),
            totals=totals,
            message=self.message(),
        )

    def message(self) -> str | None:
        if not self.withheld:
            return None
        names = ", ".join(self.label(m.label) for m in self.report.measures if m.name in self.withheld)
        if self.lang == "zh":
            return f"无权查看所依据字段，未显示：{names}"
        return f"Not shown (reads fields you may not read): {names}"

    def chart(
        self, rows: list[dict], measures: list[str] | None = None, kind: str | None = None
    ) -> dict | None:
        spec = self.report.chart
        names = measures or (spec.measures if spec else [])
        shown = [self.report.measure(n) for n in names if n not in self.withheld]
        shown = [m for m in shown if m is not None]
        if not shown or not rows:
            return None
        labels = [" · ".join(str(row.get(d.name) or "—") for d in self.dimensions) for row in rows]
        chart: dict[str, Any] = {
            "data": {
                "labels": labels,
                "datasets": [
                    {"name": self.label(m.label), "values": [row.get(m.name) or 0 for row in rows]}
                    for m in shown
                ],
            },
            "type": kind or (spec.type if spec else "bar"),
            "fieldtype": shown[0].fieldtype,
        }
        markers = [
            {"label": f"{self.label(TARGET_MET)} {self.target_value(m):g}", "value": self.target_value(m)}
            for m in shown
            if m.target is not None
            and self.target_value(m) is not None
            and (spec is None or spec.show_target)
        ]
        if markers:
            chart["yMarkers"] = markers
        return chart

    def summary(self, totals: Mapping[str, Any]) -> list[dict]:
        out = []
        for m in self.report.summary_measures:
            if m.name in self.withheld:
                continue
            item: dict[str, Any] = {
                "value": totals.get(m.name),
                "label": self.label(m.label),
                "datatype": m.fieldtype,
            }
            met = totals.get(f"{m.name}_target_met")
            if m.target is not None:
                item["target"] = self.target_value(m)
                item["compare"] = m.target.compare
                item["indicator"] = "Green" if met == 1 else "Red" if met == 0 else "Grey"
            else:
                item["indicator"] = "Blue"
            out.append(item)
        return out
