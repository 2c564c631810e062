"""Who in the seed township gets which benefit, and when they apply (pure: plans, no writes).

`plan_benefits` picks the families for each kind of benefit among those the campaign's rules
admit (a one-time reward only for a one-girl family entitled to a second child, a loan only for a
rural girl family, the low-income guarantee only for a girl family in hardship, insurance only for
an only child under 14, ...), and a filing date inside the five years after every birth the
application depends on. Counts come from the caller: the seed's figures less what the site
already holds, so `--profile seed` on top of the standard demo still ends at the seed's figures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from townflow.demodata.seed.population import YEARS, FamilyPlan, PersonPlan, years_ago

SUBSIDY = "Subsidy Application"
STUDENT_AID = "Student Aid Application"

REWARD = "One-time Reward"
LOAN = "Interest-subsidised Loan"
RELIEF = "Low-income Relief"
INSURANCE = "Only-child Insurance"
FEE_WAIVER = "Fee Waiver"
UNIVERSITY = "Poor Female University Student"
DROPOUT = "Dropout Girl Returning to School"
BONUS = "Senior High Admission Bonus"
KIND_DOCTYPE = {
    REWARD: SUBSIDY,
    LOAN: SUBSIDY,
    RELIEF: SUBSIDY,
    INSURANCE: SUBSIDY,
    FEE_WAIVER: SUBSIDY,
    UNIVERSITY: STUDENT_AID,
    DROPOUT: STUDENT_AID,
    BONUS: STUDENT_AID,
}
#: Extra, realistic work that the seed's figures do not count: granted fee waivers, and
#: applications rejected or still on their way.
FEE_WAIVERS = 60
REJECTED = 36
#: (aid, the girl's age in the year she applies, the month and day applications open)
SCHOOL_AGES = ((BONUS, 15, (4, 10)), (UNIVERSITY, 18, (9, 5)), (DROPOUT, 13, (9, 1)))
PENDING = 24


@dataclass
class ApplicationPlan:
    family: FamilyPlan
    kind: str
    filed_on: date
    outcome: str = "granted"  # granted | rejected | pending
    amount: float = 0
    person: PersonPlan | None = None  # the insured child or the student
    extra: dict = field(default_factory=dict)

    @property
    def doctype(self) -> str:
        return KIND_DOCTYPE[self.kind]


def _filing_day(rng: random.Random, first: date, last: date) -> date | None:
    if last <= first:
        return None
    return first + timedelta(days=rng.randrange((last - first).days))


def _after_births(family: FamilyPlan, window_start: date) -> date:
    last = family.last_birth()
    return max(window_start, last + timedelta(days=60)) if last else window_start


def loan_amounts(count: int, total: float, rng: random.Random) -> list[float]:
    """`count` loans of 1,000 to 5,000 yuan, in whole thousands where possible, summing to `total`."""
    if count == 0:
        return []
    if not count * 1000 <= total <= count * 5000:
        raise ValueError(f"{count} loans cannot sum to {total} yuan within 1,000 to 5,000 each")
    amounts = [5000.0] * count
    over = count * 5000 - total
    steps, rest = divmod(over, 1000)
    for _ in range(int(steps)):
        index = rng.choice([i for i, a in enumerate(amounts) if a >= 2000])
        amounts[index] -= 1000
    if rest:
        index = next(i for i, a in enumerate(amounts) if a - rest >= 1000)
        amounts[index] -= rest
    return amounts


def plan_benefits(
    families: list[FamilyPlan], today: date, counts: dict[str, int], loan_total: float, seed: str = "benefits"
) -> list[ApplicationPlan]:
    """One plan per application; `counts` is how many granted applications of each kind to add."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    window_start = years_ago(today, YEARS)
    last_day = today - timedelta(days=40)  # granted work had time to finish
    plans: list[ApplicationPlan] = []

    def pick(kind: str, candidates: list[FamilyPlan], count: int, **extra) -> list[ApplicationPlan]:
        rng.shuffle(candidates)
        chosen = []
        for family in candidates:
            if len(chosen) == count:
                break
            day = _filing_day(rng, _after_births(family, window_start), last_day)
            if day is not None:
                chosen.append(ApplicationPlan(family, kind, day, **extra))
        if len(chosen) < count:
            raise ValueError(f"the seed township has only {len(chosen)} families eligible for {kind}")
        return chosen

    girl_families = [f for f in families if f.kind in ("one-girl", "two-girl")]
    plans += pick(
        REWARD, [f for f in families if f.kind == "one-girl" and f.second_child_entitled], counts[REWARD]
    )
    loans = pick(LOAN, [f for f in girl_families if f.rural], counts[LOAN])
    for plan, amount in zip(loans, loan_amounts(len(loans), loan_total, rng), strict=True):
        plan.amount = amount
    plans += loans
    plans += pick(RELIEF, [f for f in girl_families if f.low_income], counts[RELIEF])
    plans += pick(
        FEE_WAIVER, [f for f in families if f.kind in ("one-girl", "two-girl", "one-boy")], FEE_WAIVERS
    )
    plans += _insurance(families, counts[INSURANCE], window_start, last_day, rng)
    plans += _students(families, counts, window_start, last_day, rng)
    plans += _unfinished(girl_families, plans, today, rng)
    return plans


