"""What an 18-digit resident ID number (GB 11643) already says about a person, shared by both runtimes.

Digits 7-14 are the date of birth and digit 17 is odd for a man, even for a woman. A form
fills 出生日期 and 性别 from the number, and a save whose date of birth or gender contradicts it
is refused, naming the field and what the number says.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from townflow.rules.validators import cn_id_number


def id_number_facts(id_number: Any) -> dict[str, str] | None:
    """{"date_of_birth": ISO date, "gender": "Female" | "Male"} from a valid ID number, else None."""
    if not isinstance(id_number, str) or not id_number.strip():
        return None
    value = id_number.strip().upper()
    if cn_id_number(value) is not None:
        return None
    born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    return {"date_of_birth": born.isoformat(), "gender": "Male" if int(value[16]) % 2 else "Female"}


GENDER_ZH = {"Female": "女", "Male": "男"}


def fill_from_id_number(doc: Mapping[str, Any]) -> dict[str, str]:
    """The fields an empty form should get from its ID number (only those still empty)."""
    facts = id_number_facts(doc.get("id_number"))
    if not facts:
        return {}
    return {field: value for field, value in facts.items() if not doc.get(field)}


def id_number_disagreements(doc: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, en, zh) for each of date_of_birth / gender that contradicts the ID number."""
    facts = id_number_facts(doc.get("id_number"))
    if not facts:
        return []
    found = []
    born = str(doc.get("date_of_birth") or "")[:10]
    if born and born != facts["date_of_birth"]:
        d = date.fromisoformat(facts["date_of_birth"])
        found.append(
            (
                "date_of_birth",
                f"does not match the ID number, which gives {facts['date_of_birth']}",
                f"与身份证号不符：身份证号中的出生日期为{d.year}年{d.month}月{d.day}日",
            )
        )
    gender = doc.get("gender")
    if gender in GENDER_ZH and gender != facts["gender"]:
        found.append(
            (
                "gender",
                f"does not match the ID number, which gives {facts['gender']}",
                f"与身份证号不符：身份证号第17位表明性别为{GENDER_ZH[facts['gender']]}",
            )
        )
    return found
