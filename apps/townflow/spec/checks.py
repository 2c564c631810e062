"""Whole-project checks: what no single YAML file can know about itself.

Each file is valid on its own once pydantic accepts it; these checks look across files: a Link
names a DocType that exists, a permission names a role that exists, an expression reads fields
the DocType has, a fixture record fills fields its DocType declares. Every error is located at
the key that is wrong (file:line:col) through the `Where` the loader recorded for each model.
Workflow checks live in `townflow.spec.workflow_checks`.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import TYPE_CHECKING, Any

from townflow.expr import ExprError, parse
from townflow.rules import fetal_sex
from townflow.spec.errors import SpecError
from townflow.spec.models import (
    EXPRESSION_PROPERTIES,
    LINK_TYPES,
    NUMERIC_TYPES,
    SCOPE_DOCTYPE,
    TABLE_TYPES,
    DocType,
)

if TYPE_CHECKING:
    from townflow.spec.project import Project, Where

#: DocTypes every Frappe site has, so a Link may name them without declaring them.
BUILTIN_DOCTYPES = frozenset({"User", "Role", "DocType", "Workflow State"})
#: Roles Frappe always has.
BUILTIN_ROLES = frozenset({"Administrator", "Guest", "All"})
#: Columns Frappe adds to every table (frappe.model.default_fields and child_table_fields).
RESERVED_FIELDNAMES = frozenset(
    {"doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"}
    | {"parent", "parentfield", "parenttype"}
)
#: What sort_field / search may name besides declared fields.
STANDARD_SORT_FIELDS = frozenset({"modified", "creation", "name", "idx"})
#: Columns every document has, which expressions and filters may read.
STANDARD_FIELDS = STANDARD_SORT_FIELDS | {"docstatus", "owner", "modified_by", "parent"}
SETTINGS_DOCTYPE = "Campaign Settings"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


class Checker:
    """Collects located errors; `known_*` answer "may this name be used?" without double reports."""

    def __init__(self, project: Project):
        self.project = project
        self.errors: list[SpecError] = []
        self._record_names: dict[str, dict[str, int]] | None = None

    def add(self, where: Where, path: tuple, message: str, **kw: Any) -> None:
        self.errors.append(where.error(path, message, **kw))

    def known_doctype(self, name: str) -> bool:
        p = self.project
        return name in p.doctypes or name in BUILTIN_DOCTYPES or p.is_broken("doctype", name)

    def known_role(self, name: str) -> bool:
        return name in self.project.roles or name in BUILTIN_ROLES or self.project.is_broken("role", name)

    def role(self, where: Where, path: tuple, name: str | None, what: str = "role") -> None:
        if name is not None and not self.known_role(name):
            self.add(
                where,
                path,
                f"{what} {name!r} is not declared in fixtures/ roles:{_close(name, self.project.roles)}",
            )

    def expression(self, where: Where, path: tuple, source: str | None, doctype: DocType | None) -> None:
        """The expression parses, and every field it names exists.

        `doc.<field>` must be a field of `doctype`, `settings.<field>` a field of Campaign
        Settings, and `exists("DocType", field=value)` / `count(...)` must name a DocType and
        its fields. Each error points at the character where the name is written.
        """
        if source is None:
            return
        try:
            expr = parse(source)
        except ExprError as exc:
            self.add(where, path, f"expression does not parse: {exc.message}", offset=exc.offset)
            return
        for problem, node in self._unknown_names(expr.tree, doctype):
            self.add(where, path, problem, offset=expr.node_offset(node))

    def value_problem(self, f: Any, value: Any) -> str | None:
        """Why `value` cannot be stored in field `f` (type, Select option, Link to a fixture record)."""
        problem = _value_problem(f, value)
        if problem or f.fieldtype != "Link" or not isinstance(f.options, str) or value in (None, ""):
            return problem
        target = f.options
        if target == "Role":
            return (
                None if self.known_role(str(value)) else f"role {value!r} is not declared in fixtures/ roles:"
            )
        names = self.record_names().get(target, {})
        p = self.project
        checkable = target in p.doctypes and p.records_of(target) and not p.is_broken("records", target)
        if checkable and str(value) not in names:
            return f"no {target} fixture record is named {value!r}{_close(str(value), names)}"
        return None

    def record_names(self) -> dict[str, dict[str, int]]:
        """doctype -> {record name: index of its first record}, over the fixture records."""
        if self._record_names is None:
            self._record_names = {}
            for index, record in enumerate(self.project.records):
                name = record_name(record, self.project.doctypes.get(record.doctype))
                if name is not None:
                    self._record_names.setdefault(record.doctype, {}).setdefault(name, index)
        return self._record_names

    def _unknown_names(self, tree: ast.AST, doctype: DocType | None):
        settings = self.project.doctypes.get(SETTINGS_DOCTYPE)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                owner, name = node.value.id, node.attr
                if owner == "parent" and doctype is not None:
                    yield from self._unknown_parent_field(doctype, name, node)
                elif owner == "doc" and doctype is not None and not _has_field(doctype, name):
                    hint = _close(name, [f.fieldname for f in doctype.fields])
                    yield f"expression reads doc.{name}, which {doctype.name} does not have{hint}", node
                elif owner == "settings" and settings is not None and not _has_field(settings, name):
                    hint = _close(name, [f.fieldname for f in settings.fields])
                    yield (
                        f"expression reads settings.{name}, which {SETTINGS_DOCTYPE} does not have{hint}",
                        node,
                    )
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("exists", "count")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                target_name = node.args[0].value
                target = self.project.doctypes.get(target_name)
                if target is None:
                    if not self.known_doctype(target_name):
                        yield (
                            f"{node.func.id}() names {target_name!r}, which is not a declared DocType",
                            node.args[0],
                        )
                    continue
                for keyword in node.keywords:
                    if keyword.arg is not None and not _has_field(target, keyword.arg):
                        yield (
                            f"{node.func.id}() filters on {keyword.arg!r}, which {target_name} does not have",
                            node,
                        )

    def _unknown_parent_field(self, doctype: DocType, name: str, node: ast.AST):
        """`parent.<field>` is read in a child table's expressions only, and every DocType that has
        that table must have the field."""
        if not doctype.istable:
            yield f"expression reads parent.{name}, but {doctype.name} is not a child table", node
            return
        for parent in self.project.doctypes.values():
            holds = any(f.fieldtype in TABLE_TYPES and f.options == doctype.name for f in parent.fields)
            if holds and not _has_field(parent, name):
                hint = _close(name, [f.fieldname for f in parent.fields])
                yield f"expression reads parent.{name}, which {parent.name} does not have{hint}", node


def _has_field(doctype: DocType, name: str) -> bool:
    return name in STANDARD_FIELDS or doctype.field(name) is not None


def _close(name: str, candidates: Any) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_project(project: Project) -> list[SpecError]:
    """Every cross-file error of `project` (empty when the project is consistent)."""
    from townflow.spec.workflow_checks import check_state_restricted_permissions, check_workflow

    checker = Checker(project)
    for doctype in project.doctypes.values():
        check_doctype(checker, doctype, project.where[("doctype", doctype.name)])
        check_state_restricted_permissions(checker, doctype, project.where[("doctype", doctype.name)])
    for workflow in project.workflows.values():
        check_workflow(checker, workflow, project.where[("workflow", workflow.document_type)])
    check_records(checker)
    from townflow.spec.report_checks import check_reports

    check_reports(checker)
    return checker.errors


# --- DocTypes ---------------------------------------------------------------------------------


def check_doctype(c: Checker, doctype: DocType, where: Where) -> None:
    seen: dict[str, int] = {}
    for index, f in enumerate(doctype.fields):
        at = ("fields", index)
        if f.fieldname in seen:
            c.add(
                where,
                (*at, "fieldname"),
                f"duplicate fieldname {f.fieldname!r} (first at fields[{seen[f.fieldname]}])",
            )
        seen.setdefault(f.fieldname, index)
        if f.fieldname in RESERVED_FIELDNAMES:
            c.add(
                where,
                (*at, "fieldname"),
                f"fieldname {f.fieldname!r} is a column Frappe adds to every DocType",
            )
        labels = (f.label.zh, f.label.en) if f.label else ()
        refusal = (
            fetal_sex.field_problem(doctype.name, f.fieldname, labels, f.choices) if f.has_value else None
        )
        if refusal is not None:
            c.add(where, (*at, "fieldname"), refusal.en)
        if f.fieldtype in LINK_TYPES and isinstance(f.options, str):
            _check_link_target(c, where, at, f.fieldtype, f.options)
        if f.fieldtype == "Dynamic Link" and isinstance(f.options, str):
            source = doctype.field(f.options)
            if source is None or source.fieldtype != "Link" or source.options != "DocType":
                c.add(
                    where,
                    (*at, "options"),
                    f"Dynamic Link options must name a Link to DocType field, not {f.options!r}",
                )
        if f.fieldtype == "Select" and f.default is not None:
            values = [choice.value for choice in f.choices]
            if str(f.default) not in values:
                c.add(
                    where,
                    (*at, "default"),
                    f"default {f.default!r} is not one of the options: {', '.join(values)}",
                )
        if f.fieldtype == "Select":
            values = [choice.value for choice in f.choices]
            for dup in sorted({v for v in values if values.count(v) > 1}):
                c.add(where, (*at, "options"), f"option {dup!r} appears more than once")
        if f.fieldtype == "Check" and f.default not in (None, 0, 1, True, False):
            c.add(where, (*at, "default"), "a Check default is 0 or 1")
        if f.fetch_from is not None:
            _check_fetch_from(c, doctype, where, at, f.fetch_from)
        for key in EXPRESSION_PROPERTIES:
            c.expression(where, (*at, key), getattr(f, key), doctype)
    _check_named_fields(c, doctype, where)
    for index, rule in enumerate(doctype.rules):
        at = ("rules", index)
        c.expression(where, (*at, "condition"), rule.condition, doctype)
        c.expression(where, (*at, "when"), rule.when, doctype)
        for n, name in enumerate(rule.fields):
            if doctype.field(name) is None:
                c.add(where, (*at, "fields", n), f"{doctype.name} has no field {name!r}")
    rule_names = [r.name for r in doctype.rules]
    for index, name in enumerate(rule_names):
        if name in rule_names[:index]:
            c.add(where, ("rules", index, "name"), f"duplicate rule name {name!r}")
    for index, perm in enumerate(doctype.permissions):
        c.role(where, ("permissions", index, "role"), perm.role)
        target = SCOPE_DOCTYPE.get(perm.scope)
        if target and doctype.name != target and not _links_to(doctype, target):
            c.add(
                where,
                ("permissions", index, "scope"),
                f"scope {perm.scope!r} needs a Link field to {target} on {doctype.name}, and there is none",
            )


def _links_to(doctype: DocType, target: str) -> bool:
    return any(f.fieldtype == "Link" and f.options == target for f in doctype.fields)


def _check_link_target(c: Checker, where: Where, at: tuple, fieldtype: str, target: str) -> None:
    if not c.known_doctype(target):
        hint = _close(target, c.project.doctypes)
        c.add(where, (*at, "options"), f"{fieldtype} target {target!r} is not a declared DocType{hint}")
        return
    child = c.project.doctypes.get(target)
    if child is None:
        return
    if fieldtype in TABLE_TYPES and not child.istable:
        c.add(where, (*at, "options"), f"{fieldtype} target {target!r} must be a child table (istable: true)")
    if fieldtype == "Link" and child.istable:
        c.add(where, (*at, "options"), f"Link target {target!r} is a child table; use a Table field")


def _check_fetch_from(c: Checker, doctype: DocType, where: Where, at: tuple, fetch_from: str) -> None:
    link_name, _, target_name = fetch_from.partition(".")
    link = doctype.field(link_name)
    if not target_name:
        c.add(where, (*at, "fetch_from"), "fetch_from is written link_field.target_field")
    elif link is None or link.fieldtype != "Link":
        c.add(where, (*at, "fetch_from"), f"fetch_from: {link_name!r} is not a Link field of {doctype.name}")
    elif isinstance(link.options, str) and link.options in c.project.doctypes:
        target = c.project.doctypes[link.options]
        if target.field(target_name) is None and target_name != "name":
            c.add(where, (*at, "fetch_from"), f"fetch_from: {link.options} has no field {target_name!r}")


def _check_named_fields(c: Checker, doctype: DocType, where: Where) -> None:
    def need(path: tuple, name: str, *, standard: frozenset[str] = frozenset()) -> None:
        if name not in standard and doctype.field(name) is None:
            c.add(
                where,
                path,
                f"{doctype.name} has no field {name!r}{_close(name, [f.fieldname for f in doctype.fields])}",
            )

    if doctype.title_field:
        need(("title_field",), doctype.title_field)
    for index, name in enumerate(doctype.search_fields):
        need(("search_fields", index), name)
    need(("sort_field",), doctype.sort_field, standard=STANDARD_SORT_FIELDS)
    for index, columns in enumerate(doctype.indexes):
        for n, name in enumerate(columns):
            need(("indexes", index, n), name, standard=STANDARD_SORT_FIELDS | {"docstatus", "owner"})
    if doctype.autoname and doctype.autoname.startswith("field:"):
        need(("autoname",), doctype.autoname.removeprefix("field:").strip())


# --- fixture records ----------------------------------------------------------------------------


def record_name(record: Any, doctype: DocType | None) -> str | None:
    """A fixture record's name: `name:` if written, else the field its DocType is named by."""
    if record.name is not None:
        return record.name
    if doctype is not None and doctype.autoname and doctype.autoname.startswith("field:"):
        value = (record.model_extra or {}).get(doctype.autoname.removeprefix("field:").strip())
        return value if isinstance(value, str) else None
    return None


