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
from townflow.rules.scope import reachable_workflow_states, reaches_nothing

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


def _narrowed(project) -> set[str]:
    return {
        name
        for name, dt in project.doctypes.items()
        if any(p.workflow_states is not None or p.scope != "township" for p in dt.permissions)
    }


def test_a_doctype_with_state_restricted_or_scoped_rows_gets_both_permission_hooks(repo_project):
    hooks = _hooks(build_files(repo_project))
    expected = _narrowed(repo_project)
    assert CERTIFICATE in expected and "Subsidy Application" in expected
    assert hooks["permission_query_conditions"] == {dt: f"{EXT}.query_conditions" for dt in expected}
    assert hooks["has_permission"] == {dt: f"{EXT}.has_permission" for dt in expected}


def test_doctypes_whose_rows_are_all_township_wide_get_no_permission_hooks(sample_project):
    hooks = _hooks(build_files(sample_project))
    township_only = set(sample_project.doctypes) - _narrowed(sample_project)
    assert township_only
    assert not township_only & set(hooks.get("permission_query_conditions", {}))
    assert not township_only & set(hooks.get("has_permission", {}))


def test_deny_by_default_a_scoped_officer_without_a_user_permission_reaches_nothing(repo_project):
    perms = repo_project.doctypes["Subsidy Application"].permissions
    civil_affairs = {"allow": "Department", "for_value": "民政办", "apply_to_all_doctypes": 1}
    assert reaches_nothing(perms, {"Civil Affairs Officer"}, [], "Subsidy Application")
    assert not reaches_nothing(perms, {"Civil Affairs Officer"}, [civil_affairs], "Subsidy Application")
    # a township-wide row reaches everything; a role granting nothing is left to DocPerm
    assert not reaches_nothing(
        perms, {"Civil Affairs Officer", "Township Approver"}, [], "Subsidy Application"
    )
    assert not reaches_nothing(perms, {"Nobody"}, [], "Subsidy Application")


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
    # frappe.utils.caching.request_cache memoizes per request; here each call computes afresh
    fake.utils = types.ModuleType("frappe.utils")
    fake.utils.caching = types.ModuleType("frappe.utils.caching")
    fake.utils.caching.request_cache = lambda fn: fn
    monkeypatch.setitem(sys.modules, "frappe.utils", fake.utils)
    monkeypatch.setitem(sys.modules, "frappe.utils.caching", fake.utils.caching)
    monkeypatch.syspath_prepend(str(ROOT / "apps" / APP))
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        monkeypatch.delitem(sys.modules, name)
    module = importlib.import_module(EXT)
    module.roles = roles
    # User Permissions come from Frappe's cached map; here: each facility officer is bound to one
    bound = {"allow": "Designated Facility", "for_value": "县妇幼保健院", "apply_to_all_doctypes": 1}
    module.user_permissions = {"facility@x": [bound]}
    monkeypatch.setattr(module, "_user_permissions", lambda user: module.user_permissions.get(user, []))
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


def test_a_facility_officer_bound_to_no_facility_reaches_no_certificate(ext):
    """Deny by default: without a User Permission on Designated Facility, nothing (Frappe alone
    would show every certificate in the states their row names)."""
    ext.roles.update({"unbound@x": ["Facility Officer"]})
    assert ext.query_conditions("unbound@x", doctype=CERTIFICATE) == "1=0"
    assert ext.has_permission(_Doc(workflow_state="Issued"), "read", "unbound@x") is False