def _insurance(families, count, window_start, last_day, rng) -> list[ApplicationPlan]:
    """Two-way insurance for an only child, taken out before the child is 14."""
    out = []
    only = [f for f in families if f.kind in ("one-girl", "one-boy")]
    rng.shuffle(only)
    for family in only:
        child = family.children[0]
        first = max(window_start, child.born + timedelta(days=60))
        last = min(last_day, child.born + timedelta(days=14 * 365 - 30))
        day = _filing_day(rng, first, last)
        if day is not None and len(out) < count:
            out.append(ApplicationPlan(family, INSURANCE, day, person=child))
    if len(out) < count:
        raise ValueError(f"the seed township has only {len(out)} only children young enough to insure")
    return out


def _students(families, counts, window_start, last_day, rng) -> list[ApplicationPlan]:
    """Girls at the age of each kind of student aid, in a school year inside the window."""
    out: list[ApplicationPlan] = []
    wanted = {BONUS: counts[BONUS], UNIVERSITY: counts[UNIVERSITY], DROPOUT: counts[DROPOUT]}
    shuffled = list(families)
    rng.shuffle(shuffled)
    for family in shuffled:
        for girl in (c for c in family.children if c.female and not c.in_window):
            for kind, age, (month, day_of_month) in SCHOOL_AGES:
                if wanted[kind] == 0 or (kind == BONUS and family.kind != "one-girl"):
                    continue
                day = date(girl.born.year + age, month, day_of_month) + timedelta(days=rng.randrange(20))
                if window_start <= day <= last_day:
                    out.append(ApplicationPlan(family, kind, day, person=girl))
                    wanted[kind] -= 1
                    break  # one kind of aid per girl
    if any(wanted.values()):
        raise ValueError(f"the seed township lacks girls of the right age for student aid: {wanted}")
    return out


def _unfinished(girl_families, granted, today, rng) -> list[ApplicationPlan]:
    """Loan applications that were rejected, and some filed in the last weeks still on their way."""
    with_loan = {p.family.number for p in granted if p.kind == LOAN}
    pool = [f for f in girl_families if f.rural and f.number not in with_loan]
    rng.shuffle(pool)
    out = []
    for family in pool[:REJECTED]:
        day = _filing_day(rng, _after_births(family, years_ago(today, YEARS)), today - timedelta(days=40))
        if day:
            out.append(ApplicationPlan(family, LOAN, day, outcome="rejected", amount=3000))
    for family in pool[REJECTED : REJECTED + PENDING]:
        day = today - timedelta(days=rng.randrange(1, 20))
        if day >= _after_births(family, years_ago(today, YEARS)):
            out.append(ApplicationPlan(family, LOAN, day, outcome="pending", amount=4000))
    return out
