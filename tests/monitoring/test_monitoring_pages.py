"""The 随访 pages: a village clerk sees her due visits with their due dates in working days, records
a visit with a drawn signature (stored as an image, shown only to readers of the record), and a
visit saved without a signature is flagged incomplete."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient

from townflow.web.app import create_app

PASSWORD = "Pages-pass-2026"
# a 1x1 white PNG: what a canvas gives, in miniature
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)


@pytest.fixture
def app(wsite):
    for user in ("clerk.east", "clerk.west", "tclerk", "head.east"):
        wsite.users.set_password(user, PASSWORD)
    return create_app(wsite)


def login(app, user: str) -> TestClient:
    client = TestClient(app)
    response = client.post("/login", data={"usr": user, "pwd": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def visit_form(record: str, **values) -> dict:
    return {
        "visit_date": "2026-03-02",
        "visit_type": "Home Visit",
        "visitor": "王敏",
        "findings": "情况良好",
        "signed_by": "张建国",
        **values,
    }


def test_a_clerk_records_a_due_visit_with_a_drawn_signature(app, wsite, wclock, world):
    record = world.pregnancy(world.person(world.household()))  # no visit since 2026-01-10
    wsite.tick(wclock.now)
    clerk = login(app, "clerk.east")
    page = clerk.get("/followups").text
    assert f'data-record="{record["name"]}"' in page and "2026-02-09 · 已超期21天" in page
    assert "随访到期" in page and "已上报街道" not in page  # the clerk's own item, not the escalated one
    inbox = clerk.get("/inbox?tab=overdue").text
    assert f"/followups/{record['name']}/visit?kind=visit" in inbox and "已超期21天" in inbox
    assert record["name"] not in login(app, "clerk.west").get("/followups").text  # scoped
    assert record["name"] in login(app, "tclerk").get("/followups").text  # escalated

    form_page = clerk.get(f"/followups/{record['name']}/visit?kind=visit").text
    assert "data-signature-pad" in form_page and 'value="2026-03-02"' in form_page
    data = visit_form(record["name"], csrf_token=csrf(form_page))
    data["signature_data"] = "data:image/png;base64," + base64.b64encode(PNG).decode()
    saved = clerk.post(f"/followups/{record['name']}/visit", data=data, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/followups?saved=signed"
    assert record["name"] not in clerk.get("/followups").text  # the work item is closed

    doc = wsite.session("clerk.east").get("Pregnancy Record", record["name"])
    visit = doc["visits"][-1]
    assert visit["family_signature"] == 1 and visit["signature_method"] == "Drawn on Screen"
    assert visit["signature_image"].startswith("/private/files/")
    url = f"/followups/{record['name']}/signature/{visit['name']}"
    assert clerk.get(url).content == PNG
    assert login(app, "clerk.west").get(url).status_code == 404


def test_a_visit_without_a_signature_is_flagged_incomplete(app, wsite, world):
    record = world.pregnancy(world.person(world.household()))
    clerk = login(app, "clerk.east")
    form_page = clerk.get(f"/followups/{record['name']}/visit").text
    saved = clerk.post(
        f"/followups/{record['name']}/visit", data=visit_form(record["name"], csrf_token=csrf(form_page))
    )
    assert "缺少群众签名" in saved.text
    assert "data-unsigned" in clerk.get(f"/followups/{record['name']}/visit").text


def test_a_forged_signature_is_refused_and_nothing_is_stored(app, wsite, world):
    record = world.pregnancy(world.person(world.household()))
    clerk = login(app, "clerk.east")
    form_page = clerk.get(f"/followups/{record['name']}/visit").text
    data = visit_form(record["name"], csrf_token=csrf(form_page))
    data["signature_data"] = "data:image/png;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode()
    answer = clerk.post(f"/followups/{record['name']}/visit", data=data)
    assert answer.status_code == 417 and "签名须为PNG或JPEG图片" in answer.text
    assert wsite.session("clerk.east").get("Pregnancy Record", record["name"])["visits"] == []
