"""The fetal-sex ban on every path a field can come from in the web app (issue 11.2): a Custom
Field or Property Setter posted to the REST API, or added on the customize page, that denotes
fetal sex is refused with a 417 naming the reason, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from townflow.runtime.site import Site
from townflow.spec import load_project
from townflow.web.app import create_app

from .test_pages_support import csrf

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "admin-fetal-sex"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    opened = Site.open(tmp_path_factory.mktemp("fetal") / "site", load_project(ROOT), admin_password=PASSWORD)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app(site):
    return create_app(site)


@pytest.fixture(scope="module")
def token(site) -> str:
    secret = site.generate_keys("Administrator")
    key = site.session("Administrator").get("User", "Administrator")["api_key"]
    return f"token {key}:{secret}"


def _messages(response) -> str:
    return " ".join(json.loads(m)["message"] for m in json.loads(response.json()["_server_messages"]))


def test_rest_refuses_a_fetal_sex_custom_field_and_property_setter(app, site, token):
    client = TestClient(app)
    headers = {"Authorization": token}
    field = {"dt": "Ultrasound Exam", "fieldname": "fetal_gender", "label": "结果", "fieldtype": "Data"}
    response = client.post("/api/resource/Custom Field", json=field, headers=headers)
    assert response.status_code == 417, response.text
    assert "no form may record fetal sex" in _messages(response)
    relabel = {
        "doctype_or_field": "DocField",
        "doc_type": "Pregnancy Follow Up Visit",
        "field_name": "findings",
        "property": "label",
        "property_type": "Data",
        "value": "男胎/女胎",
    }
    response = client.post("/api/resource/Property Setter", json=relabel, headers=headers)
    assert response.status_code == 417, response.text
    admin = site.session("Administrator")
    assert admin.get_count("Custom Field") == 0 and admin.get_count("Property Setter") == 0
    ok = client.post("/api/resource/Custom Field", json={**field, "fieldname": "room_no", "label": "诊室"},
                     headers=headers)  # fmt: skip
    assert ok.status_code == 200, ok.text


def test_the_customize_page_refuses_a_fetal_sex_field(app, site):
    client = TestClient(app)
    login = client.post("/login", data={"usr": "Administrator", "pwd": PASSWORD}, follow_redirects=False)
    assert login.status_code == 303
    path = "/admin/customize/ultrasound-exam"
    data = {"csrf_token": csrf(client, path), "op": "add_field", "fieldname": "scan_sex", "label": "胎儿性别",
            "fieldtype": "Data"}  # fmt: skip
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 417
    assert "不得记录胎儿性别" in response.text
    assert site.meta("Ultrasound Exam").field("scan_sex") is None
