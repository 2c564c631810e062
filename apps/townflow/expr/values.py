"""What the operators and built-in functions mean, for the values forms hold.

Values are None, booleans, numbers, strings, lists (child tables, list literals) and dicts
(child-table rows). The meaning is Python's where Python and a browser agree, and a documented
choice where they do not, so that `Expr.to_js()` can reproduce it exactly:

- Truthiness is Python's: None, False, 0, "" and [] are false.
- `==` is Python's equality: None equals only None, True equals 1, lists compare element-wise,
  tuple literals are lists.
- `< <= > >=` compare two numbers or two strings (by code point). Any other pair - an empty
  value, a number with a string - is simply False, as Frappe forms treat empty fields.
- `x in y`: membership for a list, substring for two strings, False otherwise (y empty too).
- Arithmetic takes numbers (`+` also joins two strings or two lists). An empty value or a wrong
  type is an ExprError, as are division by zero and results beyond +-(2**53 - 1), the range in
  which Python and JavaScript numbers agree.
- Dates are ISO strings "YYYY-MM-DD" (a datetime "YYYY-MM-DD HH:MM:SS" is read by its date).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from townflow.expr.errors import ExprError

MAX_SAFE_NUMBER = 2**53 - 1
_INT_TEXT = re.compile(r"[ \t\n\r]*[+-]?[0-9]+[ \t\n\r]*")
_FLOAT_TEXT = re.compile(r"[ \t\n\r]*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t\n\r]*")
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})([ T].*)?", re.DOTALL)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float)  # bool is an int, as in Python


def whole_number(value: Any) -> int | None:
    """`value` as an int if it is a whole number (2 and 2.0 alike, as JavaScript sees them)."""
    if isinstance(value, bool) or not is_number(value) or not math.isfinite(value):
        return None
    if value != int(value) or abs(value) > MAX_SAFE_NUMBER:
        return None
    return int(value)


def type_name(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a boolean"
    if is_number(value):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    return "a record"


def truthy(value: Any) -> bool:
    return bool(value)


def equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return False


def ordered(op: str, left: Any, right: Any) -> bool:
    """`left op right` for two numbers or two strings; False for any other pair."""
    if not ((is_number(left) and is_number(right)) or (isinstance(left, str) and isinstance(right, str))):
        return False
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def contains(container: Any, item: Any) -> bool:
    if isinstance(container, list | tuple):
        return any(equal(item, element) for element in container)
    if isinstance(container, str) and isinstance(item, str):
        return item in container
    return False


def _checked(result: float) -> float:
    if not abs(result) <= MAX_SAFE_NUMBER:
        raise ExprError(f"the result {result!r} is too large (beyond +-(2**53 - 1))")
    return result


def arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if op == "+" and isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return [*left, *right]
    if not (is_number(left) and is_number(right)):
        raise ExprError(f"cannot compute {type_name(left)} {op} {type_name(right)}")
    if op == "+":
        return _checked(left + right)
    if op == "-":
        return _checked(left - right)
    if op == "*":
        return _checked(left * right)
    if right == 0:
        raise ExprError(f"division by zero in {op}")
    if op == "/":
        return _checked(left / right)
    if op == "//":
        return _checked(left // right)
    return _checked(left % right)


def negate(value: Any) -> Any:
    if not is_number(value):
        raise ExprError(f"cannot negate {type_name(value)}")
    return -value


def plus(value: Any) -> Any:
    if not is_number(value):
        raise ExprError(f"cannot apply unary + to {type_name(value)}")
    return +value


# --- built-in functions -------------------------------------------------------------------------


def fn_len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple):
        return len(value)
    raise ExprError(f"len() needs a string or a list, not {type_name(value)}")


def fn_abs(value: Any) -> Any:
    if not is_number(value):
        raise ExprError(f"abs() needs a number, not {type_name(value)}")
    return abs(value)


def _extreme(name: str, args: tuple[Any, ...], better: Callable[[Any, Any], bool]) -> Any:
    items = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    if not items:
        raise ExprError(f"{name}() of an empty list")
    if not (all(is_number(i) for i in items) or all(isinstance(i, str) for i in items)):
        raise ExprError(f"{name}() needs all numbers or all strings")
    best = items[0]
    for item in items[1:]:
        if better(item, best):
            best = item
    return best


def fn_min(*args: Any) -> Any:
    return _extreme("min", args, lambda a, b: a < b)


def fn_max(*args: Any) -> Any:
    return _extreme("max", args, lambda a, b: a > b)


def fn_int(value: Any) -> int:
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return int(_checked(int(value)))
    if is_number(value) and math.isfinite(value):
        return int(_checked(int(value)))
    raise ExprError(f"int() cannot read {value!r}")


def fn_float(value: Any) -> float:
    if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value):
        return float(value)
    if is_number(value):
        return float(value)
    raise ExprError(f"float() cannot read {value!r}")


def number_to_str(value: float) -> str:
    """Numbers as text, the same in Python and JavaScript: whole numbers have no ".0"."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int) or (math.isfinite(value) and value == int(value)):
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent_text = text.split("e")
    exponent = int(exponent_text)
    if -7 < exponent < 0:  # JavaScript writes 1.5e-05 as 0.000015
        sign = "-" if mantissa.startswith("-") else ""
        digits = mantissa.lstrip("-").replace(".", "")
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    return f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def fn_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if is_number(value):
        return number_to_str(value)
    raise ExprError(f"str() cannot write {type_name(value)}")


def fn_round(value: Any, digits: Any = None) -> Any:
    if not is_number(value):
        raise ExprError(f"round() needs a number, not {type_name(value)}")
    if not math.isfinite(value):
        raise ExprError(f"round() cannot round {value!r}")
    if digits is None:
        return round(value)
    places = whole_number(digits)
    if places is None or not 0 <= places <= 10:
        raise ExprError("round() takes 0 to 10 digits")
    return round(value, places)


def fn_is_set(value: Any) -> bool:
    """True unless the value is empty: None, "" or an empty list (0 is a value)."""
    return not (value is None or value == "" or (isinstance(value, list | tuple) and not value))


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _to_date(name: str, value: Any) -> dt.date | None:
    if _is_empty(value):
        return None
    match = _DATE_TEXT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ExprError(f"{name}() needs a date written YYYY-MM-DD, not {value!r}")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ExprError(f"{name}(): {value!r} is not a calendar date") from None


def fn_date(value: Any) -> str | None:
    day = _to_date("date", value)
    return None if day is None else day.isoformat()


def fn_days_between(start: Any, end: Any) -> int | None:
    """Days from `start` to `end` (positive when `end` is later); None if either is empty."""
    if _is_empty(start) or _is_empty(end):
        return None
    first, last = _to_date("days_between", start), _to_date("days_between", end)
    return (last - first).days  # type: ignore[operator]  # neither is empty


def fn_add_days(day: Any, days: Any) -> str | None:
    """The date `days` after `day`; None if `day` is empty."""
    if _is_empty(day):
        return None
    start = _to_date("add_days", day)
    count = whole_number(days)
    if count is None:
        raise ExprError(f"add_days() needs a whole number of days, not {days!r}")
    try:
        return (start + dt.timedelta(days=count)).isoformat()
    except OverflowError:
        raise ExprError("add_days() goes beyond the years 1 to 9999") from None


BUILTIN_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": fn_len,
    "abs": fn_abs,
    "min": fn_min,
    "max": fn_max,
    "int": fn_int,
    "float": fn_float,
    "str": fn_str,
    "round": fn_round,
    "is_set": fn_is_set,
    "days_between": fn_days_between,
    "add_days": fn_add_days,
    "date": fn_date,
}
