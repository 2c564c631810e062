"""The seed township's registers, written as the village clerks and the facility keep them.

Households and the people living in them at the start of the five years are registered first;
each child born inside the window arrives as it happened: the clerk files the mother's pregnancy
record, the facility's two certified operators do the routine B-ultrasound scans (never the
fetal sex), the clerk records the monthly follow-up visits and the live birth with the newborn's
sex, then registers the baby and updates the household. Some pregnancies end otherwise (a
miscarriage; a termination with the family-planning office's certificate, the drugs dispensed
under supervision at the designated facility) and some are still ongoing today.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from townflow.demodata.people import id_number
from townflow.demodata.seed.population import REGISTERED_BEFORE, FamilyPlan, PersonPlan, years_ago
from townflow.demodata.seed.timeline import Timeline, at

FACILITY = "高新街道卫生院"

FACILITY_USER = "facility@demo"
VISITORS = ("村计生专干", "村妇女主任", "街道计生办")
MACHINES = (("BC-GX-2019-01", "迈瑞 DC-70"), ("BC-GX-2020-02", "开立 S22"))
#: the facility's certified B-ultrasound operators: name, female, date of birth
OPERATORS = (
    ("赵丽华", True, date(1982, 3, 15)),
    ("钱玉梅", True, date(1985, 7, 9)),
    ("孙建军", False, date(1979, 11, 30)),
)


def clerk(family: FamilyPlan) -> str:
    return f"clerk.v{family.village_number:02d}@demo"


def head_user(family: FamilyPlan) -> str:
    return f"head.v{family.village_number:02d}@demo"


@dataclass
class FamilyState:
    """What the site named a family's documents, filled in as events run."""

    household: str | None = None
    people: dict[str, str] = field(default_factory=dict)  # id_number -> Person name


def household_fields(family: FamilyPlan, children: list[PersonPlan], day: date) -> dict[str, Any]:
    """The household's family-planning fields with `children` born, as the clerk records them on
    `day`. An only child's family holds the only-child certificate: issued four months after a
    birth before the register, or on the day a baby of the window is registered."""
    daughters = sum(1 for c in children if c.female)
    kind = {0: "Childless", 1: "One-girl" if daughters else "One-child"}.get(len(children))
    kind = kind or ("Two-girl" if daughters == 2 else "Two-child")
    only_child = len(children) == 1 and family.kind in ("one-girl", "one-boy")
    certified = None
    if only_child:
        certified = day if children[0].in_window else children[0].born + timedelta(days=120)
    return {
        "household_type": kind,
        "is_girl_household": 1 if kind in ("One-girl", "Two-girl") else 0,
        "number_of_children": len(children),
        "number_of_daughters": daughters,
        "second_child_entitled": 1 if family.second_child_entitled else 0,
        "only_child_certificate_no": f"DSZN-{family.number + 1:05d}" if only_child else None,
        "only_child_certificate_date": certified.isoformat() if certified else None,
    }


def _person_fields(family: FamilyPlan, person: PersonPlan, household: str) -> dict[str, Any]:
    fields = {
        "doctype": "Person",
        "household": household,
        "full_name": person.full_name,
        "gender": person.gender,
        "date_of_birth": person.born.isoformat(),
        "id_number": person.id_number,
        "relationship": person.relationship,
        "mobile": person.mobile,
        "marital_status": "Married" if person.relationship in ("Head", "Spouse") else None,
        "is_only_child": 1 if person in family.children and family.kind in ("one-girl", "one-boy") else 0,
    }
    return {k: v for k, v in fields.items() if v is not None}


def register_family(timeline: Timeline, family: FamilyPlan, state: FamilyState, start: date) -> None:
    """The household as it stood at `start`, then every birth of the window as it happened."""

    def register() -> None:
        session = timeline.session(clerk(family))
        present = family.children_on(start - timedelta(days=REGISTERED_BEFORE))
        fields = {
            "doctype": "Household",
            "village": family.village,
            "head_name": family.head.full_name,
            "residence_type": "Rural" if family.rural else "Urban",
            "address": f"{family.village}{family.number // 45 + 1}组{family.number % 97 + 1}号",
            "phone": family.head.mobile,
            "income_status": "Low-income" if family.low_income else "Normal",
            **household_fields(family, present, start - timedelta(days=REGISTERED_BEFORE)),
        }
        if family.low_income:
            fields["low_income_certificate_no"] = f"DB-{family.number + 1:05d}"
        state.household = session.insert({k: v for k, v in fields.items() if v is not None})["name"]
        for person in [family.head, family.wife, *present]:
            row = session.insert(_person_fields(family, person, state.household))
            state.people[person.id_number] = row["name"]

    timeline.add(at(start - timedelta(days=REGISTERED_BEFORE), 8, family.number % 60), register)
    for child in family.children:
        if child.in_window:
            _birth(timeline, family, state, child)


