"""The seed township's plans, before anything is written (fast: no site)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from townflow.demodata.seed import benefits, population
from townflow.demodata.seed.figures import LOAN_TOTAL_YUAN, SEED_FIGURES
from townflow.rules.validators import cn_id_number

TODAY = date(2026, 6, 15)
VILLAGES = [f"村{i:02d}" for i in range(1, 46)]


@pytest.fixture(scope="module")
def families():
    return population.plan_township(VILLAGES, TODAY)


@pytest.mark.parametrize(("count", "total"), [(462, 2_000_000), (461, 1_997_000), (10, 23_456.5), (3, 3000)])
def test_loans_sum_exactly_within_the_policy_range(count, total):
    amounts = benefits.loan_amounts(count, total, random.Random(1))
    assert len(amounts) == count
    assert sum(amounts) == total
    assert all(1000 <= a <= 5000 for a in amounts)


def test_loans_that_cannot_sum_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="cannot sum to"):
        benefits.loan_amounts(2, 20_000, random.Random(1))


def test_the_plan_is_the_same_every_time(families):
    again = population.plan_township(VILLAGES, TODAY)
    assert [(f.head.id_number, f.wife.full_name, [c.born for c in f.children]) for f in families] == [
        (f.head.id_number, f.wife.full_name, [c.born for c in f.children]) for f in again
    ]


def test_every_village_has_families_and_every_person_a_valid_unique_id(families):
    assert {f.village for f in families} == set(VILLAGES)
    people = [p for f in families for p in f.members]
    assert all(cn_id_number(p.id_number) is None for p in people)
    assert len({p.id_number for p in people}) == len(people)
    assert all(p.id_number[6:14] == f"{p.born:%Y%m%d}" for p in people)
    assert all(int(p.id_number[16]) % 2 == (0 if p.female else 1) for p in people)


def test_window_births_hold_the_sex_ratio_and_mothers_were_adults(families):
    window_start = TODAY - timedelta(days=round(population.YEARS * 365.25))
    births = Counter(c.female for f in families for c in f.children if c.in_window)
    assert births[False] * 100 / births[True] <= 106
    assert all(window_start <= c.born < TODAY for f in families for c in f.children if c.in_window)
    for f in families:
        for child in f.children:
            assert (child.born - f.wife.born).days >= 21 * 365, (f.number, child.born, f.wife.born)


def test_two_girl_families_are_over_43_percent_of_two_child_families(families):
    kinds = Counter(f.kind for f in families)
    two_child = kinds["two-girl"] + kinds["boy-girl"] + kinds["two-boy"]
    assert kinds["two-girl"] * 100 / two_child > 43


def test_benefits_go_to_the_families_the_rules_admit(families):
    plans = benefits.plan_benefits(families, TODAY, dict(SEED_FIGURES), LOAN_TOTAL_YUAN)
    granted = Counter(p.kind for p in plans if p.outcome == "granted")
    assert {k: granted[k] for k in SEED_FIGURES} == SEED_FIGURES
    for plan in plans:
        last_birth = plan.family.last_birth()
        assert last_birth is None or plan.filed_on > last_birth
        if plan.kind == benefits.REWARD:
            assert plan.family.kind == "one-girl" and plan.family.second_child_entitled
        if plan.kind in (benefits.LOAN, benefits.RELIEF):
            assert plan.family.kind in ("one-girl", "two-girl")
        if plan.kind == benefits.INSURANCE:
            assert (plan.filed_on - plan.person.born).days < 14 * 365
        if plan.kind == benefits.BONUS:
            assert plan.family.kind == "one-girl" and plan.person.female
    loans = [p.amount for p in plans if p.kind == benefits.LOAN and p.outcome == "granted"]
    assert sum(loans) == LOAN_TOTAL_YUAN
