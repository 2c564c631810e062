"""审批通知书: an approved subsidy's notice must carry its own serial number.

Seen in the browser: the printed approval notice of LYDX-2026-00012 read "编号：LYDX-2026-00012" —
the application's name, because `approval_notice_serial` stays empty after Issue Notice (nothing
in the runtime or the rules sets it; only certificates get a serial). A clerk filing the notice
cannot tell a notice number from an application number.

Fixed: townflow.rules.campaign.APPROVAL_NOTICES numbers the notice on entering Approved, in both
runtimes (tests/runtime/test_notice_serials.py, tests/frappe).
"""

from __future__ import annotations

from workflow_support import REWARD_TO_APPROVED, walk


def test_issuing_the_approval_notice_gives_it_a_serial(wsite, world):
    app = world.reward_application()
    walk(wsite, app, REWARD_TO_APPROVED)
    approved = wsite.session("Administrator").get(app["doctype"], app["name"])
    assert approved["workflow_state"] == "Approved"
    assert approved["approval_notice_serial"], "the notice has a serial of its own"
    assert approved["approval_notice_serial"] != approved["name"]
