"""The spec bundled with the app (care_for_girls/townflow_spec.json), as townflow's own models."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import frappe

from townflow.rules import monitoring, steps
from townflow.spec.models import SCOPE_DOCTYPE, DocType, Role, Workflow

BUNDLE = Path(__file__).resolve().parent.parent / "townflow_spec.json"
SETTINGS_DOCTYPE = "Campaign Settings"


@cache
def _bundle() -> dict[str, Any]:
    data = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return {
        "doctypes": {d["name"]: DocType.model_validate(d) for d in data["doctypes"]},
        "workflows": {w["document_type"]: Workflow.model_validate(w) for w in data["workflows"]},
        "roles": {r["role_name"]: Role.model_validate(r) for r in data["roles"]},
        "settings": data.get("settings") or {},
    }


def doctype_names() -> list[str]:
    return sorted(_bundle()["doctypes"])


def doctype(name: str) -> DocType | None:
    return _bundle()["doctypes"].get(name)


def workflow(doctype_name: str) -> Workflow | None:
    return _bundle()["workflows"].get(doctype_name)


@cache
def pooled_roles() -> frozenset[str]:
    """The roles a pooled task can wait on: every role a workflow step is assigned or escalated
    to (as townflow.runtime.inbox has it)."""
    # and those pregnancy monitoring work waits on (townflow_ext.monitoring: village / township clerk)
    return steps.waiting_roles(_bundle()["workflows"].values()) | monitoring.WORK_ROLES


def role_scope(role: str) -> str:
    found = _bundle()["roles"].get(role)
    return found.scope if found is not None else "township"


def spec_settings() -> dict[str, Any]:
    """Campaign Settings as the spec (fixtures/*.yaml and field defaults) gives them."""
    return dict(_bundle()["settings"])


def settings() -> dict[str, Any]:
    """Campaign Settings as the site holds them now (an admin may have changed them), else the spec's."""
    values = dict(_bundle()["settings"])
    if doctype(SETTINGS_DOCTYPE) is not None and frappe.db.exists("DocType", SETTINGS_DOCTYPE):
        stored = frappe.get_cached_doc(SETTINGS_DOCTYPE).as_dict()
        spec_fields = {f.fieldname for f in doctype(SETTINGS_DOCTYPE).data_fields}
        values.update({k: v for k, v in stored.items() if k in spec_fields and v not in (None, "")})
    return values


def scope_field(doctype_name: str, scope: str) -> str | None:
    """The document's Link field that carries `scope` (its Village, Department or Facility)."""
    target = SCOPE_DOCTYPE.get(scope)
    dt = doctype(doctype_name)
    if target is None or dt is None:
        return None
    if doctype_name == target:
        return "name"
    return next((f.fieldname for f in dt.fields if f.fieldtype == "Link" and f.options == target), None)


def inbox_index_fields(doctype_name: str) -> list[str] | None:
    """state + village + modified: the index the scoped inbox list needs (DESIGN.md, Frappe 15)."""
    wf = workflow(doctype_name)
    village = scope_field(doctype_name, "village")
    if wf is None or village is None:
        return None
    return [wf.workflow_state_field, village, "modified"]
