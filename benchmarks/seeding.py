"""Seeding a benchmark site with N Subsidy Applications quickly, and realistically enough.

One household, person and application are created through the real API (so they pass every
validation rule); the N documents are clones of them written with executemany in one
transaction, with the workflow engine's rows (to-dos, done rows, one log row each) beside them,
as the engine would have left them. The count triggers are dropped while seeding and the count
table is rebuilt once at the end (what `workflow_store.create_tables` does for an old site).

States (by document number mod 10): 0 waits for its village head, 1 for the township approvers,
2 for the health office, the rest are Disbursed. One pending document in a hundred is overdue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from townflow.demodata.people import households_for_village
from townflow.runtime import workflow_store
from townflow.runtime.clock import SteppingClock as Clock  # bench_*.py call it seeding.Clock
from townflow.runtime.db import quote
from townflow.runtime.site import Site
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[1]
DOCTYPE = "Subsidy Application"
START = datetime(2025, 1, 1, 8, 0)
HOUSEHOLDS_PER_VILLAGE = 20
APPROVERS = ("approver.1", "approver.2", "approver.3")
TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"


def open_site(folder: Path, clock: Clock) -> Site:
    return Site.open(folder, load_project(ROOT), admin_password="bench", now=clock)


def villages(site: Site) -> list[str]:
    return [r[0] for r in site.db.fetchall('SELECT name FROM "tabVillage" ORDER BY name')]


def create_users(site: Site, village_names: list[str]) -> None:
    admin = site.session("Administrator")
    people: list[tuple[str, str, str | None, str | None]] = []
    for i, village in enumerate(village_names):
        people += [
            (f"clerk.{i}", "Village Clerk", "Village", village),
            (f"head.{i}", "Village Head", "Village", village),
        ]
    people += [(a, "Township Approver", None, None) for a in APPROVERS]
    people += [("health.1", "Health Officer", "Department", "卫生办")]
    with site.transaction():
        for user, role, allow, value in people:
            admin.insert({"doctype": "User", "email": user, "full_name": user, "roles": [{"role": role}]})
            if allow:
                admin.insert({"doctype": "User Permission", "user": user, "allow": allow, "for_value": value})


def _template(site: Site, village: str) -> tuple[dict, dict, dict]:
    clerk = site.session("clerk.0")
    household = clerk.insert(
        {
            "doctype": "Household",
            "village": village,
            "head_name": "张建国",
            "residence_type": "Rural",
            "address": "一组",
            "household_type": "One-girl",
            "is_girl_household": 1,
            "number_of_children": 1,
            "number_of_daughters": 1,
            "income_status": "Normal",
        }
    )
    person = clerk.insert(
        {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "李秀英",
            "gender": "Female",
            "date_of_birth": "1990-05-04",
            "relationship": "Head",
        }
    )
    clerk.insert(  # the household's type is derived from the members registered as children
        {
            "doctype": "Person",
            "household": household["name"],
            "full_name": "张小雨",
            "gender": "Female",
            "date_of_birth": "2015-03-01",
            "relationship": "Daughter",
        }
    )
    app = clerk.insert(
        {
            "doctype": DOCTYPE,
            "household": household["name"],
            "applicant": person["name"],
            "benefit_kind": "Fee Waiver",
            "amount": 50,
            "registration_fee": 20,
            "treatment_fees": 500,
            "hospital_name": "县人民医院",
            "treatment_date": "2024-12-20",
        }
    )
    return (
        dict(site.db.fetchone('SELECT * FROM "tabHousehold" WHERE name = ?', (household["name"],))),
        dict(site.db.fetchone('SELECT * FROM "tabPerson" WHERE name = ?', (person["name"],))),
        dict(site.db.fetchone('SELECT * FROM "tabSubsidy Application" WHERE name = ?', (app["name"],))),
    )


def _insert(site: Site, table: str, rows: list[dict]) -> None:
    if rows:
        columns = list(rows[0])
        site.db.conn.executemany(
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - quoted seed columns
            f"VALUES ({', '.join('?' for _ in columns)})",
            [tuple(r[c] for c in columns) for r in rows],
        )


def _stamp(moment: datetime) -> str:
    return moment.strftime(TIMESTAMP)


def seed(site: Site, size: int) -> dict[str, int]:
    """N applications with their engine rows; returns how many wait at each step."""
    names = villages(site)
    create_users(site, names)
    household, person, app = _template(site, names[0])
    db = site.db
    for trigger in ("insert", "delete", "update"):
        db.execute(f"DROP TRIGGER IF EXISTS workflow_action_count_{trigger}")
    db.execute(f"DROP TABLE IF EXISTS {workflow_store.COUNT}")
    waiting = {"village": 0, "township": 0, "health": 0, "done": 0}
    with site.transaction():
        households, persons = [], []
        for v, village in enumerate(names):
            # the demo's generators (townflow.demodata.people): Chinese names, valid ID numbers
            families = households_for_village(v + 1, HOUSEHOLDS_PER_VILLAGE)
            for k, family in enumerate(families):
                hh = f"BH-{v:02d}-{k:04d}"
                head = family.members[0]
                households.append({**household, "name": hh, "village": village, "head_name": head.full_name})
                persons.append(
                    {
                        **person,
                        "name": f"BP-{v:02d}-{k:04d}",
                        "household": hh,
                        "village": village,
                        "full_name": head.full_name,
                        "gender": head.gender,
                        "date_of_birth": head.date_of_birth.isoformat(),
                        "id_number": head.id_number,
                    }
                )
        _insert(site, "tabHousehold", households)
        _insert(site, "tabPerson", persons)
        batch = 20_000
        for first in range(0, size, batch):
            docs, actions, logs = [], [], []
            for i in range(first, min(size, first + batch)):
                _clone(i, names, app, docs, actions, logs, waiting)
            _insert(site, f"tab{DOCTYPE}", docs)
            _insert(site, "tabWorkflow Action Log", logs)
            workflow_store.add_rows(db, actions)
        workflow_store.create_tables(db)  # triggers back, counts rebuilt from the rows
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a live site checkpoints; the seed's WAL is not the test
    # the site's clock moves on past the newest seeded document, as a live site's would be: a
    # transition then stamps `modified` from the clock, not from a bump past a future timestamp
    site.now.advance(seconds=size + 60)
    return waiting


def _clone(i, names, app, docs, actions, logs, waiting) -> None:
    v = i % len(names)
    village, k = names[v], (i // len(names)) % HOUSEHOLDS_PER_VILLAGE
    created = START + timedelta(seconds=i)
    stamp = _stamp(created)
    slot = i % 10
    state = {0: "Pending Village Verification", 1: "Pending Township Review", 2: "Pending Health Review"}.get(
        slot, "Disbursed"
    )
    name = f"BSA-{i:08d}"
    docs.append(
        {
            **app,
            "name": name,
            "owner": f"clerk.{v}",
            "modified_by": f"clerk.{v}",
            "creation": stamp,
            "modified": stamp,
            "village": village,
            "household": f"BH-{v:02d}-{k:04d}",
            "applicant": f"BP-{v:02d}-{k:04d}",
            "workflow_state": state,
            "department": "卫生办" if slot != 0 and slot != 1 else None,
            "docstatus": 1 if state == "Disbursed" else 0,
        }
    )
    log_id = i + 1
    logs.append(
        {
            "name": log_id,
            "reference_doctype": DOCTYPE,
            "reference_name": name,
            "action": "Submit",
            "kind": "transition",
            "from_state": "Draft",
            "to_state": "Pending Village Verification",
            "user": f"clerk.{v}",
            "role": "Village Clerk",
            "comment": None,
            "creation": stamp,
        }
    )
    # one pending document in a hundred is past its due time
    due = _stamp(created + (timedelta(days=-1) if (i // 10) % 100 == 0 else timedelta(days=3650)))
    base = {
        "reference_doctype": DOCTYPE,
        "reference_name": name,
        "workflow_state": state,
        "title": "张建国",
        "creation": stamp,
        "modified": stamp,
        "step_id": log_id,
    }
    done = [(f"clerk.{v}", "Village Clerk", "village", village)]
    pending = {
        0: ("Village Head", "village", village),
        1: ("Township Approver", "township", None),
        2: ("Health Officer", "department", "卫生办"),
    }.get(slot)
    if pending is not None:  # an any-one step waits on the pool of its role in the document's scope
        role, kind, value = pending
        waiting[{0: "village", 1: "township", 2: "health"}[slot]] += 1
        actions.append(
            {
                **base,
                "kind": "todo",
                "status": "Open",
                "user": "",
                "audience": workflow_store.pool_audience(role, kind, value),
                "role": role,
                "scope_kind": kind,
                "scope_value": value,
                "due_at": due,
            }
        )
    else:
        waiting["done"] += 1
    if slot >= 2:
        done.append((APPROVERS[i % 3], "Township Approver", "township", None))
    for user, role, kind, value in done:
        actions.append(
            {
                **base,
                "kind": "done",
                "status": "Completed",
                "user": user,
                "role": role,
                "scope_kind": kind,
                "scope_value": value,
            }
        )
