"""Spec DocType -> the DocType JSON a Frappe developer would have exported.

Keys and values are Frappe's own (frappe/core/doctype/doctype/doctype.json, docfield.json,
docperm.json, v15). What the spec adds beyond Frappe (min/max, regex, named validators, masks,
scopes, rules) is not written here: the app's extension code reads it from the bundled spec.
Fields Frappe itself would have added when the DocType was saved in the desk (amended_from for
submittable DocTypes, the nested-set fields of trees, the workflow state field a Workflow
creates) are written into the JSON, because importing a DocType file skips those validations.
"""

from __future__ import annotations

from typing import Any

from townflow.compile import verify_app
from townflow.compile.frappe_format import OWNER, content_timestamps, strip_falsy
from townflow.compile.masked import tracks_views, with_companions
from townflow.expr import parse
from townflow.spec.models import EXPRESSION_PROPERTIES, PERMISSION_TYPES, DocField, DocPerm, DocType

#: DocField properties the spec shares with Frappe, written under the same name.
_SHARED_FIELD_KEYS = (
    "fieldname",
    "fieldtype",
    "reqd",
    "unique",
    "read_only",
    "hidden",
    "permlevel",
    "fetch_from",
    "fetch_if_empty",
    "in_list_view",
    "in_standard_filter",
    "search_index",
    "allow_on_submit",
    "no_copy",
    "bold",
    "collapsible",
    "print_hide",
    "length",
    "non_negative",
)
_PERM_KEYS = ("role", "permlevel", "if_owner", *PERMISSION_TYPES)


def naming_rule(autoname: str | None) -> str:
    """The naming_rule Frappe's DocType form derives from autoname (public/js/frappe/doctype/index.js)."""
    if not autoname:
        return ""
    lower = autoname.lower()
    if lower == "prompt":
        return "Set by user"
    if lower == "autoincrement":
        return "Autoincrement"
    if lower.startswith("field:"):
        return "By fieldname"
    if lower.startswith("naming_series:"):
        return 'By "Naming Series" field'
    if lower.startswith("format:"):
        return "Expression"
    if lower == "hash":
        return "Random"
    return "Expression (old style)"


def js_condition(source: str, field_types: dict[str, str] | None = None) -> str:
    """A spec expression as Frappe's `depends_on` wants it: `eval:<javascript>`."""
    return "eval:" + parse(source).to_js(field_types)


