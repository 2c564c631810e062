"""Generated forms in the browser: child table rows added and removed, field errors after a failed
save, and the English switch."""

from __future__ import annotations

import re

import pytest

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, Actor, LiveServer

pytestmark = pytest.mark.browser

CLERK = "clerk.v01@demo"


def _record_of_clerk(server: LiveServer) -> str:
    admin = FrappeClient(server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    village = admin.get_list(
        "User Permission", fields=["for_value"], filters={"user": CLERK, "allow": "Village"}
    )[0]
    rows = admin.get_list(
        "Pregnancy Record", fields=["name"], filters={"village": village["for_value"]}, limit_page_length=1
    )
    return rows[0]["name"]


def test_child_rows_are_added_and_removed(actor: Actor, live_server: LiveServer) -> None:
    record = _record_of_clerk(live_server)
    page = actor.login(CLERK)
    actor.goto(f"/app/pregnancy-record/{record}")
    rows = page.locator(".child-table[data-table=visits] tbody tr[data-row]")
    before = rows.count()
    page.get_by_role("button", name="添加行").click()
    assert rows.count() == before + 1
    new_row = rows.nth(before)
    new_row.locator("input[data-date]").first.fill("2026/11/26")
    new_row.locator("select").first.select_option("Home Visit")
    new_row.locator("td[data-fieldname=visitor] input").fill("李四")
    new_row.locator("td[data-fieldname=findings] textarea").fill("孕情稳定")
    actor.shot("12-form-child-table")
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*saved=1"))
    assert rows.count() == before + 1
    assert page.locator(".child-table[data-table=visits]").get_by_text("李四").count() == 1 or (
        rows.nth(before).locator("td[data-fieldname=visitor] input").input_value() == "李四"
    )
    rows.nth(before).get_by_role("button", name="删除").click()
    assert rows.count() == before
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*saved=1"))
    assert rows.count() == before


def test_failed_save_marks_the_fields_and_english_switch(actor: Actor) -> None:
    page = actor.login(CLERK)
    actor.goto("/app/subsidy-application/new")
    page.select_option("select[name=benefit_kind]", "Interest-subsidised Loan")
    assert page.locator("fieldset[data-fieldname=section_loan]").is_visible()
    page.click("#save-button")
    page.wait_for_load_state()
    assert page.locator(".alert-danger").is_visible()
    for fieldname in ("household", "applicant", "amount"):
        block = page.locator(f".field[data-fieldname={fieldname}]")
        assert "has-error" in (block.get_attribute("class") or ""), fieldname
        assert block.locator(".field-error").count() >= 1, fieldname
    actor.shot("13-form-field-errors")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".field[data-fieldname=benefit_kind] label").inner_text().startswith("Benefit Kind")
    actor.goto("/app")
    assert page.locator("h1").inner_text().startswith("Hello")
    actor.shot("14-home-english")
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("您好")
