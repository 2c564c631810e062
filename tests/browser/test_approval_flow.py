"""A subsidy application walked through the browser by the real roles, as issue 4 asks.

The village clerk files a fee-waiver application (the form's sections appear as the benefit
kind is chosen, Link fields are picked from suggestions), the village head and the township
approver act from their inboxes, the health department approves, the township issues the
approval notice, and the clerk sees the application approved and prints the notice. A clerk of
another village gets "not found" for the same address. Screenshots of each main page are saved.
"""

from __future__ import annotations

import re

import pytest
from web.notice_window import notice_window_passed

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, Actor, LiveServer

pytestmark = pytest.mark.browser

CLERK, HEAD, APPROVER, HEALTH = "clerk.v01@demo", "head.v01@demo", "approver@demo", "health@demo"
OTHER_CLERK = "clerk.v02@demo"


def _girl_household(server: LiveServer) -> tuple[str, str]:
    """A girl household of the clerk's village and one of its members (read as Administrator)."""
    admin = FrappeClient(server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    village = admin.get_list(
        "User Permission",
        fields=["for_value"],
        filters={"user": CLERK, "allow": "Village"},
        limit_page_length=1,
    )[0]["for_value"]
    household = admin.get_list(
        "Household",
        fields=["name"],
        filters={"village": village, "is_girl_household": 1},
        order_by="name asc",
        limit_page_length=1,
    )[0]["name"]
    person = admin.get_list("Person", fields=["name"], filters={"household": household}, limit_page_length=1)[
        0
    ]
    return household, person["name"]


def _pick_link(page, selector: str, value: str) -> None:
    """Type into a Link field and choose the suggestion, as a clerk does."""
    page.fill(selector, value)
    page.locator(f".link-suggest div[data-value='{value}']").click()


def _act_from_inbox(
    actor: Actor, name: str, action_label: str, shot: str | None = None, *, stays: bool = False
) -> None:
    """Act on `name` from the inbox; it leaves the inbox, unless its next step is mine too
    (`stays`: the village head verifies, then ends the village's public notice)."""
    page = actor.goto("/inbox")
    item = page.locator(f"li.inbox-item[data-name='{name}']")
    item.wait_for()
    if shot:
        actor.shot(shot)
    page.locator("#bulk-form textarea[name=comment]").fill("同意")  # one comment box for the page
    item.get_by_role("button", name=action_label, exact=True).click()
    page.wait_for_url(re.compile(r".*/inbox.*"))
    assert page.locator(f"li.inbox-item[data-name='{name}']").count() == (1 if stays else 0)


def test_subsidy_application_approved_through_the_inboxes(actor: Actor, live_server: LiveServer) -> None:
    household, applicant = _girl_household(live_server)

    # The village clerk files the application.
    page = actor.login(CLERK, shot="01-login")
    assert page.locator("h1").inner_text().startswith("您好")
    actor.shot("02-home-clerk")
    actor.goto("/app/subsidy-application")
    actor.shot("03-list-subsidy")
    page.get_by_role("link", name=re.compile("新建")).first.click()
    page.wait_for_url(re.compile(r".*/app/subsidy-application/new"))
    fee_section = page.locator("fieldset[data-fieldname=section_fee_waiver]")
    loan_section = page.locator("fieldset[data-fieldname=section_loan]")
    assert fee_section.is_hidden() and loan_section.is_hidden()
    page.select_option("select[name=benefit_kind]", "Fee Waiver")
    assert fee_section.is_visible(), "depends_on applied live: the fee waiver section appears"
    assert loan_section.is_hidden()
    hospital = page.locator(".field[data-fieldname=hospital_name]")
    assert "is-required" in (hospital.get_attribute("class") or ""), "mandatory_depends_on applied live"
    _pick_link(page, "input[name=household]", household)
    _pick_link(page, "input[name=applicant]", applicant)
    page.fill("input[name=amount]", "100")
    page.fill("input[name=hospital_name]", "高新街道卫生院")
    page.fill("input[name=treatment_date]", "2026-11-20")
    page.fill("input[name=registration_fee]", "10")
    page.fill("input[name=treatment_fees]", "1000")
    actor.shot("04-form-new")
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*/app/subsidy-application/[^/?]+\?saved=1"))
    name = page.url.split("/app/subsidy-application/")[1].split("?")[0]
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(rf".*/app/subsidy-application/{name}\?acted=apply.*"))  # says what it did
    assert page.locator("[data-state]").get_attribute("data-state") == "Pending Village Verification"

    # The village head verifies from the inbox; a reject needs a comment first.
    actor.login(HEAD)
    page = actor.goto("/inbox")
    item = page.locator(f"li.inbox-item[data-name='{name}']")
    item.get_by_role("button", name="不予批准", exact=True).click()
    assert page.locator("#bulk-form [data-comment-msg]").is_visible(), "a reject without a comment is stopped"
    _act_from_inbox(actor, name, "审核通过", shot="05-inbox-village-head", stays=True)
    # 公示: posted in the village; once its window has run out the head ends it from the inbox
    notice_window_passed(live_server.site_dir, name)
    _act_from_inbox(actor, name, "公示期满无异议")

    # The township approver forwards it to the department for that kind of benefit (Health).
    actor.login(APPROVER)
    _act_from_inbox(actor, name, "审查通过并分送主管部门")

    # The health department approves; the township posts it and ends its notice.
    actor.login(HEALTH)
    _act_from_inbox(actor, name, "批准")
    notice_window_passed(live_server.site_dir, name)
    actor.login(APPROVER)
    _act_from_inbox(actor, name, "公示期满无异议", stays=True)  # the approval notice is mine too

    # The township issues the approval notice from the form; the timeline shows every step.
    actor.login(APPROVER)
    page = actor.goto(f"/app/subsidy-application/{name}")
    page.locator("textarea[name=comment]").fill("准予减免")
    page.get_by_role("button", name="下达审批通知", exact=True).click()
    page.wait_for_url(re.compile(rf".*/app/subsidy-application/{name}(\?acted=.*)?$"))
    timeline = page.locator("#timeline")
    for step in ("提交", "审核通过", "公示期满无异议", "审查通过并分送主管部门", "批准", "下达审批通知"):
        assert timeline.get_by_text(step, exact=True).count() >= 1, step
    assert timeline.get_by_text("准予减免").count() == 1
    actor.shot("06-form-timeline")

    # The clerk sees it approved and prints the approval notice with its serial number.
    actor.login(CLERK)
    page = actor.goto(f"/app/subsidy-application/{name}")
    assert page.locator("[data-state]").get_attribute("data-state") == "Approved"
    assert page.locator("[data-state]").inner_text().startswith("已批准")
    page = actor.goto(f"/print/subsidy-application/{name}")
    serial = page.locator("[data-serial]").inner_text()
    assert serial.strip(), "the notice carries its serial number"
    assert page.locator("h1").inner_text() == "审批通知书"
    actor.shot("07-print-approval-notice")

    # A clerk of another village cannot open it.
    actor.login(OTHER_CLERK)
    response = actor.page.goto(f"{live_server.url}/app/subsidy-application/{name}")
    assert response.status == 404
    assert "未找到" in actor.page.locator("h1").inner_text()
    assert household not in actor.page.content()
