"""CSRF as Frappe does it (issue 13, point 5).

frappe-client logs in with `/api/method/login` and then POSTs `/api/resource/<DocType>` with the
session cookie and no CSRF token: Frappe allows that for a session that was never handed its
token, and so does the embedded runtime now. Sessions from the HTML login page, and any session
that was handed its token (a page rendered for it, `townflow.api.csrf_token`), must still send it;
the cookie is SameSite=Lax, so a cross-site form never carries it.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from townflow.web.demo import DEMO_PASSWORD

from .conftest import CLERK, exc_type, page_csrf, page_login, village_of


def _household_doc(site, notes: str) -> dict:
    return {
        "doctype": "Household",
        "village": village_of(site, CLERK),
        "head_name": "脚本户",
        "address": "一组",
        "household_type": "One-girl",
        "notes": notes,
    }


def _frappe_client_login(app) -> TestClient:
    """What frappeclient.FrappeClient.login does: a form POST, then the cookie on every call."""
    client = TestClient(app)
    answer = client.post("/api/method/login", data={"usr": CLERK, "pwd": DEMO_PASSWORD})
    assert answer.status_code == 200 and answer.json()["message"] == "Logged In", answer.text
    assert "samesite=lax" in answer.headers["set-cookie"].lower()
    assert "csrf_token" not in answer.json()  # Frappe's login answer hands out no token
    return client


def test_frappe_clients_login_then_insert_works(app, site):
    client = _frappe_client_login(app)
    doc = _household_doc(site, "frappe-client insert")
    # FrappeClient.insert: session.post(url + "/api/resource/" + doctype, data={"data": json})
    answer = client.post("/api/resource/Household", data={"data": json.dumps(doc)})
    assert answer.status_code == 200, answer.text
    name = answer.json()["data"]["name"]
    # FrappeClient.update: session.put(url + "/api/resource/...", data={"data": json})
    updated = client.put(f"/api/resource/Household/{name}", data={"data": json.dumps({"notes": "updated"})})
    assert updated.status_code == 200, updated.text
    assert site.session("Administrator").get("Household", name)["notes"] == "updated"


def test_an_api_session_handed_its_token_must_send_it(app, site):
    client = _frappe_client_login(app)
    token = client.get("/api/method/townflow.api.csrf_token").json()["message"]
    refused = client.post("/api/resource/Household", json=_household_doc(site, "no token"))
    assert refused.status_code == 400 and exc_type(refused) == "CSRFTokenError", refused.text
    ok = client.post(
        "/api/resource/Household", json=_household_doc(site, "token"), headers={"X-Frappe-CSRF-Token": token}
    )
    assert ok.status_code == 200, ok.text


def test_an_api_session_that_opened_a_page_must_send_the_token(app, site):
    client = _frappe_client_login(app)
    assert client.get("/app").status_code == 200  # the page carries the token in a meta tag
    refused = client.post("/api/resource/Household", json=_household_doc(site, "after a page"))
    assert refused.status_code == 400 and exc_type(refused) == "CSRFTokenError", refused.text


def test_html_login_sessions_are_still_protected(app, site):
    client = page_login(app, CLERK)
    doc = _household_doc(site, "forged from a page session")
    for attempt in (
        lambda: client.post("/api/resource/Household", json=doc),
        lambda: client.post("/api/resource/Household", data={"data": json.dumps(doc)}),
        lambda: client.post("/app/household/new", data={"head_name": "x"}, follow_redirects=False),
    ):
        answer = attempt()
        assert answer.status_code == 400, answer.text[:300]
    token = page_csrf(client)
    ok = client.post("/api/resource/Household", json=doc, headers={"X-Frappe-CSRF-Token": token})
    assert ok.status_code == 200, ok.text


def test_the_page_login_cookie_is_samesite_lax(app):
    answer = TestClient(app).post("/login", data={"usr": CLERK, "pwd": DEMO_PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("sid=") and "samesite=lax" in cookie and "httponly" in cookie
