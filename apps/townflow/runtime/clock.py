"""A settable clock for a site: `Site.open(folder, project, now=SteppingClock(start))`.

Tests, benchmarks and seeded sites must not depend on the wall clock, yet every write needs a
distinct, increasing timestamp (`modified` is Frappe's optimistic lock, and the audit chain and
timelines are ordered by time). This clock starts where it is told, moves on 10 microseconds at
each reading, and jumps when told (`advance(days=3)`), so a test makes a step overdue without
waiting for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class SteppingClock:
    """Returns `now`, 10 microseconds later at each call; `now` may be set or advanced."""

    STEP = timedelta(microseconds=10)

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        self.now += self.STEP
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock on, e.g. `advance(days=29)` or `advance(hours=47)`."""
        self.now += timedelta(**delta)
