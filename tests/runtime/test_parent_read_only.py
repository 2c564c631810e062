"""A document-level `read_only_depends_on` holds on the server too (issue 11, point 1): the
one-time reward's amount is the policy amount, read-only in the form, and a write that changes it
on a stored application is refused naming `amount`. A new application, the Administrator and the
workflow's own writes are not limited; an amount another benefit kind leaves editable stays so."""

from __future__ import annotations

import re

import pytest
from workflow_support import EAST

from townflow.runtime import errors


def _edit(wsite, doc: dict, user: str = "clerk.east", **values) -> dict:
    session = wsite.session(user)
    return session.save({**session.get("Subsidy Application", doc["name"]), **values})


def test_a_stored_rewards_amount_cannot_be_changed_by_the_clerk(wsite, world):
    reward = world.reward_application()
    assert reward["amount"] == 1000  # a new application is not limited: the clerk entered it
    with pytest.raises(errors.ValidationError) as refused:
        _edit(wsite, reward, amount=1500)
    assert refused.value.fields == ["amount"]
    assert "read-only" in str(refused.value)
    assert wsite.session("clerk.east").get("Subsidy Application", reward["name"])["amount"] == 1000


def test_the_reward_may_be_saved_unchanged_and_its_other_fields_edited(wsite, world):
    reward = world.reward_application()
    saved = _edit(wsite, reward, pledge_signed_on="2026-02-03")
    assert (saved["amount"], saved["pledge_signed_on"]) == (1000, "2026-02-03")


def test_changing_the_kind_in_the_same_write_does_not_unlock_the_amount(wsite, world):
    reward = world.reward_application()
    with pytest.raises(errors.ValidationError) as refused:
        _edit(wsite, reward, benefit_kind="Fee Waiver", amount=200)
    assert "amount" in refused.value.fields


def test_after_a_policy_change_only_the_administrator_may_correct_the_amount(wsite, world):
    reward = world.reward_application()
    admin = wsite.session("Administrator")
    admin.save({**admin.get("Campaign Settings", "Campaign Settings"), "one_time_reward_amount": 1200})
    with pytest.raises(errors.ValidationError) as refused:
        _edit(wsite, reward, amount=1200)
    assert refused.value.fields == ["amount"] and "read-only" in str(refused.value)
    assert _edit(wsite, reward, "Administrator", amount=1200)["amount"] == 1200


def test_another_kinds_amount_stays_editable(wsite, world):
    household = world.household(EAST)
    person = world.person(household, relationship="Head")
    waiver = wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": person["name"],
            "benefit_kind": "Fee Waiver",
            "hospital_name": "县人民医院",
            "treatment_date": "2026-02-20",
            "registration_fee": 10,
            "treatment_fees": 2000,
            "amount": 150,
        }
    )
    assert _edit(wsite, waiver, amount=210)["amount"] == 210


def test_a_rest_put_changing_the_amount_is_refused_with_417(wsite, world):
    from fastapi.testclient import TestClient

    from townflow.web.app import create_app

    reward = world.reward_application()
    wsite.users.set_password("clerk.east", "Rest-pass-2026")
    client = TestClient(create_app(wsite))
    client.post("/login", data={"usr": "clerk.east", "pwd": "Rest-pass-2026"}, follow_redirects=False)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/app").text).group(1)
    url = f"/api/resource/Subsidy Application/{reward['name']}"
    answer = client.put(url, json={"amount": 5000}, headers={"X-Frappe-CSRF-Token": token})
    assert answer.status_code == 417, answer.text
    assert "amount" in answer.text and "read-only" in answer.text
    assert client.get(url).json()["data"]["amount"] == 1000
