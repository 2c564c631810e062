"""DocPerm rows narrowed to workflow states, on Frappe: the compiled app wires Frappe's
permission_query_conditions and has_permission hooks to the extension's generic functions for
every DocType with such rows, and those functions narrow a Facility Officer to issued
certificates (SQL for lists, a boolean for one document) while leaving other users alone.

The extension module imports `frappe`; here a minimal stand-in answers the three things it asks
(the session user, the user's roles, value escaping), so the rule is checked without a bench.
tests/frappe checks the same on a real site.
"""

from __future__ import annotations

import ast
import importlib
import sys
import types
from pathlib import Path

import pytest

from townflow.compile import build_files
from townflow.rules.scope import reachable_workflow_states

APP = "care_for_girls"
ROOT = Path(__file__).resolve().parents[2]
CERTIFICATE = "Termination Certificate Application"
ISSUED_AND_LATER = ("Issued", "Used", "Expired", "Revoked")
EXT = "care_for_girls.townflow_ext.permissions"


def _hooks(files: dict[str, bytes]) -> dict:
    tree = ast.parse(files[f"{APP}/hooks.py"].decode())
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }


def test_a_doctype_with_state_restricted_rows_gets_both_permission_hooks(repo_project):
    hooks = _hooks(build_files(repo_project))
    assert hooks["permission_query_conditions"] == {CERTIFICATE: f"{EXT}.query_conditions"}
    assert hooks["has_permission"] == {CERTIFICATE: f"{EXT}.has_permission"}


def test_a_project_without_such_rows_gets_no_permission_hooks(sample_project):
    hooks = _hooks(build_files(sample_project))
    assert "permission_query_conditions" not in hooks and "has_permission" not in hooks


def test_the_rule_narrows_only_users_reaching_the_doctype_through_narrowed_rows(repo_project):
    perms = repo_project.doctypes[CERTIFICATE].permissions
    assert reachable_workflow_states(perms, {"Facility Officer", "All"}) == ISSUED_AND_LATER
    assert reachable_workflow_states(perms, {"Facility Officer"}, "write") == ISSUED_AND_LATER
    # an unrestricted row of another role reaches every state
    assert reachable_workflow_states(perms, {"Facility Officer", "Township Approver"}) is None
    assert reachable_workflow_states(perms, {"Village Clerk"}) is None
    # no row grants create: DocPerm alone refuses, the rule does not decide
    assert reachable_workflow_states(perms, {"Facility Officer"}, "create") is None


@pytest.fixture
def ext(monkeypatch):
    """The extension's permissions module over a stand-in `frappe` (user -> roles in `roles`)."""
    roles: dict[str, list[str]] = {}
    fake = types.ModuleType("frappe")
    fake.session = types.SimpleNamespace(user="Guest")
    fake.get_roles = lambda user=None: roles.get(user, ["Guest"])
    fake.db = types.SimpleNamespace(escape=lambda v: "'" + str(v).replace("'", "''") + "'")
    monkeypatch.setitem(sys.modules, "frappe", fake)
    monkeypatch.syspath_prepend(str(ROOT / "apps" / APP))
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        monkeypatch.delitem(sys.modules, name)
    module = importlib.import_module(EXT)
    module.roles = roles
    yield module
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        sys.modules.pop(name, None)


class _Doc(dict):
    doctype = CERTIFICATE
    name = "YCSQ-2026-00001"


def test_a_facility_officer_lists_issued_certificates_only(ext):
    ext.roles.update({"facility@x": ["Facility Officer", "All"], "approver@x": ["Township Approver"]})
    assert ext.query_conditions("facility@x", doctype=CERTIFICATE) == (
        "`tabTermination Certificate Application`.`workflow_state`"
        " in ('Issued', 'Used', 'Expired', 'Revoked')"
    )
    assert ext.query_conditions("approver@x", doctype=CERTIFICATE) == ""
    assert ext.query_conditions("Administrator", doctype=CERTIFICATE) == ""


def test_a_facility_officer_opens_a_certificate_once_issued(ext):
    ext.roles.update({"facility@x": ["Facility Officer"], "approver@x": ["Township Approver"]})
    pending = _Doc(workflow_state="Pending Township Approval")
    issued = _Doc(workflow_state="Issued")
    assert ext.has_permission(pending, "read", "facility@x") is False
    assert ext.has_permission(issued, "read", "facility@x") is None  # Frappe's own checks decide
    assert ext.has_permission(_Doc(workflow_state="Used"), "write", "facility@x") is None
    assert ext.has_permission(pending, "read", "approver@x") is None
