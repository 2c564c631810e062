"""公示 pages (issue 17, point 1): the public board at /notice (no login) lists the demo's two
notices by village with masked names; anyone objects with contact details, throttled per address;
the printable sheet lists the same items; the township settles on its desk and the objector reads
the answer with the objection number and check code."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from townflow.runtime.site import Site
from townflow.web.app import create_app
from townflow.web.pages.notice import ObjectionThrottle

from .test_pages_support import HEAD, HOSTILE, csrf, demo_site, login

APPROVER = "approver@demo"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


def _posted(site: Site) -> list[dict]:
    """The demo's applications on notice now, with their stored (unmasked) head names."""
    admin = site.session("Administrator")
    rows = admin.get_list(
        "Subsidy Application",
        fields=["name", "head_name", "village", "workflow_state"],
        filters={"workflow_state": ["in", ["Village Public Notice", "Township Public Notice"]]},
        limit_page_length=0,
    )
    notices = admin.get_list(
        "Public Notice", fields=["name", "reference_name", "status"], limit_page_length=0
    )
    by_ref = {n["reference_name"]: n["name"] for n in notices if n["status"] == "Open"}
    return [{**r, "notice": by_ref[r["name"]]} for r in rows]


def test_the_board_lists_current_notices_by_village_masked_without_login(app, site) -> None:
    posted = _posted(site)
    assert sorted(p["workflow_state"] for p in posted) == ["Township Public Notice", "Village Public Notice"]
    page = TestClient(app).get("/notice")
    assert page.status_code == 200
    html = page.text
    assert "<h1>公示" in html
    for p in posted:
        assert f'data-notice="{p["notice"]}"' in html
        assert f'data-village="{p["village"]}"' in html
        name = p["head_name"]
        assert name not in html, "no unmasked name on the public page"
        # 张小燕 -> 张*燕, 于磊 -> 于*
        masked = name[0] + "*" if len(name) == 2 else name[0] + "*" * (len(name) - 2) + name[-1]
        assert f"<td data-item>{masked}</td>" in html
    assert html.count('<article class="notice"') == 2
    assert "Public Notices" in TestClient(app).get("/notice?lang=en").text
    # the sheet for the village board: the same notices, the same masked names
    sheet = TestClient(app).get("/notice/print").text
    assert sorted(re.findall(r'<tr data-notice="([^"]+)"', sheet)) == sorted(p["notice"] for p in posted)
    assert all(p["head_name"] not in sheet for p in posted)


def test_an_objection_is_filed_settled_and_answered(app, site) -> None:
    notice = next(p for p in _posted(site) if p["workflow_state"] == "Village Public Notice")
    guest = TestClient(app)
    filed = guest.post(
        f"/notice/{notice['notice']}/objection",
        data={"objector_name": "王五", "objector_contact": "13812345678", "content": HOSTILE},
    )
    assert filed.status_code == 200
    number = re.search(r"data-objection>([^<]+)<", filed.text).group(1)
    code = re.search(r"data-code>([^<]+)<", filed.text).group(1)
    assert number.startswith("GSYY-") and len(code) == 8
    # the objector reads it back: not yet answered; a wrong code finds nothing
    waiting = guest.get("/notice/reply", params={"no": number, "code": code})
    assert (waiting.status_code, re.search(r"data-status>([^<]+)<", waiting.text).group(1)) == (200, "待处理")
    wrong = guest.get("/notice/reply", params={"no": number, "code": "AAAAAAAA"})
    assert wrong.status_code == 404 and "未找到" in wrong.text
    # the township's desk shows it, escaped; the township clerk reads it but may not settle it
    approver = login(app, APPROVER)
    desk = approver.get("/notice/objections").text
    assert f'data-objection="{number}"' in desk
    assert HOSTILE not in desk and "&lt;script&gt;" in desk
    clerk = login(app, "township.clerk@demo")
    assert f'data-objection="{number}"' in clerk.get("/notice/objections").text
    refused = clerk.post(
        f"/notice/objections/{number}",
        data={"decision": "dismiss", "reason": "核实无误", "csrf_token": csrf(clerk)},
    )
    assert refused.status_code == 403 and "公示异议由街道（计生办主任）处理" in refused.text
    # a village head of another village does not even see it
    assert f'data-objection="{number}"' not in login(app, HEAD).get("/notice/objections").text
    settled = approver.post(
        f"/notice/objections/{number}",
        data={"decision": "dismiss", "reason": "经入户核实，情况属实", "csrf_token": csrf(approver)},
        follow_redirects=False,
    )
    assert (settled.status_code, settled.headers["location"]) == (303, f"/notice/objections?settled={number}")
    answered = guest.get("/notice/reply", params={"no": number, "code": code}).text
    assert re.search(r"data-status>([^<]+)<", answered).group(1) == "异议不成立"
    assert "经入户核实，情况属实" in answered
    assert f'data-objection="{number}"' not in approver.get("/notice/objections").text


