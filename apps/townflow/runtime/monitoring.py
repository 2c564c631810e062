"""Pregnancy monitoring in the embedded runtime: visit and outcome work in the approvers' inbox.

The schedule and the work it makes are `townflow.rules.monitoring` (the same functions the Frappe
app's scheduler calls). This module keeps the open work of each pregnancy record in the inbox's
own table (`tabWorkflow Action`, kind `todo`), so due visits show in 待办 and 已超期 with the
inbox's counts and its permission check:

- a due visit, check or missing outcome is one pooled to-do of the Village Clerk role in the
  record's village (source `monitoring`, state `Visit Due` / `Check Due` / `Outcome Overdue`,
  `due_at` the end of the due day);
- once escalation is due, one more to-do for the Township Clerk pool (source `escalate`);
- recording the visit (or an outcome) closes it: every save of a pregnancy record re-reads its
  schedule and deletes the to-dos it no longer asks for (finished to-dos are deleted, as the
  workflow engine does); a record moved to another village (a migrant handover) takes its open
  work along. New work is opened and escalated by the scheduler only (`tick`), as on Frappe.

Every change is logged in the action log (the record's timeline) and made in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from townflow.rules import monitoring as rules
from townflow.runtime import workflow_store as store
from townflow.runtime.store import timestamp
from townflow.runtime.system_doctypes import ADMINISTRATOR
from townflow.runtime.workflow_store import ACTION

DOCTYPE = rules.DOCTYPE
VISIT_TABLE = f'"tab{rules.VISIT_DOCTYPE}"'
RECORD_TABLE = f'"tab{DOCTYPE}"'
SOURCES = ("monitoring", "escalate")
_RECORD_COLUMNS = (
    "name, person, person_name, village, registered_on, lmp_date, expected_delivery_date, outcome, creation, "
    "modified"
)


def policy(site) -> rules.Policy:
    return rules.Policy.from_settings(site.settings())


def enabled(site) -> bool:
    return site.metas.exists(DOCTYPE) and site.metas.exists(rules.VISIT_DOCTYPE)


def load_records(site, names: Iterable[str] | None = None, *, ongoing_only: bool = True) -> list[dict]:
    """Pregnancy records with their visits (visit_date, visit_type), as the pure rules read them."""
    sql = f"SELECT {_RECORD_COLUMNS} FROM {RECORD_TABLE}"
    params: list[Any] = []
    where = []
    if ongoing_only:
        where.append("outcome = ?")
        params.append(rules.ONGOING)
    if names is not None:
        names = list(names)
        if not names:
            return []
        where.append(f"name IN ({', '.join('?' for _ in names)})")
        params += names
    if where:
        sql += " WHERE " + " AND ".join(where)
    records = {r["name"]: {**dict(r), "visits": []} for r in site.db.fetchall(sql, params)}
    if not records:
        return []
    visit_sql = (
        f"SELECT parent, visit_date, visit_type, signature_image FROM {VISIT_TABLE} WHERE parenttype = ?"
    )
    visit_sql += " AND parentfield = 'visits'"
    visit_params: list[Any] = [DOCTYPE]
    if names is not None:
        visit_sql += f" AND parent IN ({', '.join('?' for _ in records)})"
        visit_params += list(records)
    elif ongoing_only:  # the visits of ongoing pregnancies only, not the whole history
        visit_sql += f" AND parent IN (SELECT name FROM {RECORD_TABLE} WHERE outcome = ?)"
        visit_params.append(rules.ONGOING)
    for visit in site.db.fetchall(visit_sql, visit_params):
        record = records.get(visit["parent"])
        if record is not None:
            record["visits"].append({k: visit[k] for k in ("visit_date", "visit_type", "signature_image")})
    return list(records.values())


def _open_rows(site, names: Iterable[str] | None = None) -> dict[str, list[dict]]:
    sql = f"""SELECT name, reference_name, workflow_state, source, audience, role, scope_value, title, due_at,
              escalated_at FROM {ACTION} WHERE reference_doctype = ? AND kind = 'todo' AND status = 'Open'"""
    params: list[Any] = [DOCTYPE]
    if names is not None:
        names = list(names)
        sql += f" AND reference_name IN ({', '.join('?' for _ in names)})"
        params += names
    found: dict[str, list[dict]] = defaultdict(list)
    for row in site.db.fetchall(sql, params):
        if row["source"] in SOURCES and row["workflow_state"] in rules.STATE_KIND:
            found[row["reference_name"]].append(dict(row))
    return found


def sync(site, now: datetime, names: Iterable[str] | None = None, *, open_new: bool = True) -> dict[str, int]:
    """Bring the open monitoring work of every (or the named) pregnancy record in line with its
    schedule at `now`: open what fell due, escalate what is overdue long enough, close what was
    done; with `open_new` False only close, move and re-date what is already open."""
    done = {"opened": 0, "escalated": 0, "closed": 0, "moved": 0}
    if not enabled(site):
        return done
    today = now.date()
    plan = policy(site)
    stamp = timestamp(now)
    names = list(names) if names is not None else None
    # The whole site's schedule is computed before the write lock is taken (a tick must not hold
    # writers back while it reads every pregnancy); records saved meanwhile are read again inside.
    early = _computed(load_records(site), plan, today) if names is None else {}
    with site.db.transaction():
        open_rows = _open_rows(site, names)
        computed = _recheck(site, early, plan, today) if names is None else {}
        if names is not None:
            computed = _computed(load_records(site, names), plan, today)
        for name, (record, items) in computed.items():
            rows = open_rows.get(name, [])
            if not open_new:
                items = [i for i in items if any(r["workflow_state"] == i.state for r in rows)]
            _reconcile(site, record, items, rows, today, stamp, done)
        for name, rows in open_rows.items():  # an outcome was recorded, or the record is gone
            if name not in computed:
                _reconcile(site, {"name": name}, [], rows, today, stamp, done)
        if names is None:  # the stored schedule columns the incremental tick selects by
            _refresh_schedule(site, [record for record, _ in computed.values()], plan)
            _remember(site, _fingerprint(plan))
    return done


# --- the incremental tick ---------------------------------------------------------------------
#
# `tick` runs every few minutes; reading every ongoing pregnancy each time costs seconds at 100k
# documents. `sync_due` reads only the records something can have happened to since the stored
# schedule was computed (every save recomputes it, `on_record_saved` reconciles at once):
# - work falls due: a record whose stored next visit / check is due within the notice days, or
#   whose expected date (or LMP + 280 days) plus grace has passed, without the open to-do of that
#   kind (the record's schedule columns and the to-dos' reference index answer it);
# - escalation falls due: an open, unescalated monitoring to-do at least `escalate_after_days`
#   calendar days past its due date (working days only come later; the rules decide exactly);
# - work left open on a record that has an outcome now, or is gone.
# A full `sync` runs instead when the monitoring settings (or this module's rules version) differ
# from those of the last full pass: it recomputes every schedule and stores the columns again.

RULES_VERSION = "1"
STATE_TABLE = "__monitoring"


def _fingerprint(plan: rules.Policy) -> str:
    return f"{RULES_VERSION}|{plan!r}"


def _remember(site, fingerprint: str) -> None:
    site.db.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    site.db.execute(
        f"INSERT INTO {STATE_TABLE} (key, value) VALUES ('policy', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (fingerprint,),
    )


def _remembered(site) -> str | None:
    if site.db.fetchone("SELECT 1 FROM sqlite_master WHERE name = ?", (STATE_TABLE,)) is None:
        return None
    row = site.db.fetchone(f"SELECT value FROM {STATE_TABLE} WHERE key = 'policy'")
    return row["value"] if row is not None else None


def _refresh_schedule(site, records: list[dict], plan: rules.Policy) -> int:
    """Store the schedule columns of `records` where they differ from what the rules compute now
    (system-computed, read-only fields: no version, `modified` kept)."""
    meta = site.metas.get(DOCTYPE)
    columns = [c for c in rules.SCHEDULE_FIELDS if c in meta.column_set and c != "unsigned_visits"]
    if not columns or not records:
        return 0
    stored = {}
    names = [r["name"] for r in records]
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        sql = f"SELECT name, {', '.join(columns)} FROM {RECORD_TABLE} WHERE name IN ({marks})"
        stored.update({row["name"]: dict(row) for row in site.db.fetchall(sql, chunk)})
    updates = []
    for record in records:
        values = rules.schedule_fields(record, plan)
        now = stored.get(record["name"])
        if now is not None and any(now[c] != values[c] for c in columns):
            updates.append((*(values[c] for c in columns), record["name"]))
    if updates:
        sets = ", ".join(f"{c} = ?" for c in columns)
        site.db.conn.executemany(f"UPDATE {RECORD_TABLE} SET {sets} WHERE name = ?", updates)
    return len(updates)


def _open_todo(state: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM {ACTION} a WHERE a.reference_name = r.name "
        "AND a.reference_doctype = ? AND a.status = 'Open' AND a.kind = 'todo' AND a.source = 'monitoring' "
        f"AND a.workflow_state = '{state}')"
    )


#: the open monitoring to-dos (a literal, so SQLite matches the partial index below)
_OPEN_HERE = f"reference_doctype = '{DOCTYPE}' AND kind = 'todo' AND status = 'Open'"
#: the open monitoring to-dos by source and due time: what the tick escalates, and what it closes
#: once the record has an outcome; only Pregnancy Record to-dos pay for it on write
_INDEX = f"""CREATE INDEX IF NOT EXISTS workflow_action_monitoring_open
    ON {ACTION} (source, due_at, reference_name) WHERE {_OPEN_HERE}"""


def due_candidates(site, plan: rules.Policy, today: date) -> set[str]:
    """The records whose monitoring work may have changed since their schedule was stored (see
    above): a superset of what changes; `work_items` decides each exactly."""
    db = site.db
    horizon = (today + timedelta(days=plan.notice_days)).isoformat()
    outcome_limit = (today - timedelta(days=plan.outcome_grace_days)).isoformat()
    gestation = f"+{rules.GESTATION_DAYS} days"
    visit, check, outcome = (_open_todo(rules.KIND_STATE[k]) for k in rules.KINDS)
    found = {
        r[0]
        for r in db.fetchall(
            f"""SELECT r.name FROM {RECORD_TABLE} r WHERE r.outcome = ? AND (
                  r.next_visit_due IS NULL OR r.next_check_due IS NULL
                  OR (r.next_visit_due <= ? AND {visit})
                  OR (r.next_check_due <= ? AND {check})
                  OR (coalesce(r.expected_delivery_date, date(r.lmp_date, ?)) <= ? AND {outcome}))""",
            (rules.ONGOING, horizon, DOCTYPE, horizon, DOCTYPE, gestation, outcome_limit, DOCTYPE),
        )
    }
    escalate_by = f"{(today - timedelta(days=plan.escalate_after_days)).isoformat()} 23:59:59.999999"
    found |= {
        r[0]
        for r in db.fetchall(
            f"""SELECT reference_name FROM {ACTION} WHERE {_OPEN_HERE} AND source = 'monitoring'
                AND due_at <= ? AND escalated_at IS NULL""",
            (escalate_by,),
        )
    }
    found |= {
        r[0]
        for r in db.fetchall(
            f"""SELECT a.reference_name FROM {ACTION} a
                LEFT JOIN {RECORD_TABLE} r ON r.name = a.reference_name
                WHERE a.{_OPEN_HERE.replace(" AND ", " AND a.")}
                AND a.source IN ('monitoring', 'escalate') AND (r.name IS NULL OR r.outcome IS NOT ?)""",
            (rules.ONGOING,),
        )
    }
    return found


def sync_due(site, now: datetime) -> dict[str, int]:
    """What `tick` runs: the open monitoring work brought in line with the schedule at `now`, for
    the records something can have happened to (see above); a full `sync` when the monitoring
    settings changed since the last full pass (or on a site that never had one)."""
    done = {"opened": 0, "escalated": 0, "closed": 0, "moved": 0}
    if not enabled(site):
        return done
    plan = policy(site)
    with site.db.transaction():
        site.db.execute(_INDEX)
    if _remembered(site) != _fingerprint(plan):
        return sync(site, now)
    today, stamp = now.date(), timestamp(now)
    with site.db.transaction():
        names = due_candidates(site, plan, today)
        if not names:
            return done
        records = load_records(site, names)
        open_rows = _open_rows(site, names)
        for record in records:
            items = rules.work_items(record, plan, today)
            _reconcile(site, record, items, open_rows.get(record["name"], []), today, stamp, done)
        ongoing = {r["name"] for r in records}
        for name in names - ongoing:  # an outcome was recorded, or the record is gone
            _reconcile(site, {"name": name}, [], open_rows.get(name, []), today, stamp, done)
        _refresh_schedule(site, records, plan)
    return done


def _computed(records: list[dict], plan: rules.Policy, today: date) -> dict[str, tuple[dict, list]]:
    return {r["name"]: (r, rules.work_items(r, plan, today)) for r in records}


def _recheck(site, early: dict, plan: rules.Policy, today: date) -> dict[str, tuple[dict, list]]:
    """Inside the write lock: the ongoing records as they are now — those saved (or added, or
    given an outcome) since `early` was computed are read again."""
    current = {
        r["name"]: r["modified"]
        for r in site.db.fetchall(
            f"SELECT name, modified FROM {RECORD_TABLE} WHERE outcome = ?", (rules.ONGOING,)
        )
    }
    computed = {n: v for n, v in early.items() if n in current and v[0]["modified"] == current[n]}
    stale = [n for n in current if n not in computed]
    computed.update(_computed(load_records(site, stale), plan, today) if stale else {})
    return computed


def _clerk_row(record: dict, item: rules.WorkItem, stamp: str) -> dict[str, Any]:
    village = record.get("village")
    return {
        "reference_doctype": DOCTYPE,
        "reference_name": record["name"],
        "workflow_state": item.state,
        "kind": "todo",
        "status": "Open",
        "user": "",
        "audience": store.pool_audience(rules.CLERK_ROLE, "village", village),
        "role": rules.CLERK_ROLE,
        "source": "monitoring",
        "scope_kind": "village",
        "scope_value": village,
        "title": item.title,
        "creation": stamp,
        "modified": stamp,
        "due_at": due_stamp(item.due),
    }


def due_stamp(due: date) -> str:
    """A due date as the to-do's due time: the end of that day (overdue from the next morning)."""
    return f"{due.isoformat()} 23:59:59.999999"