def check_records(c: Checker) -> None:
    p = c.project
    names = c.record_names()
    for index, record in enumerate(p.records):
        where = p.where[("record", index)]
        doctype = p.doctypes.get(record.doctype)
        name = record_name(record, doctype)
        if name is not None and names[record.doctype][name] != index:
            c.add(where, ("name",), f"a {record.doctype} record named {name!r} is already declared")
        if doctype is None:
            if not c.known_doctype(record.doctype):
                hint = _close(record.doctype, p.doctypes)
                c.add(where, ("doctype",), f"{record.doctype!r} is not a declared DocType{hint}")
            continue
        if doctype.issingle and len(p.records_of(doctype.name)) > 1:
            c.add(where, ("doctype",), f"{doctype.name} is a single DocType: only one record may be given")
        _check_values(c, where, (), doctype, dict(record.model_extra or {}))


def _check_values(c: Checker, where: Where, at: tuple, doctype: DocType, values: dict) -> None:
    """The fields of one record (or child row) exist, hold values of their type, and Links resolve."""
    for key, value in values.items():
        f = doctype.field(key)
        if f is None or not (f.has_value or f.fieldtype in TABLE_TYPES):
            hint = _close(key, [x.fieldname for x in doctype.data_fields])
            c.add(where, (*at, key), f"{doctype.name} has no field {key!r}{hint}", at_key=True)
            continue
        problem = c.value_problem(f, value)
        if problem:
            c.add(where, (*at, key), problem)
        elif f.fieldtype in TABLE_TYPES and isinstance(f.options, str) and f.options in c.project.doctypes:
            for row_index, row in enumerate(value):
                _check_values(c, where, (*at, key, row_index), c.project.doctypes[f.options], row)
    for f in doctype.data_fields:
        missing = values.get(f.fieldname) in (None, "")
        if f.reqd and f.default is None and f.fieldtype not in TABLE_TYPES and missing:
            c.add(where, at, f"required field {f.fieldname!r} of {doctype.name} has no value")


def _value_problem(f: Any, value: Any) -> str | None:
    t = f.fieldtype
    if value is None:
        return None
    if t in TABLE_TYPES:
        ok = isinstance(value, list) and all(isinstance(row, dict) for row in value)
        return None if ok else f"{t} field {f.fieldname!r} takes a list of rows (mappings)"
    if t == "Check":
        return None if value in (0, 1) else f"Check field {f.fieldname!r} takes 0 or 1"
    if t == "Int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"Int field {f.fieldname!r} takes a whole number"
    if t in NUMERIC_TYPES:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"{t} field {f.fieldname!r} takes a number"
    if not isinstance(value, str):
        return f"{t} field {f.fieldname!r} takes text (quote it)"
    options = [choice.value for choice in f.choices]
    if t == "Select" and value not in options:
        return f"{value!r} is not one of the options of {f.fieldname!r}: {', '.join(options)}"
    if t == "Date" and value and not _DATE.match(value):
        return f"Date field {f.fieldname!r} takes YYYY-MM-DD"
    if t == "Datetime" and value and not _DATETIME.match(value):
        return f"Datetime field {f.fieldname!r} takes YYYY-MM-DD HH:MM:SS"
    return None
