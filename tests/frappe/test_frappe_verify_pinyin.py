"""On the real Frappe site (issue 17 points 3 and 4): an approval notice verified on the guest
page /verify/<serial> with the printed code, the same "not found" for a wrong code; its Print
Format carries the code; a Person found by a clerk's Link search typed as pinyin."""

from __future__ import annotations

import pytest
import requests
from frappe_support import act, run_bench

from townflow.rules import pinyin
from townflow.rules import verify as rules

pytestmark = pytest.mark.frappe


def _approved_notice(users, org, household) -> dict:
    clerk = users["clerk_a"]
    app = clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household["household"],
            "village": org["a"],
            "applicant": household["mother"],
            "benefit_kind": "Low-income Relief",
            "amount": 620,
            "hardship_description": "因病致贫",
            "monthly_household_income": 700,
        }
    )
    for who, action in [("clerk_a", "Submit"), ("head_a", "Verify"), ("approver", "Forward"),
                        ("civil", "Approve"), ("approver", "Issue Notice")]:  # fmt: skip
        act(users[who], app, action)
    return app


def test_a_notice_is_verified_by_anyone_with_its_code(url, admin, users, org, household):
    app = _approved_notice(users, org, household)
    serial = admin.get_doc(app["doctype"], app["name"])["approval_notice_serial"]
    key = run_bench("execute", "frappe.utils.password.get_encryption_key").strip().strip('"')
    code = rules.printed_code(rules.verification_code(key.encode(), serial))
    page = requests.get(f"{url}/verify/{serial}", params={"code": code}, timeout=30)  # no login
    assert page.status_code == 200 and 'data-verify-result="valid"' in page.text
    assert admin.get_doc("Person", household["mother"])["full_name"] not in page.text  # nothing personal
    wrong = requests.get(f"{url}/verify/{serial}", params={"code": "0000-0000"}, timeout=30)
    unknown = requests.get(f"{url}/verify/BZTZ-2099-99999", params={"code": code}, timeout=30)
    assert wrong.status_code == unknown.status_code == 404
    assert 'data-verify-result="not-found"' in wrong.text and 'data-verify-result="not-found"' in unknown.text
    printed = admin.call(
        "frappe.www.printview.get_html_and_style",
        doc=app["doctype"], name=app["name"], print_format="Subsidy Application Print",
    )  # fmt: skip
    assert code in printed["html"] and serial in printed["html"]


def test_a_clerk_finds_a_person_by_pinyin_in_a_link_field(users, household):
    person = users["clerk_a"].get_doc("Person", household["mother"])
    initials = pinyin.keys(person["full_name"])[1]
    found = users["clerk_a"].call(
        "frappe.desk.search.search_link", doctype="Person", txt=initials, page_length=20
    )
    values = [r["value"] for r in (found if isinstance(found, list) else found.get("results", []))]
    assert household["mother"] in values
