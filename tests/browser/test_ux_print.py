"""Issue 18 point 4 in chromium: the certificate and the approval notice each print on one A4 page
(rendered to PDF and counted), with the office's name, 「2026年12月7日」 dates, amounts in capitals,
no internal codes and no repeated rows; screenshots at desktop and phone sizes."""

from __future__ import annotations

import re

import pytest

from townflow.client import FrappeClient

from .conftest import ADMIN_PASSWORD, Actor, LiveServer
from .test_ux_forms import SIZES

pytestmark = pytest.mark.browser

APPROVER = "approver@demo"
CERTIFICATE = "Termination Certificate Application"
PRINTS = [
    ("Subsidy Application", "subsidy-application", "Approved", "审批通知书"),
    (
        "Termination Certificate Application",
        "termination-certificate-application",
        "Issued",
        "终止妊娠手术凭证",
    ),
]
INTERNAL_CODE = re.compile(r"\b(PER|HH|PR)-\d")


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _one(server: LiveServer, doctype: str, state: str) -> str:
    admin = FrappeClient(server.url, usr="Administrator", pwd=ADMIN_PASSWORD)
    rows = admin.get_list(doctype, fields=["name"], filters={"workflow_state": state}, limit_page_length=1)
    assert rows, f"the demo has a {doctype} in {state}"
    return rows[0]["name"]


@pytest.mark.parametrize("phone", SIZES)
@pytest.mark.parametrize(("doctype", "slug", "state", "title"), PRINTS, ids=["notice", "certificate"])
def test_each_print_is_one_a4_page_in_official_form(
    actor: Actor, live_server: LiveServer, phone: bool, doctype: str, slug: str, state: str, title: str
) -> None:
    name = _one(live_server, doctype, state)
    page = actor.login(APPROVER, phone=phone)
    actor.goto(f"/print/{slug}/{name}")
    sheet = page.locator("article.print-sheet")
    assert page.locator("h1").inner_text() == title
    text = sheet.inner_text()
    assert "高新街道办事处计划生育办公室" in page.locator("[data-office]").inner_text()
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page.locator("[data-issued-on]").inner_text())
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "dates are written the official way"
    assert not INTERNAL_CODE.search(text), "no internal codes"
    if doctype == "Subsidy Application":
        assert re.search(r"（大写：[零壹贰叁肆伍陆柒捌玖拾佰仟万元角分整]+）", text)
    values = page.locator(".print-fields td").all_inner_texts()
    assert len(values) == len(set(values)), "no repeated rows"
    assert page.locator("[data-seal]").is_visible()
    actor.shot(f"18-04-print-{slug}-{'phone' if phone else 'desktop'}")
    if not phone:
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        assert _pdf_pages(pdf) == 1, "one A4 page with the seal line on it"
        (actor.shots / f"18-04-print-{slug}.pdf").write_bytes(pdf)
