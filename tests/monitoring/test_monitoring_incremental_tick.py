"""`tick` reads only the pregnancies something can have happened to (monitoring.sync_due): it
opens, escalates and closes exactly what a full pass over every record would, and runs a full
pass again when the monitoring settings change."""

from __future__ import annotations

from datetime import date, timedelta

from townflow.runtime import monitoring

OPEN_WORK = """SELECT reference_name, workflow_state, source, audience, due_at,
    escalated_at IS NOT NULL AS escalated FROM "tabWorkflow Action"
    WHERE reference_doctype = 'Pregnancy Record' AND kind = 'todo' AND status = 'Open'
    ORDER BY reference_name, workflow_state, source"""


def _open_work(site) -> list[tuple]:
    return [tuple(r) for r in site.db.fetchall(OPEN_WORK)]


def _records(wsite, world, count: int, start: date = date(2026, 1, 10)) -> list[dict]:
    """`count` pregnancies registered a week apart (`start` back), none visited yet."""
    clerk = wsite.session("clerk.east")
    made = []
    for i in range(count):
        record = world.pregnancy(world.person(world.household()))
        doc = clerk.get("Pregnancy Record", record["name"])
        registered = start - timedelta(days=7 * i)
        made.append(clerk.save({**doc, "registered_on": registered.isoformat()}))
    return made


def test_each_days_incremental_tick_leaves_the_same_work_as_a_full_pass(wsite, wclock, world):
    records = _records(wsite, world, 6)
    first = wsite.tick(wclock.now)  # the site's first tick is a full pass
    assert first["visits_opened"] > 0
    for _ in range(12):  # twelve mornings, across escalations (working days) and new checks
        wclock.advance(days=3)
        wsite.tick(wclock.now)  # incremental
        incremental = _open_work(wsite)
        done = monitoring.sync(wsite, wclock.now)  # the full pass over every record
        assert done == {"opened": 0, "escalated": 0, "closed": 0, "moved": 0}
        assert _open_work(wsite) == incremental
    assert {r[0] for r in _open_work(wsite)} == {r["name"] for r in records}


def test_a_tick_with_nothing_due_reads_no_record(wsite, wclock, world):
    _records(wsite, world, 3, start=date(2026, 3, 2))  # registered today, a week and two weeks ago
    wsite.tick(wclock.now)
    assert _open_work(wsite) == []
    plan = monitoring.policy(wsite)
    assert monitoring.due_candidates(wsite, plan, wclock.now.date()) == set()
    assert wsite.tick(wclock.now)["visits_opened"] == 0


def test_an_outcome_written_without_the_hook_is_closed_by_the_next_tick(wsite, wclock, world):
    record = _records(wsite, world, 1)[0]
    wclock.advance(days=40)
    assert wsite.tick(wclock.now)["visits_opened"] == 2  # visit and check
    with wsite.db.transaction():  # as an import or a raw fix would: no save hook runs
        wsite.db.execute(
            """UPDATE "tabPregnancy Record" SET outcome = 'Miscarriage' WHERE name = ?""", (record["name"],)
        )
    assert wsite.tick(wclock.now)["visits_closed"] == 2
    assert _open_work(wsite) == []


def test_changing_the_visit_interval_reschedules_every_record_at_the_next_tick(wsite, wclock, world):
    record = _records(wsite, world, 1)[0]  # registered 2026-01-10: next visit due 2026-02-09
    wclock.advance(days=2)  # 2026-03-04: the visit is overdue
    wsite.tick(wclock.now)
    stored = wsite.session("Administrator").get("Pregnancy Record", record["name"])
    assert (stored["next_visit_due"], stored["next_check_due"]) == ("2026-02-09", "2026-03-11")
    assert [r[1:3] for r in _open_work(wsite)] == [("Visit Due", "escalate"), ("Visit Due", "monitoring")]
    admin = wsite.session("Administrator")
    settings = admin.get("Campaign Settings", "Campaign Settings")
    admin.save({**settings, "followup_visit_interval_days": 60, "followup_check_interval_days": 90})
    done = wsite.tick(wclock.now)  # the settings changed: a full pass
    assert done["visits_closed"] == 1  # next visit 2026-03-11, next check 2026-04-10: not due yet
    stored = wsite.session("Administrator").get("Pregnancy Record", record["name"])
    assert (stored["next_visit_due"], stored["next_check_due"]) == ("2026-03-11", "2026-04-10")
    assert _open_work(wsite) == []
