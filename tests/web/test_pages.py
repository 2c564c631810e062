"""The HTML pages, server side (FastAPI TestClient on a demo site): what a person in a browser
would notice: login, escaping of hostile input, CSRF refusal, no-store caching, the English
switch, the wrong-village "not found" page, field errors next to their fields, attachments."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from townflow.runtime.site import Site
from townflow.web.app import create_app
from townflow.web.pages.common import slug

from .test_pages_support import (
    ADMIN_PASSWORD,
    CLERK,
    HEAD,
    HOSTILE,
    OTHER_CLERK,
    csrf,
    demo_site,
    field_html,
    first_application,
    login,
    village_of,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from demo_site(tmp_path_factory)


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app(site)


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


NODE = shutil.which("node")
RULES_HARNESS = """
global.window = {};
require(process.argv[2]);
const [doctype, docs] = [process.argv[3], JSON.parse(process.argv[4])];
const rules = window.TF_RULES[doctype];
const out = {};
for (const [field, fns] of Object.entries(rules)) {
  if (field.includes(".")) continue;
  out[field] = docs.map((doc) => fns.depends_on ? !!fns.depends_on(doc, null, window.TF_FRAPPE) : null);
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="needs node to run the generated JavaScript (Debian's nodejs)")
def test_every_forms_live_rules_run_and_agree_with_the_server(app, site: Site, tmp_path) -> None:
    """The browser evaluates depends_on exactly as the spec's expression evaluates on the server."""
    from townflow.expr import parse

    client = login(app, "Administrator", ADMIN_PASSWORD)
    harness = tmp_path / "harness.js"
    harness.write_text(RULES_HARNESS)
    docs = [
        {"benefit_kind": "Fee Waiver", "aid_kind": None, "household_type": "One-girl", "family_signature": 1},
        {
            "benefit_kind": "Interest-subsidised Loan",
            "household_type": "Two-child",
            "income_status": "Low-income",
        },
        {},
    ]
    checked = 0
    for doctype in site.project.doctypes:
        meta = site.metas.get(doctype)
        if meta.istable or meta.issingle:
            continue
        script = tmp_path / f"{slug(doctype)}.js"
        response = client.get(f"/form-rules/{slug(doctype)}.js")
        assert response.status_code == 200, doctype
        script.write_text(response.text)
        run = subprocess.run(
            [NODE, str(harness), str(script), doctype, json.dumps(docs)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        for fieldname, shown in json.loads(run.stdout).items():
            source = meta.get_field(fieldname).depends_on
            if not source:
                continue
            context = {
                "settings": site.settings(),
                "user": "Administrator",
                "roles": [],
                "today": "",
                "now": "",
            }
            expected = [bool(parse(source).evaluate({**context, "doc": doc})) for doc in docs]
            assert shown == expected, (doctype, fieldname)
            checked += 1
    assert checked >= 20, "the spec's forms have depends_on rules to check"
