"""`townflow demo --profile seed`: the township of the campaign report, read back through the
reports a director would open. The site is built as `make run` builds it: the standard demo
first (applications in every workflow state), then the seed profile on top of it."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import argon2
import pytest

from townflow.demodata.seed import load_seed
from townflow.demodata.seed.figures import LOAN_TOTAL_YUAN, SEED_FIGURES, benefit_tally
from townflow.demodata.standard import load_demo
from townflow.rules.validators import cn_id_number, id_number_check_char
from townflow.runtime import inbox
from townflow.runtime.clock import SteppingClock
from townflow.runtime.reports import run_report
from townflow.runtime.site import Site
from townflow.runtime.users import use_hasher
from townflow.spec.project import load_project

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-test-password"
TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    clock = SteppingClock(datetime(2026, 6, 15, 8, 0))
    site = Site.open(
        tmp_path_factory.mktemp("seed") / "site", load_project(ROOT), now=clock, admin_password=ADMIN_PASSWORD
    )
    load_demo(site, out=io.StringIO())
    out = io.StringIO()
    summary = load_seed(site, clock, today=TODAY, out=out)
    yield site, clock, summary
    site.close()


def test_benefit_tally_shows_the_seed_figures_exactly(seeded):
    site, _, _ = seeded
    tally = benefit_tally(site.session("Administrator"))
    households = {kind: int(tally[kind]["households"]) for kind in SEED_FIGURES}
    students = {kind: int(tally[kind]["applications"]) for kind in SEED_FIGURES}
    assert households["One-time Reward"] == 126
    assert students["Senior High Admission Bonus"] == 186
    assert households["Interest-subsidised Loan"] == 462
    assert tally["Interest-subsidised Loan"]["amount"] == LOAN_TOTAL_YUAN == 2_000_000
    assert households["Low-income Relief"] == 87
    assert students["Poor Female University Student"] == 26
    assert students["Dropout Girl Returning to School"] == 7
    assert students["Only-child Insurance"] == households["Only-child Insurance"] == 982


def test_loans_lie_within_the_policy_range(seeded):
    site, _, _ = seeded
    loans = site.session("Administrator").get_list(
        "Subsidy Application",
        fields=["amount"],
        filters={
            "benefit_kind": "Interest-subsidised Loan",
            "workflow_state": ["in", ["Approved", "Disbursed"]],
        },
        limit_page_length=0,
    )
    assert all(1000 <= row["amount"] <= 5000 for row in loans)


def test_26_of_45_villages_have_an_elderly_apartment(seeded):
    site, _, _ = seeded
    admin = site.session("Administrator")
    assert admin.get_count("Village") == 45
    assert admin.get_count("Village", {"has_elderly_apartment": 1}) == 26
    with_households = {
        r["village"] for r in admin.get_list("Household", fields=["village"], limit_page_length=0)
    }
    assert len(with_households) == 45


def test_sex_ratio_at_birth_at_most_106_and_two_girl_share_above_43(seeded):
    site, _, _ = seeded
    admin = site.session("Administrator")
    births = run_report(admin, "Sex Ratio at Birth", {}).totals
    assert births["births"] >= 500 and births["boys"] > 0 and births["girls"] > 0
    assert births["sex_ratio"] <= 106
    share = run_report(admin, "Two-Girl Household Share", {}).totals
    assert share["two_child"] >= 1000
    assert share["two_girl_share"] > 43


def test_births_and_applications_spread_over_five_years(seeded):
    site, _, _ = seeded
    admin = site.session("Administrator")
    by_year = run_report(admin, "Sex Ratio at Birth", {"group_by": "year"}).result
    assert len([r for r in by_year if r["births"]]) >= 5
    tally_years = run_report(admin, "Benefit Tally", {"group_by": "year"}).result
    assert len([r for r in tally_years if r["applications"]]) >= 5


def test_people_have_chinese_names_and_valid_id_numbers(seeded):
    site, _, _ = seeded
    people = site.db.fetchall('SELECT full_name, gender, date_of_birth, id_number FROM "tabPerson"')
    assert len(people) > 5000
    for person in people:
        number = person["id_number"]
        assert cn_id_number(number) is None, number
        assert number[17] == id_number_check_char(number[:17]), number
        assert number[6:14] == person["date_of_birth"].replace("-", ""), number
        assert int(number[16]) % 2 == (0 if person["gender"] == "Female" else 1), number
        assert all("\u4e00" <= ch <= "\u9fff" for ch in person["full_name"]), person["full_name"]
    assert len({p["id_number"] for p in people}) == len(people)
    assert Counter(p["gender"] for p in people)["Male"] > 1000


def test_pregnancies_have_scans_visits_outcomes_and_terminations_their_certificates(seeded):
    site, _, _ = seeded
    db = site.db
    outcomes = dict(db.fetchall('SELECT outcome, COUNT(*) FROM "tabPregnancy Record" GROUP BY outcome'))
    assert outcomes["Live Birth"] >= 500 and outcomes["Ongoing"] > 0 and outcomes["Miscarriage"] > 0
    assert outcomes["Termination"] > 0
    assert db.scalar('SELECT COUNT(*) FROM "tabUltrasound Exam" WHERE no_sex_identification = 0') == 0
    assert db.scalar('SELECT COUNT(*) FROM "tabUltrasound Exam"') >= outcomes["Live Birth"]
    assert db.scalar('SELECT COUNT(*) FROM "tabPregnancy Follow Up Visit"') >= 3 * outcomes["Live Birth"]
    unlinked = db.scalar(
        'SELECT COUNT(*) FROM "tabDrug Dispensing Record" '
        "WHERE termination_certificate IS NULL OR under_supervision = 0"
    )
    assert unlinked == 0 and db.scalar('SELECT COUNT(*) FROM "tabDrug Dispensing Record"') > 0


def test_the_approval_log_feeds_department_timeliness(seeded):
    site, _, _ = seeded
    result = run_report(site.session("Administrator"), "Department Timeliness", {})
    offices = {r["office"] for r in result.result}
    # a department's steps are filed under the department (财政所, 民政办), others under the role
    assert {"Village Head", "Township Approver", "财政所", "民政办", "人社所", "教育办"} <= offices
    totals = result.totals
    assert totals["handled"] > 8000
    assert 0 < totals["median_hours"] < totals["p90_hours"]
    assert totals["rejected"] >= 30  # loans turned down by a head, the township or the finance office


def test_the_standard_demo_still_gives_every_approver_work(seeded):
    site, _, _ = seeded
    for user in ("head.v01@demo", "approver@demo", "civil@demo", "finance@demo", "education@demo"):
        assert inbox.counts(site.session(user))["todo"] > 0, user


def test_running_the_seed_again_adds_nothing(seeded):
    site, clock, summary = seeded
    assert "households" in summary
    before = site.db.scalar('SELECT COUNT(*) FROM "tabPerson"')
    again = load_seed(site, clock, today=TODAY, out=io.StringIO())
    assert "nothing added" in again
    assert site.db.scalar('SELECT COUNT(*) FROM "tabPerson"') == before


def test_ongoing_pregnancies_have_recent_visits_and_the_overdue_ones_are_work(seeded):
    """单月访: most ongoing pregnancies were visited within the month; those that fell behind are
    open visit work in their village clerk's inbox after the seed's monitoring pass."""
    site, _, _ = seeded
    last_visits = [
        r[0]
        for r in site.db.fetchall(
            """SELECT max(v.visit_date) FROM "tabPregnancy Record" r JOIN "tabPregnancy Follow Up Visit" v
               ON v.parent = r.name WHERE r.outcome = 'Ongoing' GROUP BY r.name"""
        )
    ]
    recent = [d for d in last_visits if d >= "2026-05-20"]  # within 26 days of 2026-06-15
    assert len(recent) >= 20 and len(last_visits) - len(recent) >= 5
    open_work = site.db.scalar(
        """SELECT count(*) FROM "tabWorkflow Action" WHERE reference_doctype = 'Pregnancy Record'
           AND kind = 'todo' AND status = 'Open' AND source = 'monitoring'"""
    )
    assert open_work >= 5