def _birth(timeline: Timeline, family: FamilyPlan, state: FamilyState, child: PersonPlan) -> None:
    rng = random.Random(child.id_number)  # noqa: S311 - demo data
    lmp = child.born - timedelta(days=280 + rng.randrange(-12, 10))
    record: dict[str, Any] = {}
    _pregnancy(timeline, family, state, record, lmp, rng, ends=child.born)

    def outcome() -> None:
        session = timeline.session(clerk(family))
        doc = session.get("Pregnancy Record", record["name"])
        doc["visits"] = doc.get("visits", []) + _visits(lmp, child.born, rng, skip=len(doc.get("visits", [])))
        doc.update(outcome="Live Birth", outcome_date=child.born.isoformat(), newborn_sex=child.gender)
        session.save(doc)

    def register_baby() -> None:
        session = timeline.session(clerk(family))
        row = session.insert(_person_fields(family, child, state.household))
        state.people[child.id_number] = row["name"]
        household = session.get("Household", state.household)
        household.update(household_fields(family, family.children_on(child.born), timeline.clock.now.date()))
        session.save(household)

    timeline.add(at(child.born + timedelta(days=2), 15), outcome)
    timeline.add(at(child.born + timedelta(days=rng.randrange(10, 40)), 10), register_baby)


def _visits(lmp: date, until: date, rng: random.Random, skip: int = 0) -> list[dict[str, Any]]:
    """单月访、双月查: a visit about every 30 days from the eighth week, the family signing."""
    visits = []
    day = lmp + timedelta(weeks=8)
    while day <= until:
        visits.append(
            {
                "visit_date": day.isoformat(),
                "visit_type": "Pregnancy Check" if len(visits) % 2 else "Home Visit",
                "visitor": rng.choice(VISITORS),
                "gestational_weeks": min((day - lmp).days // 7, 45),
                "findings": "孕妇情况良好，按时产检",
                "family_signature": 1,
                "signed_by": "家属",
            }
        )
        day += timedelta(days=30 + rng.randrange(-3, 4))
    return visits[skip:]


def _pregnancy(
    timeline: Timeline,
    family: FamilyPlan,
    state: FamilyState,
    record: dict[str, Any],
    lmp: date,
    rng: random.Random,
    ends: date,
) -> None:
    """File the record at about eight weeks and have the facility scan at 12 and 22 weeks."""
    registered = lmp + timedelta(weeks=8, days=rng.randrange(0, 10))

    def file() -> None:
        session = timeline.session(clerk(family))
        doc = session.insert(
            {
                "doctype": "Pregnancy Record",
                "person": state.people[family.wife.id_number],
                "responsible_visitor": rng.choice(VISITORS),
                "registered_on": registered.isoformat(),
                "lmp_date": lmp.isoformat(),
                "expected_delivery_date": (lmp + timedelta(days=280)).isoformat(),
                "gestational_weeks": (registered - lmp).days // 7,
                "pregnancy_order": len(family.children_on(lmp)) + 1,
                "existing_children": len(family.children_on(lmp)),
                "outcome": "Ongoing",
                "visits": _visits(lmp, registered, rng),
            }
        )
        record["name"] = doc["name"]

    timeline.add(at(registered, 10, rng.randrange(60)), file)
    for weeks, purpose in ((12, "Routine Prenatal Check"), (22, "Fetal Development Check")):
        day = lmp + timedelta(weeks=weeks, days=rng.randrange(0, 6))
        if registered < day < ends:
            timeline.add(
                at(day, 9, rng.randrange(60)), _scan(timeline, family, record, day, lmp, purpose, rng)
            )


def _scan(timeline, family, record, day, lmp, purpose, rng):
    def scan() -> None:
        first, second = rng.sample(range(len(OPERATORS)), 2)
        timeline.session(FACILITY_USER).insert(
            {
                "doctype": "Ultrasound Exam",
                "machine": timeline.equipment["machines"][rng.randrange(len(MACHINES))],
                "exam_date": day.isoformat(),
                "exam_time": f"{rng.randrange(8, 17):02d}:{rng.randrange(60):02d}:00",
                "purpose": purpose,
                "pregnancy_record": record["name"],
                "patient_name": family.wife.full_name,
                "gestational_weeks": (day - lmp).days // 7,
                "operator_1": timeline.equipment["operators"][first],
                "operator_2": timeline.equipment["operators"][second],
                "findings": "宫内单活胎，发育与孕周相符",
                "no_sex_identification": 1,
            }
        )

    return scan


def register_equipment(timeline: Timeline, start: date) -> None:
    """The facility files its B-ultrasound machines and certified operators before the window."""
    timeline.equipment.update(machines=[], operators=[])

    def file() -> None:
        session = timeline.session(FACILITY_USER)
        for number, model in MACHINES:
            row = session.insert(
                {
                    "doctype": "Ultrasound Machine",
                    "registration_no": number,
                    "facility": FACILITY,
                    "model": model,
                    "manufacturer": model.split()[0],
                    "filing_date": (start - timedelta(days=REGISTERED_BEFORE + 60)).isoformat(),
                    "room": "B超室",
                    "status": "In Use",
                    "sign_posted": 1,  # 严禁非医学需要鉴定胎儿性别
                    "usage_log_kept": 1,
                }
            )
            timeline.equipment["machines"].append(row["name"])
        for index, (name, female, born) in enumerate(OPERATORS, start=1):
            row = session.insert(
                {
                    "doctype": "Ultrasound Operator",
                    "operator_name": name,
                    "id_number": id_number(born, female, index, "371626"),
                    "facility": FACILITY,
                    "qualification": ("Physician", "Sonographer")[index % 2],
                    "certificate_no": f"BCSG-GX-{index:03d}",
                    "certificate_issued_on": (start - timedelta(days=REGISTERED_BEFORE + 60)).isoformat(),
                    "valid_until": (start + timedelta(days=6 * 365)).isoformat(),
                    "status": "Active",
                }
            )
            timeline.equipment["operators"].append(row["name"])

    timeline.add(at(start - timedelta(days=REGISTERED_BEFORE + 10), 9), file)


def other_pregnancies(
    timeline: Timeline, families: list[FamilyPlan], states: dict[int, FamilyState], today: date
) -> dict[str, int]:
    """Ongoing pregnancies today, miscarriages and certified terminations in the window."""
    from townflow.demodata.seed.terminations import terminate

    rng = random.Random("other-pregnancies")  # noqa: S311 - demo data
    window_start = years_ago(today, 5)
    free = [
        f
        for f in families
        if f.last_birth() is None and f.wife.born > years_ago(today, 42) and f.kind != "two-boy"
    ]
    rng.shuffle(free)
    counts = {"ongoing": 0, "miscarriage": 0, "termination": 0}
    follow = random.Random("follow-ups")  # noqa: S311 - demo data
    for index, family in enumerate(free[:45]):  # pregnant now, 8 to 30 weeks
        lmp = today - timedelta(weeks=rng.randrange(9, 31))
        filed: dict[str, Any] = {}
        _pregnancy(timeline, family, states[family.number], filed, lmp, rng, ends=today)
        # 单月访: visited since, most of them within the month; one in three fell behind (overdue);
        # their own random numbers: the pregnancies, miscarriages and terminations stay as they were
        behind = index % 3 == 0
        last = today - timedelta(days=follow.randrange(33, 60) if behind else follow.randrange(1, 26))
        if last > lmp + timedelta(weeks=10):
            visit = _follow_up(timeline, family, filed, lmp, last, follow)
            timeline.add(at(last, 16, follow.randrange(60)), visit)
        counts["ongoing"] += 1
    for family in free[45:65]:
        lmp = window_start + timedelta(days=rng.randrange(60, 4 * 365))
        record: dict[str, Any] = {}
        _pregnancy(timeline, family, states[family.number], record, lmp, rng, ends=lmp + timedelta(weeks=11))
        timeline.add(at(lmp + timedelta(weeks=11), 11), _miscarriage(timeline, family, record, lmp, rng))
        counts["miscarriage"] += 1
    for family in free[65:77]:
        lmp = window_start + timedelta(days=rng.randrange(60, 4 * 365))
        record = {}
        _pregnancy(timeline, family, states[family.number], record, lmp, rng, ends=lmp + timedelta(weeks=10))
        terminate(timeline, family, states[family.number], record, lmp, rng)
        counts["termination"] += 1
    return counts


def _follow_up(timeline, family, record, lmp, until, rng):
    """The clerk records the visits since the record was filed, the last one on `until`."""

    def visit() -> None:
        session = timeline.session(clerk(family))
        doc = session.get("Pregnancy Record", record["name"])
        done = doc.get("visits", [])
        since = max((str(d["visit_date"]) for d in done), default="")
        later = [v for v in _visits(lmp, until, rng) if v["visit_date"] > since]
        if later:
            doc["visits"] = done + later
            session.save(doc)

    return visit


def _miscarriage(timeline, family, record, lmp, rng):
    def end() -> None:
        session = timeline.session(clerk(family))
        doc = session.get("Pregnancy Record", record["name"])
        day = timeline.clock.now.date()
        doc["visits"] = doc.get("visits", []) + _visits(lmp, day, rng, skip=len(doc.get("visits", [])))
        doc.update(
            outcome="Miscarriage",
            outcome_date=day.isoformat(),
            outcome_reason="孕早期自然流产，已到卫生院复查",
        )
        session.save(doc)

    return end
