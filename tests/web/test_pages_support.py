"""Shared fixtures and helpers of the page tests (tests/web/test_pages*.py); it holds no tests.

A demo site per test module (`townflow.demodata.standard.load_demo`: demo users with password "demo",
households in every village, applications in every state) served by `create_app` through
FastAPI's TestClient.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from townflow.demodata.standard import DEMO_PASSWORD, load_demo
from townflow.runtime.site import Site
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-pages-test"
CLERK, OTHER_CLERK, HEAD = "clerk.v01@demo", "clerk.v02@demo", "head.v01@demo"
HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A fresh site with the demo loaded; each page test module wraps it in its own fixture."""
    opened = Site.open(
        tmp_path_factory.mktemp("pages") / "site", load_project(ROOT), admin_password=ADMIN_PASSWORD
    )
    load_demo(opened, out=io.StringIO())
    try:
        yield opened
    finally:
        opened.close()


def login(app, user: str, password: str = DEMO_PASSWORD) -> TestClient:
    client = TestClient(app)
    response = client.post("/login", data={"usr": user, "pwd": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf(client: TestClient, path: str = "/app") -> str:
    page = client.get(path).text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def field_html(page: str, fieldname: str) -> str:
    """The HTML of one field's block on a form (up to the next field)."""
    start = page.index(f'data-fieldname="{fieldname}"')
    following = page.find('<div class="field', start + 1)
    return page[start : following if following > 0 else len(page)]


def village_of(site: Site, user: str) -> str:
    rows = site.session("Administrator").get_list(
        "User Permission", fields=["for_value"], filters={"user": user, "allow": "Village"}
    )
    return rows[0]["for_value"]


def first_application(site: Site, village: str) -> dict:
    return site.session("Administrator").get_list(
        "Subsidy Application",
        fields=["name", "applicant_name", "workflow_state"],
        filters={"village": village},
        order_by="name asc",
        limit_page_length=1,
    )[0]


def pending_application(site: Site) -> str:
    """A fee-waiver application the clerk files and submits now: it waits for the village head."""
    from townflow.runtime import workflow

    admin = site.session("Administrator")
    household = admin.get_list(
        "Household",
        fields=["name"],
        filters={"village": village_of(site, CLERK), "is_girl_household": 1},
        limit_page_length=1,
    )[0]["name"]
    applicant = admin.get_list(
        "Person", fields=["name"], filters={"household": household}, limit_page_length=1
    )[0]
    clerk = site.session(CLERK)
    doc = clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household,
            "applicant": applicant["name"],
            "benefit_kind": "Fee Waiver",
            "amount": 50,
            "hospital_name": "卫生院",
            "treatment_date": "2026-11-01",
            "registration_fee": 10,
            "treatment_fees": 500,
        }
    )
    workflow.apply_workflow(clerk, doc, "Submit")
    return doc["name"]
