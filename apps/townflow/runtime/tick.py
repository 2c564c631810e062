"""The scheduler call: due-time reminders and escalation, and expiry of unused certificates.

`run(site, now)` is what `site.tick(now)` and `townflow tick --site DIR` do. It is idempotent:
a reminder or an escalation is marked on the to-do when taken, and an expired certificate leaves
the Issued state, so calling it twice (or every minute from cron) does nothing new the second time.
The clock is a parameter so tests can move time instead of waiting for it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from townflow.rules import steps as step_rules
from townflow.runtime import benefits, campaign, monitoring, public_notice, workflow_io
from townflow.runtime import workflow_store as store
from townflow.runtime.system_doctypes import ADMINISTRATOR
from townflow.runtime.workflow_store import ACTION


class SystemSession:
    """The scheduler acts as Administrator, at the moment it is given."""

    def __init__(self, site, now: datetime):
        self.site = site
        self.ctx = site.user_context(ADMINISTRATOR)
        self.user = ADMINISTRATOR
        self.roles = self.ctx.roles
        self.ignore_permissions = False
        self._now = now

    def clock(self) -> datetime:
        return self._now

    def now(self) -> datetime:
        return self._now


def run(site, now: datetime | None = None) -> dict[str, int]:
    """Take every overdue action due at `now` and expire certificates; returns what was done."""
    session = SystemSession(site, now or datetime.now())
    stamp = workflow_io.now(session)
    done = {"reminded": 0, "escalated": 0, "expired": 0, "conversions": 0}
    with site.db.transaction():
        rows = site.db.fetchall(
            f"SELECT * FROM {ACTION} WHERE kind = 'todo' AND status = 'Open' AND due_at <= ? ORDER BY name",
            (stamp,),
        )
        groups: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
        for row in rows:
            groups[(row["reference_doctype"], row["reference_name"], row["step_id"])].append(dict(row))
        for (doctype, name, _step_id), todos in groups.items():
            taken = _overdue(session, doctype, name, todos, stamp)
            done["reminded"] += "remind" in taken
            done["escalated"] += "escalate" in taken
        done["expired"] = _expire_certificates(session, stamp)
        done["conversions"] = benefits.open_conversions(session, session.now().date())
        done["reconfirmations"] = public_notice.open_reconfirmations(session, session.now().date())
    # pregnancy monitoring: visits and checks due, outcomes overdue, escalation to the township
    for key, value in monitoring.sync_due(site, session.now()).items():  # the records due only
        done[f"visits_{key}"] = value
    return done


def _overdue(session, doctype: str, name: str, todos: list[dict], stamp: str) -> list[str]:
    site = session.site
    workflow = site.project.workflow_for(doctype)
    if workflow is None:
        return []
    state = todos[0]["workflow_state"]
    step = step_rules.step_of(workflow, state)
    already = {"remind"} if any(t["reminded_at"] for t in todos) else set()
    already |= {"escalate"} if any(t["escalated_at"] for t in todos) else set()
    due = datetime.fromisoformat(min(t["due_at"] for t in todos))
    actions = step_rules.overdue_actions(step, due, session.now(), already)
    ids = [t["name"] for t in todos]
    marks = ", ".join("?" for _ in ids)
    for action in actions:
        if action == "remind":
            site.db.execute(f"UPDATE {ACTION} SET reminded_at = ? WHERE name IN ({marks})", (stamp, *ids))
            users = ", ".join(sorted({u for t in todos for u in workflow_io.holders(session, t, doctype)}))
            store.log(
                site.db,
                doctype,
                name,
                "Remind",
                "remind",
                state,
                state,
                ADMINISTRATOR,
                stamp,
                comment=f"Overdue since {due:%Y-%m-%d %H:%M}: reminded {users}",
            )
        elif action == "escalate" and step.escalate_to:
            _escalate(session, workflow, doctype, name, todos, step.escalate_to, stamp)
            site.db.execute(f"UPDATE {ACTION} SET escalated_at = ? WHERE name IN ({marks})", (stamp, *ids))
    return actions


def _escalate(session, workflow, doctype: str, name: str, todos: list[dict], role: str, stamp: str) -> None:
    site = session.site
    meta = site.metas.get(doctype)
    row = dict(site.db.fetchone(f"SELECT * FROM {meta.table} WHERE name = ?", (name,)))
    loaded = workflow_io.Loaded(meta, workflow, row, check=lambda source, doc: False)
    base = workflow_io.assignment_base(session, loaded, row, "", role, stamp)
    users = workflow_io.users_with_role(session, role, base["scope_kind"], base["scope_value"], doctype)
    pool = workflow_io.pool_of(base)
    state = todos[0]["workflow_state"]
    reachable = base["scope_kind"] == "township" or base["scope_value"]
    if reachable and pool not in {t["audience"] for t in todos}:  # the role's pool, once per step
        escalated = {**base, "audience": pool, "kind": "todo", "status": "Open", "source": "escalate"}
        store.add_rows(site.db, [{**escalated, "step_id": todos[0]["step_id"]}])
    store.log(
        site.db,
        doctype,
        name,
        f"Escalate to {role}",
        "escalate",
        state,
        state,
        ADMINISTRATOR,
        stamp,
        comment=f"Overdue step escalated to {', '.join(users) or role}",
    )


def _expire_certificates(session, stamp: str) -> int:
    """Issued certificates past their validity move to Expired: termination certificates nobody
    used and birth service certificates (rules.campaign.EXPIRING_CERTIFICATES)."""
    from townflow.rules.campaign import EXPIRING_CERTIFICATES
    from townflow.runtime.workflow import apply_system_move

    site = session.site
    expired = 0
    for doctype in EXPIRING_CERTIFICATES:
        workflow = site.project.workflow_for(doctype)
        if workflow is None or workflow.state(campaign.EXPIRED_STATE) is None:
            continue
        for name in campaign.expired_certificates(site, session.now().date(), doctype):
            apply_system_move(
                session, doctype, name, campaign.EXPIRED_STATE, "Mark Expired", "Certificate validity ended"
            )
            expired += 1
    return expired
