"""The System Manager's pages in the browser: customize a form and see it at once, the workflow
diagram, users with their villages; and the issued termination certificate as it prints."""

from __future__ import annotations

import re

import pytest

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, Actor, LiveServer

pytestmark = pytest.mark.browser

ADMIN, CLERK = "sysadmin@demo", "clerk.v01@demo"


@pytest.fixture
def undo_customizations(live_server: LiveServer):
    """Remove this test's Custom Field and Property Setters afterwards, so other tests see the spec."""
    yield
    admin = FrappeClient(live_server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    for doctype, filters in (
        ("Custom Field", {"dt": "Subsidy Application", "fieldname": "visited_by"}),
        ("Property Setter", {"doc_type": "Subsidy Application", "field_name": "remarks"}),
        ("Property Setter", {"doc_type": "Subsidy Application", "field_name": "bank_name"}),
    ):
        for row in admin.get_list(doctype, fields=["name"], filters=filters):
            admin.delete(doctype, row["name"])


@pytest.mark.usefixtures("undo_customizations")
def test_added_field_shows_on_the_clerks_form(actor: Actor) -> None:
    page = actor.login(ADMIN)
    actor.goto("/admin/customize/subsidy-application")
    form = page.locator("form.add-field-form")
    form.locator("input[name=label]").fill("走访人")
    form.locator("input[name=label_en]").fill("Visited By")
    form.locator("details summary").click()  # the field code is optional (made from the words)
    form.locator("input[name=fieldname]").fill("visited_by")
    form.locator("select[name=insert_after]").select_option("remarks")
    form.locator("input[name=reqd]").check()
    form.get_by_role("button", name="添加字段").click()
    page.wait_for_url(re.compile(r".*saved=1"))
    assert page.locator("tr[data-fieldname=visited_by]").count() == 1
    # Relabel two existing fields, both languages, saved together in one go (Property Setters).
    assert page.locator("tr[data-fieldname=remarks] [data-fieldtype]").inner_text() == "多行文本"
    row = page.locator("tr[data-fieldname=remarks]")
    row.locator("input[name=label__remarks]").fill("备注说明")
    row.locator("input[name=label_en__remarks]").fill("Notes")
    page.locator("input[name=label__bank_name]").fill("开户银行名称")
    page.locator("#save-all-fields").click()
    page.wait_for_url(re.compile(r".*saved=1"))
    assert page.locator("input[name=label__bank_name]").input_value() == "开户银行名称"
    assert page.locator("input[name=label__remarks]").input_value() == "备注说明"
    assert "Data" not in page.locator("table.customize-table").inner_text(), "type names in Chinese"
    actor.shot("08-admin-customize")

    page = actor.login(CLERK)
    actor.goto("/app/subsidy-application/new")
    field = page.locator(".field[data-fieldname=visited_by]")
    assert field.locator("label").inner_text().startswith("走访人")
    assert "is-required" in (field.get_attribute("class") or "")
    assert page.locator(".field[data-fieldname=remarks] label").inner_text().startswith("备注说明")
    # English switch: labels from the spec's en, the custom field's and the relabelled field's.
    actor.goto("/app/subsidy-application/new?lang=en")
    assert page.locator(".field[data-fieldname=visited_by] label").inner_text().startswith("Visited By")
    assert page.locator(".field[data-fieldname=remarks] label").inner_text().startswith("Notes")
    assert page.locator(".field[data-fieldname=benefit_kind] label").inner_text().startswith("Benefit Kind")
    actor.goto("/app/subsidy-application/new?lang=zh")


def test_workflow_diagram_and_users(actor: Actor) -> None:
    page = actor.login(ADMIN)
    actor.goto("/admin/workflow/termination-certificate-application")
    svg = page.locator("svg.wf-diagram")
    assert svg.locator("g.wf-state").count() >= 5
    assert svg.locator("g.wf-transition").count() >= 5
    assert svg.get_by_text("草稿").count() >= 1
    actor.shot("09-workflow-diagram")
    actor.goto("/admin/users/clerk.v01@demo")
    assert page.locator("input[name=roles][value='Village Clerk']").is_checked()
    assert page.locator("input[name=villages]:checked").count() == 1
    actor.shot("10-admin-user")


def test_issued_certificate_prints_with_its_serial(actor: Actor, live_server: LiveServer) -> None:
    admin = FrappeClient(live_server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    issued = admin.get_list(
        "Termination Certificate Application",
        fields=["name", "certificate_serial", "village"],
        filters={"docstatus": 1, "certificate_serial": ["is", "set"], "certificate_status": "Unused"},
        limit_page_length=1,
    )
    assert issued, "the demo has an issued, unused certificate"
    doc = issued[0]
    page = actor.login("approver@demo")
    actor.goto(f"/app/termination-certificate-application/{doc['name']}")
    page.get_by_role("link", name="打印").click()
    page.wait_for_load_state()
    actor.goto(f"/print/termination-certificate-application/{doc['name']}")
    assert page.locator("h1").inner_text() == "终止妊娠手术凭证"
    assert page.locator("[data-serial]").inner_text() == doc["certificate_serial"]
    assert "有效期至" in page.locator("footer").inner_text()
    actor.shot("11-certificate-print")
