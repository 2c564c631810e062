"""Frappe 15's REST API v2 on the embedded runtime (townflow.web.api_v2), as frappe/api/v2.py
answers: `{"data": ...}` for documents, counts and method results, `{"errors": [...]}` with the
same status codes on failure, and the same permission checks as v1 (they are v1's routes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import argon2
import pytest
from fastapi.testclient import TestClient

from townflow.runtime.site import Site
from townflow.runtime.users import use_hasher
from townflow.spec import load_project
from townflow.web.app import create_app

from .conftest import ROOT

PASSWORD = "v2-admin-password"
use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[TestClient]:
    site = Site.open(tmp_path_factory.mktemp("v2") / "site", load_project(ROOT), admin_password=PASSWORD)
    try:
        client = TestClient(create_app(site, pages=False))
        login = client.post("/api/v2/method/login", json={"usr": "Administrator", "pwd": PASSWORD})
        assert login.status_code == 200 and login.json()["message"] == "Logged In", login.text
        token = login.json().get("csrf_token")
        if token:
            client.headers["X-Frappe-CSRF-Token"] = token
        yield client
    finally:
        site.close()


def test_document_crud_answers_data(client):
    name = f"v2 街道 {uuid.uuid4().hex[:6]}"
    created = client.post("/api/v2/document/Township", json={"township_name": name, "county": "高新区"})
    assert created.status_code == 200, created.text
    assert created.json()["data"]["name"] == name
    read = client.get(f"/api/v2/document/Township/{name}/")
    assert read.json()["data"]["county"] == "高新区"
    patched = client.patch(f"/api/v2/document/Township/{name}", json={"county": "东区"})
    assert patched.json()["data"]["county"] == "东区"
    listed = client.get("/api/v2/document/Township", params={"fields": '["name", "county"]', "limit": 500})
    assert {"name": name, "county": "东区"} in listed.json()["data"]
    counted = client.get("/api/v2/doctype/Township/count", params={"filters": f'{{"name": "{name}"}}'})
    assert counted.json() == {"data": 1}
    deleted = client.delete(f"/api/v2/document/Township/{name}")
    assert (deleted.status_code, deleted.json()) == (202, {"data": "ok"})
    gone = client.get(f"/api/v2/document/Township/{name}")
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["type"] == "DoesNotExistError"


def test_lists_page_by_limit_default_20(client):
    for i in range(22):
        client.post(
            "/api/v2/document/Township", json={"township_name": f"v2 page {uuid.uuid4().hex[:6]} {i}"}
        )
    assert len(client.get("/api/v2/document/Township").json()["data"]) == 20
    # v2 reads `limit`; a limit_page_length sent along is ignored, as Frappe's document_list does
    assert len(client.get("/api/v2/document/Township", params={"limit_page_length": 3}).json()["data"]) == 20
    assert len(client.get("/api/v2/document/Township", params={"limit": 3}).json()["data"]) == 3


def test_methods_answer_data_and_errors_answer_errors(client):
    assert client.get("/api/v2/method/ping").json() == {"data": "pong"}
    assert client.get("/api/v2/method/frappe.auth.get_logged_user").json() == {"data": "Administrator"}
    bad = client.post("/api/v2/document/Township", json={"county": "无名"})
    v1 = client.post("/api/resource/Township", json={"county": "无名"})
    assert bad.status_code == v1.status_code == 417
    error = bad.json()["errors"][0]
    assert error["type"] == v1.json()["exc_type"] and "township_name" in str(error), error
    assert client.get("/api/v2/method/no.such.method").status_code == 404
    assert client.get("/api/v2/document/Township/x/method/run").status_code == 404


def test_v2_checks_who_is_calling_as_v1_does(tmp_path):
    site = Site.open(tmp_path / "site", load_project(ROOT), admin_password=PASSWORD)
    try:
        anonymous = TestClient(create_app(site, pages=False))
        refused = anonymous.get("/api/v2/document/Household")
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["type"] == "PermissionError"
    finally:
        site.close()
