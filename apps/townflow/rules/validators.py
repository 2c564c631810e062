"""Named field validators (`validator:` in a DocField), pure functions shared by both runtimes.

Each validator returns None when the value is acceptable, or a (en, zh) message pair. The Frappe
app calls the same functions from its `validate` hook, so a value accepted by one runtime is
accepted by the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

# GB 11643-1999: 17 digits weighted by 2^(17-i) mod 11, the check character from this table.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@lru_cache(maxsize=1024)  # a saved ID number is checked by validation and by the identity hooks
def id_number_check_char(first17: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are given."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def cn_id_number(value: str) -> tuple[str, str] | None:
    """A Chinese resident ID number (GB 11643): 18 characters, a real birth date, the checksum."""
    v = value.strip().upper()
    if not _ID_SHAPE.match(v):
        return ("must be 18 characters: 17 digits and a digit or X", "应为18位：17位数字加1位数字或X")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return ("contains an impossible birth date", "出生日期无效")
    if born.year < 1900 or born > date.today():
        return ("contains an impossible birth date", "出生日期无效")
    if id_number_check_char(v[:17]) != v[17]:
        return ("has a wrong check digit", "校验码错误")
    return None


def cn_mobile(value: str) -> tuple[str, str] | None:
    """A mainland mobile number: 11 digits starting 13-19."""
    if not _MOBILE.match(value.strip()):
        return ("must be an 11-digit mobile number starting with 13-19", "应为以13-19开头的11位手机号")
    return None


VALIDATORS: dict[str, Callable[[str], tuple[str, str] | None]] = {
    "cn_id_number": cn_id_number,
    "cn_mobile": cn_mobile,
}


def check(validator: str, value: str) -> tuple[str, str] | None:
    """Run the named validator; an unknown name is a programming error, not user input."""
    return VALIDATORS[validator](value)


def normalize(validator: str, value: str) -> str:
    """The stored form: ID numbers upper-case ('x' -> 'X'), everything trimmed."""
    v = value.strip()
    return v.upper() if validator == "cn_id_number" else v
