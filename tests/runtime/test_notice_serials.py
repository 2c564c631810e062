"""审批通知书编号: an approved subsidy or student-aid application gets an approval notice number of its
own — `BZTZ-<year>-<#####>` for subsidies, `ZXTZ-<year>-<#####>` for student aid — gap-free per
DocType and year, given once, when the application enters Approved (townflow.rules.campaign,
applied here by the embedded runtime and by the Frappe app's extension code)."""

from __future__ import annotations

from datetime import date

import pytest
from workflow_support import (
    CLOCK,
    NOTICE_DAYS,
    REWARD_TO_APPROVAL_NOTICE,
    REWARD_TO_APPROVED,
    act,
)

from townflow.rules import campaign as rules

AID_STEPS = [
    ("clerk.east", "Submit"),
    ("head.east", "Verify"),
    ("approver1", "Forward"),
    ("education", "Approve"),
]


def walk(wsite, doc: dict, steps: list[tuple[str, str]]) -> list[dict]:
    """The document after each step (so a test can look at it before approval too); a CLOCK step
    moves the clock past the public notice window."""
    done = []
    for user, action in steps:
        if user == CLOCK:
            wsite.now.advance(days=NOTICE_DAYS)
        else:
            done.append(act(wsite, user, doc, action))
    return done


def test_the_rule_numbers_notices_per_doctype_and_year():
    rule = rules.notice_serial_rule("Subsidy Application", "Approved", None)
    assert rule is not None
    assert rules.approval_notice_serial(rule, date(2026, 5, 1), 7) == {
        "approval_notice_serial": "BZTZ-2026-00007"
    }
    assert rules.notice_serial_prefix(rule, date(2027, 1, 1)) == "BZTZ-2027-"
    aid_rule = rules.notice_serial_rule("Student Aid Application", "Approved", "")
    assert rules.approval_notice_serial(aid_rule, date(2026, 5, 1), 1) == {
        "approval_notice_serial": "ZXTZ-2026-00001"
    }
    # not the approving state, another DocType, or a number already given: nothing to do
    assert rules.notice_serial_rule("Subsidy Application", "Pending Approval Notice", None) is None
    assert rules.notice_serial_rule("Termination Certificate Application", "Approved", None) is None
    assert rules.notice_serial_rule("Subsidy Application", "Approved", "BZTZ-2026-00001") is None
    with pytest.raises(ValueError):
        rules.approval_notice_serial(rule, date(2026, 5, 1), 0)


def test_issuing_the_notice_numbers_it_and_the_number_stays(wsite, world):
    app = world.reward_application()
    *before, approved = walk(wsite, app, REWARD_TO_APPROVED)
    assert all(not doc.get("approval_notice_serial") for doc in before), "no number before approval"
    assert (approved["workflow_state"], approved["docstatus"]) == ("Approved", 1)
    assert approved["approval_notice_serial"] == "BZTZ-2026-00001"
    stored = wsite.session("Administrator").get(app["doctype"], app["name"])
    assert stored["approval_notice_serial"] == "BZTZ-2026-00001"


def test_numbers_are_gap_free_and_separate_per_doctype(wsite, world):
    first, second = world.reward_application(), world.reward_application()
    aid = world.student_aid()
    # an application approved later still takes the next number, whatever order they were filed in
    assert walk(wsite, second, REWARD_TO_APPROVED)[-1]["approval_notice_serial"] == "BZTZ-2026-00001"
    assert walk(wsite, aid, AID_STEPS)[-1]["approval_notice_serial"] == "ZXTZ-2026-00001"
    assert walk(wsite, first, REWARD_TO_APPROVED)[-1]["approval_notice_serial"] == "BZTZ-2026-00002"


def test_a_rejected_application_takes_no_number(wsite, world):
    rejected, approved = world.reward_application(), world.reward_application()
    walk(wsite, rejected, REWARD_TO_APPROVAL_NOTICE)
    assert act(wsite, "approver2", rejected, "Reject", "材料不全")["approval_notice_serial"] in (None, "")
    assert walk(wsite, approved, REWARD_TO_APPROVED)[-1]["approval_notice_serial"] == "BZTZ-2026-00001"


def test_numbering_starts_again_each_year(wsite, world, wclock):
    walk(wsite, world.reward_application(), REWARD_TO_APPROVED)
    app = world.reward_application()
    walk(wsite, app, REWARD_TO_APPROVAL_NOTICE)
    wclock.advance(days=310)  # 2026-03-02 and two walks past their notices -> 2027-03-07
    assert act(wsite, "approver2", app, "Issue Notice")["approval_notice_serial"] == "BZTZ-2027-00001"


def test_paying_out_keeps_the_notice_number(wsite, world):
    app = world.student_aid()
    approved = walk(wsite, app, AID_STEPS)[-1]
    officer = wsite.session("education")
    officer.save(
        {**officer.get(app["doctype"], app["name"]), "paid_on": "2026-03-02", "payment_reference": "ZX-1"}
    )
    paid = act(wsite, "education", app, "Record Payment")
    assert paid["workflow_state"] == "Paid"
    assert paid["approval_notice_serial"] == approved["approval_notice_serial"] == "ZXTZ-2026-00001"


def test_numbers_cross_99999_in_order_and_gap_free(wsite, world):
    """The counter row goes on past 99,999 (a string max() of `...-99999` and `...-100000` would
    give the same number twice)."""
    wsite.db.execute('INSERT INTO "tabSeries" (name, current) VALUES (?, ?)', ("BZTZ-2026-", 99998))
    numbers = [walk(wsite, world.reward_application(), REWARD_TO_APPROVED)[-1] for _ in range(3)]
    assert [doc["approval_notice_serial"] for doc in numbers] == [
        "BZTZ-2026-99999",
        "BZTZ-2026-100000",
        "BZTZ-2026-100001",
    ]
    current = wsite.db.scalar('SELECT current FROM "tabSeries" WHERE name = ?', ("BZTZ-2026-",))
    assert current == 100001


def test_a_series_without_a_counter_continues_after_the_highest_number_issued(wsite, world):
    """Serials issued before the counter existed: the next number follows the highest one as a
    number (100000 > 99999), once; from then on the counter row alone decides."""
    earlier = [walk(wsite, world.reward_application(), REWARD_TO_APPROVED)[-1] for _ in range(2)]
    for doc, serial in zip(earlier, ["BZTZ-2026-99999", "BZTZ-2026-100000"], strict=True):
        wsite.db.execute(
            'UPDATE "tabSubsidy Application" SET approval_notice_serial = ? WHERE name = ?',
            (serial, doc["name"]),
        )
    wsite.db.execute('DELETE FROM "tabSeries" WHERE name = ?', ("BZTZ-2026-",))
    following = walk(wsite, world.reward_application(), REWARD_TO_APPROVED)[-1]
    assert following["approval_notice_serial"] == "BZTZ-2026-100001"
