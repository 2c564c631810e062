"""Issue 18 points 1-3 in chromium, at desktop and phone (390 px) sizes, with screenshots:
no silent loss of typed changes, forms that fill what the system knows, dates a person can type."""

from __future__ import annotations

import re

import pytest

from townflow.client import FrappeClient
from townflow.rules.validators import id_number_check_char

from .conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Actor, LiveServer

pytestmark = pytest.mark.browser

CLERK = "clerk.v01@demo"
SIZES = [pytest.param(False, id="desktop"), pytest.param(True, id="phone")]


def _admin(server: LiveServer) -> FrappeClient:
    return FrappeClient(server.url, usr="Administrator", pwd=ADMIN_PASSWORD)


def _village(server: LiveServer, user: str = CLERK) -> str:
    rows = _admin(server).get_list(
        "User Permission",
        fields=["for_value"],
        filters={"user": user, "allow": "Village"},
        limit_page_length=1,
    )
    return rows[0]["for_value"]


def _household(server: LiveServer, **filters: object) -> dict:
    admin = _admin(server)
    return admin.get_list(
        "Household",
        fields=["name", "head_name", "household_type", "second_child_entitled"],
        filters={"village": _village(server), **filters},
        order_by="name asc",
        limit_page_length=1,
    )[0]


def new_draft(server: LiveServer, user: str = CLERK, **values: object) -> str:
    """A fee-waiver draft filed by the clerk through the REST API (a document of the test's own)."""
    clerk = FrappeClient(server.url, usr=user, pwd=DEMO_PASSWORD)
    village = _village(server, user)
    admin = _admin(server)
    girls = {"village": village, "is_girl_household": 1}
    household = admin.get_list("Household", fields=["name"], filters=girls, limit_page_length=1)[0]["name"]
    members = admin.get_list("Person", fields=["name"], filters={"household": household}, limit_page_length=1)
    person = members[0]
    doc = {
        "doctype": "Subsidy Application",
        "household": household,
        "applicant": person["name"],
        "benefit_kind": "Fee Waiver",
        "hospital_name": "镇卫生院",
        "treatment_date": "2026-11-20",
        "registration_fee": 20,
        "treatment_fees": 800,
        "amount": 100,
        **values,
    }
    return clerk.insert(doc)["name"]


@pytest.mark.parametrize("phone", SIZES)
def test_an_action_on_a_changed_form_saves_the_changes_with_it(
    actor: Actor, live_server: LiveServer, phone: bool
):
    """Point 1: 提交 pressed after typing into the form keeps what was typed (saved in the same
    transaction as the action); leaving the changed form asks first."""
    name = new_draft(live_server)
    admin = _admin(live_server)
    page = actor.login(CLERK, phone=phone)
    actor.goto(f"/app/subsidy-application/{name}")
    remark = f"村里补充说明 {'手机' if phone else '电脑'}"
    page.fill("textarea[name=remarks]", remark)
    assert page.locator("[data-unsaved-note]").is_visible()
    # leaving asks first
    actor.dialog_answer = False
    page.evaluate("() => { window.location.href = '/app'; }")
    page.wait_for_timeout(500)
    actor.dialog_answer = True
    assert [kind for kind, _ in actor.dialogs] == ["beforeunload"]
    assert "/subsidy-application/" in page.url
    actor.shot(f"18-01-unsaved-before-action-{'phone' if phone else 'desktop'}")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r".*acted=apply.*"))
    notice = page.locator("[data-notice]")
    assert "已保存修改" in notice.inner_text() and "已「提交」" in notice.inner_text()
    assert "下一步由" in notice.inner_text()
    actor.shot(f"18-01-saved-and-submitted-{'phone' if phone else 'desktop'}")
    stored = admin.get_doc("Subsidy Application", name)
    assert stored["remarks"] == remark
    assert stored["workflow_state"] == "Pending Village Verification"


def _id_number(born: str, female: bool) -> str:
    first17 = "420101" + born.replace("-", "") + ("00" + ("2" if female else "1"))
    return first17 + id_number_check_char(first17)


