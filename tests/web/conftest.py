"""A live `townflow serve` on a free loopback port, on a fresh site, for the REST tests.

The server runs as a real subprocess (the command `make run` uses), so the tests see exactly
what a script sees: HTTP, cookies, headers, status codes. Users are created through the REST
API as the Administrator, the way an admin script does it on Frappe.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from townflow.client import FrappeClient

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-test-password"
USER_PASSWORD = "Test-pass-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveSite:
    url: str
    site_dir: Path
    admin: FrappeClient
    _users: dict[str, FrappeClient] = field(default_factory=dict)

    def add_user(self, email: str, roles: list[str], *, villages: tuple[str, ...] = (), **perms: str) -> None:
        """Create a user with roles and User Permissions through the API, as on Frappe."""
        if self.admin.get_list("User", filters={"name": email}):
            return
        self.admin.insert(
            {
                "doctype": "User",
                "email": email,
                "first_name": email.split("@")[0],
                "new_password": USER_PASSWORD,
                "roles": [{"role": r} for r in roles],
            }
        )
        for village in villages:
            self.admin.insert(
                {"doctype": "User Permission", "user": email, "allow": "Village", "for_value": village}
            )
        for allow, value in perms.items():
            self.admin.insert(
                {
                    "doctype": "User Permission",
                    "user": email,
                    "allow": allow.replace("_", " "),
                    "for_value": value,
                }
            )

    def login(self, email: str) -> FrappeClient:
        """A cookie-session client for `email` (cached per test session)."""
        if email not in self._users:
            self._users[email] = FrappeClient(self.url, usr=email, pwd=USER_PASSWORD)
        return self._users[email]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"townflow serve exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url + "/api/method/ping", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"townflow serve did not answer within {timeout:g} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    site_dir = tmp_path_factory.mktemp("live") / "site"
    log = site_dir.parent / "serve.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TOWNFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD}
    command = [sys.executable, "-m", "townflow.cli", "--project", str(ROOT), "serve", "--site", str(site_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        _wait_until_up(url, proc, log)
        admin = FrappeClient(url, usr="Administrator", pwd=ADMIN_PASSWORD)
        yield LiveSite(url=url, site_dir=site_dir, admin=admin)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
