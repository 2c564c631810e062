"""Made-up but valid people for the demo: Chinese names, GB 11643 ID numbers, mobile numbers.

Deterministic (seeded per village), so running `townflow demo` twice produces the same people
and the second run can recognise what the first one already loaded. ID numbers carry a real
birth date, the sex digit (odd male, even female) and the check character computed by the same
function the runtime's validator uses, so every generated number passes validation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from townflow.rules.validators import id_number_check_char

#: Administrative division code used for demo ID numbers (a county-level code shape: 6 digits).
DEMO_AREA_CODE = "410523"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
FEMALE_GIVEN = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "淑珍",
    "丽",
    "静",
    "敏",
    "燕",
    "艳",
    "娟",
    "霞",
    "芳",
    "婷",
    "雪",
    "欣怡",
    "梓涵",
    "雨萱",
    "思琪",
]
MALE_GIVEN = [
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "建国",
    "建华",
    "志强",
    "浩然",
    "子轩",
    "宇航",
    "俊杰",
    "文博",
]


def id_number(birth: date, female: bool, sequence: int, area_code: str = DEMO_AREA_CODE) -> str:
    """A GB 11643 resident ID number: area, birth date, sequence with the sex digit, check char."""
    seq = sequence % 500 * 2 + (0 if female else 1)  # 3 digits; last digit even for women
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


@dataclass(frozen=True)
class DemoPerson:
    full_name: str
    gender: str  # "Female" / "Male", as the Person DocType stores it
    date_of_birth: date
    id_number: str
    relationship: str
    mobile: str

    def as_fields(self) -> dict[str, str]:
        return {
            "full_name": self.full_name,
            "gender": self.gender,
            "date_of_birth": self.date_of_birth.isoformat(),
            "id_number": self.id_number,
            "relationship": self.relationship,
            "mobile": self.mobile,
        }


@dataclass(frozen=True)
class DemoHousehold:
    head_name: str
    members: tuple[DemoPerson, ...]


def _birth(rng: random.Random, age_from: int, age_to: int, today: date) -> date:
    return today - timedelta(days=rng.randrange(age_from * 365, age_to * 365))


def _person(
    rng: random.Random,
    today: date,
    area: str,
    sequence: int,
    relationship: str,
    family: str,
    female: bool,
    ages,
) -> DemoPerson:
    born = _birth(rng, ages[0], ages[1], today)
    return DemoPerson(
        full_name=family + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN),
        gender="Female" if female else "Male",
        date_of_birth=born,
        id_number=id_number(born, female, sequence, area),
        relationship=relationship,
        mobile=mobile(rng),
    )


def households_for_village(village_index: int, count: int, today: date | None = None) -> list[DemoHousehold]:
    """`count` (at most 120) households for village number `village_index` (1..99).

    Every household has a couple of child-bearing age and one or two daughters, which is the
    population the campaign's processes are about (rewards for girl families, student aid,
    pregnancy follow-up). Each village gets its own area code, and sequence numbers never repeat
    within a village, so ID numbers are unique across the whole demo.
    """
    if not 0 < count <= 120:
        raise ValueError("between 1 and 120 households per village")
    today = today or date(2026, 1, 1)
    rng = random.Random(f"townflow-demo-village-{village_index}")  # noqa: S311 - demo data, not secrets
    area = DEMO_AREA_CODE[:4] + f"{village_index % 100:02d}"
    sequence = 0
    out: list[DemoHousehold] = []
    for _ in range(count):
        surname = rng.choice(SURNAMES)
        plan = [("Head", surname, False, (28, 45)), ("Spouse", rng.choice(SURNAMES), True, (24, 40))]
        plan.append(("Daughter", surname, True, (17, 21)))
        if rng.random() < 0.5:
            plan.append(("Daughter", surname, True, (3, 15)))
        members = []
        for relationship, family, female, ages in plan:
            sequence += 1
            members.append(_person(rng, today, area, sequence, relationship, family, female, ages))
        out.append(DemoHousehold(head_name=members[0].full_name, members=tuple(members)))
    return out
