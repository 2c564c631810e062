"""A phone is enough: at 390 px a village clerk sees today's due visits, opens the visit form,
fills it and draws the family's signature with a finger (here: pointer strokes), and the visit
leaves her list. `townflow serve` ticks on its own at start (--tick-interval), so the demo's
ongoing pregnancies without a visit are already due. Screenshots: test-output/screenshots/phone-*.png.
"""

from __future__ import annotations

import re

PHONE = {"width": 390, "height": 844}
CLERK = "clerk.v01@demo"


def _phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=usr]", CLERK)
    page.fill("input[name=pwd]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/app")
    return context, page


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_village_clerk_records_a_due_visit_on_a_phone(browser, live_server, screenshots):
    context, page = _phone(browser, live_server)
    try:
        for _ in range(50):  # the server's first tick runs as it starts
            page.goto(f"{live_server.url}/followups")
            if page.locator(".followup-card").count():
                break
            page.wait_for_timeout(200)
        cards = page.locator(".followup-card")
        assert cards.count() >= 1
        first = cards.first
        record = first.get_attribute("data-record")
        kind = first.get_attribute("data-kind")
        assert re.search(r"\d{4}-\d{2}-\d{2} · (已超期\d+天|今日到期|剩余\d+个工作日)", first.inner_text())
        assert _fits_the_screen(page)
        page.screenshot(path=str(screenshots / "phone-followups.png"), full_page=True)

        first.locator("a.btn-primary").click()
        page.wait_for_url(re.compile(r"/followups/.+/visit"))
        page.fill("textarea[name=findings]", "孕妇情况良好，已告知按时孕检")
        page.fill("input[name=signed_by]", "户主")
        pad = page.locator("[data-signature-pad]")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        page.mouse.move(box["x"] + 30, box["y"] + 110)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 110 - (step % 3) * 30)
        page.mouse.up()
        assert _fits_the_screen(page)
        page.screenshot(path=str(screenshots / "phone-visit-form.png"), full_page=True)

        page.click("#visit-form button[type=submit]")
        page.wait_for_url(re.compile(r"/followups\?saved=signed"))
        assert page.locator(".alert-success").is_visible()
        page.screenshot(path=str(screenshots / "phone-visit-saved.png"), full_page=True)
        assert page.locator(f'.followup-card[data-record="{record}"][data-kind="{kind}"]').count() == 0

        page.goto(f"{live_server.url}/followups/{record}/visit")
        signature = page.locator(f'a[href^="/followups/{record}/signature/"]')
        assert signature.count() == 1
        image = page.request.get(f"{live_server.url}{signature.get_attribute('href')}")
        assert image.status == 200 and image.body().startswith(b"\x89PNG")
    finally:
        context.close()
