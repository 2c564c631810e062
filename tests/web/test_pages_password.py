"""Issue 18 point 10: one password rule on every path that sets a password (REST User insert and
update, the admin page), and a temporary password an admin hands over is changed at first login
before the site can be used."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from townflow.runtime.site import Site
from townflow.web.app import create_app

from .test_pages_support import csrf, demo_site, login, village_of

ADMIN = "sysadmin@demo"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


def _alert(html: str) -> str:
    found = re.findall(r'alert-danger" role="alert">([^<]+)', html)
    return found[0] if found else ""


def _new_clerk(admin: TestClient, site: Site, email: str, password: str, *, must_change: bool) -> object:
    data = {
        "csrf_token": csrf(admin, "/admin/users/new"),
        "is_new": "1",
        "email": email,
        "full_name": "新专干",
        "enabled": "1",
        "new_password": password,
        "roles": ["Village Clerk"],
        "villages": [village_of(site, "clerk.v01@demo")],
    }
    if must_change:
        data["must_change_password"] = "1"
    return admin.post("/admin/users/save", data=data, follow_redirects=False)


def test_the_password_rule_holds_over_rest_and_on_the_admin_page(app, site: Site) -> None:
    admin = login(app, ADMIN)
    headers = {"X-Frappe-CSRF-Token": csrf(admin)}
    weak = {"doctype": "User", "email": "weak@demo", "first_name": "弱", "new_password": "123"}
    inserted = admin.post("/api/resource/User", json=weak, headers=headers)
    assert inserted.status_code == 417 and "至少8位" in inserted.text
    assert not site.session("Administrator").get_count("User", {"name": "weak@demo"})
    updated = admin.put(
        "/api/resource/User/clerk.v02@demo", json={"new_password": "abcdefghij"}, headers=headers
    )
    assert updated.status_code == 417 and "字母和数字" in updated.text
    login(app, "clerk.v02@demo")  # the demo password still works: nothing was written
    page = _new_clerk(admin, site, "weak2@demo", "12345678", must_change=False)
    assert page.status_code == 417 and "字母和数字" in _alert(page.text)


def test_a_temporary_password_is_changed_at_first_login_before_anything_else(app, site: Site) -> None:
    admin = login(app, ADMIN)
    created = _new_clerk(admin, site, "temp.v01@demo", "Temp-pass-2026", must_change=True)
    assert created.status_code == 303, _alert(created.text)

    clerk = TestClient(app)
    first = clerk.post(
        "/login", data={"usr": "temp.v01@demo", "pwd": "Temp-pass-2026"}, follow_redirects=False
    )
    assert first.headers["location"] == "/change-password"
    # nothing else is open to them: pages lead back here, the API refuses
    assert clerk.get("/app", follow_redirects=False).headers["location"] == "/change-password"
    assert clerk.get("/inbox", follow_redirects=False).headers["location"] == "/change-password"
    assert clerk.get("/api/resource/Household").status_code == 403
    form = clerk.get("/change-password").text
    assert "管理员设置的初始密码" in form
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)

    def change(new: str, again: str | None = None):
        data = {"csrf_token": token, "new_password": new, "confirm_password": again or new}
        return clerk.post("/change-password", data=data, follow_redirects=False)

    assert "不一致" in _alert(change("Mine-pass-2026", "Mine-pass-2027").text)
    assert "不能与初始密码相同" in _alert(change("Temp-pass-2026").text)
    assert "至少8位" in _alert(change("short1").text)
    done = change("Mine-pass-2026")
    assert done.status_code == 303 and done.headers["location"] == "/app"
    assert clerk.get("/app").status_code == 200  # the fresh session works at once
    assert not site.users.must_change_password("temp.v01@demo")
    again = TestClient(app)
    later = again.post(
        "/login", data={"usr": "temp.v01@demo", "pwd": "Mine-pass-2026"}, follow_redirects=False
    )
    assert later.headers["location"] != "/change-password"
