"""Approval work in the pages: inbox tabs and bulk action, reject, return, delegate, read-only by
state, the version timeline, child rows and list filters."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from townflow.runtime.site import Site
from townflow.web.app import create_app

from .notice_window import notice_window_passed
from .test_pages_support import (
    CLERK,
    HEAD,
    csrf,
    demo_site,
    login,
    pending_application,
    village_of,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


def test_inbox_tabs_and_bulk_action(app, site: Site) -> None:
    names = [pending_application(site), pending_application(site)]
    client = login(app, HEAD)
    page = client.get("/inbox").text
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', page))
    assert set(counts) == {"todo", "done", "cc", "overdue"}
    todo = int(counts["todo"])
    picked = re.findall(r'name="doc" value="([^"]+)"', page)
    assert {f"Subsidy Application::{n}" for n in names} <= set(picked)
    response = client.post(
        "/inbox/bulk",
        data={
            "csrf_token": csrf(client, "/inbox"),
            "bulk_action": "Verify",
            "doc": [f"Subsidy Application::{n}" for n in names],
            "comment": "批量同意",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "已对 2 份单据执行「审核通过」，0 份未通过" in response.text
    after = dict(re.findall(r'data-count="(\w+)">(\d+)<', response.text))
    # both left the verification step and wait on the heads again, to end their public notice
    assert int(after["todo"]) == todo
    assert {f"Subsidy Application::{n}" for n in names} <= set(
        re.findall(r'name="doc" value="([^"]+)"', response.text)
    )
    # the server's approvals go through the site's group committer (answered once durable)
    assert site.committer is not None and site.committer.requests >= 2
    for name in names:  # verified: on to the village's public notice (公示)
        assert site.session("Administrator").get("Subsidy Application", name)["workflow_state"] == (
            "Village Public Notice"
        )


def test_a_reject_without_comment_is_refused_with_the_runtimes_message(app, site: Site) -> None:
    name = pending_application(site)
    client = login(app, HEAD)
    response = client.post(
        f"/app/subsidy-application/{name}/action", data={"csrf_token": csrf(client), "action": "Reject"}
    )
    assert response.status_code == 417
    assert "操作未完成" in response.text
    state = site.session("Administrator").get("Subsidy Application", name)["workflow_state"]
    assert state == "Pending Village Verification"
    done = client.post(
        f"/app/subsidy-application/{name}/action",
        data={"csrf_token": csrf(client), "action": "Reject", "comment": "材料不全"},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "材料不全" in done.text, "the comment shows in the timeline"


def test_return_to_an_earlier_step_is_offered_and_taken(app, site: Site) -> None:
    from townflow.runtime import workflow

    name = pending_application(site)
    workflow.apply_workflow(site.session(HEAD), {"doctype": "Subsidy Application", "name": name}, "Verify")
    notice_window_passed(site, name)  # 公示 in the village, run out
    workflow.apply_workflow(
        site.session(HEAD), {"doctype": "Subsidy Application", "name": name}, "End Notice"
    )
    approver = login(app, "approver@demo")
    form = approver.get(f"/app/subsidy-application/{name}").text
    targets = re.findall(r'<select name="to_state">(.*?)</select>', form, re.S)[0]
    assert 'value="Pending Village Verification"' in targets and 'value="Draft"' in targets
    response = approver.post(
        f"/app/subsidy-application/{name}/action",
        data={
            "csrf_token": csrf(approver),
            "op": "return",
            "to_state": "Pending Village Verification",
            "comment": "请补充材料",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert site.session("Administrator").get("Subsidy Application", name)["workflow_state"] == (
        "Pending Village Verification"
    )
    assert "请补充材料" in response.text


def test_admin_creates_a_user_who_can_log_in_and_take_delegated_work(app, site: Site) -> None:
    village = village_of(site, HEAD)
    name = pending_application(site)  # assigned to the village head before the colleague exists
    admin = login(app, "sysadmin@demo")
    response = admin.post(
        "/admin/users/save",
        data={
            "csrf_token": csrf(admin, "/admin/users/new"),
            "is_new": "1",
            "email": "head2.v01@demo",
            "full_name": "副主任",
            "enabled": "1",
            "new_password": "Second-head-2026",
            "roles": ["Village Head"],
            "villages": [village],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, re.findall(r'alert-danger" role="alert">([^<]+)', response.text)
    user_page = admin.get("/admin/users/head2.v01@demo").text
    assert re.search(r'name="roles" value="Village Head" checked', user_page)
    assert re.search(rf'name="villages" value="{re.escape(village)}" checked', user_page)

    head = login(app, HEAD)
    form = head.get(f"/app/subsidy-application/{name}").text
    assert 'value="head2.v01@demo"' in form, "the delegate list offers the new colleague"
    delegated = head.post(
        f"/app/subsidy-application/{name}/action",
        data={
            "csrf_token": csrf(head),
            "op": "delegate",
            "to_user": "head2.v01@demo",
            "comment": "请代为审核",
        },
        follow_redirects=False,
    )
    assert delegated.status_code == 303, re.findall(r"<li>([^<]+)</li>", delegated.text)
    second = login(app, "head2.v01@demo", "Second-head-2026")
    assert f'data-name="{name}"' in second.get("/inbox").text
    assert f'data-name="{name}"' not in head.get("/inbox").text


def test_a_document_past_the_clerks_step_is_read_only_for_her(app, site: Site) -> None:
    name = pending_application(site)
    page = login(app, CLERK).get(f"/app/subsidy-application/{name}").text
    assert 'id="save-button"' not in page
    assert 'id="f-amount"' not in page, "no inputs where the workflow state does not allow the clerk to edit"
    draft = login(app, CLERK).get("/app/subsidy-application/new").text
    assert 'id="f-amount"' in draft and 'id="save-button"' in draft


def test_timeline_shows_field_diffs_of_a_registry_record(app, site: Site) -> None:
    client = login(app, CLERK)
    household = site.session(CLERK).get_list("Household", fields=["name"], limit_page_length=1)[0]["name"]
    page = client.get(f"/app/household/{household}").text
    modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)
    saved = client.post(
        f"/app/household/{household}",
        data={"csrf_token": csrf(client), "modified": modified, "address": "东关村新址 8 号"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    timeline = saved.text[saved.text.index('id="timeline"') :]
    assert "修改记录" in timeline and "家庭住址" in timeline
    assert '<td class="new">东关村新址 8 号</td>' in timeline
    stale = client.post(
        f"/app/household/{household}",
        data={"csrf_token": csrf(client), "modified": modified, "address": "旧页面的修改"},
    )
    assert stale.status_code == 409, "a save from a stale page is a conflict, shown on the form"
    assert "alert-danger" in stale.text


def test_child_rows_are_added_and_their_errors_named_by_row(app, site: Site) -> None:
    client = login(app, CLERK)
    record = site.session(CLERK).get_list("Pregnancy Record", fields=["name"], limit_page_length=1)[0]["name"]
    before = len(site.session("Administrator").get("Pregnancy Record", record)["visits"])
    page = client.get(f"/app/pregnancy-record/{record}").text
    assert "data-add-row" in page and "<template data-row-template>" in page
    token = csrf(client)
    modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)
    kept = {
        key: value
        for key, value in re.findall(r'name="(visits\.\d+\.[a-z_]+)" value="([^"]*)"', page)
        if not key.endswith("family_signature")
    }
    row = before + 5  # the row number in the form only orders rows
    new_row = {
        f"visits.{row}.visit_date": "2026-11-25",
        f"visits.{row}.visitor": "张三",
        f"visits.{row}.findings": "正常",
    }
    data = {"csrf_token": token, "modified": modified, "visits.__table__": "1", **kept, **new_row}
    refused = client.post(f"/app/pregnancy-record/{record}", data=data)
    assert refused.status_code == 417
    assert f"第 {before + 1} 行：随访方式" in refused.text
    data[f"visits.{row}.visit_type"] = "Home Visit"
    saved = client.post(f"/app/pregnancy-record/{record}", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:1000]
    visits = site.session("Administrator").get("Pregnancy Record", record)["visits"]
    assert len(visits) == before + 1
    assert visits[-1]["visitor"] == "张三"


def test_list_filters_by_standard_filter_and_state(app, site: Site) -> None:
    client = login(app, CLERK)
    page = client.get("/app/subsidy-application", params={"workflow_state": "Draft"}).text
    assert '<option value="Draft" selected>草稿</option>' in page
    states = set(re.findall(r'<span class="badge badge-[a-z]*">([^<]+)</span>', page))
    assert states == {"草稿"}
    fee = client.get("/app/subsidy-application", params={"benefit_kind": "Fee Waiver"}).text
    kinds = set(re.findall(r"<td>(挂号费[^<]*|一次性奖励[^<]*|贴息贷款[^<]*|低保[^<]*)</td>", fee))
    assert kinds == {"挂号费及检查治疗费减免"}
