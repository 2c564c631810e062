"""Sessions and CSRF, as a browser on the office network meets them.

A page from another site cannot make a signed-in clerk's browser change anything (every cookie
POST needs the session's CSRF token, sent in a header or the form body — never in the URL, where
it would end up in logs and Referer headers); a login always starts a new session; logout, a
disabled account and a password reset end sessions; guessing passwords is slowed down; and the
login form never sends anyone to another site.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from townflow.demodata.standard import DEMO_PASSWORD

from .conftest import CLERK, api_login, exc_type, one, page_csrf, page_login, village_of


def _cookie_client(app, user: str = CLERK) -> tuple[TestClient, str]:
    client = TestClient(app)
    answer = client.post("/api/method/login", json={"usr": user, "pwd": DEMO_PASSWORD})
    assert answer.status_code == 200
    return client, client.get("/api/method/townflow.api.csrf_token").json()["message"]


def _household(site) -> str:
    return one(site, "Household", village=village_of(site, CLERK))["name"]


def test_the_session_cookie_is_httponly_and_samesite(app):
    answer = TestClient(app).post("/api/method/login", json={"usr": CLERK, "pwd": DEMO_PASSWORD})
    cookie = answer.headers["set-cookie"].lower()
    assert (
        cookie.startswith("sid=") and "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    )


def test_cookie_changes_without_the_csrf_token_are_refused(app, site):
    client, _ = _cookie_client(app)
    household = _household(site)
    before = site.session("Administrator").get("Household", household)["notes"]
    for method, path, kwargs in [
        ("PUT", f"/api/resource/Household/{household}", {"json": {"notes": "forged"}}),
        ("POST", "/api/method/townflow.api.comment", {"json": {"doctype": "x", "name": "y", "content": "z"}}),
        ("POST", f"/app/household/{household}", {"data": {"notes": "forged"}}),
        ("POST", "/files/upload", {"files": {"file": ("a.txt", b"x")}}),
        ("POST", "/inbox/bulk", {"data": {"action": "Approve"}}),
        ("POST", "/logout", {}),
    ]:
        answer = client.request(method, path, follow_redirects=False, **kwargs)
        assert answer.status_code == 400, (path, answer.status_code)
    assert site.session("Administrator").get("Household", household)["notes"] == before


def test_a_wrong_csrf_token_is_refused(app, site):
    client, _ = _cookie_client(app)
    _, other_token = _cookie_client(app)
    answer = client.put(
        f"/api/resource/Household/{_household(site)}",
        json={"notes": "x"},
        headers={"X-Frappe-CSRF-Token": other_token},
    )
    assert answer.status_code == 400 and exc_type(answer) == "CSRFTokenError"


def test_the_csrf_token_is_not_taken_from_the_url(app, site):
    client, token = _cookie_client(app)
    household = _household(site)
    answer = client.put(f"/api/resource/Household/{household}?csrf_token={token}", json={"notes": "via url"})
    assert answer.status_code == 400 and exc_type(answer) == "CSRFTokenError", answer.text
    page = client.post(f"/app/household/{household}?csrf_token={token}", data={"notes": "via url"})
    assert page.status_code == 400
    # in the header or the form body it is accepted
    assert (
        client.put(
            f"/api/resource/Household/{household}",
            json={"notes": "ok"},
            headers={"X-Frappe-CSRF-Token": token},
        ).status_code
        == 200
    )


def test_pages_never_put_the_csrf_token_in_a_link(app):
    client = page_login(app, CLERK)
    token = page_csrf(client)
    for path in ("/app", "/inbox", "/app/household", "/app/subsidy-application"):
        page = client.get(path).text
        assert f"csrf_token={token}" not in page and f"?{token}" not in page, path


def test_a_login_starts_a_new_session_whatever_cookie_came_before(app):
    client = TestClient(app)
    client.cookies.set("sid", "chosen-by-an-attacker")
    answer = client.post("/api/method/login", json={"usr": CLERK, "pwd": DEMO_PASSWORD})
    sid = answer.cookies.get("sid")
    assert sid and sid != "chosen-by-an-attacker"
    stranger = TestClient(app)
    stranger.cookies.set("sid", "chosen-by-an-attacker")
    assert stranger.get("/api/method/frappe.auth.get_logged_user").status_code == 403


def test_logout_ends_the_session_on_the_server(app):
    client, _ = _cookie_client(app)
    sid = client.cookies.get("sid")
    assert client.post("/api/method/logout").status_code == 200
    replay = TestClient(app)
    replay.cookies.set("sid", sid)
    assert replay.get("/api/method/frappe.auth.get_logged_user").status_code == 403
    assert replay.get("/app", follow_redirects=False).status_code == 303


def test_a_disabled_user_loses_open_sessions_and_cannot_log_in(app, site):
    admin = api_login(app, "Administrator", "admin-security-test")
    email = "disabled.clerk@security"
    admin.post(
        "/api/resource/User",
        json={
            "email": email,
            "first_name": "停用",
            "new_password": "Pass-2026-x",
            "roles": [{"role": "Village Clerk"}],
        },
    )
    client = TestClient(app)
    assert client.post("/api/method/login", json={"usr": email, "pwd": "Pass-2026-x"}).status_code == 200
    assert admin.put(f"/api/resource/User/{email}", json={"enabled": 0}).status_code == 200
    assert client.get("/api/method/frappe.auth.get_logged_user").status_code == 403
    assert (
        TestClient(app).post("/api/method/login", json={"usr": email, "pwd": "Pass-2026-x"}).status_code
        == 401
    )


def test_a_password_reset_ends_the_users_other_sessions(app, site):
    """An admin resets the password of an account that was phished: the phisher's session ends."""
    admin = api_login(app, "Administrator", "admin-security-test")
    email = "phished.clerk@security"
    admin.post(
        "/api/resource/User",
        json={
            "email": email,
            "first_name": "被盗",
            "new_password": "Old-pass-2026",
            "roles": [{"role": "Village Clerk"}],
        },
    )
    phisher = TestClient(app)
    assert phisher.post("/api/method/login", json={"usr": email, "pwd": "Old-pass-2026"}).status_code == 200
    assert admin.put(f"/api/resource/User/{email}", json={"new_password": "New-pass-2026"}).status_code == 200
    assert phisher.get("/api/method/frappe.auth.get_logged_user").status_code == 403


