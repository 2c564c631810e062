"""Issue 18 points 6, 11 and 12 in chromium at desktop and phone sizes: the approver's read-only
summary with a sticky action bar and a deliberate 修改; 转交 that hands the task over with 收回;
a returned document tagged 「已退回」 with a banner saying why, who and when."""

from __future__ import annotations

import re
import uuid

import pytest
from web.notice_window import notice_window_passed

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Actor, LiveServer
from .test_ux_forms import SIZES, new_draft

pytestmark = pytest.mark.browser

CLERK, HEAD, APPROVER = "clerk.v01@demo", "head.v01@demo", "approver@demo"


def _at_township(server: LiveServer) -> str:
    """A subsidy application of the clerk's village waiting on the township approver."""
    name = new_draft(server)
    ref = {"doctype": "Subsidy Application", "name": name}
    FrappeClient(server.url, usr=CLERK, pwd=DEMO_PASSWORD).apply_workflow(ref, "Submit")
    head = FrappeClient(server.url, usr=HEAD, pwd=DEMO_PASSWORD)
    head.apply_workflow(ref, "Verify", "同意")
    notice_window_passed(server.site_dir, name)  # 公示 in the village, run out
    head.apply_workflow(head.get_doc("Subsidy Application", name), "End Notice")
    return name


@pytest.mark.parametrize("phone", SIZES)
def test_the_approver_reads_a_summary_acts_from_a_sticky_bar_and_returns_it(
    actor: Actor, live_server: LiveServer, phone: bool
) -> None:
    size = "phone" if phone else "desktop"
    name = _at_township(live_server)
    url = f"/app/subsidy-application/{name}"
    page = actor.login(APPROVER, phone=phone)
    actor.goto(url)
    summary = page.locator("[data-review-summary]")
    assert summary.is_visible()
    for fact in ("benefit_kind", "amount", "village"):
        assert summary.locator(f"[data-fact={fact}]").count() == 1, fact
    assert page.locator("select[name=benefit_kind]").count() == 0, "政策类别 is not editable by reading"
    bar = page.locator("[data-action-bar]")
    box = bar.bounding_box()
    viewport = page.viewport_size
    assert box is not None and box["y"] + box["height"] <= viewport["height"] + 1, "the bar is on screen"
    assert bar.get_by_role("button", name="审查通过并分送主管部门").is_visible()
    actor.shot(f"18-06-approver-summary-{size}", full_page=False)
    # 修改 is deliberate, and opens the fields the state's allow_edit gives
    page.locator("[data-modify]").click()
    page.wait_for_url(re.compile(r".*edit=1"))
    assert page.locator("select[name=benefit_kind]").count() == 1
    assert page.locator("[data-editing]").is_visible()
    actor.goto(url)
    # 退回 from the bar, with a reason
    bar.locator("details.more-actions summary").click()
    page.select_option("select[name=to_state]", "Draft")
    reason = f"请补充诊断证明 {size}"
    page.locator("[data-action-bar] textarea[name=comment]").fill(reason)
    bar.locator("button[name=op][value=return]").click()
    page.wait_for_url(re.compile(r".*acted=return.*"))
    assert "已退回" in page.locator("[data-notice]").inner_text()

    # the clerk sees 「已退回」 on the list, the home page and the form, with the banner
    page = actor.login(CLERK, phone=phone)
    actor.goto("/app")
    assert page.locator("[data-returned]").count() >= 1
    actor.goto(f"/app/subsidy-application?q={name}")
    row = page.locator(f"tr:has(a:text('{name}'))")
    assert row.locator("[data-returned]").inner_text() == "已退回"
    actor.shot(f"18-12-returned-in-list-{size}")
    actor.goto(url)
    banner = page.locator("[data-returned-banner]")
    assert reason in banner.inner_text() and "街道计生办主任" in banner.inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", banner.inner_text())
    actor.shot(f"18-12-returned-banner-{size}")


def test_delegating_hands_the_task_over_and_it_can_be_taken_back(
    actor: Actor, live_server: LiveServer
) -> None:
    name = _at_township(live_server)
    url = f"/app/subsidy-application/{name}"
    deputy = f"deputy-{uuid.uuid4().hex[:6]}@demo"
    admin = FrappeClient(live_server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    admin.insert(
        {
            "doctype": "User",
            "email": deputy,
            "first_name": "副主任",
            "full_name": "副主任",
            "new_password": "Deputy-pass-2026",
            "roles": [{"role": "Township Approver"}],
        }
    )
    page = actor.login(APPROVER)
    actor.goto(url)
    page.locator("details.more-actions summary").click()
    page.select_option("select[name=to_user]", deputy)
    page.locator("button[name=op][value=delegate]").click()
    page.wait_for_url(re.compile(r".*acted=delegate.*"))
    banner = page.locator("[data-delegation]")
    assert "副主任" in banner.inner_text() and "转交给" in banner.inner_text()
    assert page.get_by_role("button", name="审查通过并分送主管部门").count() == 0, "the task has left me"
    actor.shot("18-11-delegated-can-reclaim")
    page.locator("[data-reclaim]").click()
    page.wait_for_url(re.compile(r".*acted=reclaim.*"))
    assert "已收回" in page.locator("[data-notice]").inner_text()
    assert page.get_by_role("button", name="审查通过并分送主管部门").count() == 1, "mine again"
    # handed over again, and once the delegate acts there is nothing left to take back
    page.locator("details.more-actions summary").click()
    page.select_option("select[name=to_user]", deputy)
    page.locator("button[name=op][value=delegate]").click()
    page.wait_for_url(re.compile(r".*acted=delegate.*"))
    FrappeClient(live_server.url, usr=deputy, pwd="Deputy-pass-2026").apply_workflow(
        {"doctype": "Subsidy Application", "name": name}, "Forward", "同意"
    )
    actor.goto(url)
    assert page.locator("[data-reclaim]").count() == 0