def _reconcile(site, record: dict, items, rows: list[dict], today: date, stamp: str, done: dict) -> None:
    db = site.db
    name = record["name"]
    wanted = {item.state: item for item in items}
    for row in rows:
        if row["workflow_state"] not in wanted:
            db.execute(f"DELETE FROM {ACTION} WHERE name = ?", (row["name"],))
            if row["source"] == "monitoring":
                done["closed"] += 1
                _log(db, name, "Close", row["workflow_state"], stamp, "Done: no longer due")
    for state, item in wanted.items():
        if not record.get("village"):
            continue  # nobody could reach it (deny by default); a village is mandatory on the record
        clerk = next((r for r in rows if r["workflow_state"] == state and r["source"] == "monitoring"), None)
        fresh = _clerk_row(record, item, stamp)
        if clerk is None:
            store.add_rows(db, [fresh])
            done["opened"] += 1
            _log(db, name, "Open", state, stamp, f"Due {item.due.isoformat()}")
        else:
            keys = ("audience", "scope_value", "due_at", "title")
            changed = {k: fresh[k] for k in keys if clerk[k] != fresh[k]}
            if changed:
                sets = ", ".join(f"{k} = ?" for k in changed)
                params = (*changed.values(), stamp, clerk["name"])
                db.execute(f"UPDATE {ACTION} SET {sets}, modified = ? WHERE name = ?", params)
                if "scope_value" in changed:
                    done["moved"] += 1
        escalated = next((r for r in rows if (r["workflow_state"], r["source"]) == (state, "escalate")), None)
        if item.escalated(today) and escalated is None:
            row = {
                **fresh,
                "audience": store.pool_audience(rules.ESCALATE_ROLE, "township", None),
                "role": rules.ESCALATE_ROLE,
                "source": "escalate",
                "scope_kind": "township",
                "scope_value": None,
                "due_at": due_stamp(item.escalation_due) if item.escalation_due else None,
            }
            store.add_rows(db, [row])
            db.execute(
                f"UPDATE {ACTION} SET escalated_at = ? WHERE reference_doctype = ? AND reference_name = ? "
                "AND workflow_state = ? AND source = 'monitoring' AND status = 'Open'",
                (stamp, DOCTYPE, name, state),
            )
            done["escalated"] += 1
            _log(db, name, f"Escalate to {rules.ESCALATE_ROLE}", state, stamp, item.escalation_note(today))
        elif escalated is not None and item.escalation_due and escalated["due_at"] != fresh["due_at"]:
            db.execute(f"UPDATE {ACTION} SET due_at = ? WHERE name = ?", (fresh["due_at"], escalated["name"]))


