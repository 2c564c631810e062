"""Typed dates, official Chinese dates and amounts in capitals, as a clerk and a printed notice need them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townflow.rules.cn_text import (
    TypedDateError,
    amount_in_capitals,
    chinese_date,
    normalize_typed_date,
    parse_typed_date,
)


@pytest.mark.parametrize(
    "typed",
    [
        "2026/3/5",
        "2026-3-5",
        "20260305",
        "2026年3月5日",
        "2026-03-05",
        "2026.03.05",
        " 2026 年 3 月 5 日 ",
        "２０２６／３／５",
    ],
)
def test_the_ways_people_type_a_date_all_mean_the_same_day(typed: str) -> None:
    assert parse_typed_date(typed) == date(2026, 3, 5)


@pytest.mark.parametrize(
    "typed", ["199035", "202603", "202603-05-01", "2026/13/1", "2026-2-30", "26/3/5", "abc", "1890-01-01"]
)
def test_six_digit_years_and_impossible_days_are_refused(typed: str) -> None:
    with pytest.raises(TypedDateError) as caught:
        parse_typed_date(typed)
    assert caught.value.zh


def test_normalized_form_is_iso_and_a_datetime_keeps_its_day() -> None:
    assert normalize_typed_date("2026年12月7日") == "2026-12-07"
    assert normalize_typed_date("2026-12-07 10:30:00") == "2026-12-07"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_written_form_of_a_day_reads_back(day: date) -> None:
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        day.strftime("%Y%m%d"),
        chinese_date(day),
    ):
        assert parse_typed_date(text) == day


def test_official_dates() -> None:
    assert chinese_date("2026-12-07") == "2026年12月7日"
    assert chinese_date(date(2026, 3, 5)) == "2026年3月5日"
    assert chinese_date(None) == ""


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        (1000, "壹仟元整"),
        ("1000.00", "壹仟元整"),
        (5000, "伍仟元整"),
        (1234.5, "壹仟贰佰叁拾肆元伍角"),
        (1005, "壹仟零伍元整"),
        (10010, "壹万零壹拾元整"),
        (100000, "壹拾万元整"),
        (1000001, "壹佰万零壹元整"),
        (20000000, "贰仟万元整"),
        (0.05, "伍分"),
        (3.07, "叁元零柒分"),
        (0, "零元整"),
        (105000, "壹拾万伍仟元整"),
        (100010000, "壹亿零壹万元整"),
    ],
)
def test_amounts_in_capitals(amount: object, capitals: str) -> None:
    assert amount_in_capitals(amount) == capitals


def test_a_non_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        amount_in_capitals("lots")


def test_rule_messages_state_the_live_numbers() -> None:
    from townflow.rules.messages import fill_message, placeholders

    text = "一次性奖励金额须为政策规定金额 {settings.one_time_reward_amount} 元"
    assert fill_message(text, {"one_time_reward_amount": 1000.0}) == "一次性奖励金额须为政策规定金额 1000 元"
    assert fill_message(text, {"one_time_reward_amount": 1200}) == "一次性奖励金额须为政策规定金额 1200 元"
    assert fill_message(text, {}) == text
    assert placeholders(text) == ["one_time_reward_amount"]


def test_the_password_rule() -> None:
    from townflow.rules.passwords import password_problem

    assert password_problem("123") is not None
    assert password_problem("12345678") == ("must mix letters and digits", "须同时包含字母和数字")
    assert password_problem("clerk.v09-2026", "clerk.v09@demo") is not None
    assert password_problem("Zhuanyuan-2026") is None
