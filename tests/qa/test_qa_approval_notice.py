"""审批通知书: an approved subsidy's notice must carry its own serial number.

Seen in the browser: the printed approval notice of LYDX-2026-00012 read "编号：LYDX-2026-00012" —
the application's name, because `approval_notice_serial` stays empty after Issue Notice (nothing
in the runtime or the rules sets it; only certificates get a serial). A clerk filing the notice
cannot tell a notice number from an application number.

Fixed: townflow.rules.campaign.APPROVAL_NOTICES numbers the notice on entering Approved, in both
runtimes (tests/runtime/test_notice_serials.py, tests/frappe).
"""

from __future__ import annotations

from workflow_support import EAST, act


def test_issuing_the_approval_notice_gives_it_a_serial(wsite, world):
    household = world.household(EAST)
    person = world.person(household, relationship="Head")
    app = wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": person["name"],
            "benefit_kind": "One-time Reward",
            "amount": 1000,
            "one_girl_pledge": 1,
            "pledge_signed_on": "2026-02-01",
        }
    )
    for user, action in [
        ("clerk.east", "Submit"),
        ("head.east", "Verify"),
        ("approver1", "Forward"),
        ("finance", "Approve"),
        ("approver2", "Issue Notice"),
    ]:
        act(wsite, user, app, action)
    approved = wsite.session("Administrator").get(app["doctype"], app["name"])
    assert approved["workflow_state"] == "Approved"
    assert approved["approval_notice_serial"], "the notice has a serial of its own"
    assert approved["approval_notice_serial"] != approved["name"]
