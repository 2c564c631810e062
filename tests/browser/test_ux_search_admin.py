"""Issue 18 points 9 and 10 in chromium at desktop and phone sizes: people and households found by
ID number, phone and name, "no match" said, a duplicate ID naming the record it duplicates; and
the admin pages (scoped roles need their scope, password rule, 姓名 required, users search)."""

from __future__ import annotations

import re

import pytest

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, Actor, LiveServer
from .test_ux_forms import SIZES, _village

pytestmark = pytest.mark.browser

CLERK = "clerk.v01@demo"


def _person_of_clerk(server: LiveServer) -> dict:
    admin = FrappeClient(server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    return admin.get_list(
        "Person",
        fields=["name", "full_name", "id_number", "mobile", "household"],
        filters=[["village", "=", _village(server)], ["mobile", "is", "set"], ["id_number", "is", "set"]],
        limit_page_length=1,
    )[0]


@pytest.mark.parametrize("phone", SIZES)
def test_people_are_found_by_id_number_phone_and_name(
    actor: Actor, live_server: LiveServer, phone: bool
) -> None:
    person = _person_of_clerk(live_server)
    page = actor.login(CLERK, phone=phone)
    for query in (person["id_number"], person["mobile"], person["full_name"]):
        actor.goto("/app/person")
        page.fill("input[name=q]", query)
        page.locator("input[name=q]").press("Enter")
        page.wait_for_url(re.compile(r".*q=.*"))
        assert page.locator(f"a:text('{person['name']}')").count() == 1, query
    actor.shot(f"18-09-person-found-by-phone-{'phone' if phone else 'desktop'}")
    actor.goto("/app/person?q=110000000000000000")
    assert "没有找到" in page.locator("[data-no-match]").inner_text()
    actor.shot(f"18-09-no-match-{'phone' if phone else 'desktop'}")


def test_a_duplicate_id_number_names_the_record_it_duplicates(actor: Actor, live_server: LiveServer) -> None:
    person = _person_of_clerk(live_server)
    page = actor.login(CLERK)
    actor.goto(f"/app/person/new?household={person['household']}")
    page.fill("input[name=full_name]", "重复者")
    page.select_option("select[name=relationship]", "Other")
    page.fill("input[name=id_number]", person["id_number"])
    page.locator("input[name=id_number]").dispatch_event("change")
    page.click("#save-button")
    page.wait_for_load_state()
    error = page.locator(".field[data-fieldname=id_number] .field-error").inner_text()
    assert person["name"] in error and person["full_name"] in error
    actor.shot("18-09-duplicate-id-named")


@pytest.mark.parametrize("phone", SIZES)
def test_a_clerk_needs_a_name_a_village_and_a_proper_password(
    actor: Actor, live_server: LiveServer, phone: bool
):
    email = f"clerk-new-{'p' if phone else 'd'}@demo"
    page = actor.login("Administrator", ADMIN_PASSWORD, phone=phone)
    actor.goto("/admin/users/new")
    page.fill("input[name=email]", email)
    page.fill("input[name=full_name]", "新专干")
    page.fill("input[name=new_password]", "12345678")
    page.check("input[name=roles][value='Village Clerk']")
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "村计生专干须指定所属村" in page.locator(".alert-danger").inner_text()
    actor.shot(f"18-10-admin-scope-required-{'phone' if phone else 'desktop'}")
    # the password rule is the runtime's User hook: checked once the form is otherwise complete
    page.fill("input[name=new_password]", "12345678")
    page.locator("input[name=villages]").first.check()
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "密码须同时包含字母和数字" in page.locator(".alert-danger").inner_text()
    page.fill("input[name=new_password]", "Zhuanyuan-2026")
    page.locator("input[name=villages]").first.check()
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*saved=1"))
    actor.goto("/admin/users?q=新专干")
    assert page.locator(f"a:text('{email}')").count() == 1
    actor.goto("/admin/users?q=nobody-here")
    assert page.locator("[data-no-match]").is_visible()
    actor.goto("/admin/workflow/subsidy-application")
    table = page.locator("table.list-table").inner_text()
    assert "doc." not in table and "docstatus" not in page.locator(".diagram-card").inner_text()
    assert "政策类别为低保及社会救济" in table
    actor.shot(f"18-10-workflow-words-{'phone' if phone else 'desktop'}")
