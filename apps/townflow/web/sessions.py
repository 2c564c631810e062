"""Server-side login sessions and login rate limiting.

Sessions live on the server (the cookie holds only a random `sid`), so logout and timeout take
effect at once and nothing about the user can be read or forged from the cookie. Each session
keeps its own CSRF token, which Frappe's pages and scripts send back as `X-Frappe-CSRF-Token`.

Sessions are held in memory: one `townflow serve` process serves one site, and a restart asks
people to log in again, which is acceptable for an office application and avoids keeping
session secrets on disk.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: Frappe's default session expiry is 6 hours of inactivity ("session_expiry": "06:00").
DEFAULT_SESSION_TTL_SECONDS = 6 * 3600


@dataclass
class WebSession:
    sid: str
    user: str
    csrf_token: str
    created: float
    last_seen: float
    data: dict = field(default_factory=dict)
    #: whether a change must carry `csrf_token` (Frappe's rule): a session from the login page
    #: always; one from `/api/method/login` once it has been handed the token (a page rendered
    #: for it, or `townflow.api.csrf_token`). A script's session that never saw the token cannot
    #: have been driven by a cross-site page: the SameSite=Lax cookie is not sent on such a POST.
    csrf_required: bool = True


class SessionStore:
    """Thread-safe map sid -> WebSession with idle timeout."""

    def __init__(
        self, ttl_seconds: float = DEFAULT_SESSION_TTL_SECONDS, clock: Callable[[], float] = time.time
    ):
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def create(self, user: str, *, csrf_required: bool = True) -> WebSession:
        now = self._clock()
        session = WebSession(
            sid=secrets.token_urlsafe(32),
            user=user,
            csrf_token=secrets.token_urlsafe(32),
            created=now,
            last_seen=now,
            csrf_required=csrf_required,
        )
        with self._lock:
            self._purge(now)
            self._sessions[session.sid] = session
        return session

    def get(self, sid: str | None) -> WebSession | None:
        """The live session for `sid`, touched; None if unknown or idle past the timeout."""
        if not sid:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now - session.last_seen > self.ttl_seconds:
                del self._sessions[sid]
                return None
            session.last_seen = now
            return session

    def delete(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def delete_user(self, user: str) -> None:
        """End every session of `user` (password changed, user disabled)."""
        with self._lock:
            for sid in [s for s, v in self._sessions.items() if v.user == user]:
                del self._sessions[sid]

    def _purge(self, now: float) -> None:
        expired = [s for s, v in self._sessions.items() if now - v.last_seen > self.ttl_seconds]
        for sid in expired:
            del self._sessions[sid]


class LoginRateLimiter:
    """At most `max_failures` failed logins per (user, client address), and at most
    `max_failures_per_address` per client address whatever the user names, in a sliding window.

    The first stops an attacker guessing one account while the real user on another machine still
    gets in; the second stops one address spraying many user names (each failure writes an audit
    row). An office behind one NAT shares the second budget, so it is several times the first.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        max_failures_per_address: int = 20,
    ):
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(user: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        # the address key has no user part (\0 is never in a user name)
        return (user.strip().lower()[:256], address), ("\0", address)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window_seconds:
            times.popleft()
        return times

    def retry_after(self, user: str, address: str) -> int:
        """Seconds until another attempt is allowed; 0 if allowed now."""
        now = self._clock()
        wait = 0
        with self._lock:
            for key, limit in zip(
                self._keys(user, address), (self.max_failures, self.max_failures_per_address), strict=True
            ):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, max(1, int(self.window_seconds - (now - times[-limit])) + 1))
        return wait

    def record_failure(self, user: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(user, address):
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # bound memory under a spray of user names
                for k in [k for k, v in self._failures.items() if not v or now - v[-1] > self.window_seconds]:
                    del self._failures[k]

    def record_success(self, user: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(user, address)[0], None)
