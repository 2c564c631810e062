"""Issue 18 points 5 and 7 in chromium at desktop and phone sizes: an inbox to decide from
(summary facts, deadline order and tags, search, filters, "no match", one comment box) and
confirmations that name the count and the amount, then a result saying who is next."""

from __future__ import annotations

import re

import pytest

from .conftest import Actor, LiveServer
from .test_ux_forms import SIZES, new_draft

pytestmark = pytest.mark.browser

APPROVER = "approver@demo"
HEAD = "head.v01@demo"


@pytest.mark.parametrize("phone", SIZES)
def test_the_inbox_shows_what_to_decide_from_and_narrows(actor: Actor, live_server: LiveServer, phone: bool):
    page = actor.login(APPROVER, phone=phone)
    actor.goto("/inbox")
    items = page.locator("li.inbox-item")
    assert items.count() >= 2
    subsidy = page.locator("li.inbox-item:has(a.inbox-title:text('计生家庭利益导向申请'))").first
    for fact in ("benefit_kind", "amount", "village", "owner", "waited"):
        assert subsidy.locator(f"[data-fact={fact}]").count() == 1, fact
    assert re.search(r"已等待", subsidy.inner_text())
    assert page.locator("textarea[name=comment]").count() == 1, "one comment box for the whole page"
    assert page.locator("select[name=sort]").input_value() == "due"
    actor.shot(f"18-05-inbox-{'phone' if phone else 'desktop'}")
    # a search for one applicant's name narrows the list to that document
    title = subsidy.locator("a.inbox-title").inner_text().split("·", 1)[1].strip()
    page.fill("input[name=q]", title)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r".*q=.*"))
    assert items.count() >= 1
    assert all(title in items.nth(i).inner_text() for i in range(items.count()))
    # a village filter keeps only that village's documents
    actor.goto("/inbox")
    villages = page.locator("select[name=village] option")
    assert villages.count() >= 2
    village = villages.nth(1).get_attribute("value")
    page.select_option("select[name=village]", village)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r".*village=.*"))
    for i in range(items.count()):
        facts = items.nth(i).locator("[data-fact=village]")
        if facts.count():
            assert village in facts.inner_text()
    # nothing found is said
    page.fill("input[name=q]", "没有这个人的名字")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r".*q=.*"))
    assert page.locator("[data-no-match]").inner_text() == "没有符合条件的记录"
    actor.shot(f"18-05-inbox-no-match-{'phone' if phone else 'desktop'}")


def test_the_inbox_is_sorted_by_deadline(actor: Actor, live_server: LiveServer) -> None:
    page = actor.login(APPROVER)
    actor.goto("/inbox?tab=todo&sort=due")
    lefts = page.locator("li.inbox-item").evaluate_all("els => els.map(e => e.getAttribute('data-tag'))")
    assert lefts, "the approver has to-dos"
    # overdue items first, then those due soon, then the rest: tags never go back up the list
    rank = {"overdue": 0, "soon": 1, "": 2}
    ranks = [rank[t or ""] for t in lefts]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize("phone", SIZES)
def test_bulk_and_one_click_actions_confirm_with_count_and_amount_then_say_who_is_next(
    actor: Actor, live_server: LiveServer, phone: bool
) -> None:
    from townflow.client import FrappeClient

    from .conftest import DEMO_PASSWORD

    clerk = FrappeClient(live_server.url, usr="clerk.v01@demo", pwd=DEMO_PASSWORD)
    names = [new_draft(live_server, amount=amount) for amount in (100, 50)]
    for name in names:
        clerk.apply_workflow({"doctype": "Subsidy Application", "name": name}, "Submit")
    page = actor.login(HEAD, phone=phone)
    actor.goto("/inbox?sort=modified")
    for name in names:
        page.locator(f"input[name=doc][value='Subsidy Application::{name}']").check()
    assert "已选 2 项" in page.locator("[data-selected-count]").inner_text()
    actor.dialog_answer = False  # the first time the approver says no: nothing happens
    page.locator("[data-bulk-submit]").click()
    assert actor.dialogs and "2 份单据" in actor.dialogs[-1][1] and "150 元" in actor.dialogs[-1][1]
    assert "/inbox" in page.url and "done=" not in page.url
    actor.dialog_answer = True
    page.locator("[data-bulk-submit]").click()
    page.wait_for_url(re.compile(r".*done=2.*"))
    assert "已对 2 份单据执行「审核通过」" in page.locator("[data-notice]").inner_text()
    actor.shot(f"18-07-bulk-result-{'phone' if phone else 'desktop'}")
    # one click on one more, with its own confirmation naming the amount
    third = new_draft(live_server, amount=80)
    clerk.apply_workflow({"doctype": "Subsidy Application", "name": third}, "Submit")
    actor.goto("/inbox?sort=modified")
    item = page.locator(f"li.inbox-item[data-name='{third}']")
    item.get_by_role("button", name="审核通过", exact=True).click()
    page.wait_for_url(re.compile(r".*acted_doc=.*"))
    assert "金额 80 元" in actor.dialogs[-1][1]
    notice = page.locator("[data-notice]").inner_text()
    assert "已「审核通过」" in notice and "下一步由" in notice
    actor.shot(f"18-07-one-click-result-{'phone' if phone else 'desktop'}")
