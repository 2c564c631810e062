"""育龄妇女档案: the roster of women of child-bearing age and how complete each village keeps it.

Pure functions over plain rows (persons, their pregnancy records with visits), shared by the
roster page and any report. A woman is on the roster from her 15th birthday until the day before
her 50th. Her record is complete when her contraception status is recorded and every visit of her
pregnancies carries the family's signature (群众签名制); a village's completeness is the share
of its women whose record is complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from townflow.rules.monitoring import ONGOING, as_date, visit_signed

MIN_AGE, MAX_AGE = 15, 49
#: the Person fields a roster row is built from, read in chunks of CHUNK (both runtimes)
PERSON_FIELDS = (
    "name",
    "full_name",
    "village",
    "date_of_birth",
    "contraception_method",
    "contraception_checked_on",
    "is_migrant",
    "migrant_direction",
)
CHUNK = 500


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def birth_range(today: date) -> tuple[date, date]:
    """(earliest, latest) date of birth of a woman aged 15 to 49 today, both inclusive."""
    latest = _years_before(today, MIN_AGE)
    earliest = date.fromordinal(_years_before(today, MAX_AGE + 1).toordinal() + 1)
    return earliest, latest


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def of_child_bearing_age(born: Any, today: date) -> bool:
    born = as_date(born)
    return born is not None and MIN_AGE <= age_on(born, today) <= MAX_AGE


@dataclass
class RosterRow:
    person: str
    full_name: str
    village: str
    age: int
    contraception: str | None
    last_visit: date | None
    pregnancy: str | None  # the ongoing record, else the latest one
    pregnancy_outcome: str | None
    visits: int = 0
    unsigned_visits: int = 0
    is_migrant: bool = False
    migrant_direction: str | None = None

    @property
    def complete(self) -> bool:
        return bool(self.contraception) and self.unsigned_visits == 0


def roster(
    women: Iterable[Mapping[str, Any]], pregnancies: Iterable[Mapping[str, Any]], today: date
) -> list[RosterRow]:
    """One row per woman aged 15-49 among `women`, with her pregnancies' visits summed up."""
    by_person: dict[str, list[Mapping[str, Any]]] = {}
    for record in pregnancies:
        by_person.setdefault(str(record.get("person")), []).append(record)
    rows = []
    for woman in women:
        born = as_date(woman.get("date_of_birth"))
        if born is None or not of_child_bearing_age(born, today):
            continue
        records = sorted(
            by_person.get(str(woman.get("name")), []), key=lambda r: str(r.get("registered_on") or "")
        )
        visits = [v for r in records for v in (r.get("visits") or ())]
        visit_dates = [d for d in (as_date(v.get("visit_date")) for v in visits) if d is not None]
        checked = as_date(woman.get("contraception_checked_on"))
        last = max([*visit_dates, *([checked] if checked else [])], default=None)
        current = next((r for r in records if r.get("outcome") == ONGOING), records[-1] if records else None)
        rows.append(
            RosterRow(
                person=str(woman.get("name")),
                full_name=str(woman.get("full_name") or ""),
                village=str(woman.get("village") or ""),
                age=age_on(born, today),
                contraception=woman.get("contraception_method") or None,
                last_visit=last,
                pregnancy=current.get("name") if current else None,
                pregnancy_outcome=current.get("outcome") if current else None,
                visits=len(visits),
                unsigned_visits=sum(1 for v in visits if not visit_signed(v)),
                is_migrant=bool(woman.get("is_migrant")),
                migrant_direction=woman.get("migrant_direction") or None,
            )
        )
    return sorted(rows, key=lambda r: (r.village, r.full_name, r.person))


@dataclass
class VillageCompleteness:
    village: str
    women: int = 0
    with_contraception: int = 0
    pregnant: int = 0
    visits: int = 0
    unsigned_visits: int = 0
    complete: int = 0
    incomplete_people: list[str] = field(default_factory=list)

    @property
    def complete_percent(self) -> float:
        return round(100 * self.complete / self.women, 1) if self.women else 100.0


def completeness(rows: Iterable[RosterRow]) -> list[VillageCompleteness]:
    """Per village: women on the roster, recorded contraception, visits, unsigned visits, and the
    share whose record is complete."""
    found: dict[str, VillageCompleteness] = {}
    for row in rows:
        village = found.setdefault(row.village, VillageCompleteness(row.village))
        village.women += 1
        village.with_contraception += bool(row.contraception)
        village.pregnant += row.pregnancy_outcome == ONGOING
        village.visits += row.visits
        village.unsigned_visits += row.unsigned_visits
        if row.complete:
            village.complete += 1
        else:
            village.incomplete_people.append(row.person)
    return sorted(found.values(), key=lambda v: v.village)
