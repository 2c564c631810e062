"""The small Frappe calls scripts use every day answer as on a Frappe site, scoped to the user."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests

from .scenario import FACILITY, VILLAGE_A, VILLAGE_B, create_users, new_family


@pytest.fixture(scope="module")
def users(live_site):
    create_users(live_site)
    return live_site


def test_list_arguments_as_frappe_takes_them(users):
    clerk = users.login("clerk.a@rest")
    families = [new_family(clerk, VILLAGE_A) for _ in range(3)]
    names = [f["name"] for f in families]
    rows = clerk.get_list(
        "Household",
        fields=["name", "village", "head_name"],
        filters=[["name", "in", names]],
        order_by="name asc",
        limit_page_length=2,
    )
    assert [r["name"] for r in rows] == sorted(names)[:2]
    assert set(rows[0]) == {"name", "village", "head_name"}
    page2 = clerk.get_list("Household", filters={"name": ["in", names]}, order_by="name asc", limit_start=2)
    assert [r["name"] for r in page2] == sorted(names)[2:]
    either = clerk.get_list("Household", or_filters=[["name", "=", names[0]], ["name", "=", names[1]]])
    assert {r["name"] for r in either} == set(names[:2])
    # `limit` is accepted as an alias of limit_page_length, as Frappe's v1 API does
    answer = clerk.http.get(users.url + "/api/resource/Household", params={"limit": 1}, timeout=30)
    assert len(answer.json()["data"]) == 1


def test_counts_and_values_are_scoped(users):
    clerk_a, clerk_b = users.login("clerk.a@rest"), users.login("clerk.b@rest")
    family = new_family(clerk_a, VILLAGE_A)
    assert clerk_a.get_count("Household", {"name": family["name"]}) == 1
    # frappe.client.get_count here applies the user's villages too (Frappe 15's does not)
    assert clerk_b.call("frappe.client.get_count", doctype="Household", filters={"name": family["name"]}) == 0
    value = clerk_a.get_value("Household", ["village", "head_name"], {"name": family["name"]})
    assert value == {"village": VILLAGE_A, "head_name": family["head_name"]}
    assert clerk_b.get_value("Household", "village", family["name"]) is None
    doc = clerk_a.call("frappe.client.get", doctype="Household", name=family["name"])
    assert doc["name"] == family["name"] and doc["doctype"] == "Household"


def test_create_from_a_data_form_field_with_a_token(users):
    secret = users.admin.generate_keys("clerk.b@rest")
    key = users.admin.get_doc("User", "clerk.b@rest")["api_key"]
    doc = {
        "village": VILLAGE_B,
        "head_name": "表单户主",
        "address": "西关村表单路1号",
        "household_type": "Two-girl",
        "income_status": "Normal",
    }
    answer = requests.post(
        users.url + "/api/resource/Household",
        data={"data": json.dumps(doc)},
        headers={"Authorization": f"token {key}:{secret}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["head_name"] == "表单户主"
    name = answer.json()["data"]["name"]
    refused = requests.delete(
        users.url + "/api/resource/Household/" + name,
        headers={"Authorization": f"token {key}:{secret}"},
        timeout=30,
    )
    assert (refused.status_code, refused.json()["exc_type"]) == (403, "PermissionError")  # no delete right
    admin = users.admin
    deleted = admin.http.delete(
        users.url + "/api/resource/Household/" + name,
        headers={"X-Frappe-CSRF-Token": admin.csrf_token},
        timeout=30,
    )
    assert (deleted.status_code, deleted.json()) == (202, {"data": "ok"})


def test_submit_and_cancel_a_report_without_a_workflow(users):
    clerk, facility = users.login("clerk.a@rest"), users.login("facility@rest")
    family = new_family(clerk, VILLAGE_A)
    report = facility.insert(
        {
            "doctype": "Termination Report",
            "facility": FACILITY,
            "person": family["people"]["Spouse"]["name"],
            "operation_date": date.today().isoformat(),
            "procedure": "Medical Abortion",
            "gestational_weeks": 8,
            "surgeon": "李医生",
            "reason": "未持证",
            "maternal_condition": "Good",
        }
    )
    assert report["docstatus"] == 0
    submitted = facility.submit(report)
    assert submitted["docstatus"] == 1
    assert submitted["certificate_check"] == "No Certificate"
    # a termination without a certificate suspends the household's birth quota
    assert clerk.get_doc("Household", family["name"])["birth_quota_status"] == "Suspended"
    listed = facility.call(
        "frappe.client.get_list", doctype="Termination Report", filters={"name": report["name"]}
    )
    assert listed == [{"name": report["name"]}]
