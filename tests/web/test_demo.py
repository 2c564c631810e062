"""`townflow demo`: what a new user finds at first login, and that running it twice is harmless."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from townflow.demodata.standard import DEMO_PASSWORD, STAFFED_VILLAGES, demo_users, load_demo
from townflow.rules.validators import cn_id_number
from townflow.runtime import inbox
from townflow.runtime.site import Site
from townflow.spec.project import load_project

from .conftest import ADMIN_PASSWORD, ROOT

PROCESSES = ["Subsidy Application", "Student Aid Application", "Termination Certificate Application"]
#: every role with work in a workflow (the System Manager customizes instead); the Township Clerk
#: gets hers by escalation of an overdue step
APPROVING_ROLES = {
    "Township Clerk",
    "Village Clerk",
    "Village Head",
    "Township Approver",
    "Township Leader",
    "Civil Affairs Officer",
    "Education Officer",
    "Health Officer",
    "Finance Officer",
    "Human Resources Officer",
    "Industry and Commerce Officer",
    "Tax Officer",
    "Family Planning Officer",
    "Facility Officer",
}


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    project = load_project(ROOT)
    path = tmp_path_factory.mktemp("demo") / "site"
    site = Site.open(path, project, admin_password=ADMIN_PASSWORD)
    out = io.StringIO()
    report = load_demo(site, out=out)
    yield site, report, out.getvalue(), path
    site.close()


def test_every_workflow_state_has_an_application(demo_site):
    site, report, _, _ = demo_site
    admin = site.session("Administrator")
    for doctype in PROCESSES:
        workflow = site.project.workflow_for(doctype)
        rows = admin.get_list(doctype, fields=["workflow_state"], limit_page_length=0)
        assert {r["workflow_state"] for r in rows} == {s.state for s in workflow.states}, doctype
    assert "could not be completed" not in report


def test_every_role_finds_work_in_its_inbox(demo_site):
    site, _, _, _ = demo_site
    villages = [v["name"] for v in site.session("Administrator").get_list("Village", limit_page_length=0)]
    overdue = 0
    for user in demo_users(villages):
        if not set(user.roles) & APPROVING_ROLES:
            continue
        counts = inbox.counts(site.session(user.email))
        assert counts["todo"] + counts["cc"] > 0, (user.email, counts)
        overdue += counts["overdue"]
    assert overdue > 0  # the overdue tab has something to show too


def test_households_in_every_village_with_valid_id_numbers(demo_site):
    site, _, _, _ = demo_site
    admin = site.session("Administrator")
    villages = {v["name"] for v in admin.get_list("Village", limit_page_length=0)}
    assert len(villages) == 45
    with_households = {
        h["village"] for h in admin.get_list("Household", fields=["village"], limit_page_length=0)
    }
    assert with_households == villages
    people = admin.get_list("Person", fields=["id_number"], limit_page_length=0)
    assert len(people) > 45 * 3
    assert all(cn_id_number(p["id_number"]) is None for p in people)


def test_demo_users_log_in_with_the_printed_password(demo_site):
    site, report, _, _ = demo_site
    for email in ["clerk.v01@demo", f"head.v{STAFFED_VILLAGES:02d}@demo", "approver@demo", "facility@demo"]:
        assert email in report
        assert site.authenticate(email, DEMO_PASSWORD) == email
    assert "password: demo" in report


def test_running_demo_twice_adds_nothing(demo_site):
    site, _, _, path = demo_site
    admin = site.session("Administrator")
    before = {dt: admin.get_count(dt) for dt in [*PROCESSES, "Household", "Person", "User"]}
    command = [sys.executable, "-m", "townflow.cli", "--project", str(ROOT), "demo", "--site", str(path)]
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert "0 new users" in again.stdout and "0 new households" in again.stdout
    assert {dt: admin.get_count(dt) for dt in before} == before
