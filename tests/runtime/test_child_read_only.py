"""A child row's `read_only_depends_on` holds on the server too (issue 11, point 1): once a visit
carries the family's signature, its date, type, visitor and findings are read-only in the form,
and a REST write that changes one of them is refused naming `visits[<idx>].<field>`."""

from __future__ import annotations

import pytest
from workflow_support import EAST

from townflow.runtime import attachments, errors

SIGNATURE = "/private/files/signature-east-1.png"


@pytest.fixture
def signed(wsite, world):
    """A pregnancy record with one signed visit and one unsigned, saved by the village clerk."""
    record = world.pregnancy(world.person(world.household(EAST)))
    attachments.register_upload(wsite, SIGNATURE, "clerk.east")
    clerk = wsite.session("clerk.east")
    fresh = clerk.get("Pregnancy Record", record["name"])
    visit = {"visit_type": "Home Visit", "visitor": "王敏", "findings": "孕妇情况良好"}
    return clerk.save(
        {
            **fresh,
            "visits": [
                {
                    **visit,
                    "visit_date": "2026-02-20",
                    "family_signature": 1,
                    "signed_by": "李秀英",
                    "signature_method": "Drawn on Screen",
                    "signature_image": SIGNATURE,
                },
                {**visit, "visit_date": "2026-02-25"},
            ],
        }
    )


def _change(wsite, record, idx: int, **values) -> dict:
    clerk = wsite.session("clerk.east")
    fresh = clerk.get("Pregnancy Record", record["name"])
    visits = [dict(v) for v in fresh["visits"]]
    visits[idx - 1].update(values)
    return clerk.save({**fresh, "visits": visits})


def test_a_signed_visits_date_and_visitor_cannot_be_changed(wsite, signed):
    with pytest.raises(errors.ValidationError) as refused:
        _change(wsite, signed, 1, visit_date="2026-02-21", visitor="张三")
    assert refused.value.fields == ["visits[1].visit_date", "visits[1].visitor"]
    assert "read-only" in str(refused.value)
    stored = wsite.session("clerk.east").get("Pregnancy Record", signed["name"])
    assert [v["visit_date"] for v in stored["visits"]] == ["2026-02-20", "2026-02-25"]


def test_the_unsigned_visit_stays_editable_and_the_signed_one_may_be_saved_unchanged(wsite, signed):
    saved = _change(wsite, signed, 2, visit_date="2026-02-26", findings="复查正常")
    assert [v["visit_date"] for v in saved["visits"]] == ["2026-02-20", "2026-02-26"]
    assert saved["visits"][0]["visitor"] == "王敏"


def test_clearing_the_signature_in_the_same_write_does_not_unlock_the_row(wsite, signed):
    # clearing the signature in the same write does not unlock the row: the stored row was signed
    with pytest.raises(errors.ValidationError) as refused:
        _change(wsite, signed, 1, signature_image=None, signature_method=None, findings="改写")
    assert refused.value.fields == ["visits[1].findings"]


def test_the_administrator_may_correct_a_signed_visit(wsite, signed):
    admin = wsite.session("Administrator")
    fresh = admin.get("Pregnancy Record", signed["name"])
    visits = [dict(v) for v in fresh["visits"]]
    visits[0]["visitor"] = "王敏（更正）"
    assert admin.save({**fresh, "visits": visits})["visits"][0]["visitor"] == "王敏（更正）"


def test_a_rest_put_changing_a_signed_visit_is_refused_naming_the_field(wsite, signed):
    """The same refusal over Frappe's REST API (PUT /api/resource/...), as a script would meet it."""
    import re

    from fastapi.testclient import TestClient

    from townflow.web.app import create_app

    wsite.users.set_password("clerk.east", "Rest-pass-2026")
    client = TestClient(create_app(wsite))
    client.post("/login", data={"usr": "clerk.east", "pwd": "Rest-pass-2026"}, follow_redirects=False)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/app").text).group(1)
    url = f"/api/resource/Pregnancy Record/{signed['name']}"
    doc = client.get(url).json()["data"]
    doc["visits"][0]["visit_date"] = "2026-02-19"
    answer = client.put(url, json=doc, headers={"X-Frappe-CSRF-Token": token})
    assert answer.status_code == 417, answer.text
    assert "visits[1].visit_date" in answer.text and "read-only" in answer.text
    assert client.get(url).json()["data"]["visits"][0]["visit_date"] == "2026-02-20"
