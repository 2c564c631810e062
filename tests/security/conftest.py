"""One demo site (the real project's doctypes, workflows and fixtures, plus `townflow demo`'s
users and data) shared by the security tests, and helpers to act as its users.

The attacks come in through the same doors a user has: the REST API and the pages of
`create_app(site)` (FastAPI TestClient: real cookies, CSRF and status codes), or the runtime
`Session` for what the web layer only passes through. Tests that change data create their own
records, so the order the tests run in does not matter.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import argon2
import pytest
from fastapi.testclient import TestClient

from townflow.demodata.standard import DEMO_PASSWORD, load_demo
from townflow.runtime.site import Site
from townflow.runtime.users import use_hasher
from townflow.spec import load_project
from townflow.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-security-test"
CLERK, OTHER_CLERK, HEAD = "clerk.v01@demo", "clerk.v02@demo", "head.v01@demo"
APPROVER, TOWNSHIP_CLERK, CIVIL, FACILITY = (
    "approver@demo",
    "township.clerk@demo",
    "civil@demo",
    "facility@demo",
)

# Production hashes cost ~0.3 s each; these tests check who gets in, not hash strength.
use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    opened = Site.open(
        tmp_path_factory.mktemp("security") / "site", load_project(ROOT), admin_password=ADMIN_PASSWORD
    )
    load_demo(opened, out=io.StringIO())
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def app(site: Site):
    return create_app(site)


@pytest.fixture
def admin(site: Site):
    return site.session("Administrator")


def api_login(app, user: str, password: str = DEMO_PASSWORD) -> TestClient:
    """A cookie-session client that sends its CSRF token on every request, as the pages' JS does."""
    client = TestClient(app)
    answer = client.post("/api/method/login", json={"usr": user, "pwd": password})
    assert answer.status_code == 200, answer.text
    # the token a page's script reads; once handed, every change must send it
    token = client.get("/api/method/townflow.api.csrf_token").json()["message"]
    client.headers["X-Frappe-CSRF-Token"] = token
    return client


def page_login(app, user: str, password: str = DEMO_PASSWORD) -> TestClient:
    """A browser-like client logged in through the login form (no CSRF header set)."""
    client = TestClient(app)
    answer = client.post("/login", data={"usr": user, "pwd": password}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def page_csrf(client: TestClient, path: str = "/app") -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def village_of(site: Site, user: str) -> str:
    rows = site.session("Administrator").get_list(
        "User Permission", fields=["for_value"], filters={"user": user, "allow": "Village"}
    )
    return rows[0]["for_value"]


def one(site: Site, doctype: str, fields: list[str] | None = None, **filters: Any) -> dict[str, Any]:
    """The first record (by name) matching `filters`, read as the Administrator."""
    rows = site.session("Administrator").get_list(
        doctype, fields=fields or ["name"], filters=filters, order_by="name asc", limit_page_length=1
    )
    assert rows, f"the demo has no {doctype} with {filters}"
    return rows[0]


def params(**kwargs: Any) -> dict[str, str]:
    """Query parameters as Frappe clients send them (lists and dicts as JSON text)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in kwargs.items()}


def exc_type(answer) -> str | None:
    try:
        return answer.json().get("exc_type")
    except ValueError:
        return None
