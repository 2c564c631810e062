"""The Frappe v15 integration suite: deploys apps/care_for_girls to a real bench and talks REST.

Environment (see /work/bench-NOTES.md for the test bench):
  TOWNFLOW_FRAPPE_BENCH   the bench folder (required; without it the suite is skipped)
  TOWNFLOW_FRAPPE_SITE    the site (default: the bench's default_site)
  TOWNFLOW_FRAPPE_URL     where the site answers, e.g. http://127.0.0.1:8010
  TOWNFLOW_FRAPPE_ADMIN_PASSWORD   Administrator's password (default: admin)
  TOWNFLOW_FRAPPE_BENCH_CMD        the `bench` command (default: from PATH)
  TOWNFLOW_FRAPPE_RESTART          shell command restarting the web workers after a deploy
  TOWNFLOW_FRAPPE_SKIP_DEPLOY=1    use the app already installed
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from townflow.client import FrappeClient
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
BENCH = os.environ.get("TOWNFLOW_FRAPPE_BENCH")
SKIP_REASON = (
    "tests/frappe needs a real Frappe v15 bench: set TOWNFLOW_FRAPPE_BENCH (and TOWNFLOW_FRAPPE_SITE, "
    "TOWNFLOW_FRAPPE_URL); see /work/bench-NOTES.md"
)


def pytest_collection_modifyitems(config, items):
    """Without a bench every test here is skipped, and -ra prints why."""
    if BENCH:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "tests/frappe/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("frappe/"):
            item.add_marker(skip)


PASSWORD = "Tf-Integration-2024!"


def _site() -> str:
    site = os.environ.get("TOWNFLOW_FRAPPE_SITE")
    if site:
        return site
    config = json.loads((Path(BENCH) / "sites" / "common_site_config.json").read_text())
    return config["default_site"]


@pytest.fixture(scope="session")
def project():
    return load_project(ROOT)


@pytest.fixture(scope="session")
def deployed():
    """`townflow deploy` to the bench (once per run), as a user would run it."""
    if os.environ.get("TOWNFLOW_FRAPPE_SKIP_DEPLOY") == "1":
        return "skipped"
    from townflow.cli import main

    argv = ["--project", str(ROOT), "deploy", "--bench", BENCH, "--site", _site()]
    if os.environ.get("TOWNFLOW_FRAPPE_BENCH_CMD"):
        argv += ["--bench-cmd", os.environ["TOWNFLOW_FRAPPE_BENCH_CMD"]]
    if os.environ.get("TOWNFLOW_FRAPPE_RESTART"):
        argv += ["--restart-cmd", os.environ["TOWNFLOW_FRAPPE_RESTART"]]
    assert main(argv) == 0, "townflow deploy failed (its report is above)"
    return "deployed"


@pytest.fixture(scope="session")
def url(deployed) -> str:
    return os.environ.get("TOWNFLOW_FRAPPE_URL", "http://127.0.0.1:8000")


@pytest.fixture(scope="session")
def admin(url) -> FrappeClient:
    password = os.environ.get("TOWNFLOW_FRAPPE_ADMIN_PASSWORD", "admin")
    return FrappeClient(url, usr="Administrator", pwd=password)


class People:
    """The suite's users, with roles and User Permissions, each logged in as themselves.

    They are made once per site and reused by later runs (Frappe throttles user creation to 60
    an hour), so their emails are fixed."""

    def __init__(self, admin: FrappeClient, url: str):
        self.admin, self.url = admin, url
        self.clients: dict[str, FrappeClient] = {}

    def make(self, key: str, roles: list[str], **scopes: str) -> FrappeClient:
        email = f"tf-{key}@example.com"
        if not self.admin.get_list("User", filters={"name": email}):
            self.admin.insert(
                {
                    "doctype": "User",
                    "email": email,
                    "first_name": key,
                    "send_welcome_email": 0,
                    "new_password": PASSWORD,
                    "user_type": "System User",
                    "roles": [{"role": r} for r in roles],
                }
            )
        for allow, value in scopes.items():
            allowed = allow.replace("_", " ")
            wanted = {"user": email, "allow": allowed, "for_value": value}
            if not self.admin.get_list("User Permission", filters=wanted):
                self.admin.insert({"doctype": "User Permission", **wanted})
        client = FrappeClient(self.url, usr=email, pwd=PASSWORD)
        client.email = email
        self.clients[key] = client
        return client


@pytest.fixture(scope="session")
def people(admin, url) -> People:
    return People(admin, url)


@pytest.fixture(scope="session")
def password() -> str:
    """Every user the suite makes has this password (earlier runs' users too)."""
    return PASSWORD
