"""The spec of reports, number cards and dashboard charts (`reports/*.yaml`).

A report is declared, never programmed: its sources (DocTypes, each with an optional row
condition in the expression language and a mapping of report columns to its fields), its
filters, its group-by dimensions, its measures (count, count distinct, sum, average, median,
90th percentile, and the ratio of two measures with a scale), the targets it compares against
(Campaign Settings fields) and the roles that may run it. There is no SQL here: conditions use
`townflow.expr`, column names are checked against the DocTypes, and each runtime turns the
declaration into its own permission-checked reads (`townflow.reports` computes the figures).

Names follow Frappe's Report / Number Card / Dashboard Chart where Frappe has them
(`report_name`, filters with `fieldname`/`fieldtype`/`options`/`default`, Number Card
`report_function`, Dashboard Chart `type`), so the compiled Script Reports map one to one.

A source with `rows: steps` reads the approval log of a workflow DocType instead of its
documents: one row per time a document entered a step, with the document's fields plus
`STEP_COLUMNS` (how long it stayed, whether it is still there, overdue, returned, rejected).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from townflow.spec.models import Label, Model

Aggregate = Literal["count", "count_distinct", "sum", "avg", "min", "max", "median", "p90"]
#: Aggregates that add up across groups and sources (the runtime may ask SQL for them).
ADDITIVE_AGGREGATES = frozenset({"count", "sum"})
Bucket = Literal["year", "quarter", "month", "day"]
FilterType = Literal["Date", "Link", "Select", "Data", "Check", "Int"]
FilterOperator = Literal["=", "!=", ">=", "<=", ">", "<"]
TargetCompare = Literal["at_most", "at_least", "above", "below"]
ChartType = Literal["bar", "line", "percentage", "pie", "donut"]
MeasureType = Literal["Int", "Float", "Currency", "Percent"]
RowsKind = Literal["documents", "steps"]

#: The columns a `rows: steps` source adds to its DocType's fields (one row per step visit):
#: step (the workflow state), step_role (who acts there), office (the department for a
#: department step, else the acting role), entered_on / left_on (datetimes), hours_in_step
#: (until left, or until now while open), outcome (open / forward / returned / rejected /
#: withdrawn / other), is_open, is_overdue (open past its due time), is_returned, is_rejected.
STEP_COLUMNS = {
    "step": "Data",
    "step_role": "Data",
    "office": "Data",
    "entered_on": "Datetime",
    "left_on": "Datetime",
    "hours_in_step": "Float",
    "outcome": "Data",
    "is_open": "Check",
    "is_overdue": "Check",
    "is_returned": "Check",
    "is_rejected": "Check",
}
#: The column every source has: the DocType a row came from.
SOURCE_COLUMN = "source_doctype"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TITLE = re.compile(r"^[A-Z][A-Za-z0-9 \-]*[A-Za-z0-9]$")


def _identifier(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{what} {value!r} must be a lower-case identifier (a-z, 0-9, _)")
    return value


class ReportSource(Model):
    """Where a report's rows come from: a DocType's records the user may read (ptype report)."""

    doctype: str
    rows: RowsKind = "documents"
    #: which records count at all (expression over `doc`, the source's own fields)
    condition: str | None = None
    #: report column -> this DocType's fieldname; a column not listed is the field of that name
    columns: dict[str, str] = Field(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _column_names(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            _identifier(key, "column")
        return v

    def field_for(self, column: str) -> str:
        return self.columns.get(column, column)


class ReportFilter(Model):
    """A filter the user sets (Frappe's report filter: fieldname, label, fieldtype, options)."""

    fieldname: str
    label: Label
    fieldtype: FilterType
    #: Link: the DocType; Select: the choices
    options: str | list[str] | None = None
    #: the report column it compares (default: the column named like the filter)
    column: str | None = None
    operator: FilterOperator = "="
    default: str | int | None = None
    reqd: bool = False

    @field_validator("fieldname")
    @classmethod
    def _fieldname(cls, v: str) -> str:
        return _identifier(v, "filter fieldname")

    @model_validator(mode="after")
    def _options(self) -> ReportFilter:
        if self.fieldtype == "Link" and not isinstance(self.options, str):
            raise ValueError(f"Link filter {self.fieldname!r} needs options naming the DocType")
        if self.fieldtype == "Select" and not isinstance(self.options, list):
            raise ValueError(f"Select filter {self.fieldname!r} needs options as a list")
        return self

    @property
    def target_column(self) -> str:
        return self.column or self.fieldname


class Dimension(Model):
    """A group-by dimension: a report column, dates bucketed by year / quarter / month / day."""

    name: str
    label: Label
    column: str | None = None
    bucket: Bucket | None = None
    #: Link dimensions show the linked record's name; Select ones their value
    fieldtype: Literal["Data", "Link", "Select", "Date"] = "Data"
    options: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _identifier(v, "dimension name")

    @property
    def target_column(self) -> str:
        return self.column or self.name


class Ratio(Model):
    """numerator / denominator x scale: boys per 100 girls (scale 100), a share in % (scale 100)."""

    numerator: str
    denominator: str
    scale: float = 1


class Target(Model):
    """A goal read from a Campaign Settings field, and how the actual figure must compare to it."""

    setting: str
    compare: TargetCompare


class Measure(Model):
    """One figure per group: an aggregate over rows (optionally of one source, under a condition),
    or the ratio of two other measures."""

    name: str
    label: Label
    aggregate: Aggregate | None = None
    #: what sum / count_distinct / avg / median / p90 read (a report column)
    column: str | None = None
    #: only rows of this source DocType count (multi-source reports)
    source: str | None = None
    #: only rows where this expression over `doc` (the report's columns) is true count
    condition: str | None = None
    ratio: Ratio | None = None
    fieldtype: MeasureType = "Int"
    precision: Annotated[int, Field(ge=0, le=6)] | None = None
    target: Target | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _identifier(v, "measure name")

    @model_validator(mode="after")
    def _kind(self) -> Measure:
        if (self.aggregate is None) == (self.ratio is None):
            raise ValueError(f"measure {self.name!r} needs either aggregate or ratio (not both)")
        if self.ratio is not None and (self.column or self.condition or self.source):
            raise ValueError(f"ratio measure {self.name!r} takes no column, condition or source")
        if self.aggregate not in (None, "count") and not self.column:
            raise ValueError(f"measure {self.name!r}: aggregate {self.aggregate} needs a column")
        return self

    @property
    def is_ratio(self) -> bool:
        return self.ratio is not None


class ReportChart(Model):
    """The report's chart: one dataset per measure, labels from the first group-by dimension."""

    type: ChartType = "bar"
    measures: list[str]
    #: draw the measure's target as a line (Frappe charts yMarkers)
    show_target: bool = True


class Report(Model):
    report_name: str
    label: Label
    description: Label | None = None
    module: str = "Care for Girls"
    #: the DocType Frappe files the Script Report under (the first source's, by default)
    ref_doctype: str | None = None
    sources: Annotated[list[ReportSource], Field(min_length=1)]
    filters: list[ReportFilter] = Field(default_factory=list)
    #: every dimension rows may be grouped by
    dimensions: list[Dimension] = Field(default_factory=list)
    #: the dimensions used when the user picks none (names from `dimensions`)
    group_by: list[str] = Field(default_factory=list)
    measures: Annotated[list[Measure], Field(min_length=1)]
    #: which measures report_summary shows (default: those with a target, else all)
    summary: list[str] = Field(default_factory=list)
    chart: ReportChart | None = None
    #: roles that may run it (deny by default; each also needs DocPerm `report` on the sources)
    roles: Annotated[list[str], Field(min_length=1)]

    @field_validator("report_name")
    @classmethod
    def _title(cls, v: str) -> str:
        if not _TITLE.match(v):
            raise ValueError(f"report_name {v!r} must be Title Case words (letters, digits, spaces)")
        return v

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)

    def filter(self, fieldname: str) -> ReportFilter | None:
        return next((f for f in self.filters if f.fieldname == fieldname), None)

    @property
    def summary_measures(self) -> list[Measure]:
        if self.summary:
            return [m for m in self.measures if m.name in self.summary]
        targeted = [m for m in self.measures if m.target is not None]
        return targeted or list(self.measures)

    @property
    def doctype_for_frappe(self) -> str:
        return self.ref_doctype or self.sources[0].doctype


class NumberCard(Model):
    """A figure on the dashboard: one measure of a report over all rows the user may read
    (Frappe Number Card of type Report: report_name + report_field)."""

    name: str
    label: Label
    report: str
    measure: str
    #: filter values given to the report (fieldname -> value; `today`-relative dates not needed)
    filters: dict[str, str | int] = Field(default_factory=dict)
    color: str | None = None


class DashboardChart(Model):
    """A chart on the dashboard: measures of a report grouped by one dimension (a month trend)
    (Frappe Dashboard Chart of chart_type Report)."""

    name: str
    label: Label
    report: str
    measures: Annotated[list[str], Field(min_length=1)]
    group_by: str
    type: ChartType = "line"
    filters: dict[str, str | int] = Field(default_factory=dict)
    #: keep only the last N groups (months) of the trend; None keeps all
    last: Annotated[int, Field(gt=0)] | None = None


class Dashboard(Model):
    dashboard_name: str
    label: Label
    module: str = "Care for Girls"
    roles: Annotated[list[str], Field(min_length=1)]
    number_cards: list[NumberCard] = Field(default_factory=list)
    charts: list[DashboardChart] = Field(default_factory=list)
    #: reports linked from the dashboard, in order
    reports: list[str] = Field(default_factory=list)
