"""Login sessions are kept in the site's database: a restart of the real `townflow serve` process
keeps people logged in (with the same CSRF token), another server process on the same site knows
them, and a logout on one process ends the session on every one.

Browser-free: `requests` with its cookie jar, against real server processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from .conftest import ADMIN_PASSWORD, ROOT, _wait_until_up, free_port

LOGGED_USER = "/api/method/frappe.auth.get_logged_user"


@contextmanager
def serving(site_dir: Path, port: int, name: str, *extra: str) -> Iterator[str]:
    """A `townflow serve` process on `site_dir`, stopped (SIGTERM, as systemd does) on exit."""
    log = site_dir.parent / f"serve-{name}.log"
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TOWNFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD}
    command = [sys.executable, "-m", "townflow.cli", "--project", str(ROOT), "serve", "--site", str(site_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--tick-interval", "0", *extra]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        _wait_until_up(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def login(url: str) -> tuple[requests.Session, str]:
    """An Administrator cookie session and its CSRF token (asked for, so from now on required)."""
    http = requests.Session()
    answer = http.post(url + "/api/method/login", data={"usr": "Administrator", "pwd": ADMIN_PASSWORD})
    assert answer.status_code == 200, answer.text
    token = http.get(url + "/api/method/townflow.api.csrf_token").json()["message"]
    assert len(token) >= 40
    return http, token


def logged_user(http: requests.Session, url: str) -> tuple[int, str | None]:
    answer = http.get(url + LOGGED_USER)
    return answer.status_code, answer.json().get("message")


def add_village(http: requests.Session, url: str, name: str, token: str | None) -> requests.Response:
    headers = {"X-Frappe-CSRF-Token": token} if token else {}
    return http.post(
        url + "/api/resource/Village",
        json={"village_name": name, "township": "高新街道", "village_code": name[-4:]},
        headers=headers,
    )


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    return tmp_path / "site"


def test_a_restart_keeps_the_user_logged_in_with_the_same_csrf_token(site_dir):
    port = free_port()
    with serving(site_dir, port, "first") as url:
        http, token = login(url)
        assert add_village(http, url, "重启前村 V901", token).status_code == 200
    # the process is gone: nothing answers on its port
    with pytest.raises(requests.ConnectionError):
        http.get(url + LOGGED_USER, timeout=2)
    with serving(site_dir, port, "second") as url:
        assert logged_user(http, url) == (200, "Administrator")
        # the CSRF rule came back with the session: without the token a change is refused ...
        refused = add_village(http, url, "重启后村 V902", None)
        assert refused.status_code == 400
        assert refused.json()["exc_type"] == "CSRFTokenError"
        # ... and the token handed out before the restart still works
        created = add_village(http, url, "重启后村 V902", token)
        assert created.status_code == 200, created.text
        assert created.json()["data"]["village_name"] == "重启后村 V902"
        sid = http.cookies["sid"]
        assert http.post(url + "/api/method/logout").status_code == 200
        assert logged_user(http, url)[0] == 403
    # the cookie of the ended session does not come back after another restart
    with serving(site_dir, port, "third") as url:
        stale = requests.Session()
        stale.cookies.set("sid", sid)
        assert logged_user(stale, url)[0] == 403


def test_the_database_holds_only_a_hash_of_the_session_id(site_dir):
    with serving(site_dir, free_port(), "hash") as url:
        http, token = login(url)
        sid = http.cookies["sid"]
        conn = sqlite3.connect(site_dir / "site.sqlite")
        try:
            rows = conn.execute('SELECT sid_hash, user, csrf_token FROM "__Sessions"').fetchall()
            dump = "\n".join(conn.iterdump())
        finally:
            conn.close()
        assert [(user, csrf) for _hash, user, csrf in rows] == [("Administrator", token)]
        assert rows[0][0] == hashlib.sha256(sid.encode()).hexdigest()
        assert sid not in dump  # nowhere in the file: a copy of it cannot take over the session


def test_logout_on_one_worker_ends_the_session_on_the_other(site_dir):
    with serving(site_dir, free_port(), "a") as url_a, serving(site_dir, free_port(), "b") as url_b:
        http, token = login(url_a)
        # the other process knows the session, and its CSRF token
        assert logged_user(http, url_b) == (200, "Administrator")
        assert add_village(http, url_b, "乙进程村 V903", token).status_code == 200
        # ended on both: replay the old cookie against the first process
        sid = http.cookies["sid"]
        assert http.post(url_b + "/api/method/logout").status_code == 200
        replay = requests.Session()
        replay.cookies.set("sid", sid)
        assert logged_user(replay, url_a)[0] == 403


def _started_workers(log: Path) -> int:
    """Worker processes uvicorn reported started (the second may start a moment after the first)."""
    deadline = time.monotonic() + 60
    while True:
        started = len(set(re.findall(r"Started server process \[(\d+)\]", log.read_text())))
        if started >= 2 or time.monotonic() > deadline:
            return started
        time.sleep(0.2)


def test_two_workers_share_sessions_and_writes_stay_whole(site_dir):
    with serving(site_dir, free_port(), "workers", "--workers", "2") as url:
        assert _started_workers(site_dir.parent / "serve-workers.log") == 2
        http, token = login(url)
        # 24 villages created at once, on new connections spread over both workers
        with ThreadPoolExecutor(max_workers=6) as pool:

            def create(i: int) -> int:
                mine = requests.Session()
                mine.cookies.set("sid", http.cookies["sid"])
                return add_village(mine, url, f"并发村 W{i:03d}", token).status_code

            statuses = list(pool.map(create, range(24)))
        assert statuses == [200] * 24
        listed = http.get(
            url + "/api/resource/Village",
            params={"filters": json.dumps([["village_name", "like", "并发村%"]]), "limit_page_length": 0},
        ).json()["data"]
        assert sorted(v["name"] for v in listed) == [f"并发村 W{i:03d}" for i in range(24)]
        # a logout answered by one worker ends the session for every worker: 20 fresh connections
        sid = http.cookies["sid"]
        assert http.post(url + "/api/method/logout").status_code == 200
        replay = requests.Session()
        replay.cookies.set("sid", sid)
        codes = set()
        for _ in range(20):
            replay.close()  # a new connection each time, so the kernel spreads them over the workers
            codes.add(logged_user(replay, url)[0])
        assert codes == {403}
