"""The seed township's families, planned before anything is written (pure: no site, no I/O).

`plan_township(villages, today)` answers one `FamilyPlan` per household: the couple, the children
(sex and date of birth), which children are born inside the five-year window (they get a
pregnancy record with a live-birth outcome), and the household's standing (residence, income,
entitlement to a second child). The mix of household kinds is chosen so that two-girl households
are a little under half of the two-child households, as in the campaign report, and the births
of the window are drawn so that boys per 100 girls stay near 104.

Deterministic: the same villages and `today` give the same families, names and ID numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from townflow.demodata.people import FEMALE_GIVEN, MALE_GIVEN, SURNAMES, id_number, mobile

#: Final household kinds and how many of each the township has (summed over all villages).
HOUSEHOLD_MIX = (
    ("one-girl", 700),
    ("one-boy", 600),
    ("two-girl", 520),
    ("boy-girl", 400),
    ("two-boy", 160),
    ("childless", 140),
)
#: Births inside the five-year window: girls, and boys per 100 girls (at most 106 is the target).
WINDOW_GIRLS = 300
WINDOW_SEX_RATIO = 104
YEARS = 5
#: Households are on the register this many days before the window opens (the first births of
#: the window were conceived before it); every child born before the window is born before that.
REGISTERED_BEFORE = 330
#: Area codes (GB/T 2260) of Zouping and neighbouring counties: where the parents were born.
AREA_CODES = ("371626", "371626", "371626", "371621", "371625", "370321")


@dataclass
class PersonPlan:
    full_name: str
    female: bool
    born: date
    id_number: str
    relationship: str  # Head, Spouse, Daughter, Son
    mobile: str | None = None
    in_window: bool = False  # born inside the five years: has a pregnancy record

    @property
    def gender(self) -> str:
        return "Female" if self.female else "Male"


@dataclass
class FamilyPlan:
    number: int  # 0.. over the township
    village: str
    village_number: int  # 1..45, the demo users clerk.vNN / head.vNN
    kind: str  # HOUSEHOLD_MIX kind
    head: PersonPlan
    wife: PersonPlan
    children: list[PersonPlan] = field(default_factory=list)
    rural: bool = True
    low_income: bool = False
    second_child_entitled: bool = False

    @property
    def members(self) -> list[PersonPlan]:
        return [self.head, self.wife, *self.children]

    def children_on(self, day: date) -> list[PersonPlan]:
        return [c for c in self.children if c.born <= day]

    def last_birth(self) -> date | None:
        window = [c.born for c in self.children if c.in_window]
        return max(window) if window else None


class IdNumbers:
    """Unique GB 11643 numbers: the sequence runs per area code, birth date and sex."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, date, bool], int] = {}

    def issue(self, area: str, born: date, female: bool) -> str:
        key = (area, born, female)
        sequence = self.used.get(key, 0) + 1
        self.used[key] = sequence
        return id_number(born, female, sequence, area)


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange(max(1, (last - first).days)))


def years_ago(today: date, years: float) -> date:
    return today - timedelta(days=round(years * 365.25))


def _kinds(rng: random.Random) -> list[str]:
    kinds = [kind for kind, count in HOUSEHOLD_MIX for _ in range(count)]
    rng.shuffle(kinds)
    return kinds


def _child_sexes(kind: str, rng: random.Random) -> list[bool]:
    """True for a girl, eldest first."""
    fixed = {
        "one-girl": [True],
        "one-boy": [False],
        "two-girl": [True, True],
        "two-boy": [False, False],
        "childless": [],
    }
    return fixed[kind] if kind in fixed else rng.choice([[True, False], [False, True]])


def _window_births(families: list[FamilyPlan], rng: random.Random) -> set[int]:
    """Which youngest children (by family number) are born inside the window: WINDOW_GIRLS girls
    and the boys that give WINDOW_SEX_RATIO boys per 100 girls."""
    girls = [f.number for f in families if f.children and f.children[-1].female]
    boys = [f.number for f in families if f.children and not f.children[-1].female]
    rng.shuffle(girls)
    rng.shuffle(boys)
    return set(girls[:WINDOW_GIRLS] + boys[: WINDOW_GIRLS * WINDOW_SEX_RATIO // 100])


def plan_township(villages: list[str], today: date, seed: str = "townflow-seed") -> list[FamilyPlan]:
    """Every household of the seed township, spread evenly over `villages` (in village order)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    ids = IdNumbers()
    window_start = years_ago(today, YEARS)
    families: list[FamilyPlan] = []
    for number, kind in enumerate(_kinds(rng)):
        village_number = number % len(villages) + 1
        surname = rng.choice(SURNAMES)

        def adult(female: bool, relationship: str, age_from: float, age_to: float, family: str) -> PersonPlan:
            born = _day_between(rng, years_ago(today, age_to), years_ago(today, age_from))
            return PersonPlan(
                full_name=family + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN),
                female=female,
                born=born,
                id_number=ids.issue(rng.choice(AREA_CODES), born, female),
                relationship=relationship,
                mobile=mobile(rng),
            )

        head = adult(False, "Head", 27, 48, surname)
        wife = adult(True, "Spouse", 25, 45, rng.choice(SURNAMES))
        family = FamilyPlan(number, villages[village_number - 1], village_number, kind, head, wife)
        family.children = [
            PersonPlan(surname + rng.choice(FEMALE_GIVEN if girl else MALE_GIVEN), girl, today, "", "")
            for girl in _child_sexes(kind, rng)
        ]
        family.rural = rng.random() < 0.85
        family.low_income = kind in ("one-girl", "two-girl") and rng.random() < 0.12
        family.second_child_entitled = family.rural and kind in ("one-girl", "childless")
        families.append(family)
    in_window = _window_births(families, rng)
    for family in families:
        _date_children(family, family.number in in_window, today, window_start, rng, ids)
    return families


def _date_children(
    family: FamilyPlan, youngest_in_window: bool, today: date, window_start: date, rng, ids: IdNumbers
) -> None:
    """Birth dates: the youngest inside the window (or 5 to 19 years ago; an only daughter 12 to
    21), an elder 2 to 6 years before; mothers were at least 21 at each birth."""
    older_than = years_ago(today, YEARS) - timedelta(days=REGISTERED_BEFORE + 30)
    born: list[date] = []
    for index in range(len(family.children) - 1, -1, -1):  # youngest first
        if index == len(family.children) - 1:
            if youngest_in_window:
                day = _day_between(rng, window_start + timedelta(days=20), today - timedelta(days=45))
            else:  # an only daughter is older: many reach the senior-high entrance exam in the window
                oldest = 21 if family.kind == "one-girl" else 19
                youngest = years_ago(today, 12) if family.kind == "one-girl" else older_than
                day = _day_between(rng, years_ago(today, oldest), youngest)
        else:
            day = min(born[-1] - timedelta(days=rng.randrange(2 * 365, 6 * 365)), older_than)
        born.append(day)
    earliest = family.wife.born + timedelta(days=21 * 366)
    shift = timedelta(days=max((earliest - min(born)).days, 0) if born else 0)
    if shift:  # the parents are older than first drawn: the mother was at least 21
        for parent in (family.head, family.wife):
            parent.born -= shift
            parent.id_number = ids.issue("371626", parent.born, parent.female)
    for child, day in zip(reversed(family.children), born, strict=True):
        child.born = day
        child.in_window = day >= window_start
        child.relationship = "Daughter" if child.female else "Son"
        child.id_number = ids.issue("371626", day, child.female)