def test_objections_are_throttled_per_address_and_need_their_details(app, site) -> None:
    notice = _posted(site)[0]["notice"]
    app.state.objection_throttle = ObjectionThrottle(limit=2, window_seconds=3600)
    guest = TestClient(app)
    missing = guest.post(
        f"/notice/{notice}/objection", data={"objector_name": "王五", "content": "情况不实啊"}
    )
    assert missing.status_code == 400 and "请填写联系方式" in missing.text
    ok = guest.post(
        f"/notice/{notice}/objection",
        data={"objector_name": "王五", "objector_contact": "13812345678", "content": "情况不实啊"},
    )
    assert ok.status_code == 200
    third = guest.post(
        f"/notice/{notice}/objection",
        data={"objector_name": "王五", "objector_contact": "13812345678", "content": "情况不实啊"},
    )
    assert third.status_code == 429 and "提交过于频繁" in third.text
    unknown = TestClient(app, client=("10.9.9.9", 5000)).post(
        "/notice/GS-2000-00001/objection",
        data={"objector_name": "王五", "objector_contact": "13812345678", "content": "情况不实啊"},
    )
    assert unknown.status_code == 404
    # the answer look-up is throttled too: a check code is not to be guessed
    app.state.lookup_throttle = ObjectionThrottle(limit=1, window_seconds=3600)
    assert guest.get("/notice/reply", params={"no": "GSYY-2026-00001", "code": "AAAAAAAA"}).status_code == 404
    again = guest.get("/notice/reply", params={"no": "GSYY-2026-00001", "code": "BBBBBBBB"})
    assert again.status_code == 429 and "提交过于频繁" in again.text


def test_the_township_settles_over_rest_and_an_upheld_objection_returns_the_application(app, site) -> None:
    notice = next(p for p in _posted(site) if p["workflow_state"] == "Township Public Notice")
    app.state.objection_throttle = ObjectionThrottle()
    filed = TestClient(app, client=("10.1.2.3", 5000)).post(
        f"/notice/{notice['notice']}/objection",
        data={"objector_name": "钱七", "objector_contact": "东关村5组12号", "content": "该户收入已超过标准"},
    )
    number = re.search(r"data-objection>([^<]+)<", filed.text).group(1)
    approver = login(app, APPROVER)
    token = csrf(approver)
    missing = approver.post(
        "/api/method/townflow.api.settle_objection",
        data={"objection": number, "decision": "reject", "reason": " "},
        headers={"X-Frappe-CSRF-Token": token},
    )
    assert missing.status_code == 417
    done = approver.post(
        "/api/method/townflow.api.settle_objection",
        data={"objection": number, "decision": "reject", "reason": "入户核实收入超标"},
        headers={"X-Frappe-CSRF-Token": token},
    )
    assert done.status_code == 200, done.text
    assert done.json()["message"] == {"name": number, "status": "Upheld", "reason": "入户核实收入超标"}
    stored = site.session("Administrator").get("Subsidy Application", notice["name"])
    assert stored["workflow_state"] == "Rejected"
    # the notice is taken down: the board no longer lists it
    assert f'data-notice="{notice["notice"]}"' not in TestClient(app).get("/notice").text


def test_the_demo_has_a_yearly_reconfirmation_waiting_and_a_stopped_benefit(site) -> None:
    admin = site.session("Administrator")
    tasks = admin.get_list(
        "Benefit Reconfirmation",
        fields=["name", "workflow_state", "eligible", "village"],
        limit_page_length=0,
    )
    assert [(t["workflow_state"], t["eligible"]) for t in tasks] == [("Pending Village Confirmation", 1)]
    stopped = admin.get_list(
        "Subsidy Application",
        fields=["stop_notice"],
        filters={"workflow_state": "Stopped"},
        limit_page_length=0,
    )
    assert len(stopped) == 1


def test_the_demo_objection_waits_on_the_township_desk(app, site) -> None:
    admin = site.session("Administrator")
    [demo] = admin.get_list(
        "Notice Objection",
        fields=["name", "status"],
        filters={"objector_name": "王大爷"},
        limit_page_length=9,
    )
    assert demo["status"] == "Open"
    desk = login(app, APPROVER).get("/notice/objections").text
    assert f'data-objection="{demo["name"]}"' in desk
    assert "13905431234" in desk  # the approver reads the contact (permlevel 1)
    clerk = login(app, "township.clerk@demo").get("/notice/objections").text
    assert f'data-objection="{demo["name"]}"' in clerk
    assert "13905431234" not in clerk and "139****1234" in clerk  # masked for the township clerk
