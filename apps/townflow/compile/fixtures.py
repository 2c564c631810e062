"""Roles, Workflows and registry records as Frappe fixtures.

The shape is what `bench export-fixtures` writes (frappe/utils/fixtures.py -> export_json in
frappe/core/doctype/data_import/data_import.py, v15): `doc.as_dict()` of every record — every
data column, nulls included — minus modified_by/creation/owner/idx; child rows also lose
docstatus/doctype/modified/name and keep parent/parentfield/parenttype. One file per DocType,
named `frappe.scrub(doctype) + ".json"`, listed in hooks.py `fixtures` with name filters.
"""

from __future__ import annotations

from typing import Any

from townflow.compile.frappe_format import content_timestamps
from townflow.expr import parse
from townflow.spec.models import DocType, Record, Role, Workflow

#: Data columns of Frappe's own fixture DocTypes, with the empty value an export shows for each
#: (checks export as 0, everything else as null). Taken from the v15 JSON definitions; the
#: tests compare these names with tests/compile/frappe_v15_meta.json.
FRAPPE_COLUMNS: dict[str, dict[str, Any]] = {
    "Role": {
        "desk_access": 0,
        "disabled": 0,
        "home_page": None,
        "is_custom": 0,
        "restrict_to_domain": None,
        "role_name": None,
        "two_factor_auth": 0,
    },
    "Workflow State": {"icon": None, "style": None, "workflow_state_name": None},
    "Workflow Action Master": {"workflow_action_name": None},
    "Workflow": {
        "document_type": None,
        "is_active": 0,
        "override_status": 0,
        "send_email_alert": 0,
        "workflow_data": None,
        "workflow_name": None,
        "workflow_state_field": None,
    },
    "Workflow Document State": {
        "allow_edit": None,
        "avoid_status_override": 0,
        "doc_status": "0",
        "is_optional_state": 0,
        "message": None,
        "next_action_email_template": None,
        "state": None,
        "update_field": None,
        "update_value": None,
        "workflow_builder_id": None,
    },
    "Workflow Transition": {
        "action": None,
        "allow_self_approval": 0,
        "allowed": None,
        "condition": None,
        "next_state": None,
        "state": None,
        "workflow_builder_id": None,
    },
}

SETTINGS_DOCTYPE = "Campaign Settings"
#: Roles every Frappe site has; an app must not ship them as fixtures.
STANDARD_ROLES = frozenset({"Administrator", "System Manager", "Guest", "All", "Desk User"})

_EMPTY_BY_TYPE = {"Check": 0, "Int": 0, "Float": 0.0, "Currency": 0.0, "Percent": 0.0, "Rating": 0.0}


