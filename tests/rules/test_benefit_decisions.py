"""townflow.rules.benefits and the step time limits in townflow.rules.steps: the pure decisions
both runtimes apply (households from their members, effects of a state entered, the insurance
conversion date, due times from Campaign Settings or a deadline)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from townflow.rules import benefits
from townflow.rules.campaign import FieldUpdate
from townflow.rules.steps import due_at, step_due_hours
from townflow.spec.models import Step


def _m(relationship: str, gender: str) -> dict:
    return {"relationship": relationship, "gender": gender}


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([], ("Childless", 0, 0, 0)),
        ([_m("Daughter", "Female")], ("One-girl", 1, 1, 1)),
        ([_m("Son", "Male")], ("One-child", 1, 0, 0)),
        ([_m("Daughter", "Female"), _m("Daughter", "Female")], ("Two-girl", 2, 2, 1)),
        ([_m("Daughter", "Female"), _m("Son", "Male")], ("Two-child", 2, 1, 0)),
        ([_m("Daughter", "Female"), _m("Son", "Male"), _m("Daughter", "Female")], ("Multi-child", 3, 2, 0)),
        # only members registered as the head's children count: not the head, spouse or grandchildren
        (
            [_m("Head", "Male"), _m("Spouse", "Female"), _m("Grandchild", "Male"), _m("Daughter", "Female")],
            ("One-girl", 1, 1, 1),
        ),
    ],
)
def test_household_composition(members, expected):
    got = benefits.household_composition(members)
    assert (
        got["household_type"],
        got["number_of_children"],
        got["number_of_daughters"],
        got["is_girl_household"],
    ) == expected


def test_composition_changes_names_only_what_differs():
    stored = {
        "household_type": "One-girl",
        "number_of_children": 1,
        "number_of_daughters": 1,
        "is_girl_household": 1,
    }
    assert benefits.composition_changes(stored, [_m("Daughter", "Female")]) == {}
    changes = benefits.composition_changes(stored, [_m("Daughter", "Female"), _m("Son", "Male")])
    assert changes == {"household_type": "Two-child", "number_of_children": 2, "is_girl_household": 0}


SETTINGS = {
    "honour_household_title": "光荣户",
    "birth_certificate_validity_days": 10,
    "insurance_conversion_age": 14,
}


def test_the_one_time_reward_approved_grants_the_title_from_the_settings():
    doc = {"name": "LYDX-1", "benefit_kind": "One-time Reward", "household": "HH-1"}
    effects = benefits.entering_effects("Subsidy Application", doc, "Approved", date(2026, 3, 2), SETTINGS)
    assert effects == [
        FieldUpdate("Household", "HH-1", "honour_household", 1),
        FieldUpdate("Household", "HH-1", "honour_granted_on", "2026-03-02"),
        FieldUpdate("Household", "HH-1", "honour_title", "光荣户"),
    ]
    # not another kind, nor another state
    loan = {**doc, "benefit_kind": "Interest-subsidised Loan"}
    assert (
        benefits.entering_effects("Subsidy Application", loan, "Approved", date(2026, 3, 2), SETTINGS) == []
    )
    assert (
        benefits.entering_effects(
            "Subsidy Application", doc, "Pending Approval Notice", date(2026, 3, 2), SETTINGS
        )
        == []
    )


def test_enrolment_clears_the_dropout_record():
    doc = {
        "aid_kind": "Dropout Girl Returning to School",
        "student": "PER-1",
        "school": "高新中学",
        "grade": "初二",
    }
    updates = benefits.other_updates(
        benefits.entering_effects("Student Aid Application", doc, "Enrolled", date(2026, 3, 2), SETTINGS)
    )
    assert updates == {
        ("Person", "PER-1"): {
            "dropped_out": 0,
            "dropped_out_on": None,
            "is_in_school": 1,
            "school": "高新中学",
            "grade": "初二",
        }
    }


def test_a_birth_certificate_issued_gets_its_validity_once():
    effects = benefits.entering_effects("Birth Service Certificate", {}, "Issued", date(2026, 3, 2), SETTINGS)
    assert benefits.own_updates(effects) == {"issued_on": "2026-03-02", "valid_until": "2026-03-11"}
    again = {"valid_until": "2026-03-11"}
    assert (
        benefits.entering_effects("Birth Service Certificate", again, "Issued", date(2026, 4, 1), SETTINGS)
        == []
    )


def test_an_approved_restoration_lifts_the_suspension():
    doc = {"name": "HFZB-1", "household": "HH-9"}
    updates = benefits.other_updates(
        benefits.entering_effects("Birth Quota Restoration", doc, "Approved", date(2026, 3, 2), SETTINGS)
    )
    assert updates == {
        ("Household", "HH-9"): {
            "birth_quota_status": "Active",
            "quota_restored_on": "2026-03-02",
            "quota_restored_by": "HFZB-1",
        }
    }


def test_the_conversion_falls_due_at_the_settings_age():
    assert benefits.conversion_due_on("2012-06-15", SETTINGS) == date(2026, 6, 15)
    assert benefits.conversion_due_on("2012-06-15", {"insurance_conversion_age": 16}) == date(2028, 6, 15)
    assert benefits.conversion_due_on("2012-02-29", SETTINGS) == date(2026, 3, 1)  # no 29 Feb in 2026
    assert benefits.conversion_due_on(None, SETTINGS) is None
    assert not benefits.conversion_is_due("2012-06-15", SETTINGS, date(2026, 6, 14))
    assert benefits.conversion_is_due("2012-06-15", SETTINGS, date(2026, 6, 15))


def test_a_steps_time_limit_comes_from_its_setting_then_its_own_hours_then_the_default():
    step = Step(due_hours_setting="village_step_due_hours", due_hours=48, on_overdue=["remind"])
    entered = datetime(2026, 3, 2, 9, 0)
    assert step_due_hours(step, {"village_step_due_hours": 24}) == 24
    assert step_due_hours(step, {"village_step_due_hours": None, "default_step_due_hours": 5}) == 48
    bare = Step(due_hours_setting="village_step_due_hours", on_overdue=["remind"])
    assert step_due_hours(bare, {"default_step_due_hours": 5}) == 5
    assert due_at(bare, entered, {"village_step_due_hours": 12}) == datetime(2026, 3, 2, 21, 0)
    assert due_at(Step(), entered, {"default_step_due_hours": 5}) is None  # no limit named: none


def test_a_deadline_step_is_due_at_the_end_of_the_deadline_day():
    step = Step(
        due_date_field="rectification_deadline", on_overdue=["escalate"], escalate_to="Township Leader"
    )
    entered = datetime(2026, 3, 2, 9, 0)
    assert due_at(step, entered, {}, {"rectification_deadline": "2026-03-10"}) == datetime(2026, 3, 11)
    assert due_at(step, entered, {}, {"rectification_deadline": None}) is None


def test_on_overdue_needs_some_time_limit():
    with pytest.raises(
        ValueError, match="on_overdue needs due_hours, due_days, due_hours_setting or due_date_field"
    ):
        Step(on_overdue=["remind"])