@pytest.mark.parametrize("phone", SIZES)
def test_the_id_number_fills_birth_date_and_gender_and_typed_dates_are_read(
    actor: Actor, live_server: LiveServer, phone: bool
) -> None:
    """Point 2 (ID number) and point 3 (typed dates): the form fills 出生日期 and 性别 from the ID
    number; a contradiction is refused beside the field; the four date forms are read, a six-digit
    year is refused, and the picker is still there."""
    household = _household(live_server)
    page = actor.login(CLERK, phone=phone)
    actor.goto(f"/app/person/new?household={household['name']}")
    page.fill("input[name=full_name]", "王小花" if phone else "王小芳")
    page.select_option("select[name=relationship]", "Daughter")
    daughter_id = _id_number("2008-03-05" if phone else "2009-04-06", female=True)
    page.fill("input[name=id_number]", daughter_id)
    assert page.locator("select[name=gender]").input_value() == "Female"
    expected = "2008-03-05" if phone else "2009-04-06"
    assert page.locator("input[name=date_of_birth]").input_value() == expected
    assert page.locator("[data-fill-note=id]").is_visible()
    assert (
        page.locator(".field[data-fieldname=date_of_birth] input[type=date][data-date-picker]").count() == 1
    )
    # the four ways of typing a date, into a date field of the same form
    dob = page.locator("input[name=date_of_birth]")
    for typed in ("2026/3/5", "2026-3-5", "20260305", "2026年3月5日"):
        dob.fill(typed)
        dob.press("Tab")
        assert dob.input_value() == "2026-03-05", typed
    dob.fill("199035")
    dob.press("Tab")
    assert dob.get_attribute("aria-invalid") == "true"
    actor.shot(f"18-03-date-six-digit-year-{'phone' if phone else 'desktop'}")
    # a birth date contradicting the ID number is refused beside the field, and so is 男
    dob.fill("2007年1月2日")
    page.select_option("select[name=gender]", "Male")
    page.select_option("select[name=relationship]", "Son")  # as the gender says: only the ID disagrees
    page.click("#save-button")
    page.wait_for_load_state()
    for fieldname, words in (("date_of_birth", "与身份证号不符"), ("gender", "与身份证号不符")):
        block = page.locator(f".field[data-fieldname={fieldname}]")
        assert words in block.locator(".field-error").inner_text()
    assert page.locator("input[name=date_of_birth]").input_value() == "2007-01-02"  # typed form kept, as ISO
    actor.shot(f"18-02-id-number-disagreement-{'phone' if phone else 'desktop'}")
    page.fill("input[name=id_number]", daughter_id)  # typing the number again fills them back
    page.locator("input[name=id_number]").dispatch_event("change")
    page.select_option("select[name=relationship]", "Daughter")
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*saved=1"))
    shown = page.locator(".field[data-fieldname=gender]").inner_text()
    assert "女" in shown


@pytest.mark.parametrize("phone", SIZES)
def test_a_benefit_kind_shows_its_checklist_and_the_policy_amount_is_fixed(
    actor: Actor, live_server: LiveServer, phone: bool
) -> None:
    """Point 2: choosing 一次性奖励 fills 1000 and locks it, and the eligibility checklist shows
    each condition ✓/✗ in words with the numbers, before save."""
    household = _household(live_server)
    page = actor.login(CLERK, phone=phone)
    actor.goto(f"/app/subsidy-application/new?household={household['name']}")
    page.select_option("select[name=benefit_kind]", "One-time Reward")
    amount = page.locator("input[name=amount]")
    page.wait_for_function("() => document.querySelector('input[name=amount]').value !== ''")
    assert float(amount.input_value()) == 1000
    box = page.locator("[data-eligibility]")
    box.wait_for()
    page.wait_for_selector("[data-eligibility] li[data-rule=one_time_reward_conditions]")
    assert box.locator("li[data-rule=girl_household_benefits]").get_attribute("data-ok") in ("ok", "fail")
    pledge = box.locator("li[data-rule=one_time_reward_conditions]")
    assert pledge.get_attribute("data-ok") == "fail"  # the pledge is not ticked yet
    assert "自愿终生只要一个女孩" in pledge.inner_text()
    page.wait_for_selector("[data-eligibility] li[data-rule=one_time_reward_amount][data-ok=ok]")
    fixed = box.locator("li[data-rule=one_time_reward_amount]")
    assert "1000 元" in fixed.inner_text()
    actor.shot(f"18-02-eligibility-checklist-{'phone' if phone else 'desktop'}")
    page.select_option("select[name=benefit_kind]", "Interest-subsidised Loan")
    page.wait_for_selector("[data-eligibility] li[data-rule=loan_within_policy_range]")
    assert not amount.evaluate("el => el.readOnly")
    assert "1000 至 5000 元" in box.locator("li[data-rule=loan_within_policy_range]").inner_text()
