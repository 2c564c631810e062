"""Issue 11's last gaps in the embedded runtime: birth service certificates (生育服务证) expire by
`tick` like termination certificates, and the termination workflow's leader countersign and
facility steps take their time limits from Campaign Settings."""

from __future__ import annotations

from workflow_support import EAST, act, state, walk

from townflow.runtime import workflow_store

TO_ISSUED = [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]


def _settings(wsite, **values):
    admin = wsite.session("Administrator")
    admin.save({**admin.get("Campaign Settings", "Campaign Settings"), **values})


def _open_due(wsite, doc) -> list[str]:
    rows = wsite.db.fetchall(
        'SELECT due_at FROM "tabWorkflow Action" WHERE reference_name = ? AND kind = ? AND status = ?',
        (doc["name"], "todo", "Open"),
    )
    return sorted({str(r["due_at"])[:16] for r in rows})


def _birth_certificate(wsite, world):
    household = world.household(EAST)
    mother = world.person(household)
    app = wsite.session("clerk.east").insert(
        {
            "doctype": "Birth Service Certificate",
            "household": household["name"],
            "mother": mother["name"],
            "father_name": "张建国",
            "child_order": "Second Child",
            "reason": "符合生育二孩政策",
        }
    )
    return walk(wsite, app, TO_ISSUED)


def test_a_birth_service_certificate_expires_on_tick_the_day_after_its_validity(wsite, world, wclock):
    _settings(wsite, birth_certificate_validity_days=30)
    issued = _birth_certificate(wsite, world)
    assert (issued["workflow_state"], issued["valid_until"]) == ("Issued", "2026-03-31")
    wclock.advance(days=29)  # 2026-03-31: the last valid day
    assert wsite.tick(wclock.now)["expired"] == 0
    assert state(wsite, issued) == "Issued"
    wclock.advance(days=1)  # 2026-04-01
    assert wsite.tick(wclock.now)["expired"] == 1
    assert wsite.tick(wclock.now)["expired"] == 0  # once
    stored = wsite.session("Administrator").get(issued["doctype"], issued["name"])
    assert (stored["workflow_state"], stored["docstatus"]) == ("Expired", 1)
    assert stored["certificate_no"] == issued["certificate_no"]  # the number is kept
    history = workflow_store.history_rows(wsite.db, issued["doctype"], issued["name"])
    assert (history[-1]["action"], history[-1]["to_state"]) == ("Mark Expired", "Expired")


def test_the_leader_countersign_and_facility_limits_come_from_campaign_settings(wsite, world):
    _settings(wsite, leader_countersign_due_hours=5, facility_step_due_hours=30)
    app = world.certificate_application(EAST, weeks=16)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    act(wsite, "health", app, "Approve")
    assert state(wsite, app) == "Pending Leader Countersign"
    assert _open_due(wsite, app) == ["2026-03-02 14:00"]  # 5 hours, not the old fixed 48
    act(wsite, "leader1", app, "Countersign")
    act(wsite, "leader2", app, "Countersign")
    assert state(wsite, app) == "Issued"
    assert _open_due(wsite, app) == ["2026-03-03 15:00"]  # the facility: 30 hours, not 720


def test_the_shipped_settings_keep_the_former_limits(wsite, world):
    app = world.certificate_application(EAST, weeks=16)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    act(wsite, "health", app, "Approve")
    assert _open_due(wsite, app) == ["2026-03-04 09:00"]  # 48 hours from 09:00 on 2 March
