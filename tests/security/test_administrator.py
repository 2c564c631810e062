"""L5 and L8: Administrator is protected; generate_keys is audited as whoever asked.

A System Manager manages users, but cannot delete, disable or re-password Administrator, cannot
make Administrator's API keys, and cannot give anybody (herself included) the Administrator role
(issue 12, point 8). Making another user's keys is audited as her change and her read of the
secret, not as Administrator's (point 5).
"""

from __future__ import annotations

import json

from .conftest import ADMIN_PASSWORD, CLERK, api_login, exc_type

SYSADMIN = "sysadmin@demo"


def test_a_system_manager_cannot_take_over_administrator(app, site):
    sysadmin = api_login(app, SYSADMIN)
    attempts = [
        sysadmin.delete("/api/resource/User/Administrator"),
        sysadmin.put("/api/resource/User/Administrator", json={"enabled": 0}),
        sysadmin.put("/api/resource/User/Administrator", json={"new_password": "taken-over-1"}),
        sysadmin.put("/api/resource/User/Administrator", json={"email": "me@evil"}),
        sysadmin.post(
            "/api/method/frappe.core.doctype.user.user.generate_keys", json={"user": "Administrator"}
        ),
    ]
    for answer in attempts:
        assert answer.status_code == 403 and exc_type(answer) == "PermissionError", answer.text
    stored = site.session("Administrator").get("User", "Administrator")
    assert stored["enabled"] == 1 and stored["email"] != "me@evil"
    assert site.authenticate("Administrator", ADMIN_PASSWORD) == "Administrator"


def test_no_one_grants_herself_the_administrator_role(app, site):
    sysadmin = api_login(app, SYSADMIN)
    created = sysadmin.post("/api/resource/Role", json={"role_name": "Administrator", "desk_access": 1})
    assert created.status_code == 403, created.text
    admin = site.session("Administrator")
    if not admin.get_list("Role", filters={"name": "Administrator"}):  # Frappe has this role
        admin.insert({"doctype": "Role", "role_name": "Administrator", "desk_access": 1})
    me = sysadmin.get(f"/api/resource/User/{SYSADMIN}").json()["data"]
    roles = [{"role": r["role"]} for r in me["roles"]] + [{"role": "Administrator"}]
    answer = sysadmin.put(f"/api/resource/User/{SYSADMIN}", json={"roles": roles})
    assert answer.status_code == 403 and exc_type(answer) == "PermissionError", answer.text
    held = {r["role"] for r in admin.get("User", SYSADMIN)["roles"]}
    assert "Administrator" not in held


def test_generate_keys_is_audited_as_the_system_manager(app, site):
    sysadmin = api_login(app, SYSADMIN)
    answer = sysadmin.post("/api/method/frappe.core.doctype.user.user.generate_keys", json={"user": CLERK})
    assert answer.status_code == 200, answer.text
    rows = site.db.fetchall(
        "SELECT user, action, data FROM __audit_log WHERE ref_doctype = 'User' AND ref_name = ? "
        "ORDER BY id DESC LIMIT 2",
        (CLERK,),
    )
    assert {r["user"] for r in rows} == {SYSADMIN}, [dict(r) for r in rows]
    reads = [r for r in rows if r["action"] == "sensitive_read"]
    assert reads and json.loads(reads[0]["data"])["fields"] == ["api_secret"]