def _log(db, name: str, action: str, state: str, stamp: str, comment: str) -> None:
    kind = "escalate" if action.startswith("Escalate") else "remind"
    store.log(db, DOCTYPE, name, action, kind, state, state, ADMINISTRATOR, stamp, comment=comment)


def overdue_list(site, today: date, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The overdue visits, checks and outcomes of the site's records (unscoped: for the scheduler
    and the cross-runtime check; users read theirs through the inbox)."""
    return [row.as_dict() for row in rules.overdue_list(load_records(site, names), policy(site), today)]


def on_record_saved(event) -> None:
    """A visit or an outcome recorded, or the record moved: its work follows at once."""
    site = event.session.site
    sync(site, site.now(), [event.doc["name"]], open_new=False)


def fill_schedule(event) -> None:
    """validate: the record's schedule fields from its visits (read-only: the system fills them)."""
    meta = event.session.site.metas.get(DOCTYPE)
    values = rules.schedule_fields(event.doc, policy(event.session.site))
    event.doc.update({k: v for k, v in values.items() if meta.get_field(k) is not None})


def register(site) -> None:
    if enabled(site):
        site.hooks.register(DOCTYPE, "validate", fill_schedule)
        site.hooks.register(DOCTYPE, "on_update", on_record_saved)


def followups(session, limit: int = 500) -> list[dict[str, Any]]:
    """The user's open monitoring work, soonest due first (the inbox's rows: same scope and
    permission check): record, kind, state, due date (None where it is not shown), escalated."""
    from townflow.runtime import inbox

    page = inbox.inbox(session, tab="todo", doctype=DOCTYPE, limit_page_length=limit)
    rows = [
        {
            "record": row["reference_name"],
            "kind": rules.STATE_KIND[row["workflow_state"]],
            "state": row["workflow_state"],
            "title": row.get("title"),
            "due": row["due_at"][:10] if row.get("due_at") else None,
            "escalated": row.get("source") == "escalate",
            "role": row.get("role"),
        }
        for row in page["items"]
        if row.get("workflow_state") in rules.STATE_KIND
    ]
    return sorted(rows, key=lambda r: (r["due"] or "", r["record"], r["kind"]))
