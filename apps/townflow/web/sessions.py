"""Server-side login sessions and login rate limiting.

Sessions live on the server (the cookie holds only a random `sid`), so logout and timeout take
effect at once and nothing about the user can be read or forged from the cookie. Each session
keeps its own CSRF token, which Frappe's pages and scripts send back as `X-Frappe-CSRF-Token`.

Sessions are kept in the site's database (table `__Sessions`, like Frappe's `tabSessions`), so a
restart of `townflow serve`, or another worker process serving the same site, keeps people logged
in, and a logout or an expiry on one process ends the session on every one:
- the row is keyed by the SHA-256 of the sid, never the sid itself: whoever reads the database
  file or a backup cannot take over a session (the sid is 256 random bits, so a plain hash is
  enough; a slow hash would only slow every request);
- the CSRF token is kept beside it (it must be handed back to the session's pages);
- `expires` is the idle deadline: every request checks it against the clock, and a request moves
  it on (written at most once every `touch_seconds`, so reads do not turn into writes: the
  idle timeout is then between `ttl - touch_seconds` and `ttl` after the last request);
- every write is durable (through the site's group committer when the server runs one).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Frappe's default session expiry is 6 hours of inactivity ("session_expiry": "06:00").
DEFAULT_SESSION_TTL_SECONDS = 6 * 3600
#: the longest a request leaves the stored deadline unmoved
DEFAULT_TOUCH_SECONDS = 60.0

_SCHEMA = (
    'CREATE TABLE IF NOT EXISTS "__Sessions" (sid_hash TEXT PRIMARY KEY NOT NULL, '
    "user TEXT NOT NULL, csrf_token TEXT NOT NULL, csrf_required INTEGER NOT NULL, "
    "created REAL NOT NULL, last_seen REAL NOT NULL, expires REAL NOT NULL, "
    "data TEXT NOT NULL DEFAULT '{}')",
    'CREATE INDEX IF NOT EXISTS "__Sessions_user" ON "__Sessions" (user)',
    'CREATE INDEX IF NOT EXISTS "__Sessions_expires" ON "__Sessions" (expires)',
)
_INSERT = (
    'INSERT INTO "__Sessions" (sid_hash, user, csrf_token, csrf_required, created, last_seen, expires, data) '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    'SELECT user, csrf_token, csrf_required, created, last_seen, expires, data FROM "__Sessions" '
    "WHERE sid_hash = ?"
)
_TOUCH = 'UPDATE "__Sessions" SET last_seen = ?, expires = MAX(expires, ?) WHERE sid_hash = ?'
_SAVE = 'UPDATE "__Sessions" SET data = ?, csrf_required = ? WHERE sid_hash = ?'
_DELETE = 'DELETE FROM "__Sessions" WHERE sid_hash = ?'
_DELETE_USER = 'DELETE FROM "__Sessions" WHERE user = ?'
_COUNT = 'SELECT COUNT(*) FROM "__Sessions" WHERE expires >= ?'


def sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


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
    """sid -> WebSession, kept in the site's database, with idle timeout.

    A `WebSession` is a copy read for one request: a change to its `data` or `csrf_required`
    is kept for the next request (on any process) by `save(session)`.
    """

    def __init__(
        self,
        site: Any,
        ttl_seconds: float = DEFAULT_SESSION_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        touch_seconds: float = DEFAULT_TOUCH_SECONDS,
    ):
        self.site = site
        self.ttl_seconds = ttl_seconds
        self.touch_seconds = min(touch_seconds, ttl_seconds / 10)
        self._clock = clock
        self._write(self._create_table)

    def _create_table(self) -> None:
        for sql in _SCHEMA:
            self.site.db.execute(sql)

    def _write(self, fn: Callable[[], Any]) -> Any:
        """One atomic write, answered once durable (shared fsync under the server's committer)."""

        def write() -> Any:
            with self.site.db.transaction():
                return fn()

        return self.site.durably(write)

    def create(self, user: str, *, csrf_required: bool = True, data: dict | None = None) -> WebSession:
        now = self._clock()
        session = WebSession(
            sid=secrets.token_urlsafe(32),
            user=user,
            csrf_token=secrets.token_urlsafe(32),
            created=now,
            last_seen=now,
            data=dict(data or {}),
            csrf_required=csrf_required,
        )

        def insert() -> None:
            db = self.site.db
            db.execute('DELETE FROM "__Sessions" WHERE expires < ?', (now,))
            db.execute(
                _INSERT,
                (
                    sid_hash(session.sid),
                    user,
                    session.csrf_token,
                    int(csrf_required),
                    now,
                    now,
                    now + self.ttl_seconds,
                    json.dumps(session.data, ensure_ascii=False),
                ),
            )

        self._write(insert)
        return session

    def get(self, sid: str | None, *, touch: bool = True) -> WebSession | None:
        """The live session for `sid`; None if unknown or idle past the timeout. Touched (its
        deadline moved on, when due) unless `touch=False`: the caller then calls `touch` itself
        when `touch_due` says so. Reads only, unless it touches."""
        if not sid or len(sid) > 256:
            return None
        row = self.site.db.fetchone(_SELECT, (sid_hash(sid),))
        if row is None or self._clock() > row["expires"]:
            return None  # an expired row is left to be purged by the next login
        session = WebSession(
            sid=sid,
            user=row["user"],
            csrf_token=row["csrf_token"],
            created=row["created"],
            last_seen=row["last_seen"],
            data=json.loads(row["data"]),
            csrf_required=bool(row["csrf_required"]),
        )
        if touch and self.touch_due(session):
            self.touch(session)
        return session

    def touch_due(self, session: WebSession) -> bool:
        """Whether the stored idle deadline is old enough to be moved on now."""
        return self._clock() - session.last_seen >= self.touch_seconds

    def touch(self, session: WebSession) -> None:
        """Move the session's idle deadline on from now (one durable write)."""
        now = self._clock()
        session.last_seen = now
        params = (now, now + self.ttl_seconds, sid_hash(session.sid))
        self._write(lambda: self.site.db.execute(_TOUCH, params))

    def save(self, session: WebSession) -> None:
        """Keep `session.data` and `session.csrf_required` for the session's next requests."""
        self._write(
            lambda: self.site.db.execute(
                _SAVE,
                (
                    json.dumps(session.data, ensure_ascii=False),
                    int(session.csrf_required),
                    sid_hash(session.sid),
                ),
            )
        )

    def delete(self, sid: str | None) -> None:
        if not sid:
            return
        key = sid_hash(sid)
        self._write(lambda: self.site.db.execute(_DELETE, (key,)))

    def delete_user(self, user: str) -> None:
        """End every session of `user` (password changed, user disabled)."""
        self._write(lambda: self.site.db.execute(_DELETE_USER, (user,)))

    def count(self, user: str | None = None) -> int:
        """Live sessions (of `user`, or of everyone)."""
        sql = _COUNT
        params: tuple = (self._clock(),)
        if user is not None:
            sql += " AND user = ?"
            params += (user,)
        return int(self.site.db.scalar(sql, params))


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


_FAILURES_SCHEMA = (
    'CREATE TABLE IF NOT EXISTS "__LoginFailures" (key TEXT NOT NULL, at REAL NOT NULL)',
    'CREATE INDEX IF NOT EXISTS "__LoginFailures_key" ON "__LoginFailures" (key, at)',
    'CREATE INDEX IF NOT EXISTS "__LoginFailures_at" ON "__LoginFailures" (at)',
)
_RECENT_FAILURES = 'SELECT at FROM "__LoginFailures" WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?'
_ADD_FAILURE = 'INSERT INTO "__LoginFailures" (key, at) VALUES (?, ?)'
_FORGET_OLD_FAILURES = 'DELETE FROM "__LoginFailures" WHERE at < ?'
_FORGET_FAILURES = 'DELETE FROM "__LoginFailures" WHERE key = ?'


class SharedLoginRateLimiter(LoginRateLimiter):
    """`LoginRateLimiter`'s rules, with the failures kept in the site's database: every worker
    process of `townflow serve --workers N` counts the same failures (N workers do not allow N
    times the guesses), and a restart does not reset an attacker's budget. Rows older than the
    window are deleted at each failure, so the table holds at most one window's failures."""

    def __init__(self, site: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.site = site
        self._write(lambda: [site.db.execute(sql) for sql in _FAILURES_SCHEMA])

    def _write(self, fn: Callable[[], Any]) -> None:
        def write() -> None:
            with self.site.db.transaction():
                fn()

        self.site.durably(write)

    @staticmethod
    def _key(key: tuple[str, str]) -> str:
        return f"{key[0]}\0{key[1]}"

    def retry_after(self, user: str, address: str) -> int:
        now = self._clock()
        wait = 0
        limits = (self.max_failures, self.max_failures_per_address)
        for key, limit in zip(self._keys(user, address), limits, strict=True):
            rows = self.site.db.fetchall(_RECENT_FAILURES, (self._key(key), now - self.window_seconds, limit))
            if len(rows) >= limit:  # the oldest of the last `limit` failures leaves the window first
                wait = max(wait, max(1, int(self.window_seconds - (now - rows[-1]["at"])) + 1))
        return wait

    def record_failure(self, user: str, address: str) -> None:
        now = self._clock()
        keys = [self._key(k) for k in self._keys(user, address)]

        def write() -> None:
            self.site.db.execute(_FORGET_OLD_FAILURES, (now - self.window_seconds,))
            for key in keys:
                self.site.db.execute(_ADD_FAILURE, (key, now))

        self._write(write)

    def record_success(self, user: str, address: str) -> None:
        key = self._key(self._keys(user, address)[0])
        self._write(lambda: self.site.db.execute(_FORGET_FAILURES, (key,)))
