"""How people in a Chinese office write dates and amounts, as pure functions both runtimes share.

- `parse_typed_date`: what a clerk types into a date field — `2026/3/5`, `2026-3-5`, `2026.3.5`,
  `20260305`, `2026年3月5日` — read as a date; a year that is not four digits is refused, so
  `199035` can never become a year.
- `chinese_date`: `2026年12月7日`, as official documents write a date.
- `amount_in_capitals`: an amount of yuan in financial capitals (大写金额), `1000` -> `壹仟元整`,
  as a printed notice must carry it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

_SEPARATED = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９／－．", "0123456789/-.")


class TypedDateError(ValueError):
    """Text that is not a date a person meant: carries the zh and en messages."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


def parse_typed_date(text: str) -> date:
    """The date `text` means. Accepts 2026-03-05, 2026/3/5, 2026.3.5, 20260305 and 2026年3月5日
    (full-width digits too); refuses anything else, in particular a year of more than four digits."""
    value = str(text).strip().translate(_FULLWIDTH)
    time = _ISO_TIME.match(value)
    if time:
        value = time.group(1)
    match = _SEPARATED.match(value) or _COMPACT.match(value)
    if not match:
        raise TypedDateError(
            "must be a date such as 2026-03-05, 2026/3/5, 20260305 or 2026年3月5日",
            "应为日期，例如 2026-03-05、2026/3/5、20260305 或 2026年3月5日",
        )
    year, month, day = (int(g) for g in match.groups())
    if year < 1900:
        raise TypedDateError("has a year before 1900", "年份不能早于1900年")
    try:
        return date(year, month, day)
    except ValueError:
        raise TypedDateError(
            f"{year}-{month}-{day} is not a day of the calendar", f"{year}年{month}月{day}日不存在"
        ) from None


def normalize_typed_date(text: str) -> str:
    """The ISO form (YYYY-MM-DD) of a typed date; raises TypedDateError as parse_typed_date."""
    return parse_typed_date(text).isoformat()


def chinese_date(value: Any) -> str:
    """`2026年12月7日` for a date, a datetime or an ISO text; "" for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        value = parse_typed_date(str(value)[:19])
    return f"{value.year}年{value.month}月{value.day}日"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four_digits(group: int) -> str:
    """0 < group < 10000 in capitals, with the zeros written as 零 the way cheques write them."""
    out = ""
    zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _SMALL_UNITS[position]
    return out


def _integer_capitals(number: int) -> str:
    if number == 0:
        return "零"
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    if len(groups) > len(_BIG_UNITS):
        raise ValueError("amount too large to write in capitals")
    out = ""
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out += "零"
        out += _four_digits(group) + _BIG_UNITS[index]
        pending_zero = False
    return out


def amount_in_capitals(amount: Any) -> str:
    """Yuan in financial capitals: 1000 -> 壹仟元整, 1234.5 -> 壹仟贰佰叁拾肆元伍角, 0.05 -> 伍分."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {amount!r}") from None
    if value < 0:
        return "负" + amount_in_capitals(-value)
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan == 0 and jiao == 0 and fen == 0:
        return "零元整"
    out = _integer_capitals(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return out
