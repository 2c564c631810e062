"""Campaign Settings are live (issue 11, point 9): a test changes each setting this area owns and
sees the behaviour change. (The honour title, pension percentage, bonus points, fee-waiver
percentage, conversion age and birth-certificate validity are changed in the tests of their
rules: test_benefit_rules, test_inspections_and_conversions, test_households_and_birth_quota.)"""

from __future__ import annotations

import pytest
from workflow_support import EAST, act, pass_notice, state

from townflow.runtime import errors


def _settings(wsite, **values):
    admin = wsite.session("Administrator")
    admin.save({**admin.get("Campaign Settings", "Campaign Settings"), **values})


def _due(wsite, doc) -> str:
    row = wsite.db.fetchone(
        'SELECT due_at FROM "tabWorkflow Action" WHERE reference_name = ? AND kind = ? AND status = ?',
        (doc["name"], "todo", "Open"),
    )
    return str(row["due_at"])[:16]


def test_the_step_time_limits_drive_the_due_times(wsite, world):
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    assert _due(wsite, app) == "2026-03-04 09:00"  # the village step: 48 hours
    _settings(wsite, village_step_due_hours=24, township_step_due_hours=12, department_step_due_hours=6)
    other = world.reward_application(world.household(EAST, head_name="李四"))
    act(wsite, "clerk.east", other, "Submit")
    assert _due(wsite, other) == "2026-03-03 09:00"  # now 24 hours
    act(wsite, "head.east", other, "Verify")
    pass_notice(wsite, "head.east", other)  # the village notice ends: 2026-03-17 09:00
    assert _due(wsite, other) == "2026-03-17 21:00"  # the township: 12 hours
    act(wsite, "approver1", other, "Forward")
    # the department's limit counts in working days: 6 hours is one working day, to its end
    assert _due(wsite, other) == "2026-03-18 23:59"
    _settings(wsite, payment_due_hours=1)
    act(wsite, "finance", other, "Approve")
    pass_notice(wsite, "approver1", other)  # the township notice ends: 2026-04-01 09:00
    act(wsite, "approver2", other, "Issue Notice")
    assert state(wsite, other) == "Approved"
    assert _due(wsite, other) == "2026-04-01 10:00"  # finance pays within the payment limit


def test_the_certificate_steps_take_their_limits_from_the_settings_too(wsite, world):
    _settings(wsite, village_step_due_hours=6, township_step_due_hours=3)
    app = world.certificate_application(EAST)
    act(wsite, "clerk.east", app, "Submit")
    assert _due(wsite, app) == "2026-03-02 15:00"  # the village head: 6 hours
    act(wsite, "head.east", app, "Verify")
    assert _due(wsite, app) == "2026-03-02 12:00"  # the township: 3 hours


def test_a_step_whose_time_limit_is_cleared_takes_the_default_limit(wsite, world):
    _settings(wsite, village_step_due_hours=None, default_step_due_hours=5)
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    assert _due(wsite, app) == "2026-03-02 14:00"


def _loan(wsite, world, amount):
    household = world.household(EAST)
    person = world.person(household, relationship="Head")
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": person["name"],
            "benefit_kind": "Interest-subsidised Loan",
            "loan_purpose": "养殖",
            "lending_bank": "农商行",
            "loan_term_months": 24,
            "amount": amount,
        }
    )


def test_the_loan_range_is_the_settings(wsite, world):
    with pytest.raises(errors.ValidationError, match="policy range"):
        _loan(wsite, world, 6000)
    _settings(wsite, loan_max_amount=8000)
    assert _loan(wsite, world, 6000)["amount"] == 6000
    _settings(wsite, loan_min_amount=2000)
    with pytest.raises(errors.ValidationError, match="policy range"):
        _loan(wsite, world, 1500)


def test_the_one_time_reward_amount_is_the_settings(wsite, world):
    _settings(wsite, one_time_reward_amount=1500)
    with pytest.raises(errors.ValidationError, match="policy amount") as refused:
        world.reward_application()  # files 1,000
    assert refused.value.fields == ["amount"]


def test_the_registration_fee_counts_only_while_the_policy_waives_it(wsite, world):
    household = world.household(EAST)
    person = world.person(household, relationship="Head")
    doc = {
        "doctype": "Subsidy Application",
        "household": household["name"],
        "applicant": person["name"],
        "benefit_kind": "Fee Waiver",
        "hospital_name": "县人民医院",
        "treatment_date": "2026-02-20",
        "registration_fee": 10,
        "treatment_fees": 2000,
        "amount": 210,
    }
    clerk = wsite.session("clerk.east")
    assert clerk.insert(doc)["amount"] == 210
    _settings(wsite, registration_fee_waived=0)
    with pytest.raises(errors.ValidationError, match="cannot exceed"):
        clerk.insert(doc)
    assert clerk.insert({**doc, "amount": 200})["amount"] == 200


def test_the_health_review_week_is_the_settings(wsite, world):
    _settings(wsite, health_review_weeks=8)
    app = world.certificate_application(EAST, weeks=10)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    assert state(wsite, app) == "Pending Health Review"  # 10 weeks is at or above 8


def test_the_certificate_prefix_and_validity_are_the_settings(wsite, world):
    _settings(wsite, certificate_prefix="ZZ", certificate_validity_days=10)
    app = world.certificate_application(EAST, weeks=10)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    issued = wsite.session("Administrator").get(app["doctype"], app["name"])
    assert issued["certificate_serial"] == "ZZ-2026-00001"
    assert issued["valid_until"] == "2026-03-11"
