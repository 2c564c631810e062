"""The app `townflow serve` runs, in its own process or in each of `--workers N` processes.

With one worker the command builds the app around the site it opened. With several, uvicorn
starts N processes that each import `create` (a factory): each opens the site named by the
environment the command set, with its own connections and its own group committer. What they
share lives in the site's database: documents, the audit chain, login sessions (`__Sessions`),
API keys. So any worker answers any request of a session, and a logout or an expiry on one ends
the session on all.

Writes from several processes stay correct: each opens `BEGIN IMMEDIATE`, so SQLite lets one
writer at a time hold the file's write lock (the others wait up to the busy timeout, 30 s);
naming series, optimistic locks and the audit chain are read inside that lock. Each write is
answered only once its COMMIT is on disk, as with one process; the shared fsync of the group
committer only groups the writes of one process. Reads never wait for a writer (WAL).
The failed-login budget is counted in the database too (`SharedLoginRateLimiter`): N workers
allow no more guesses than one.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from townflow.web.commands import SWITCH_INTERVAL_MS  # the CLI's default, kept in one place
from townflow.web.security import WebSettings

_SITE = "TOWNFLOW_SERVE_SITE"
_PROJECT = "TOWNFLOW_SERVE_PROJECT"
_SECURE = "TOWNFLOW_SERVE_SECURE_COOKIES"
_SWITCH = "TOWNFLOW_SERVE_SWITCH_INTERVAL_MS"


def set_switch_interval(ms: float) -> None:
    if ms <= 0:
        raise SystemExit(f"--switch-interval must be above 0 ms, not {ms}")
    sys.setswitchinterval(ms / 1000)


def build(site: Any, *, secure_cookies: bool = False) -> Any:
    from townflow.web.app import create_app

    return create_app(site, settings=WebSettings(secure_cookies=secure_cookies))


def configure(
    site_dir: str, project: str, *, secure_cookies: bool, switch_interval: float = SWITCH_INTERVAL_MS
) -> None:
    """Name the site for the worker processes (they inherit this environment)."""
    os.environ[_SWITCH] = str(switch_interval)
    os.environ[_SITE] = str(site_dir)
    os.environ[_PROJECT] = str(project)
    os.environ[_SECURE] = "1" if secure_cookies else ""


def create() -> Any:
    """uvicorn's factory in each worker: open the site, build the app."""
    from townflow.web.commands import open_site

    set_switch_interval(float(os.environ.get(_SWITCH, SWITCH_INTERVAL_MS)))
    site = open_site(os.environ[_SITE], os.environ[_PROJECT])
    return build(site, secure_cookies=bool(os.environ.get(_SECURE)))
