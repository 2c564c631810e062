"""A form's layout from the effective DocType: tabs, sections, columns and field views.

Frappe lays a form out from the order of its fields: a Tab Break starts a tab, a Section Break a
section, a Column Break a column. We follow the same reading, so a form looks here as it will
look on Frappe. Whether a field may be edited is asked of the runtime's permission objects
(permlevel, allow_edit of the workflow state, docstatus); nothing is decided here that the
runtime does not decide again on save.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from townflow.spec.models import LAYOUT_TYPES, TABLE_TYPES, DocField

#: How the runtime names a child-row field in its errors: `visits[1].visit_type` (row idx).
_ROW_ERROR = re.compile(r"^([a-z][a-z0-9_]*)\[(\d+)\]\.")
#: Field types drawn as a multi-line box.
TEXTAREA_TYPES = frozenset(
    {"Small Text", "Text", "Long Text", "Text Editor", "Markdown Editor", "HTML Editor", "Code", "JSON"}
)
INPUT_TYPES = {
    "Int": "number",
    "Float": "number",
    "Currency": "number",
    "Percent": "number",
    "Date": "date",
    "Datetime": "datetime-local",
    "Time": "time",
    "Password": "password",
}
#: Field types the form never draws as inputs.
SKIPPED_TYPES = frozenset({"HTML", "Button", "Fold", "Heading", "Image", "Signature", "Geolocation"})


@dataclass
class FieldView:
    df: DocField
    label: str
    value: Any
    editable: bool
    required: bool
    hidden: bool
    masked: bool = False
    errors: list[str] = field(default_factory=list)
    #: for Link fields: the linked record's title (a household head's name beside HH-00001)
    link_title: str = ""
    #: for Table fields: (child column views, list of child rows)
    columns: list[FieldView] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    @property
    def fieldname(self) -> str:
        return self.df.fieldname

    @property
    def fieldtype(self) -> str:
        return self.df.fieldtype

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.df.fieldtype, "text")

    @property
    def is_textarea(self) -> bool:
        return self.df.fieldtype in TEXTAREA_TYPES

    @property
    def is_table(self) -> bool:
        return self.df.fieldtype in TABLE_TYPES

    @property
    def step(self) -> str:
        return "1" if self.df.fieldtype == "Int" else "any"


@dataclass
class Column:
    fields: list[FieldView] = field(default_factory=list)


@dataclass
class Section:
    label: str = ""
    description: str = ""
    columns: list[Column] = field(default_factory=lambda: [Column()])
    collapsible: bool = False
    depends_on: str | None = None
    fieldname: str = ""

    @property
    def visible_fields(self) -> list[FieldView]:
        return [f for c in self.columns for f in c.fields]


@dataclass
class Tab:
    label: str = ""
    fieldname: str = "details"
    sections: list[Section] = field(default_factory=lambda: [Section()])


@dataclass
class Access:
    """What this user may do with this document's fields, as the runtime's permissions say."""

    readable_levels: set[int]
    writable_levels: set[int]
    #: False when the document as a whole is closed to this user's edits (state, docstatus, perms)
    can_edit: bool
    docstatus: int = 0

    def field_editable(self, df: DocField) -> bool:
        if df.read_only or df.fieldtype == "Read Only" or df.permlevel not in self.writable_levels:
            return False
        if self.docstatus == 1:
            return df.allow_on_submit and self.can_edit
        return self.can_edit and self.docstatus == 0


def document_access(site: Any, session: Any, doctype: str, doc: dict | None) -> Access:
    """Ask the runtime's permission objects what this user may edit on `doc` (None: a new one)."""
    meta = site.metas.get(doctype)
    ctx = session.ctx
    perms = site.perms
    readable = perms.readable_levels(meta, ctx)
    writable = perms.writable_levels(meta, ctx)
    if doc is None:
        return Access(readable, writable, perms.has(meta, ctx, "create"), 0)
    docstatus = int(doc.get("docstatus") or 0)
    can_edit = perms.record_allowed(site.db, meta, ctx, "write", doc["name"])
    if docstatus == 1:
        can_edit = can_edit and bool(perms.has(meta, ctx, "submit") or perms.has(meta, ctx, "write"))
    workflow = site.project.workflow_for(doctype)
    if can_edit and workflow is not None and workflow.is_active:
        state = workflow.state(doc.get(workflow.workflow_state_field) or "") or workflow.initial_state
        allow_edit = state.allow_edit
        can_edit = ctx.is_administrator or allow_edit in ctx.roles
    return Access(readable, writable, can_edit, docstatus)


