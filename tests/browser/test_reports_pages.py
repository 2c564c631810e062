"""The campaign dashboard and a report in a real browser: cards, frappe-charts drawn from the
site's own static files, the sortable table with its totals row, and the Excel download."""

from __future__ import annotations

import io
import re

import openpyxl

APPROVER, CLERK = "approver@demo", "clerk.v01@demo"


def test_dashboard_is_the_approvers_home_with_cards_and_charts(actor):
    page = actor.login(APPROVER)
    page.wait_for_url(re.compile(r".*/app/dashboard$"))
    page.locator(".report-chart[data-drawn='1'] svg").first.wait_for()
    cards = page.locator(".number-card")
    assert cards.count() >= 5
    assert (
        page.locator(".number-card[data-card='Two-Girl Household Share'] .nc-target")
        .inner_text()
        .startswith("目标")
    )
    assert not page.evaluate(
        "Array.from(document.scripts).some(s => s.src && !s.src.startsWith(location.origin))"
    )
    page.wait_for_timeout(1200)  # let the charts' entry animation finish before the picture
    actor.shot("reports-dashboard-township")

    page = actor.login(CLERK)
    actor.goto("/app/dashboard")
    # a village user's dashboard is their own village's: its name in the title
    assert re.fullmatch(r"关爱女孩行动 · \S+村", page.locator("h1").inner_text())
    actor.shot("reports-dashboard-village")


def test_benefit_tally_page_sorts_draws_and_exports(actor):
    page = actor.login(APPROVER)
    actor.goto("/app/query-report/benefit-tally?group_by=village")
    page.locator(".report-chart[data-drawn='1'] svg").first.wait_for()
    rows = page.locator("#report-table tbody tr")
    assert rows.count() >= 2
    total = page.locator("#report-table tfoot .total-row td").all_inner_texts()
    assert total[0] == "合计"

    amount_header = page.locator("#report-table thead th").nth(3)
    amount_header.locator("button.sort").click()
    assert amount_header.get_attribute("aria-sort") == "descending"
    values = [
        float(v or 0)
        for v in page.locator("#report-table tbody tr td:nth-child(4)").evaluate_all(
            "cells => cells.map(c => c.getAttribute('data-value'))"
        )
    ]
    assert values == sorted(values, reverse=True)
    page.wait_for_timeout(1200)
    actor.shot("reports-benefit-tally")

    with page.expect_download() as download:
        page.locator("#export-excel").click()
    content = download.value.path().read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0] == "奖励扶助统计"
    assert cells[-1][0] == "合计" and str(cells[-1][1]) == total[1].replace(",", "")