def _parent_record(doctype: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
    """A top-level exported record: columns + docstatus/doctype/modified/name."""
    record = {**FRAPPE_COLUMNS.get(doctype, {}), **values, "docstatus": 0, "doctype": doctype, "name": name}
    record["modified"] = content_timestamps(record)[1]
    return record


def _child_row(doctype: str, parent: str, parenttype: str, parentfield: str, values: dict[str, Any]) -> dict:
    row = {**FRAPPE_COLUMNS.get(doctype, {}), **values}
    row.update(parent=parent, parentfield=parentfield, parenttype=parenttype)
    return row


def role_records(roles: list[Role]) -> list[dict[str, Any]]:
    return [
        _parent_record("Role", r.role_name, {"role_name": r.role_name, "desk_access": int(r.desk_access)})
        for r in roles
        if r.role_name not in STANDARD_ROLES
    ]


def workflow_state_records(workflows: list[Workflow]) -> list[dict[str, Any]]:
    styles: dict[str, str | None] = {}
    for wf in workflows:
        for s in wf.states:
            styles.setdefault(s.state, s.style or None)
    return [
        _parent_record("Workflow State", state, {"workflow_state_name": state, "style": style})
        for state, style in styles.items()
    ]


def workflow_action_records(workflows: list[Workflow]) -> list[dict[str, Any]]:
    actions = list(dict.fromkeys(t.action for wf in workflows for t in wf.transitions))
    return [_parent_record("Workflow Action Master", a, {"workflow_action_name": a}) for a in actions]


def field_types(doctype: DocType | None) -> dict[str, str]:
    return {f.fieldname: f.fieldtype for f in doctype.data_fields} if doctype is not None else {}


def frappe_condition(
    source: str | None, doc_types: dict[str, str] | None = None, settings_types: dict[str, str] | None = None
) -> str | None:
    """A transition condition as Python that frappe.safe_eval runs with `doc` (a frappe._dict);
    the field types let dates be compared as text and numeric settings be cast from a Single's text."""
    if not source:
        return None
    return parse(source).to_frappe_python(field_types=doc_types, settings_types=settings_types)


def workflow_record(wf: Workflow, project_doctypes: dict[str, DocType] | None = None) -> dict[str, Any]:
    name = wf.workflow_name
    doctypes = project_doctypes or {}
    doc_types = field_types(doctypes.get(wf.document_type))
    settings_types = field_types(doctypes.get(SETTINGS_DOCTYPE))
    states = [
        _child_row(
            "Workflow Document State",
            name,
            "Workflow",
            "states",
            {
                "allow_edit": s.allow_edit,
                "doc_status": str(s.doc_status),
                "is_optional_state": int(s.is_optional_state),
                "state": s.state,
                "update_field": s.update_field,
                "update_value": s.update_value,
            },
        )
        for s in wf.states
    ]
    transitions = [
        _child_row(
            "Workflow Transition",
            name,
            "Workflow",
            "transitions",
            {
                "action": t.action,
                "allow_self_approval": int(t.allow_self_approval),
                "allowed": t.allowed,
                "condition": frappe_condition(t.condition, doc_types, settings_types),
                "next_state": t.next_state,
                "state": t.state,
            },
        )
        for t in wf.transitions
    ]
    values = {
        "document_type": wf.document_type,
        "is_active": int(wf.is_active),
        "override_status": int(wf.override_status),
        "send_email_alert": int(wf.send_email_alert),
        "workflow_name": name,
        "workflow_state_field": wf.workflow_state_field,
        "states": states,
        "transitions": transitions,
    }
    return _parent_record("Workflow", name, values)


def record_name(record: Record, doctype: DocType) -> str:
    """The name Frappe would give the record: explicit, `field:<fieldname>`, or the single's name."""
    if doctype.issingle:
        return doctype.name
    if record.name:
        return record.name
    autoname = doctype.autoname or ""
    if autoname.startswith("field:"):
        value = (record.model_extra or {}).get(autoname.split(":", 1)[1])
        if value not in (None, ""):
            return str(value)
    raise ValueError(
        f"fixture record of {doctype.name} needs a `name` (its autoname {autoname or 'hash'!r} "
        "does not derive one from the record)"
    )


def _column_values(doctype: DocType, values: dict[str, Any], project_doctypes: dict[str, DocType]) -> dict:
    out: dict[str, Any] = {}
    for f in doctype.data_fields:
        out[f.fieldname] = _EMPTY_BY_TYPE.get(f.fieldtype)
    for f in doctype.fields:
        if f.fieldtype in ("Table", "Table MultiSelect"):
            out[f.fieldname] = []
    for key, value in values.items():
        field = doctype.field(key)
        if field is None:
            continue
        if field.fieldtype == "Check":
            value = int(bool(value))
        out[key] = value
    return out


def record_fixture(record: Record, doctype: DocType, project_doctypes: dict[str, DocType]) -> dict[str, Any]:
    name = record_name(record, doctype)
    values = _column_values(doctype, dict(record.model_extra or {}), project_doctypes)
    for f in doctype.fields:
        if f.fieldtype in ("Table", "Table MultiSelect") and isinstance(f.options, str):
            child_type = project_doctypes.get(f.options)
            rows = values.get(f.fieldname) or []
            if child_type is not None:
                values[f.fieldname] = [
                    _child_row(
                        f.options,
                        name,
                        doctype.name,
                        f.fieldname,
                        _column_values(child_type, row, project_doctypes),
                    )
                    for row in rows
                ]
    return _parent_record(doctype.name, name, values)