def build_tabs(
    page: Any,
    meta: Any,
    doc: dict,
    access: Access,
    errors: dict[str, list[str]] | None = None,
    child_meta: Any = None,
) -> list[Tab]:
    """The tabs of the form, each with its sections and columns, filled with `doc`'s values."""
    errors = errors or {}
    tabs: list[Tab] = [Tab(label=page.t("details"))]
    for df in meta.doctype.fields:
        t = df.fieldtype
        if t == "Tab Break":
            tabs.append(Tab(label=page.label(df.label), fieldname=df.fieldname, sections=[]))
            continue
        tab = tabs[-1]
        if t == "Section Break":
            tab.sections.append(
                Section(
                    label=page.label(df.label),
                    description=page.label(df.description),
                    collapsible=df.collapsible,
                    depends_on=df.depends_on,
                    fieldname=df.fieldname,
                )
            )
            continue
        if not tab.sections:
            tab.sections.append(Section())
        section = tab.sections[-1]
        if t == "Column Break":
            section.columns.append(Column())
            continue
        if t in LAYOUT_TYPES or t in SKIPPED_TYPES:
            continue
        if df.permlevel not in access.readable_levels and not df.sensitive:
            continue
        df = fetched_select(page.site, meta, df)
        view = field_view(page, df, doc.get(df.fieldname), access, errors.get(df.fieldname, []))
        if view.is_table:
            fill_table(page, view, child_meta(df.options) if child_meta else None, doc, access, errors)
        section.columns[-1].fields.append(view)
    for tab in tabs:
        tab.sections = [s for s in tab.sections if s.visible_fields or s.label]
    return [t for t in tabs if any(s.visible_fields for s in t.sections)]


def field_view(page: Any, df: DocField, value: Any, access: Access, errors: list[str]) -> FieldView:
    masked = bool(
        df.sensitive
        and (df.permlevel not in access.readable_levels or (isinstance(value, str) and "**" in value))
    )
    return FieldView(
        df=df,
        label=page.label(df.label, df.fieldname),
        value=value,
        editable=access.field_editable(df) and not masked,
        required=df.reqd,
        hidden=df.hidden,
        masked=masked,
        errors=list(errors),
        link_title=link_title(page, df.options, value) if df.fieldtype == "Link" and not masked else "",
    )


def fetched_select(site: Any, meta: Any, df: DocField) -> DocField:
    """A read-only field fetched from a Select (household.household_type) shown as that Select,
    so it reads 独女户 / One-girl instead of the stored value One-girl in both languages."""
    if not df.fetch_from or not df.read_only or df.fieldtype == "Select" or "." not in df.fetch_from:
        return df
    link_name, source_name = df.fetch_from.split(".", 1)
    link = meta.get_field(link_name)
    if link is None or link.fieldtype != "Link" or not site.metas.exists(link.options):
        return df
    source = site.metas.get(link.options).get_field(source_name)
    if source is None or source.fieldtype != "Select" or not source.choices:
        return df
    return df.model_copy(update={"fieldtype": "Select", "options": source.options})


def link_title(page: Any, doctype: Any, value: Any) -> str:
    """The title of the linked record (its title_field), read with the user's own permissions;
    empty when it has none, equals the name, or the user may not read it."""
    if not value or not isinstance(doctype, str) or page.session is None:
        return ""
    cache = page.__dict__.setdefault("_link_titles", {})
    key = (doctype, str(value))
    if key not in cache:
        cache[key] = _read_title(page, doctype, str(value))
    return cache[key]


def _read_title(page: Any, doctype: str, value: str) -> str:
    site = page.site
    if not site.metas.exists(doctype):
        return ""
    title_field = site.metas.get(doctype).doctype.title_field
    if not title_field or title_field == "name":
        return ""
    try:
        rows = page.session.get_list(
            doctype, fields=["name", title_field], filters={"name": value}, limit_page_length=1
        )
    except Exception as exc:  # a record the user may not read has no title to show
        if isinstance(getattr(exc, "http_status", None), int) and exc.http_status < 500:
            return ""
        raise
    title = rows[0].get(title_field) if rows else None
    return str(title) if title and str(title) != value else ""


def fill_table(page: Any, view: FieldView, child: Any, doc: dict, access: Access, errors: dict) -> None:
    """Columns (the child's in_list_view fields, else its first five) and rows of a Table field."""
    if child is None:
        return
    value_fields = [f for f in child.doctype.fields if f.has_value and not f.hidden]
    shown = [f for f in value_fields if f.in_list_view] or value_fields[:5]
    view.columns = [field_view(page, f, None, access, []) for f in shown]
    rows = doc.get(view.fieldname) or []
    view.rows = [r for r in rows if isinstance(r, dict)]
    for key, messages in errors.items():
        match = _ROW_ERROR.match(key)
        if match and match.group(1) == view.fieldname:
            row = int(match.group(2))  # the runtime counts rows from 1, like idx
            view.errors.extend(page.t("row_error", row=row, message=m) for m in messages)
    if not view.editable:
        for col in view.columns:
            col.editable = False


def display_value(page: Any, df: DocField, value: Any) -> str:
    """How a stored value reads on screen: Select options in the UI language, checks as yes/no."""
    if value is None or value == "":
        return ""
    if df.fieldtype == "Select":
        choice = next((c for c in df.choices if c.value == value), None)
        if choice is not None:
            return value if page.lang == "en" else choice.zh
    if df.fieldtype in ("Attach", "Attach Image"):
        return str(value).rsplit("/", 1)[-1]  # the file's name, not its storage path
    if df.fieldtype == "Check":
        return page.t("yes") if value in (1, "1", True) else page.t("no")
    if df.fieldtype == "Currency" and isinstance(value, int | float):
        return f"{value:,.2f}"
    if df.fieldtype == "Link":
        title = link_title(page, df.options, value)
        return f"{value} · {title}" if title else str(value)
    return str(value)
