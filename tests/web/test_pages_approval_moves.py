"""加签 on the document page and over REST: the township approver adds a signer before themselves
(Chinese first: 加签 / 前加签), the signer answers with 同意 on their own page, the approver removes
another they added; the REST names answer the same."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from townflow.runtime import workflow
from townflow.runtime.site import Site
from townflow.web.app import create_app

from .notice_window import notice_window_passed
from .test_pages_support import HEAD, csrf, demo_site, login, pending_application

APPROVER, LEADER1, LEADER2 = "approver@demo", "leader1@demo", "leader2@demo"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


def at_township(site: Site) -> str:
    name = pending_application(site)
    head = site.session(HEAD)
    workflow.apply_workflow(head, head.get("Subsidy Application", name), "Verify")
    notice_window_passed(site, name)  # 村级公示 run out with no objection
    workflow.apply_workflow(head, head.get("Subsidy Application", name), "End Notice")
    return name


def test_the_approver_adds_a_signer_who_signs_first_on_the_page(app, site: Site) -> None:
    name = at_township(site)
    url = f"/app/subsidy-application/{name}"
    approver = login(app, APPROVER)
    page = approver.get(url).text
    assert "<summary>加签</summary>" in page
    assert 'value="before" class="btn btn-light">前加签（先于我签）</button>' in page
    token = csrf(approver, url)
    posted = approver.post(
        f"{url}/action",
        data={
            "csrf_token": token,
            "op": "add_signer",
            "users": f"{LEADER1}，{LEADER2}",
            "position": "before",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    page = approver.get(posted.headers["location"]).text
    assert "已加签" in page
    assert re.findall(r'data-signer="([^"]+)"', page) == [LEADER1, LEADER2]
    assert page.count('value="remove_signer"') == 2
    assert 'value="Forward"' not in page  # the approver waits for them
    leader = login(app, LEADER1)
    signer_page = leader.get(url).text
    assert "您是本环节的加签人，请签署意见" in signer_page
    signed = leader.post(
        f"{url}/action",
        data={"csrf_token": csrf(leader, url), "op": "sign", "decision": "Agree", "comment": "同意"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert "已签署意见" in leader.get(signed.headers["location"]).text
    # the other added signer is removed over REST by the approver who added them
    answer = approver.post(
        "/api/method/townflow.api.remove_signer",
        json={"doc": {"doctype": "Subsidy Application", "name": name}, "user": LEADER2},
        headers={"X-Frappe-CSRF-Token": token},
    )
    assert answer.status_code == 200, answer.text
    statuses = {s["user"]: s["status"] for s in answer.json()["message"]["added_signers"]}
    assert statuses == {LEADER1: "Agreed", LEADER2: "Removed"}
    page = approver.get(url).text
    assert 'value="Forward"' in page


def test_adding_a_signer_where_the_step_forbids_it_is_a_417_naming_the_step(app, site: Site) -> None:
    name = pending_application(site)  # waits for the village head: no 加签 there
    head = login(app, HEAD)
    page = head.get(f"/app/subsidy-application/{name}").text
    assert "<summary>加签</summary>" not in page
    answer = head.post(
        "/api/method/townflow.api.add_signer",
        json={"doc": {"doctype": "Subsidy Application", "name": name}, "users": [LEADER1]},
        headers={"X-Frappe-CSRF-Token": csrf(head)},
    )
    assert answer.status_code == 417
    assert answer.json()["exception"].endswith(
        "The step Pending Village Verification does not allow adding signers (加签)"
    )


def test_the_diagram_tags_each_state_with_its_moves(app) -> None:
    admin = login(app, "sysadmin@demo")
    subsidy = admin.get("/admin/workflow/subsidy-application").text
    tags = re.findall(r'<g class="wf-moves">.*?<text[^>]*>([^<]+)</text></g>', subsidy)
    assert tags == ["可加签（前/后）", "会办：财政所、教育办"]
    certificate = admin.get("/admin/workflow/termination-certificate-application?lang=en").text
    tags = re.findall(r'<g class="wf-moves">.*?<text[^>]*>([^<]+)</text></g>', certificate)
    assert tags == ["add signer (before/after)", "countersign 2"]


def test_the_timeline_and_the_inbox_show_the_added_signer(app, site: Site) -> None:
    name = at_township(site)
    url = f"/app/subsidy-application/{name}"
    approver = login(app, APPROVER)
    token = csrf(approver, url)
    data = {"csrf_token": token, "op": "add_signer", "users": LEADER2, "position": "before"}
    assert approver.post(f"{url}/action", data=data, follow_redirects=False).status_code == 303
    page = approver.get(url).text
    assert f"加签（前加签）→ {LEADER2}" in page
    assert "领导小组副组长 (加签（前）)" in page  # who the document waits on now
    inbox = login(app, LEADER2).get("/inbox").text
    assert f"/app/subsidy-application/{name}" in inbox
    assert '<span class="badge badge-info" data-added-signer>加签（前）</span>' in inbox


def picked(page: str) -> list[str]:
    picker = re.search(r"<fieldset class=\"signer-picker\".*?</fieldset>", page, re.S)
    return re.findall(r'name="users" value="([^"]+)"', picker.group(0)) if picker else []


def test_the_approver_picks_signers_from_the_people_who_may_read_the_document(app, site: Site) -> None:
    name = at_township(site)
    url = f"/app/subsidy-application/{name}"
    approver = login(app, APPROVER)
    page = approver.get(url).text
    assert "选择加签人（可阅此件的人员）" in page
    offered = picked(page)
    assert {LEADER1, LEADER2, "leader3@demo"} <= set(offered)
    assert "领导小组组长" in page  # each person by full name, with the user name and role beside
    assert APPROVER not in offered  # not oneself
    village = site.db.scalar('SELECT village FROM "tabSubsidy Application" WHERE name = ?', (name,))
    clerks = {
        r["parent"]
        for r in site.db.fetchall(
            """SELECT p.user AS parent FROM "tabUser Permission" p
               WHERE p.allow = 'Village' AND p.for_value != ?""",
            (village,),
        )
    }
    assert clerks and not clerks & set(offered)  # other villages' staff may not read it
    # two ticked boxes and a typed name add three signers, in that order
    token = csrf(approver, url)
    posted = approver.post(
        f"{url}/action",
        data={
            "csrf_token": token,
            "op": "add_signer",
            "users": [LEADER2, LEADER1],
            "users_typed": "leader3@demo",
            "position": "after",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    page = approver.get(url).text
    assert re.findall(r'data-signer="([^"]+)"', page) == [LEADER2, LEADER1, "leader3@demo"]
    assert not {LEADER1, LEADER2, "leader3@demo"} & set(picked(page))  # signers already added drop out


def test_the_signer_picker_over_rest_matches_a_name_and_answers_only_the_approver(app, site: Site) -> None:
    name = at_township(site)
    doc = {"doctype": "Subsidy Application", "name": name}
    approver = login(app, APPROVER)
    url = f"/app/subsidy-application/{name}"
    token = csrf(approver, url)
    answer = approver.post(
        "/api/method/townflow.api.signer_candidates",
        json={"doc": doc, "txt": "副组长"},
        headers={"X-Frappe-CSRF-Token": token},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["message"] == [{"value": LEADER2, "label": "领导小组副组长", "description": LEADER2}]
    # a leader holds no task of this step: the list of people is not theirs to read
    leader = login(app, LEADER1)
    refused = leader.post(
        "/api/method/townflow.api.signer_candidates",
        json={"doc": doc},
        headers={"X-Frappe-CSRF-Token": csrf(leader, url)},
    )
    assert refused.status_code == 403, refused.text
    assert "holds this step's task" in refused.json()["exception"]
