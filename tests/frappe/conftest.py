"""The Frappe v15 integration suite: deploys apps/care_for_girls to a real bench and talks REST.

Environment:
  TOWNFLOW_FRAPPE_BENCH   the bench folder (required; without it the suite is skipped)
  TOWNFLOW_FRAPPE_SITE    the site (default: the bench's default_site)
  TOWNFLOW_FRAPPE_URL     where the site answers, e.g. http://127.0.0.1:8010
  TOWNFLOW_FRAPPE_ADMIN_PASSWORD   Administrator's password (default: admin)
  TOWNFLOW_FRAPPE_BENCH_CMD        the `bench` command (default: from PATH)
  TOWNFLOW_FRAPPE_RESTART          shell command restarting the web workers after a deploy
  TOWNFLOW_FRAPPE_SKIP_DEPLOY=1    use the app already installed
  TOWNFLOW_FRAPPE_FRESH_SITE=1     drop and create the site first, used before the app is linked
                                   (needs TOWNFLOW_FRAPPE_DB_ROOT_PASSWORD; tests/frappe/fresh_site.py)
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
    "tests/frappe needs a real Frappe v15 bench: set TOWNFLOW_FRAPPE_BENCH=<path of an existing "
    "Frappe v15 bench>, TOWNFLOW_FRAPPE_SITE=<a site on it the suite may fill with test data>, "
    "TOWNFLOW_FRAPPE_URL=<where that site answers, e.g. http://127.0.0.1:8000>; optional: "
    "TOWNFLOW_FRAPPE_BENCH_CMD=<the bench command, if not on PATH>, TOWNFLOW_FRAPPE_RESTART=<shell "
    "command restarting the web workers after a deploy> (docs/frappe.md)"
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

    if os.environ.get("TOWNFLOW_FRAPPE_FRESH_SITE") == "1":
        from fresh_site import recreate

        url = os.environ.get("TOWNFLOW_FRAPPE_URL", "http://127.0.0.1:8000")
        recreate(Path(BENCH), _site(), url, os.environ.get("TOWNFLOW_FRAPPE_ADMIN_PASSWORD", "admin"))
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
    client = FrappeClient(url, usr="Administrator", pwd=password)
    import frappe_support

    frappe_support.NOTICE_ADMIN[:] = [client]  # End Notice moves the 公示 window into the past
    return client


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


# The township the suites work in: two villages, the departments, a designated facility, the
# people of each role bound to them, and one household of village a.


@pytest.fixture(scope="module")
def org(project):
    villages = [r.name or r.model_extra["village_name"] for r in project.records_of("Village")]
    departments = {r.model_extra["kind"]: r.name for r in project.records_of("Department")}
    facilities = [
        r.name for r in project.records_of("Designated Facility") if r.model_extra.get("is_designated")
    ]
    return {"a": villages[0], "b": villages[1], "dept": departments, "facility": facilities[0]}


@pytest.fixture(scope="module")
def users(people, org):
    d = org["dept"]
    return {
        "clerk_a": people.make("clerk-a", ["Village Clerk"], Village=org["a"]),
        "clerk_b": people.make("clerk-b", ["Village Clerk"], Village=org["b"]),
        "head_a": people.make("head-a", ["Village Head"], Village=org["a"]),
        "head_b": people.make("head-b", ["Village Head"], Village=org["b"]),
        "approver": people.make("approver", ["Township Approver"]),
        "leader": people.make("leader", ["Township Leader"]),
        "leader2": people.make("leader-2", ["Township Leader"]),
        "civil": people.make("civil", ["Civil Affairs Officer"], Department=d["Civil Affairs"]),
        "edu": people.make("edu", ["Education Officer"], Department=d["Education"]),
        "health": people.make("health", ["Health Officer"], Department=d["Health"]),
        "facility": people.make("facility", ["Facility Officer"], Designated_Facility=org["facility"]),
    }


@pytest.fixture(scope="module")
def household(users, org):
    clerk = users["clerk_a"]
    hh = clerk.insert(
        {
            "doctype": "Household",
            "village": org["a"],
            "head_name": "王秀英",
            "residence_type": "Rural",
            "address": "东关村一组",
            "household_type": "One-girl",
            "is_girl_household": 1,
            "income_status": "Low-income",
            "low_income_certificate_no": "DB-0001",
        }
    )
    mother = clerk.insert(
        {
            "doctype": "Person",
            "household": hh["name"],
            "village": org["a"],
            "full_name": "王秀英",
            "gender": "Female",
            "date_of_birth": "1988-03-01",
            "relationship": "Head",
        }
    )
    daughter = clerk.insert(
        {
            "doctype": "Person",
            "household": hh["name"],
            "village": org["a"],
            "full_name": "李小花",
            "gender": "Female",
            "date_of_birth": "2010-05-01",
            "relationship": "Daughter",
        }
    )
    return {"household": hh["name"], "mother": mother["name"], "daughter": daughter["name"]}
