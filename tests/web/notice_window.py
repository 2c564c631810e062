"""公示 in the web tests (issue 17): their servers run on the real clock, so a test that walks a
subsidy past a public notice moves the notice's window into the past instead of waiting for it.

`notice_window_passed(site_or_folder, name)` backdates the application's open notice: posted 20
days ago, ended yesterday — what the server sees once the window has run out. It writes the site's
SQLite file (a running `townflow serve` reads it on its next request) or an open `Site`.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SQL = (
    "UPDATE \"tabPublic Notice\" SET posted_on = ?, ends_on = ? WHERE reference_name = ? AND status = 'Open'"
)


def notice_window_passed(site: Any, name: str) -> None:
    today = date.today()
    values = ((today - timedelta(days=20)).isoformat(), (today - timedelta(days=1)).isoformat(), name)
    if isinstance(site, str | Path):
        with sqlite3.connect(Path(site) / "site.sqlite", timeout=30) as conn:
            changed = conn.execute(SQL, values).rowcount
    else:
        with site.transaction():
            changed = site.db.execute(SQL, values).rowcount
    assert changed == 1, f"{name} has no open public notice"
