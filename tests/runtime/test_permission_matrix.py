"""The permission matrix, generated from the real spec: every role x DocType x operation x scope.

For each DocType of the project, three records are stored directly (no validation involved):
one inside the test user's village/department/facility, one outside it, and one outside it but
owned by the user (for `if_owner` rows). For each role a user holds that role and User
Permissions for the "inside" values. The expected answer is computed here from the spec's
DocPerm rows alone — a row grants an operation on a record when the role matches, the
operation is ticked at permlevel 0, the record is within the row's scope (township: always;
village/department/facility: its Link to that DocType holds the user's value, or it is that
very Village/Department/Facility) and, with if_owner, the user owns it — and compared with what
the runtime answers through `has_permission`, `get`, `get_list` and `get_count`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from townflow.runtime import Site, store
from townflow.runtime.errors import DoesNotExistError, PermissionError
from townflow.spec import load_project
from townflow.spec.models import SCOPE_DOCTYPE

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ("read", "write", "create", "delete", "submit", "cancel", "amend", "report", "export", "print")
INSIDE = {"village": "MATRIX-V-IN", "department": "MATRIX-D-IN", "facility": "MATRIX-F-IN"}
OUTSIDE = {"village": "MATRIX-V-OUT", "department": "MATRIX-D-OUT", "facility": "MATRIX-F-OUT"}
RECORDS = ("inside", "outside", "own_outside")


@pytest.fixture(scope="module")
def matrix_site(tmp_path_factory):
    project = load_project(ROOT)
    site = Site.open(tmp_path_factory.mktemp("matrix"), project, admin_password="x", with_fixtures=False)
    with site.transaction():
        for name in doctypes_under_test(project):
            for kind in RECORDS:
                store.insert_row(site.db, site.metas.get(name), raw_record(site, name, kind))
    roles = sorted(set(project.roles) | {"System Manager"})
    admin = site.session("Administrator")
    for role in roles:
        if not store.exists(site.db, site.metas.get("Role"), role):
            admin.insert({"doctype": "Role", "role_name": role})
        user = user_for(role)
        admin.insert({"doctype": "User", "email": user, "full_name": role, "roles": [{"role": role}]})
        for scope, value in INSIDE.items():
            admin.insert(
                {
                    "doctype": "User Permission",
                    "user": user,
                    "allow": SCOPE_DOCTYPE[scope],
                    "for_value": value,
                }
            )
    yield site, project, roles
    site.close()


def user_for(role: str) -> str:
    return "matrix_" + role.lower().replace(" ", "_")


def doctypes_under_test(project) -> list[str]:
    return sorted(n for n, d in project.doctypes.items() if not d.istable and not d.issingle)


def record_name(doctype: str, kind: str) -> str:
    for scope, target in SCOPE_DOCTYPE.items():
        if doctype == target:
            return INSIDE[scope] if kind == "inside" else f"{OUTSIDE[scope]}-{kind}"
    return f"MATRIX-{doctype}-{kind}"


def raw_record(site, doctype: str, kind: str) -> dict:
    values = INSIDE if kind == "inside" else OUTSIDE
    owner = "someone.else" if kind != "own_outside" else "{user}"
    row = {"name": record_name(doctype, kind), "owner": owner, "docstatus": 0, "idx": 0}
    row.update(creation="2026-01-01 00:00:00", modified="2026-01-01 00:00:00", modified_by="Administrator")
    for f in site.metas.get(doctype).value_fields:
        for scope, target in SCOPE_DOCTYPE.items():
            if f.fieldtype == "Link" and f.options == target:
                row[f.fieldname] = values[scope]
        if f.permlevel > 0 and f.fieldtype in ("Data", "Small Text", "Text", "Long Text"):
            row[f.fieldname] = SECRET
    workflow = site.project.workflows.get(doctype)
    if workflow is not None:
        row[workflow.workflow_state_field] = record_state(site.project, doctype)
    return row


def record_state(project, doctype: str) -> str | None:
    """The workflow state the matrix records are in: one that rows narrowed to workflow states
    (`workflow_states`) reach, so those rows are exercised too; else none."""
    for perm in project.doctypes[doctype].permissions:
        if perm.workflow_states:
            return perm.workflow_states[0]
    return None


SECRET = "370626199001011234"


def readable_levels(project, role: str, doctype: str) -> set[int]:
    return {
        p.permlevel
        for p in project.doctypes[doctype].permissions
        if p.role in (role, "All") and (p.read or p.write)
    }


def in_scope(project, doctype: str, kind: str, scope: str) -> bool:
    if scope == "township":
        return True
    if kind != "inside":
        return False
    target = SCOPE_DOCTYPE[scope]
    dt = project.doctypes[doctype]
    return doctype == target or any(f.fieldtype == "Link" and f.options == target for f in dt.fields)


def expected(project, role: str, doctype: str, op: str, kind: str, *, owned: bool | None = None) -> bool:
    """Whether the spec lets a holder of `role` (and the automatic "All") do `op` on the record."""
    owned = kind == "own_outside" if owned is None else owned
    for perm in project.doctypes[doctype].permissions:
        if perm.role not in (role, "All") or perm.permlevel != 0 or not getattr(perm, op):
            continue
        if perm.workflow_states is not None and record_state(project, doctype) not in perm.workflow_states:
            continue
        if in_scope(project, doctype, kind, perm.scope) and (owned or not perm.if_owner):
            return True
    return False


def test_matrix_covers_every_role_and_doctype(matrix_site):
    _site, project, roles = matrix_site
    assert len(roles) >= 10 and len(doctypes_under_test(project)) >= 10


@pytest.mark.parametrize("op", OPERATIONS)
def test_record_permissions_match_the_spec(matrix_site, op):
    site, project, roles = matrix_site
    mismatches = []
    answers = {True: 0, False: 0}
    for role in roles:
        session = site.session(user_for(role))
        # the "own" record belongs to this user: rewrite its owner for this role's run
        for doctype in doctypes_under_test(project):
            meta = site.metas.get(doctype)
            own = record_name(doctype, "own_outside")
            site.db.execute(f"UPDATE {meta.table} SET owner = ? WHERE name = ?", (session.user, own))  # noqa: S608
            for kind in RECORDS:
                want = expected(project, role, doctype, op, kind)
                if op == "create":  # a new document: the creator owns it, its values decide the scope
                    values = {**raw_record(site, doctype, kind), "owner": session.user}
                    got = session.has_permission(doctype, "create") and site.perms.doc_allowed(
                        site.db, meta, session.ctx, "create", values
                    )
                    want = expected(project, role, doctype, op, kind, owned=True)
                else:
                    got = session.has_permission(doctype, op, record_name(doctype, kind))
                answers[want] += 1
                if got != want:
                    mismatches.append((role, doctype, op, kind, want, got))
    assert mismatches == []
    if op in ("read", "write", "create"):  # the matrix must exercise both answers
        assert answers[True] > 10 and answers[False] > 10, answers


def test_read_paths_agree_with_the_matrix(matrix_site):
    site, project, roles = matrix_site
    mismatches = []
    for role in roles:
        session = site.session(user_for(role))
        for doctype in doctypes_under_test(project):
            meta = site.metas.get(doctype)
            site.db.execute(
                f"UPDATE {meta.table} SET owner = ? WHERE name = ?",  # noqa: S608 - a quoted table name
                (session.user, record_name(doctype, "own_outside")),
            )
            readable = {
                record_name(doctype, k) for k in RECORDS if expected(project, role, doctype, "read", k)
            }
            can_read_doctype = any(p.role == role and p.read for p in project.doctypes[doctype].permissions)
            if not can_read_doctype:
                with pytest.raises(PermissionError):
                    session.get_list(doctype)
                continue
            listed = {
                r["name"]
                for r in session.get_list(doctype, filters={"name": ["like", "MATRIX%"]}, limit_page_length=0)
            }
            count = session.get_count(doctype, filters={"name": ["like", "MATRIX%"]})
            if listed & {record_name(doctype, k) for k in RECORDS} != readable or count != len(listed):
                mismatches.append((role, doctype, sorted(readable), sorted(listed), count))
            for kind in RECORDS:
                name = record_name(doctype, kind)
                if name in readable:
                    assert session.get(doctype, name)["name"] == name
                else:
                    with pytest.raises(DoesNotExistError):
                        session.get(doctype, name)
    assert mismatches == []


def test_field_levels_match_the_spec(matrix_site):
    """Fields above the levels a role may read come back empty, or masked when sensitive."""
    site, project, roles = matrix_site
    checked = 0
    for role in roles:
        session = site.session(user_for(role))
        for doctype in doctypes_under_test(project):
            name = record_name(doctype, "inside")
            if not expected(project, role, doctype, "read", "inside"):
                continue
            doc = session.get(doctype, name)
            levels = readable_levels(project, role, doctype)
            for f in site.metas.get(doctype).value_fields:
                if f.permlevel == 0 or f.fieldtype not in ("Data", "Small Text", "Text", "Long Text"):
                    continue
                checked += 1
                if f.permlevel in levels:
                    assert doc[f.fieldname] == SECRET, (role, doctype, f.fieldname)
                elif f.sensitive:
                    assert doc[f.fieldname] != SECRET and (doc[f.fieldname] or "").count("*") > 0
                else:
                    assert doc[f.fieldname] is None, (role, doctype, f.fieldname)
    assert checked > 20
