"""Five years of township work replayed in the order it happened, on the site's own clock.

Every event (a household registered, a pregnancy record filed, an application verified) is a
function with the moment it happens. `Timeline.run` takes them earliest first, moves the site's
`SteppingClock` to that moment (never backwards), and runs the event as the user who did it: so
`created`, `modified`, naming series (`LYDX-2023-…`), the approval log and every rule that reads
`today` see the day the work was done. Events run in batches of `BATCH`, each batch one
transaction through the same Session and workflow write path as the web pages.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from townflow.runtime.clock import SteppingClock

BATCH = 400

Event = Callable[[], None]


class SeedEventError(RuntimeError):
    """An event of the replayed history was refused: its moment, what it was, and why."""


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


class Timeline:
    def __init__(self, site: Any, clock: SteppingClock, today: date):
        self.site = site
        self.clock = clock
        self.today = today  # work planned for today or later is still in someone's inbox
        self.equipment: dict[str, list[str]] = {}  # the facility's machines and operators
        self._events: list[tuple[datetime, int, Event]] = []
        self._sessions: dict[str, Any] = {}
        self.count = 0

    def session(self, user: str) -> Any:
        if user not in self._sessions:
            self._sessions[user] = self.site.session(user)
        return self._sessions[user]

    def add(self, when: datetime, event: Event) -> None:
        self.count += 1
        heapq.heappush(self._events, (when, self.count, event))

    def run(self, progress: Callable[[int], None] | None = None) -> int:
        """Run every event (events may add later ones); answers how many ran."""
        done = 0
        while self._events:
            with self.site.transaction():
                for _ in range(BATCH):
                    if not self._events:
                        break
                    when, _, event = heapq.heappop(self._events)
                    if when > self.clock.now:
                        self.clock.now = when
                    try:
                        event()
                    except Exception as error:  # the batch rolls back; say which event failed
                        raise SeedEventError(
                            f"{when:%Y-%m-%d %H:%M} {event.__qualname__}: {error}"
                        ) from error
                    done += 1
            if progress:
                progress(done)
        return done
