"""The HTML pages, server side (FastAPI TestClient on a demo site): what a person in a browser
would notice — login, escaping of hostile input, CSRF refusal, no-store caching, the English
switch, the wrong-village "not found" page, field errors next to their fields, attachments."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from townflow.runtime.site import Site
from townflow.spec import load_project
from townflow.web.app import create_app
from townflow.web.demo import DEMO_PASSWORD, load_demo

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-pages-test"
CLERK, OTHER_CLERK, HEAD = "clerk.v01@demo", "clerk.v02@demo", "head.v01@demo"
HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    opened = Site.open(
        tmp_path_factory.mktemp("pages") / "site", load_project(ROOT), admin_password=ADMIN_PASSWORD
    )
    load_demo(opened, out=io.StringIO())
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def app(site: Site):
    return create_app(site)


def login(app, user: str, password: str = DEMO_PASSWORD) -> TestClient:
    client = TestClient(app)
    response = client.post("/login", data={"usr": user, "pwd": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf(client: TestClient, path: str = "/app") -> str:
    page = client.get(path).text
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def field_html(page: str, fieldname: str) -> str:
    """The HTML of one field's block on a form (up to the next field)."""
    start = page.index(f'data-fieldname="{fieldname}"')
    following = page.find('<div class="field', start + 1)
    return page[start : following if following > 0 else len(page)]


def village_of(site: Site, user: str) -> str:
    rows = site.session("Administrator").get_list(
        "User Permission", fields=["for_value"], filters={"user": user, "allow": "Village"}
    )
    return rows[0]["for_value"]


def first_application(site: Site, village: str) -> dict:
    return site.session("Administrator").get_list(
        "Subsidy Application",
        fields=["name", "applicant_name", "workflow_state"],
        filters={"village": village},
        order_by="name asc",
        limit_page_length=1,
    )[0]


def pending_application(site: Site) -> str:
    """A fee-waiver application the clerk files and submits now: it waits for the village head."""
    from townflow.runtime import workflow

    admin = site.session("Administrator")
    household = admin.get_list(
        "Household",
        fields=["name"],
        filters={"village": village_of(site, CLERK), "is_girl_household": 1},
        limit_page_length=1,
    )[0]["name"]
    applicant = admin.get_list(
        "Person", fields=["name"], filters={"household": household}, limit_page_length=1
    )[0]
    clerk = site.session(CLERK)
    doc = clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household,
            "applicant": applicant["name"],
            "benefit_kind": "Fee Waiver",
            "amount": 50,
            "hospital_name": "卫生院",
            "treatment_date": "2026-11-01",
            "registration_fee": 10,
            "treatment_fees": 500,
        }
    )
    workflow.apply_workflow(clerk, doc, "Submit")
    return doc["name"]


