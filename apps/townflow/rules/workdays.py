"""The working calendar: Chinese public holidays and make-up working days (调休).

Which days are worked comes from the `chinese-calendar` package (the State Council's yearly
holiday notices, 2004 onwards). It is imported lazily, on the first question about a day, so the
pure layer stays importable without it (a Frappe bench installs it with the app; the embedded
runtime has it in its `runtime` / `web` extras). A year the package has no notice for yet falls
back to Monday-Friday, and says so through `has_official_data`.

Due times are counted one of two ways, chosen per workflow step (`Step.due_day_kind`) and for
visits in Campaign Settings: `calendar` days, or `working` days (weekends and holidays skipped,
a 调休 Saturday counted).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

DayKind = Literal["calendar", "working"]
DAY_KINDS: tuple[str, ...] = ("calendar", "working")


@lru_cache(maxsize=4096)
def _official(day: date) -> bool | None:
    """True/False from the holiday notices, None when the package has no data for that year."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - installed with every runtime extra
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def has_official_data(day: date) -> bool:
    return _official(_as_date(day)) is not None


def is_working_day(day: date) -> bool:
    """A day the office works: not a weekend or public holiday, or a make-up (调休) working day."""
    day = _as_date(day)
    official = _official(day)
    return official if official is not None else day.weekday() < 5


def is_make_up_day(day: date) -> bool:
    """A weekend day worked in exchange for a holiday (调休上班)."""
    day = _as_date(day)
    return day.weekday() >= 5 and is_working_day(day)


@lru_cache(maxsize=8192)
def next_working_day(day: date) -> date:
    """`day` itself when it is worked, else the first worked day after it."""
    day = _as_date(day)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@lru_cache(maxsize=8192)
def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (start itself not counted); 0 gives `start`."""
    day = _as_date(start)
    step = 1 if days >= 0 else -1
    left = abs(days)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def add_days(start: date, days: int, kind: DayKind = "calendar") -> date:
    """`days` on from `start`, counted as calendar days or as working days."""
    if kind == "working":
        return add_working_days(start, days)
    return _as_date(start) + timedelta(days=days)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier):
    "剩余N个工作日" on a due date is `working_days_between(today, due)`."""
    start, end = _as_date(start), _as_date(end)
    if end == start:
        return 0
    sign = 1 if end > start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    count = 0
    day = low
    while day < high:
        day += timedelta(days=1)
        count += is_working_day(day)
    return sign * count


def due_from(entered_at: datetime, days: int, kind: DayKind) -> datetime:
    """A step's due time `days` days after it was entered: calendar days keep the hour; working
    days end at the end of the working day they land on (a step entered on Friday with 1 working
    day is due Monday 23:59:59, or on the 调休 Saturday when that is worked)."""
    if kind == "working":
        day = add_working_days(entered_at.date(), days)
        return datetime.combine(day, datetime.max.time()).replace(microsecond=0, tzinfo=entered_at.tzinfo)
    return entered_at + timedelta(days=days)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