def test_password_guessing_is_throttled_on_the_api_and_the_form(app):
    client = TestClient(app)
    codes = [
        client.post("/api/method/login", json={"usr": "head.v02@demo", "pwd": "guess"}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # the right password does not get through while throttled
    assert (
        client.post("/api/method/login", json={"usr": "head.v02@demo", "pwd": DEMO_PASSWORD}).status_code
        == 429
    )
    form = [
        client.post("/login", data={"usr": "head.v03@demo", "pwd": "guess"}).status_code for _ in range(6)
    ]
    assert form[5] == 429


def test_unknown_user_and_wrong_password_answer_alike(app):
    client = TestClient(app)
    unknown = client.post("/api/method/login", json={"usr": "nobody@demo", "pwd": "x"})
    wrong = client.post("/api/method/login", json={"usr": "leader2@demo", "pwd": "x"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["_server_messages"] == wrong.json()["_server_messages"]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        " //evil.example",
    ],
)
def test_login_never_redirects_to_another_site(app, target):
    client = TestClient(app)
    answer = client.post(
        "/login", data={"usr": CLERK, "pwd": DEMO_PASSWORD, "next": target}, follow_redirects=False
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "\n" not in location and "\r" not in location
    again = client.get("/login", params={"next": target}, follow_redirects=False)
    assert again.headers["location"].startswith("/") and not again.headers["location"].startswith("//")


def test_personal_data_is_not_cached(app, site):
    client = api_login(app, CLERK)
    for path in ("/app", "/app/household", f"/app/household/{_household(site)}", "/api/resource/Person"):
        answer = client.get(path)
        assert answer.headers["cache-control"] == "no-store", path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'self'" in answer.headers["content-security-policy"]