def test_guest_is_sent_to_the_login_page_and_a_wrong_password_is_refused(app) -> None:
    client = TestClient(app)
    response = client.get("/app/subsidy-application", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    page = client.post("/login", data={"usr": CLERK, "pwd": "wrong"})
    assert page.status_code == 401
    assert "用户名或密码错误" in page.text
    assert "sid" not in client.cookies


def test_login_never_redirects_to_another_site(app) -> None:
    client = TestClient(app)
    response = client.post(
        "/login", data={"usr": CLERK, "pwd": "demo", "next": "//evil.example/x"}, follow_redirects=False
    )
    assert response.headers["location"] == "/app"


def test_pages_with_personal_data_are_not_cached_but_static_files_may_be(app, site: Site) -> None:
    client = login(app, CLERK)
    name = first_application(site, village_of(site, CLERK))["name"]
    for path in ("/app", "/app/subsidy-application", f"/app/subsidy-application/{name}", "/inbox"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")


def test_home_shows_what_waits_for_the_user(app) -> None:
    page = login(app, HEAD).get("/app").text
    todo = re.search(r'data-tab="todo">\s*<span class="count-number">(\d+)</span>', page)
    assert todo and int(todo.group(1)) >= 1, "the demo leaves work in the village head's inbox"
    assert "村委会主任" in page


def test_english_switch_is_remembered(app) -> None:
    client = login(app, CLERK)
    english = client.get("/app/subsidy-application/new?lang=en")
    assert 'lang="en"' in english.text
    assert "Benefit Kind" in english.text and "政策类别" not in english.text
    assert client.cookies.get("lang") == "en"
    again = client.get("/app/subsidy-application/new")
    assert "Benefit Kind" in again.text
    chinese = client.get("/app/subsidy-application/new?lang=zh")
    assert "政策类别" in chinese.text


def test_hostile_input_is_shown_as_text_never_as_markup(app, site: Site) -> None:
    client = login(app, CLERK)
    token = csrf(client)
    village = village_of(site, CLERK)
    response = client.post(
        "/app/household/new",
        data={
            "csrf_token": token,
            "village": village,
            "head_name": HOSTILE,
            "residence_type": "Rural",
            "household_type": "One-girl",
            "address": HOSTILE,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]
    form = client.get(response.headers["location"]).text
    listing = client.get("/app/household?q=" + "%3Cscript%3E").text
    for page in (form, listing):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'value="&lt;script&gt;"' in listing, "the search box echoes the query escaped"


def test_a_change_without_the_csrf_token_is_refused(app, site: Site) -> None:
    client = login(app, CLERK)
    before = site.session("Administrator").get_count("Household")
    response = client.post(
        "/app/household/new",
        data={"village": village_of(site, CLERK), "head_name": "无令牌", "residence_type": "Rural",
              "household_type": "One-girl", "address": "x"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert site.session("Administrator").get_count("Household") == before
    logout = client.post("/logout", follow_redirects=False)
    assert logout.status_code == 400, "logging out is a change too"


def test_a_clerk_of_another_village_gets_not_found(app, site: Site) -> None:
    doc = first_application(site, village_of(site, CLERK))
    client = login(app, OTHER_CLERK)
    response = client.get(f"/app/subsidy-application/{doc['name']}")
    assert response.status_code == 404
    assert "未找到" in response.text
    assert doc["applicant_name"] not in response.text
    assert client.get(f"/print/subsidy-application/{doc['name']}").status_code == 404
    token = csrf(client)
    action = client.post(
        f"/app/subsidy-application/{doc['name']}/action", data={"csrf_token": token, "action": "Submit"}
    )
    assert action.status_code == 404


def test_failed_save_shows_each_error_next_to_its_field(app) -> None:
    client = login(app, CLERK)
    token = csrf(client)
    response = client.post(
        "/app/subsidy-application/new",
        data={"csrf_token": token, "benefit_kind": "Fee Waiver", "amount": "-5"},
    )
    assert response.status_code == 417
    page = response.text
    assert "保存失败" in page
    for fieldname in ("household", "applicant", "hospital_name"):
        assert "field-error" in field_html(page, fieldname), fieldname
    assert "field-error" not in field_html(page, "remarks")
    assert 'value="-5"' in page, "what the user typed is kept"


def test_live_rules_are_compiled_from_the_spec(app) -> None:
    client = login(app, CLERK)
    script = client.get("/form-rules/subsidy-application.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert '"section_fee_waiver": {"depends_on": function (doc, parent, frappe)' in script.text
    assert '"hospital_name": {' in script.text and "mandatory_depends_on" in script.text
    assert "Fee Waiver" in script.text


def test_link_search_offers_only_what_the_user_may_see(app, site: Site) -> None:
    mine, other = village_of(site, CLERK), village_of(site, OTHER_CLERK)
    found = (
        login(app, CLERK).get("/search/link", params={"doctype": "Household", "txt": ""}).json()["message"]
    )
    names = {row["value"] for row in found}
    assert names
    villages = {
        r["village"]
        for r in site.session("Administrator").get_list(
            "Household", fields=["village"], filters=[["name", "in", sorted(names)]]
        )
    }
    assert villages == {mine} and other not in villages


def test_attachment_is_downloaded_only_through_a_readable_document(app, site: Site) -> None:
    clerk = login(app, CLERK)
    token = csrf(clerk)
    draft = site.session("Administrator").get_list(
        "Subsidy Application",
        fields=["name"],
        filters={"village": village_of(site, CLERK), "workflow_state": "Draft"},
        limit_page_length=1,
    )[0]["name"]
    upload = clerk.post(
        "/files/upload",
        files={"file": ("证明.txt", b"proof of hardship", "text/plain")},
        headers={"X-Frappe-CSRF-Token": token},
    )
    assert upload.status_code == 200, upload.text
    url = upload.json()["message"]["file_url"]
    form = clerk.get(f"/app/subsidy-application/{draft}").text
    modified = re.search(r'name="modified" value="([^"]+)"', form).group(1)
    saved = clerk.post(
        f"/app/subsidy-application/{draft}",
        data={"csrf_token": token, "modified": modified, "supporting_documents": url},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:2000]
    download = clerk.get(f"/files/subsidy-application/{draft}/supporting_documents")
    assert download.status_code == 200 and download.content == b"proof of hardship"
    assert (
        login(app, OTHER_CLERK).get(f"/files/subsidy-application/{draft}/supporting_documents").status_code
        == 404
    )
    assert clerk.get(f"/files/subsidy-application/{draft}/remarks").status_code == 404
    no_token = clerk.post("/files/upload", files={"file": ("x.txt", b"x", "text/plain")})
    assert no_token.status_code == 400


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
            "action": "Verify",
            "doc": [f"Subsidy Application::{n}" for n in names],
            "comment": "批量同意",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "已处理 2 件，未处理 0 件" in response.text
    after = dict(re.findall(r'data-count="(\w+)">(\d+)<', response.text))
    assert int(after["todo"]) == todo - 2
    for name in names:
        assert site.session("Administrator").get("Subsidy Application", name)["workflow_state"] == (
            "Pending Township Review"
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


def test_admin_pages_are_for_the_system_manager_only(app) -> None:
    assert login(app, CLERK).get("/admin/customize/subsidy-application").status_code == 403
    admin = login(app, "sysadmin@demo")
    for path in ("/admin/users", "/admin/users/clerk.v01@demo", "/admin/customize/subsidy-application",
                 "/admin/workflow/subsidy-application"):  # fmt: skip
        assert admin.get(path).status_code == 200, path


def test_a_draft_has_no_print(app, site: Site) -> None:
    client = login(app, CLERK)
    draft = site.session("Administrator").get_list(
        "Subsidy Application",
        fields=["name"],
        filters={"village": village_of(site, CLERK), "workflow_state": "Draft"},
        limit_page_length=1,
    )[0]["name"]
    response = client.get(f"/print/subsidy-application/{draft}")
    assert response.status_code == 409
    assert "不能打印" in response.text


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


def test_return_to_an_earlier_step_is_offered_and_taken(app, site: Site) -> None:
    from townflow.runtime import workflow

    name = pending_application(site)
    workflow.apply_workflow(site.session(HEAD), {"doctype": "Subsidy Application", "name": name}, "Verify")
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


def test_customize_hides_a_field_and_changes_options_at_once(app, site: Site) -> None:
    admin = login(app, "sysadmin@demo")
    clerk = login(app, CLERK)

    def set_property(**values: str) -> None:
        data = {"csrf_token": csrf(admin, "/admin/customize/household"), "op": "property", **values}
        response = admin.post("/admin/customize/household", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text[:1000]

    try:
        set_property(field_name="phone", label="联系电话", hidden="1")
        assert 'data-fieldname="phone"' not in clerk.get("/app/household/new").text
        set_property(
            field_name="residence_type", label="户口类型", reqd="1", options="Rural\nUrban\nCollective"
        )
        form = clerk.get("/app/household/new").text
        assert "户口类型" in field_html(form, "residence_type")
        assert '<option value="Collective"' in field_html(form, "residence_type")
        assert '<option value="Rural" selected>农村户籍</option>' in form, (
            "known options keep their zh labels"
        )
    finally:
        for row in site.session("Administrator").get_list(
            "Property Setter", fields=["name"], filters={"doc_type": "Household"}, limit_page_length=0
        ):
            site.session("Administrator").delete("Property Setter", row["name"])
    assert 'data-fieldname="phone"' in clerk.get("/app/household/new").text
