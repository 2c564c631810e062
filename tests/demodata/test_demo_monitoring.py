"""`townflow demo` gives the village clerk's 随访 tab work at first login and the roster its
figures (issue 14): pregnancies visited on time, due soon, overdue, escalated and past their
expected date; signatures drawn on screen; contraception; an inflow and an outflow migrant and a
handover waiting for the receiving clerk."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import argon2
import pytest

from townflow.demodata.monitoring import INFLOW_FROM, OUTFLOW_TO
from townflow.demodata.standard import load_demo
from townflow.rules import roster as roster_rules
from townflow.runtime import inbox, monitoring
from townflow.runtime.clock import SteppingClock
from townflow.runtime.site import Site
from townflow.runtime.users import use_hasher
from townflow.spec.project import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    clock = SteppingClock(datetime(2026, 6, 15, 8, 0))
    site = Site.open(tmp_path_factory.mktemp("demo") / "site", load_project(ROOT), now=clock)
    out = io.StringIO()
    load_demo(site, out=out)
    yield site, out.getvalue()
    site.close()


def _kinds(site, user: str) -> list[tuple[str, bool]]:
    return sorted((r["kind"], r["escalated"]) for r in monitoring.followups(site.session(user)))


def test_the_clerk_has_visits_due_soon_overdue_and_an_outcome_overdue_at_first_login(demo):
    site, text = demo
    assert "15 pregnancies with" in text
    rows = monitoring.followups(site.session("clerk.v01@demo"))
    due = sorted(r["due"] for r in rows if r["kind"] == "visit")
    assert any(d > "2026-06-15" for d in due)  # due soon: shown with the working days left
    assert any(d < "2026-06-15" for d in due)  # overdue
    assert ("outcome", False) in _kinds(site, "clerk.v01@demo")
    counts = inbox.counts(site.session("clerk.v01@demo"), doctype="Pregnancy Record")
    assert counts["todo"] == len(rows) and 0 < counts["overdue"] < counts["todo"]
    # escalated to the township clerk, once per overdue piece of work long enough overdue
    township = _kinds(site, "township.clerk@demo")
    assert ("visit", True) in township and ("outcome", True) in township


def test_signed_visits_carry_a_drawn_signature_and_one_per_village_is_unsigned(demo):
    site, _ = demo
    rows = site.db.fetchall(
        """SELECT v.signature_method, v.signature_image, r.village FROM "tabPregnancy Follow Up Visit" v
           JOIN "tabPregnancy Record" r ON r.name = v.parent WHERE r.owner LIKE 'clerk.v0%'"""
    )
    signed = [r for r in rows if r["signature_image"]]
    assert signed and all(r["signature_method"] == "Drawn on Screen" for r in signed)
    path = Path(site.path) / signed[0]["signature_image"].lstrip("/")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    unsigned = {r["village"] for r in rows if not r["signature_image"]}
    assert len(unsigned) == 3  # the overdue case of each staffed village


def test_the_roster_has_figures_in_every_village(demo):
    site, _ = demo
    admin = site.session("Administrator")
    women = admin.get_list(
        "Person",
        fields=["name", "full_name", "village", "date_of_birth", "contraception_method", "is_migrant"],
        filters={"gender": "Female"},
        limit_page_length=0,
    )
    rows = roster_rules.roster(women, monitoring.load_records(site, ongoing_only=False), site.now().date())
    villages = roster_rules.completeness(rows)
    assert len(villages) == 45
    assert all(v.with_contraception > 0 for v in villages)
    assert all(0 < v.complete < v.women for v in villages[:3])  # each staffed village: some left to do
    assert sum(v.pregnant for v in villages) >= 15


def test_migrants_and_a_handover_waiting_for_the_receiving_clerk(demo):
    site, _ = demo
    admin = site.session("Administrator")
    assert admin.get_count("Person", {"is_migrant": 1, "registered_residence": INFLOW_FROM}) == 1
    assert admin.get_count("Person", {"is_migrant": 1, "outflow_destination": OUTFLOW_TO}) == 1
    page = inbox.inbox(site.session("clerk.v02@demo"), doctype="Migrant Handover")
    assert [i["workflow_state"] for i in page["items"]] == ["Pending Receipt"]
