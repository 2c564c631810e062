"""Visits due in the embedded runtime: a tick puts them in the village clerk's inbox, escalation
reaches the township clerk, recording the visit closes the work, and every count is scoped."""

from __future__ import annotations

import threading
from datetime import date, datetime

from townflow.runtime import inbox, monitoring

STATES = {"Visit Due", "Check Due", "Outcome Overdue"}


def followups(site, user: str, tab: str = "todo") -> list[tuple[str, str, str]]:
    page = inbox.inbox(site.session(user), tab=tab, doctype="Pregnancy Record", limit_page_length=100)
    return sorted((i["reference_name"], i["workflow_state"], i["due_at"][:10]) for i in page["items"])


def visit(day: str, kind: str = "Pregnancy Check") -> dict:
    return {
        "visit_date": day,
        "visit_type": kind,
        "visitor": "王敏",
        "findings": "孕妇情况良好",
        "family_signature": 1,
        "signed_by": "张建国",
    }


def test_a_pregnancy_last_visited_40_days_ago_is_in_the_clerks_inbox_after_a_tick(wsite, wclock, world):
    mother = world.person(world.household())
    record = world.pregnancy(mother)
    clerk = wsite.session("clerk.east")
    doc = clerk.get("Pregnancy Record", record["name"])
    doc["visits"] = [visit("2026-03-02")]  # a check today: next visit 2026-04-01, next check 2026-05-01
    clerk.save(doc)
    assert followups(wsite, "clerk.east") == []

    wclock.advance(days=40)  # 2026-04-11: the visit is 10 days overdue (5 working days: escalated)
    done = wsite.tick(wclock.now)
    assert done["visits_opened"] == 1 and done["visits_escalated"] == 1
    assert followups(wsite, "clerk.east") == [(record["name"], "Visit Due", "2026-04-01")]
    assert followups(wsite, "clerk.east", "overdue") == [(record["name"], "Visit Due", "2026-04-01")]
    assert followups(wsite, "tclerk") == [(record["name"], "Visit Due", "2026-04-01")]
    # scoped like every read: the other village's clerk and the village head see none of it
    assert followups(wsite, "clerk.west") == [] and followups(wsite, "head.east") == []
    west_counts = inbox.counts(wsite.session("clerk.west"))
    east_counts = inbox.counts(wsite.session("clerk.east"))
    assert east_counts["overdue"] - west_counts["overdue"] == 1
    assert inbox.counts(wsite.session("clerk.west"), doctype="Pregnancy Record") == {
        "todo": 0,
        "done": 0,
        "cc": 0,
        "overdue": 0,
    }
    assert inbox.counts(wsite.session("clerk.east"), doctype="Pregnancy Record")["overdue"] == 1
    assert wsite.tick(wclock.now)["visits_opened"] == 0  # idempotent

    # recording the visit closes the work item, for the clerk and the township alike
    doc = clerk.get("Pregnancy Record", record["name"])
    doc["visits"].append(visit("2026-04-11", "Home Visit"))
    clerk.save(doc)
    assert followups(wsite, "clerk.east") == [] and followups(wsite, "tclerk") == []
    log = monitoring.store.history_rows(wsite.db, "Pregnancy Record", record["name"])
    timeline = [r["action"] for r in log]
    assert timeline[-3:] == ["Open", "Escalate to Township Clerk", "Close"]


def test_a_pregnancy_past_its_expected_date_without_an_outcome_is_work_until_it_has_one(wsite, wclock, world):
    mother = world.person(world.household())
    record = world.pregnancy(mother)  # last menstrual period 2025-12-01: expected 2026-09-07
    clerk = wsite.session("clerk.east")
    wclock.advance(days=200)  # 2026-09-18: not yet expected date + 14 days
    wsite.tick(wclock.now)
    assert "Outcome Overdue" not in {s for _, s, _ in followups(wsite, "clerk.east")}
    wclock.advance(days=10)  # 2026-09-28
    wsite.tick(wclock.now)
    outcome = [row for row in followups(wsite, "clerk.east") if row[1] == "Outcome Overdue"]
    assert outcome == [(record["name"], "Outcome Overdue", "2026-09-21")]
    assert monitoring.overdue_list(wsite, date(2026, 9, 28), [record["name"]])[-1]["kind"] == "outcome"
    # escalated to the township, whose clerk may not read the expected date: no date on it
    wclock.advance(days=10)  # 2026-10-08
    wsite.tick(wclock.now)
    township = inbox.inbox(wsite.session("tclerk"), tab="todo", doctype="Pregnancy Record")["items"]
    outcome = [i for i in township if i["workflow_state"] == "Outcome Overdue"]
    assert [(i["reference_name"], i["due_at"]) for i in outcome] == [(record["name"], None)]
    doc = clerk.get("Pregnancy Record", record["name"])
    doc.update(outcome="Live Birth", outcome_date="2026-09-20", newborn_sex="Female")
    clerk.save(doc)
    assert followups(wsite, "clerk.east") == [] and followups(wsite, "tclerk") == []


def test_the_server_ticks_in_the_background(wsite, wclock, world):
    from townflow.runtime.scheduler import PeriodicTick

    record = world.pregnancy(world.person(world.household()))  # no visit since 2026-01-10: overdue
    ticker = PeriodicTick(wsite, 0.05, clock=lambda: wclock.now).start()
    try:
        for _ in range(200):
            if ticker.runs:
                break
            threading.Event().wait(0.05)
    finally:
        ticker.stop()
    assert ticker.runs >= 1
    assert (record["name"], "Visit Due", "2026-02-09") in followups(wsite, "clerk.east")


def test_a_record_shows_its_schedule_and_its_unsigned_visits(wsite, world):
    record = world.pregnancy(world.person(world.household()))  # registered 2026-01-10
    clerk = wsite.session("clerk.east")
    doc = clerk.get("Pregnancy Record", record["name"])
    assert (doc["next_visit_due"], doc["next_check_due"]) == ("2026-02-09", "2026-03-11")
    unsigned = {**visit("2026-02-20", "Home Visit"), "family_signature": 0, "signed_by": None}
    doc["visits"] = [unsigned]
    doc = clerk.save(doc)
    assert doc["last_visit_date"] == "2026-02-20" and doc["next_visit_due"] == "2026-03-23"
    assert doc["unsigned_visits"] == 1


def test_a_department_step_counts_working_days_across_national_day_and_its_make_up_saturday(
    wsite, wclock, world
):
    from workflow_support import REWARD_TO_APPROVED, walk

    app = walk(wsite, world.reward_application(), REWARD_TO_APPROVED[:4])  # the village notice ended
    wclock.now = datetime(2026, 9, 29, 10, 0)
    app = walk(wsite, app, REWARD_TO_APPROVED[4:5])  # forwarded to 财政所: 5 working days
    assert app["workflow_state"] == "Pending Finance Review"
    page = inbox.inbox(wsite.session("finance"), tab="todo", doctype="Subsidy Application")
    # 09-30, (National Day 10-01..10-07), 10-08, 10-09, 10-10 (调休 Saturday), 10-12
    assert [i["due_at"][:19] for i in page["items"]] == ["2026-10-12 23:59:59"]
    wclock.now = datetime(2026, 10, 12, 18, 0)
    assert wsite.tick(wclock.now)["escalated"] == 0
    wclock.now = datetime(2026, 10, 13, 8, 0)
    assert wsite.tick(wclock.now)["escalated"] == 1
