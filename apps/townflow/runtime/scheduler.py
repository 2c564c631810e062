"""A periodic `tick` beside the web server: `townflow serve --tick-interval SECONDS`.

The embedded runtime has no cron of its own, so `serve` runs `site.tick()` on a daemon thread
every few minutes (the Frappe app has its scheduler: hooks `scheduler_events`). Each run is one
or a few transactions on the thread's own connection, like `townflow tick` from cron; a failed run
is logged and the next one tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

log = logging.getLogger("townflow.tick")


class PeriodicTick:
    """Calls `site.tick(now)` every `interval` seconds on a daemon thread until `stop()`."""

    def __init__(self, site, interval: float, clock: Callable[[], datetime] = datetime.now):
        if interval <= 0:
            raise ValueError("the tick interval must be positive")
        self.site = site
        self.interval = interval
        self.clock = clock
        self.runs = 0
        self.last: dict[str, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="townflow-tick", daemon=True)

    def start(self) -> PeriodicTick:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> dict[str, int]:
        self.last = self.site.tick(self.clock())
        self.runs += 1
        if any(self.last.values()):
            log.info("tick: %s", ", ".join(f"{k} {v}" for k, v in self.last.items() if v))
        return self.last

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # logged; the next run tries again
                log.exception("tick failed")
            self._stop.wait(self.interval)