def frappe_default(value: str | int | float | bool) -> str:
    """Frappe stores every default as text; a Check default is "1" or "0"."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def docfield(field: DocField, field_types: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {key: getattr(field, key) for key in _SHARED_FIELD_KEYS}
    for key in ("reqd", "unique", "read_only", "hidden", "fetch_if_empty", "in_list_view"):
        out[key] = int(out[key])
    for key in ("in_standard_filter", "search_index", "allow_on_submit", "no_copy", "bold"):
        out[key] = int(out[key])
    for key in ("collapsible", "print_hide", "non_negative"):
        out[key] = int(out[key])
    if field.label is not None:
        out["label"] = field.label.en
    if field.description is not None:
        out["description"] = field.description.en
    if field.fieldtype == "Select":
        # An optional Select with no default starts with an empty option, as Frappe's own DocTypes
        # write it: without it Frappe fills the first option into every new document.
        blank = [""] if not field.reqd and field.default is None else []
        out["options"] = "\n".join(blank + [choice.value for choice in field.choices])
    elif isinstance(field.options, str):
        out["options"] = field.options
    if field.default is not None:
        out["default"] = frappe_default(field.default)
    if field.precision is not None:
        out["precision"] = str(field.precision)
    for key in EXPRESSION_PROPERTIES:
        source = getattr(field, key)
        if source:
            out[key] = js_condition(source, field_types)
    return out


def docperm(perm: DocPerm) -> dict[str, Any]:
    return {key: (getattr(perm, key) if key == "role" else int(getattr(perm, key))) for key in _PERM_KEYS}


def _amended_from(doctype: str) -> dict[str, Any]:
    return {
        "fieldname": "amended_from",
        "fieldtype": "Link",
        "label": "Amended From",
        "no_copy": 1,
        "options": doctype,
        "print_hide": 1,
        "read_only": 1,
        "search_index": 1,
    }


def _workflow_state_field(fieldname: str) -> dict[str, Any]:
    """What Workflow.create_custom_field_for_workflow_state adds, plus an index for the inbox."""
    return {
        "allow_on_submit": 1,
        "fieldname": fieldname,
        "fieldtype": "Link",
        "hidden": 1,
        "label": fieldname.replace("_", " ").title(),
        "no_copy": 1,
        "options": "Workflow State",
        "search_index": 1,
    }


def _nestedset_fields(doctype: str) -> list[dict[str, Any]]:
    """DocType.add_nestedset_fields."""
    parent = "parent_" + doctype.replace(" ", "_").replace("-", "_").lower()
    return [
        {"fieldname": "lft", "fieldtype": "Int", "hidden": 1, "label": "Left", "no_copy": 1, "read_only": 1},
        {"fieldname": "rgt", "fieldtype": "Int", "hidden": 1, "label": "Right", "no_copy": 1, "read_only": 1},
        {"fieldname": "is_group", "fieldtype": "Check", "label": "Is Group"},
        {"fieldname": "old_parent", "fieldtype": "Link", "label": "Old Parent", "options": doctype},
        {
            "fieldname": parent,
            "fieldtype": "Link",
            "ignore_user_permissions": 1,
            "label": f"Parent {doctype}",
            "options": doctype,
        },
    ]


def doctype_json(doctype: DocType, workflow_state_field: str | None = None) -> dict[str, Any]:
    """The exported DocType document (before `strip_falsy`, which `doctype_file` applies).

    Masked sensitive fields are followed by their permlevel-0 masked companion (compile.masked)."""
    spec_doctype = doctype
    doctype = verify_app.with_pinyin(with_companions(doctype))  # + the hidden tf_pinyin column
    types = {f.fieldname: f.fieldtype for f in doctype.data_fields}
    fields = [docfield(f, types) for f in doctype.fields]
    names = {f["fieldname"] for f in fields}
    if workflow_state_field and workflow_state_field not in names:
        fields.append(_workflow_state_field(workflow_state_field))
    if doctype.is_submittable and "amended_from" not in names:
        fields.append(_amended_from(doctype.name))
    nsm_parent = None
    if doctype.is_tree:
        tree_fields = [f for f in _nestedset_fields(doctype.name) if f["fieldname"] not in names]
        fields.extend(tree_fields)
        nsm_parent = _nestedset_fields(doctype.name)[-1]["fieldname"]
    doc: dict[str, Any] = {
        "actions": [],
        "autoname": doctype.autoname,
        "description": doctype.description.en if doctype.description else None,
        "doctype": "DocType",
        "editable_grid": int(doctype.istable),
        "engine": "InnoDB",
        "field_order": [f["fieldname"] for f in fields],
        "fields": fields,
        "index_web_pages_for_search": 1,
        "is_submittable": int(doctype.is_submittable),
        "is_tree": int(doctype.is_tree),
        "issingle": int(doctype.issingle),
        "istable": int(doctype.istable),
        "links": [],
        "modified_by": OWNER,
        "module": doctype.module,
        "name": doctype.name,
        "naming_rule": naming_rule(doctype.autoname),
        "nsm_parent_field": nsm_parent,
        "owner": OWNER,
        "permissions": [docperm(p) for p in doctype.permissions],
        "search_fields": ",".join(doctype.search_fields) or None,
        "sort_field": doctype.sort_field,
        "sort_order": doctype.sort_order,
        "states": [],
        "title_field": doctype.title_field,
        "track_changes": int(doctype.track_changes),
        "track_views": int(tracks_views(spec_doctype)),
    }
    doc = strip_falsy(doc)
    doc["creation"], doc["modified"] = content_timestamps(doc)
    return doc
