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


def test_the_roster_lists_women_15_to_49_with_completeness_per_village(app, wsite, world):
    home = world.household()
    woman = world.person(home, contraception_method="IUD", contraception_checked_on="2026-02-01")
    unrecorded = world.person(home, full_name="周小红", date_of_birth="2000-03-01", relationship="Daughter")
    world.person(home, full_name="赵小妹", date_of_birth="2011-06-01", relationship="Daughter")  # 14
    world.person(home, full_name="钱老太", date_of_birth="1976-03-01", relationship="Mother")  # 50 today
    world.person(world.household("西关村"), full_name="西村妇女", date_of_birth="1990-01-01")
    clerk = login(app, "clerk.east")
    page = clerk.get("/roster").text
    assert f'data-person="{woman["name"]}"' in page and f'data-person="{unrecorded["name"]}"' in page
    assert "赵小妹" not in page and "钱老太" not in page and "西村妇女" not in page
    assert "上环" in page and "未登记" in page and "2026-02-01" in page
    row = re.search(r'<tr data-village="东关村">(.*?)</tr>', page, re.S).group(1)
    assert "<td>2</td>" in row and "50.0%" in row  # 2 women, one with contraception recorded
    assert 'data-village="西关村"' not in page
    township = login(app, "tclerk").get("/roster").text
    assert 'data-village="西关村"' in township and 'data-village="东关村"' in township


def test_handover_through_the_pages_and_the_liaison_letter(app, wsite, world):
    mother = world.person(world.household())
    west_home = world.household("西关村", head_name="王大力")
    east, west = login(app, "clerk.east"), login(app, "clerk.west")
    form = east.get(f"/migrants/{mother['name']}/handover").text
    filed = east.post(
        f"/migrants/{mother['name']}/handover",
        data={"csrf_token": csrf(form), "to_household": west_home["name"], "reason": "婚后迁居"},
        follow_redirects=False,
    )
    assert filed.status_code == 303
    inbox = west.get("/inbox").text
    link = re.search(r'href="(/migrants/handover/[^"]+)"', inbox).group(1)
    page = west.get(link).text
    assert "确认转入" in page and "东关村" in page
    assert "确认转入" not in login(app, "tclerk").get(link).text  # the township reads, the village confirms
    confirmed = west.post(link, data={"csrf_token": csrf(page)}, follow_redirects=False)
    assert confirmed.status_code == 303
    assert west.get(f"/app/person/{mother['name']}").status_code == 200
    assert east.get(f"/app/person/{mother['name']}").status_code == 404

    away = world.person(
        world.household(),
        full_name="孙丽",
        is_migrant=1,
        migrant_direction="Outflow",
        registered_residence="本街道东关村",
        outflow_destination="广东省深圳市宝安区西乡街道",
        moved_out_on="2026-01-05",
    )
    letter = east.get(f"/migrants/{away['name']}/liaison-letter").text
    assert "data-liaison-letter" in letter and "广东省深圳市宝安区西乡街道 计划生育办公室" in letter
    assert "孙丽" in letter and "2026-01-05" in letter
    assert east.get(f"/migrants/{mother['name']}/liaison-letter").status_code == 404  # moved away
    resident = world.person(world.household(), full_name="常住")
    assert east.get(f"/migrants/{resident['name']}/liaison-letter").status_code == 417


def test_village_completeness_report_counts_contraception_overdue_and_unsigned_visits(wsite, wclock, world):
    from townflow.runtime.reports.run import run_report

    home = world.household()
    world.person(home, contraception_method="IUD")
    world.person(home, full_name="周小红", date_of_birth="2000-03-01", relationship="Daughter")
    record = world.pregnancy(world.person(home, full_name="吴芳"))  # no visit since 2026-01-10: overdue
    clerk = wsite.session("clerk.east")
    doc = clerk.get("Pregnancy Record", record["name"])
    doc["visits"] = [{**visit_form(record["name"]), "visit_date": "2026-01-20", "family_signature": 0}]
    clerk.save(doc)  # unsigned, and the next visit (2026-02-19) is overdue today (2026-03-02)
    result = run_report(clerk, "Village Completeness")
    rows = [r for r in result.result if r.get("village") == "东关村"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["women_cba"], row["women_contraception"]) == (3, 1)
    assert round(row["contraception_share"], 1) == 33.3
    assert (row["visits_overdue"], row["unsigned_visits"]) == (1, 1)


def test_the_rest_methods_list_due_visits_and_hand_a_person_over(app, wsite, wclock, world):
    mother = world.person(world.household())
    record = world.pregnancy(mother)
    wsite.tick(wclock.now)
    east, west = login(app, "clerk.east"), login(app, "clerk.west")
    due = east.get("/api/method/townflow.api.followups").json()["message"]
    assert [(r["record"], r["kind"], r["due"], r["escalated"]) for r in due] == [
        (record["name"], "visit", "2026-02-09", False)
    ]
    assert west.get("/api/method/townflow.api.followups").json()["message"] == []

    west_home = world.household("西关村")
    token = {"X-Frappe-CSRF-Token": csrf(east.get("/app").text)}
    filed = east.post(
        "/api/method/townflow.api.request_handover",
        data={"person": mother["name"], "to_household": west_home["name"], "reason": "迁居"},
        headers=token,
    )
    assert filed.status_code == 200, filed.text
    name = filed.json()["message"]["name"]
    refused = east.post("/api/method/townflow.api.confirm_handover", data={"name": name}, headers=token)
    assert refused.status_code == 404  # the sending village cannot even read it
    west_token = {"X-Frappe-CSRF-Token": csrf(west.get("/app").text)}
    missing = west.post("/api/method/townflow.api.confirm_handover", data={}, headers=west_token)
    assert missing.status_code == 417 and "name" in missing.text
    done = west.post("/api/method/townflow.api.confirm_handover", data={"name": name}, headers=west_token)
    assert done.status_code == 200 and done.json()["message"]["status"] == "Confirmed"
    moved = west.get("/api/method/townflow.api.followups").json()["message"]
    assert [r["record"] for r in moved] == [record["name"]]
    assert east.get("/api/method/townflow.api.followups").json()["message"] == []
