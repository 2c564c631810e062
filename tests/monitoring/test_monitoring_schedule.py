"""The working calendar and the visit schedule (pure layer): holidays and 调休 move due dates."""

from __future__ import annotations

from datetime import date, datetime

from townflow.rules import monitoring, workdays
from townflow.rules.steps import due_at
from townflow.spec.models import Step

POLICY = monitoring.Policy()  # 30-day visits, 60-day checks, 3 days' notice, 5 working days to escalate


def visited(day: str, kind: str = "Home Visit") -> dict:
    return pregnancy(visits=[{"visit_date": day, "visit_type": kind}])


def pregnancy(**values):
    return {
        "name": "PR-1",
        "person_name": "李梅",
        "village": "东关村",
        "outcome": "Ongoing",
        "registered_on": "2024-06-01",
        "lmp_date": "2024-05-01",
        "expected_delivery_date": "2025-02-05",
        "visits": [],
        **values,
    }


def test_national_day_holiday_and_its_make_up_saturday():
    assert not workdays.is_working_day(date(2024, 10, 1))  # 国庆节
    assert not workdays.is_working_day(date(2024, 10, 5))  # a Saturday inside the holiday
    assert workdays.is_working_day(date(2024, 10, 12))  # 调休: a Saturday worked
    assert workdays.is_make_up_day(date(2024, 10, 12))
    assert not workdays.is_working_day(date(2024, 10, 19))  # an ordinary Saturday


def test_a_visit_due_on_a_holiday_is_due_on_the_next_working_day():
    # last visit 2024-09-01 + 30 days = 2024-10-01 (National Day) -> due Tuesday 2024-10-08
    plan = monitoring.schedule(visited("2024-09-01"), POLICY)
    assert plan.next_visit_due == date(2024, 10, 8)


def test_a_visit_due_on_a_make_up_saturday_stays_on_it():
    # 2024-09-12 + 30 days = Saturday 2024-10-12, a 调休 working day: due that Saturday
    plan = monitoring.schedule(visited("2024-09-12"), POLICY)
    assert plan.next_visit_due == date(2024, 10, 12)
    # 2024-09-19 + 30 = Saturday 2024-10-19, an ordinary weekend: due Monday
    plan = monitoring.schedule(visited("2024-09-19"), POLICY)
    assert plan.next_visit_due == date(2024, 10, 21)


def test_escalation_counts_working_days_across_the_holiday():
    # due Monday 2024-09-30; 5 working days on: 10-08, 10-09, 10-10, 10-11, 10-12 (the 调休 Saturday)
    record = pregnancy(visits=[{"visit_date": "2024-08-31", "visit_type": "Home Visit"}])
    visit = next(i for i in monitoring.work_items(record, POLICY, date(2024, 10, 9)) if i.kind == "visit")
    assert visit.due == date(2024, 9, 30)
    assert visit.escalate_on == date(2024, 10, 12)
    assert not visit.escalated(date(2024, 10, 11)) and visit.escalated(date(2024, 10, 12))
    calendar_days = monitoring.Policy(day_kind="calendar")
    items = monitoring.work_items(record, calendar_days, date(2024, 10, 9))
    item = next(i for i in items if i.kind == "visit")
    assert item.escalate_on == date(2024, 10, 5)


def test_monthly_visit_and_bimonthly_check_count_from_their_own_last_one():
    visits = [
        {"visit_date": "2024-07-01", "visit_type": "Pregnancy Check"},
        {"visit_date": "2024-07-20", "visit_type": "Home Visit"},
    ]
    plan = monitoring.schedule(pregnancy(visits=visits), POLICY)
    assert plan.last_visit == date(2024, 7, 20) and plan.next_visit_due == date(2024, 8, 19)
    assert plan.last_check == date(2024, 7, 1) and plan.next_check_due == date(2024, 8, 30)


def test_work_opens_a_few_days_before_it_is_due_and_ends_with_an_outcome():
    record = pregnancy(visits=[{"visit_date": "2024-07-20", "visit_type": "Pregnancy Check"}])
    assert monitoring.work_items(record, POLICY, date(2024, 8, 15)) == []
    assert [i.kind for i in monitoring.work_items(record, POLICY, date(2024, 8, 16))] == ["visit"]
    assert monitoring.work_items({**record, "outcome": "Live Birth"}, POLICY, date(2024, 12, 1)) == []


def test_a_pregnancy_past_its_expected_date_and_the_grace_period_without_an_outcome_is_work():
    record = pregnancy(visits=[{"visit_date": "2025-02-10", "visit_type": "Pregnancy Check"}])
    # expected 2025-02-05 + 14 days grace = 2025-02-19 (a Wednesday)
    assert "outcome" not in {i.kind for i in monitoring.work_items(record, POLICY, date(2025, 2, 18))}
    items = monitoring.work_items(record, POLICY, date(2025, 2, 19))
    assert [i.kind for i in items] == ["outcome"]
    overdue = monitoring.overdue_list([record], POLICY, date(2025, 3, 3))
    assert [(r.kind, r.days_overdue, r.escalated) for r in overdue] == [("outcome", 12, True)]


def test_policy_reads_campaign_settings_and_falls_back_to_the_spec_defaults():
    settings = {"followup_visit_interval_days": "20", "outcome_grace_days": None}
    policy = monitoring.Policy.from_settings(settings)
    assert policy.visit_interval_days == 20 and policy.outcome_grace_days == 14


def test_a_step_due_in_working_days_skips_the_holiday():
    step = Step(due_days=2, due_day_kind="working", on_overdue=["remind"])
    assert due_at(step, datetime(2024, 9, 30, 10, 0)) == datetime(2024, 10, 9, 23, 59, 59)  # 10-08, 10-09
    assert due_at(Step(due_days=2), datetime(2024, 9, 30, 10, 0)) == datetime(2024, 10, 2, 10, 0)


def test_due_text_says_how_many_working_days_are_left():
    assert monitoring.due_text(date(2024, 10, 8), date(2024, 9, 30)) == "2024-10-08 · 剩余1个工作日"
    assert monitoring.due_text(date(2024, 10, 14), date(2024, 10, 11)) == "2024-10-14 · 剩余2个工作日"
    assert monitoring.due_text(date(2024, 10, 11), date(2024, 10, 14)).endswith("已超期3天")
