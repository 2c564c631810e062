"""资金发放: the finance officer could not fill 经办人 (paid_by) on a new Disbursement.

Seen in the browser as finance@demo: 经办人 is a mandatory Link to User with no default, and its
suggestions are empty (a Finance Officer may not read User), so typing "finance" found nothing and
the save answered "经办人：finance 不存在". Only typing the exact login name worked. The field should
default to the user filling it (Frappe's `__user`), as the one who pays is the one who records.
(Since 0ffd8d0 every signed-in user may pick Users in Link fields; the missing default remains.)
"""

from __future__ import annotations

from workflow_support import REWARD_TO_APPROVED, walk


def test_paid_by_defaults_to_the_finance_officer(wsite, world):
    app = world.reward_application()
    walk(wsite, app, REWARD_TO_APPROVED)
    finance = wsite.session("finance")
    paid = finance.insert(
        {
            "doctype": "Disbursement",
            "subsidy_application": app["name"],
            "amount": 1000,
            "payment_date": "2026-03-02",
            "payment_method": "Bank Transfer",
            "bank_reference": "BOC-0001",
        }
    )
    assert paid["paid_by"] == "finance"
