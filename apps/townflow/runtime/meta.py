"""The effective DocType: the spec, plus what the site adds at runtime.

`Metas.get(doctype)` returns a `Meta`: the spec `DocType` (a deep copy) with
- the system DocTypes (User, Role, ...) beside the project's,
- the fields Frappe adds implicitly: the workflow state field of a DocType that has a workflow
  (Frappe adds it as a Custom Field) and `amended_from` on submittable DocTypes,
- Custom Field records inserted after their `insert_after` field,
- Property Setter records applied (DocField or DocType properties, cast by `property_type`).

Everything that needs field facts (schema, validation, permissions, queries) asks a `Meta`, so a
custom field is a column, a validated field and a filterable field at once. The cache is dropped
when a Custom Field or Property Setter is written (`Metas.invalidate`).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from functools import cached_property

from townflow.runtime.db import Database, table
from townflow.runtime.system_doctypes import SYSTEM_DOCTYPES
from townflow.spec.models import CUSTOM_FIELD_CHECKS, SCOPE_DOCTYPE, Choice, DocField, DocType, Label

#: Columns every table has (Frappe's standard fields), in Frappe's order.
STANDARD_FIELDS = ("name", "owner", "creation", "modified", "modified_by", "docstatus", "idx")
CHILD_FIELDS = ("parent", "parentfield", "parenttype")
_BOOL_PROPERTIES = {
    "reqd",
    "hidden",
    "read_only",
    "unique",
    "in_list_view",
    "in_standard_filter",
    "search_index",
    "allow_on_submit",
    "bold",
    "no_copy",
    "print_hide",
    "non_negative",
    "fetch_if_empty",
    "collapsible",
    "track_changes",
    "is_submittable",
}
_INT_PROPERTIES = {"permlevel", "length", "precision"}


@dataclass
class Meta:
    """An effective DocType and the lookups every layer needs from it."""

    doctype: DocType
    workflow_state_field: str | None = None
    fields_by_name: dict[str, DocField] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fields_by_name = {f.fieldname: f for f in self.doctype.fields}

    @property
    def name(self) -> str:
        return self.doctype.name

    @property
    def istable(self) -> bool:
        return self.doctype.istable

    @property
    def issingle(self) -> bool:
        return self.doctype.issingle

    @property
    def table(self) -> str:
        return table(self.doctype.name)

    def get_field(self, fieldname: str) -> DocField | None:
        return self.fields_by_name.get(fieldname)

    @cached_property
    def value_fields(self) -> list[DocField]:
        """Fields with a column (no layout, no tables)."""
        return [f for f in self.doctype.fields if f.has_value]

    @cached_property
    def table_fields(self) -> list[DocField]:
        return [f for f in self.doctype.fields if f.fieldtype in ("Table", "Table MultiSelect")]

    @cached_property
    def standard_columns(self) -> tuple[str, ...]:
        return STANDARD_FIELDS + (CHILD_FIELDS if self.istable else ())

    @cached_property
    def columns(self) -> list[str]:
        """Every column of the table: standard first, then one per value field."""
        return list(self.standard_columns) + [f.fieldname for f in self.value_fields]

    @cached_property
    def column_set(self) -> frozenset[str]:
        return frozenset(self.columns)

    def link_fields_to(self, target: str) -> list[DocField]:
        return [f for f in self.value_fields if f.fieldtype == "Link" and f.options == target]

    @cached_property
    def scope_fields(self) -> dict[str, str]:
        """scope -> the Link field holding it (village -> "village"), for the fields present."""
        found: dict[str, str] = {}
        for scope, target in SCOPE_DOCTYPE.items():
            links = self.link_fields_to(target)
            if links:
                preferred = next((f for f in links if f.fieldname == scope), links[0])
                found[scope] = preferred.fieldname
        return found

    @property
    def title_field(self) -> str | None:
        title = self.doctype.title_field
        return title if title and title in self.fields_by_name else None


class Metas:
    """Builds and caches the effective `Meta` of every DocType of a site."""

    def __init__(self, project, db: Database):
        self.project = project
        self.db = db
        self._cache: dict[str, Meta] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def base_doctypes(self) -> dict[str, DocType]:
        merged = dict(SYSTEM_DOCTYPES)
        merged.update(self.project.doctypes)
        return merged

    def names(self) -> list[str]:
        return list(self.base_doctypes())

    def exists(self, doctype: str) -> bool:
        return doctype in self.base_doctypes()

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
            self.generation += 1

    def get(self, doctype: str) -> Meta:
        meta = self._cache.get(doctype)
        if meta is None:
            meta = self._build(doctype)
            with self._lock:
                self._cache[doctype] = meta
        return meta

    def parent_of(self, child: str) -> str | None:
        """The DocType whose Table field holds `child` rows (the first one, as Frappe assumes)."""
        for name, dt in self.base_doctypes().items():
            if any(f.options == child for f in dt.fields if f.fieldtype in ("Table", "Table MultiSelect")):
                return name
        return None

    def all(self) -> list[Meta]:
        return [self.get(name) for name in self.names()]

    # -- building --------------------------------------------------------------------------

    def _build(self, doctype: str) -> Meta:
        base = self.base_doctypes().get(doctype)
        if base is None:
            raise KeyError(doctype)
        dt = base.model_copy(deep=True)
        state_field = self._add_implicit_fields(dt)
        if dt.name not in SYSTEM_DOCTYPES:
            for custom in self._rows("Custom Field", "dt", doctype):
                _insert_custom_field(dt, custom)
            for setter in self._rows("Property Setter", "doc_type", doctype):
                apply_property_setter(dt, setter)
        return Meta(dt, workflow_state_field=state_field)

    def _add_implicit_fields(self, dt: DocType) -> str | None:
        workflows = getattr(self.project, "workflows", {}) or {}
        workflow = workflows.get(dt.name)
        state_field = None
        if workflow is not None and getattr(workflow, "is_active", True):
            state_field = workflow.workflow_state_field
            if dt.field(state_field) is None:
                dt.fields.append(
                    DocField(
                        fieldname=state_field,
                        fieldtype="Data",
                        label=Label(zh="流程状态", en="Workflow State"),
                        read_only=True,
                        hidden=True,
                        no_copy=True,
                        allow_on_submit=True,
                        in_standard_filter=True,
                    )
                )
        if dt.is_submittable and dt.field("amended_from") is None:
            dt.fields.append(
                DocField(
                    fieldname="amended_from",
                    fieldtype="Link",
                    options=dt.name,
                    label=Label(zh="修订自", en="Amended From"),
                    read_only=True,
                    no_copy=True,
                    print_hide=True,
                )
            )
        return state_field

    def _rows(self, doctype: str, key: str, value: str) -> list[dict]:
        try:
            rows = self.db.fetchall(
                f"SELECT * FROM {table(doctype)} WHERE {key} = ? ORDER BY creation, name", (value,)
            )
        except sqlite3.OperationalError:  # the table does not exist yet (first schema sync)
            return []
        return [dict(r) for r in rows]


def custom_field_to_docfield(row: dict) -> DocField:
    """A Custom Field record as a spec DocField (Select options: one value per line, as Frappe)."""
    fieldtype = row.get("fieldtype") or "Data"
    options: str | list[Choice] | None = row.get("options") or None
    if fieldtype == "Select":
        lines = [line.strip() for line in (options or "").splitlines() if line.strip()]
        options = [Choice(value=v, zh=v) for v in lines] or [Choice(value="-", zh="-")]
    elif fieldtype not in {"Link", "Table", "Dynamic Link", "Currency", "Data"}:
        options = None
    label = row.get("label") or row["fieldname"]
    checks = {key: bool(row.get(key)) for key in CUSTOM_FIELD_CHECKS}
    return DocField(
        fieldname=row["fieldname"],
        fieldtype=fieldtype,
        label=Label(zh=label, en=row.get("label_en") or label),
        options=options,
        default=row.get("default") or None,
        permlevel=int(row.get("permlevel") or 0),
        length=int(row.get("length") or 0),
        depends_on=row.get("depends_on") or None,
        mandatory_depends_on=row.get("mandatory_depends_on") or None,
        fetch_from=row.get("fetch_from") or None,
        **checks,
    )


def _insert_custom_field(dt: DocType, row: dict) -> None:
    if dt.field(row["fieldname"]) is not None:
        return  # a spec field of that name wins; the custom one is a leftover
    new = custom_field_to_docfield(row)
    after = row.get("insert_after")
    position = next((i + 1 for i, f in enumerate(dt.fields) if f.fieldname == after), len(dt.fields))
    dt.fields.insert(position, new)


def _cast(value: str | None, prop: str, property_type: str | None):
    if prop in _BOOL_PROPERTIES or property_type == "Check":
        return str(value).strip() not in {"", "0", "false", "False", "None"}
    if prop in _INT_PROPERTIES or property_type == "Int":
        return int(value or 0)
    return value


def apply_property_setter(dt: DocType, row: dict) -> None:
    prop, value = row["property"], row.get("value")
    if row.get("doctype_or_field") == "DocType" or not row.get("field_name"):
        if prop in DocType.model_fields and prop not in {"fields", "permissions", "name"}:
            setattr(dt, prop, _cast(value, prop, row.get("property_type")))
        return
    target = dt.field(row["field_name"])
    if target is None:
        return
    if prop == "label":
        target.label = Label(zh=value or target.fieldname, en=target.label.en if target.label else value)
    elif prop == "label_en":  # townflow's own property: the English half of a bilingual label
        zh = target.label.zh if target.label else target.fieldname
        target.label = Label(zh=zh, en=value or zh)
    elif prop == "options" and target.fieldtype == "Select":
        lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
        known = {c.value: c for c in target.choices}
        target.options = [known.get(v) or Choice(value=v, zh=v) for v in lines]
    elif prop == "insert_after":
        dt.fields.remove(target)
        position = next((i + 1 for i, f in enumerate(dt.fields) if f.fieldname == value), len(dt.fields))
        dt.fields.insert(position, target)
    elif prop in DocField.model_fields and prop != "fieldname":
        setattr(target, prop, _cast(value, prop, row.get("property_type")))
