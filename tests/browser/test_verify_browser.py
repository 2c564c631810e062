"""Issue 17 point 3 in chromium: the QR address printed on a certificate opens, for someone with
no account, a page saying whether it is valid — and nothing about the woman it names; a wrong
code says "not found"; a list's ticked certificates download as one PDF. Screenshots at desktop
and phone sizes (test-output/screenshots/17-03-*)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, DESKTOP, PHONE, Actor, LiveServer
from .test_ux_forms import SIZES

pytestmark = pytest.mark.browser

APPROVER = "approver@demo"
CERT = "Termination Certificate Application"


def _issued(server: LiveServer, count: int = 2) -> list[dict]:
    admin = FrappeClient(server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    rows = admin.get_list(CERT, fields=["name", "certificate_serial", "person_name", "id_number"],
                          filters={"certificate_status": "Used"}, limit_page_length=count)  # fmt: skip
    assert len(rows) == count, "the demo has used certificates"
    return rows


@pytest.mark.parametrize("phone", SIZES)
def test_the_printed_qr_address_verifies_the_certificate_for_a_guest(
    actor: Actor, live_server: LiveServer, phone: bool
) -> None:
    cert = _issued(live_server, 1)[0]
    page = actor.login(APPROVER)
    actor.goto(f"/print/termination-certificate-application/{cert['name']}")
    address = page.locator("[data-verify-url]").inner_text().strip()
    assert address.startswith(f"{live_server.url}/verify/{cert['certificate_serial']}?code=")
    guest = actor.browser.new_context(viewport=PHONE if phone else DESKTOP, locale="zh-CN", is_mobile=phone)
    try:
        view = guest.new_page()
        view.goto(address)
        assert view.locator("[data-verify-result]").get_attribute("data-verify-result") == "used"
        assert view.locator("[data-verify-result]").inner_text() == "已使用"
        body = view.locator("body").inner_text()
        assert cert["certificate_serial"] in body and "计划生育办公室" in body
        assert cert["person_name"] not in body and cert["id_number"] not in body
        view.screenshot(path=str(actor.shots / f"17-03-verify-used-{'phone' if phone else 'desktop'}.png"),
                        full_page=True)  # fmt: skip
        view.goto(address.rsplit("=", 1)[0] + "=ABCD-EFGH")
        assert view.locator("[data-verify-result]").get_attribute("data-verify-result") == "not-found"
        assert "未找到" in view.locator("[data-verify-result]").inner_text()
        view.screenshot(
            path=str(actor.shots / f"17-03-verify-not-found-{'phone' if phone else 'desktop'}.png"),
            full_page=True,
        )
    finally:
        guest.close()


def test_ticked_notices_download_as_one_pdf(actor: Actor, live_server: LiveServer) -> None:
    admin = FrappeClient(live_server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    issued = admin.get_list("Subsidy Application", fields=["name", "approval_notice_serial"],
                            filters={"docstatus": 1}, limit_page_length=500)  # fmt: skip
    page = actor.login(APPROVER)
    actor.goto("/app/subsidy-application")
    listed = set(page.locator("input[name=names]").evaluate_all("boxes => boxes.map(b => b.value)"))
    notices = [n for n in issued if n["approval_notice_serial"] and n["name"] in listed][:2]
    assert len(notices) == 2, "the first page lists two subsidies with their approval notice"
    for notice in notices:
        page.check(f'input[name=names][value="{notice["name"]}"]')
    actor.shot("17-03-batch-print-list")
    with page.expect_download() as download:
        page.click("[data-batch-print] button[type=submit]")
    data = Path(download.value.path()).read_bytes()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 2
    serials = {n["approval_notice_serial"] for n in notices}
    assert all("审批通知书" in "".join(text.split()) for text in pages)  # the title is letter-spaced
    assert sorted(s for text in pages for s in serials if s in text) == sorted(serials), "one notice a page"
