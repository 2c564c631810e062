"""Bulk-load N Subsidy Applications, their Townflow Tasks and their action history into a Frappe
site with care_for_girls installed — with LOAD DATA LOCAL INFILE, no ORM and no SQL per row.

Run by benchmarks/frappe_county.py inside the bench's Python (as the bench's owner, from the
bench's sites/ folder); repeatable: the rows it wrote before (names `TFLOAD-...`) are removed
first (TRUNCATE when the tables hold nothing else). Users (a clerk and a head per village, three
township approvers, one officer per department, all with the password given) are made once, in
plain INSERTs too.

Each application is walked along the subsidy workflow to a state drawn from a realistic mix; it
gets one action row per step it passed (who acted as the workflow says), a Done task per step
passed and an open pooled task where its state waits on someone (townflow.rules.steps:
Rejected and Draft wait on nobody).

How it is fast (1M applications + ~3.8M tasks + ~4.3M actions): the three tables' secondary
indexes are dropped for the load and rebuilt at the end in one ALTER per table (a sorted build,
instead of a random B-tree insert per row and index); the counting triggers are dropped for the
load and recreated by counts.install(); rows are written as tab-separated files of CHUNK
applications and loaded with LOAD DATA LOCAL INFILE on a connection of its own, in primary-key
order, in one transaction per chunk (unique and foreign-key checks off in that session). The
kept counts are rebuilt once at the end. Should the load fail, the indexes are put back before
it exits.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta

import frappe

DOCTYPE = "Subsidy Application"
PREFIX = "TFLOAD-"
CHUNK = 50_000  # applications per LOAD DATA transaction
TABLES = (f"tab{DOCTYPE}", "tabTownflow Task", "tabTownflow Action")
#: (state, share): the mix of a county's year-and-a-half of applications
MIX = [
    ("Draft", 0.03),
    ("Pending Village Verification", 0.05),
    ("Pending Township Review", 0.08),
    ("Pending Dept Review", 0.05),
    ("Pending Approval Notice", 0.03),
    ("Approved", 0.40),
    ("Disbursed", 0.24),
    ("Rejected", 0.12),
]
PATH = [
    ("Draft", "Submit", "clerk"),
    ("Pending Village Verification", "Verify", "head"),
    ("Pending Township Review", "Forward", "approver"),
    ("Pending Dept Review", "Approve", "officer"),
    ("Pending Approval Notice", "Issue Notice", "approver"),
    ("Approved", "Record Payment", "finance"),
    ("Disbursed", None, None),
]
KINDS = {
    "Low-income Relief": ("Civil Affairs", "Pending Civil Affairs Review", "Civil Affairs Officer"),
    "One-time Reward": ("Finance", "Pending Finance Review", "Finance Officer"),
}
POOL = {
    "Pending Village Verification": ("Village Head", "village"),
    "Pending Township Review": ("Township Approver", None),
    "Pending Approval Notice": ("Township Approver", None),
    "Approved": ("Finance Officer", "department"),
}


def _action_row(name, step_no, at, user, action, kind, from_state, to_state) -> tuple:
    """One Townflow Action row, in the column order of `action_fields` below."""
    return (
        f"{name}-a{step_no}",
        at,
        at,
        user,
        user,
        0,
        0,
        DOCTYPE,
        name,
        user,
        action,
        kind,
        from_state,
        to_state,
        step_no,
    )


def _user(email: str, roles: list[str], password_hash: str, **scope: str) -> str:
    """A user with roles and User Permissions, in plain INSERTs (the ORM's User takes seconds
    each on a busy machine); the password hash is computed once for all of them."""
    now = frappe.utils.now()
    if not frappe.db.exists("User", email):
        first = email.split("@")[0]
        frappe.db.sql(
            "insert into tabUser (name, email, first_name, full_name, enabled, user_type, creation, "
            "modified, owner, modified_by) values (%s, %s, %s, %s, 1, 'System User', %s, %s, "
            "'Administrator', 'Administrator')",
            (email, email, first, first, now, now),
        )
        for i, role in enumerate(roles, start=1):
            frappe.db.sql(
                "insert into `tabHas Role` (name, parent, parenttype, parentfield, role, idx, creation, "
                "modified, owner, modified_by) values (%s, %s, 'User', 'roles', %s, %s, %s, %s, "
                "'Administrator', 'Administrator')",
                (frappe.generate_hash(length=10), email, role, i, now, now),
            )
        frappe.db.sql(
            "insert into __Auth (doctype, name, fieldname, password, encrypted) values "
            "('User', %s, 'password', %s, 0) on duplicate key update password = values(password)",
            (email, password_hash),
        )
    for allow, value in scope.items():
        wanted = {"user": email, "allow": allow, "for_value": value}
        if not frappe.db.exists("User Permission", wanted):
            frappe.db.sql(
                "insert into `tabUser Permission` (name, user, allow, for_value, apply_to_all_doctypes, "
                "creation, modified, owner, modified_by) values (%s, %s, %s, %s, 1, %s, %s, "
                "'Administrator', 'Administrator')",
                (frappe.generate_hash(length=10), email, allow, value, now, now),
            )
    return email


def _people(password: str) -> dict:
    from frappe.utils.password import passlibctx

    password = passlibctx.hash(password)
    villages = frappe.get_all("Village", pluck="name", order_by="name")
    departments = {d.kind: d.name for d in frappe.get_all("Department", fields=["name", "kind"])}
    people = {"clerk": {}, "head": {}, "approver": [], "officer": {}, "households": {}}
    for i, village in enumerate(villages):
        people["clerk"][village] = _user(
            f"load-clerk-{i:03d}@example.com", ["Village Clerk"], password, Village=village
        )
        people["head"][village] = _user(
            f"load-head-{i:03d}@example.com", ["Village Head"], password, Village=village
        )
    people["approver"] = [
        _user(f"load-approver-{i}@example.com", ["Township Approver"], password) for i in range(3)
    ]
    for kind in ("Civil Affairs", "Finance"):
        role = f"{kind} Officer"
        slug = kind.lower().replace(" ", "-")
        people["officer"][kind] = _user(
            f"load-{slug}@example.com", [role], password, Department=departments[kind]
        )
    people["departments"] = departments
    people["villages"] = villages
    frappe.db.commit()
    frappe.clear_cache()  # roles and User Permissions are cached in redis
    return people


def _drop_old() -> None:
    """Remove an earlier load: TRUNCATE a table holding nothing else, else delete the TFLOAD-
    rows by primary-key range (every row the loader writes is named TFLOAD-...)."""
    for table in TABLES:
        others = frappe.db.sql(
            f"select count(*) from `{table}` where name not like %s",  # noqa: S608
            (PREFIX + "%",),
        )[0][0]
        if not others:
            frappe.db.sql_ddl(f"truncate table `{table}`")
            continue
        while frappe.db.sql(f"select 1 from `{table}` where name like %s limit 1", (PREFIX + "%",)):  # noqa: S608
            frappe.db.sql(f"delete from `{table}` where name like %s limit 50000", (PREFIX + "%",))  # noqa: S608
            frappe.db.commit()
    frappe.db.commit()


def _secondary_indexes(table: str) -> dict[str, str]:
    """{index name: its ADD clause} of the table's indexes other than the primary key."""
    rows = frappe.db.sql(
        "select index_name, non_unique, column_name, sub_part, index_type from information_schema.statistics "
        "where table_schema = database() and table_name = %s and index_name <> 'PRIMARY' "
        "order by index_name, seq_in_index",
        (table,),
    )
    columns: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for index, non_unique, column, sub_part, index_type in rows:
        columns.setdefault(index, []).append(f"`{column}`" + (f"({sub_part})" if sub_part else ""))
        kinds[index] = (
            "fulltext index" if index_type == "FULLTEXT" else "index" if non_unique else "unique index"
        )
    return {index: f"add {kinds[index]} `{index}` ({', '.join(cols)})" for index, cols in columns.items()}


def _saved_indexes() -> str:
    return frappe.get_site_path("tfload-indexes.json")


def _drop_indexes() -> dict[str, dict[str, str]]:
    """Drop the secondary indexes, noting them first in the site folder: a load killed before it
    put them back leaves the note, and the next load restores from it."""
    if os.path.exists(_saved_indexes()):
        with open(_saved_indexes(), encoding="utf-8") as saved:
            _restore_indexes(json.load(saved))
    kept = {table: _secondary_indexes(table) for table in TABLES}
    with open(_saved_indexes(), "w", encoding="utf-8") as note:
        json.dump(kept, note)
    for table, indexes in kept.items():
        if indexes:
            frappe.db.sql_ddl(
                f"alter table `{table}` " + ", ".join(f"drop index `{name}`" for name in indexes)
            )
    return kept


def _restore_indexes(kept: dict[str, dict[str, str]]) -> None:
    """Put back every index _drop_indexes took away (one sorted build per table)."""
    for table, indexes in kept.items():
        missing = [clause for name, clause in indexes.items() if name not in _secondary_indexes(table)]
        if missing:
            frappe.db.sql_ddl(f"alter table `{table}` " + ", ".join(missing))
    if os.path.exists(_saved_indexes()):
        os.remove(_saved_indexes())


def _tsv(value) -> str:
    if value is None:
        return "\\N"
    return str(value)


class _Loader:
    """LOAD DATA LOCAL INFILE on a connection of its own (Frappe's has local_infile off)."""

    def __init__(self, folder: str):
        import pymysql

        settings = frappe.db.get_connection_settings()
        settings.pop("conv", None)
        settings.update(local_infile=True, autocommit=False)
        self.connection = pymysql.connect(**settings)
        self.folder = folder
        with self.connection.cursor() as cursor:
            cursor.execute("set session unique_checks = 0, foreign_key_checks = 0")

    def load(self, tables: list[tuple[str, list[str], list[tuple]]]) -> None:
        """Each (table, columns, rows) in one transaction."""
        with self.connection.cursor() as cursor:
            for table, fields, rows in tables:
                if not rows:
                    continue
                path = os.path.join(self.folder, "rows.tsv")
                with open(path, "w", encoding="utf-8") as out:
                    out.writelines("\t".join(map(_tsv, row)) + "\n" for row in rows)
                columns = ", ".join(f"`{f}`" for f in fields)
                cursor.execute(
                    f"load data local infile %s into table `{table}` character set utf8mb4 "
                    f"fields terminated by '\\t' escaped by '\\\\' lines terminated by '\\n' ({columns})",
                    (path,),
                )
                if cursor.rowcount != len(rows):
                    raise RuntimeError(f"{table}: loaded {cursor.rowcount} of {len(rows)} rows")
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def _state_of(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for state, share in MIX:
        acc += share
        if x < acc:
            return state
    return MIX[-1][0]


def load(size: int, password: str, seed: int = 7) -> dict:
    rng = random.Random(seed)
    started = time.perf_counter()
    people = _people(password)
    from care_for_girls.townflow_ext import counts

    for (trigger,) in frappe.db.sql(
        "select trigger_name from information_schema.triggers "
        "where trigger_schema = database() and trigger_name like 'tf\\_%%'"
    ):
        frappe.db.sql_ddl(f"drop trigger if exists `{trigger}`")
    _drop_old()
    folder = tempfile.mkdtemp(prefix="tfload-")
    loader = _Loader(folder)
    kept = _drop_indexes()
    try:
        totals = _load_rows(size, rng, people, loader)
        loaded = time.perf_counter()
        totals["rows_seconds"] = round(loaded - started, 1)
    finally:
        loader.close()
        for leftover in os.listdir(folder):
            os.remove(os.path.join(folder, leftover))
        os.rmdir(folder)
        _restore_indexes(kept)
    indexed = time.perf_counter()
    totals["index_seconds"] = round(indexed - loaded, 1)
    counts.install(rebuild_counts=False)  # the triggers back
    frappe.db.sql_ddl(f"truncate table `{counts.DONE}`")
    counts.rebuild(done_set=True)  # the done set too: the loaded actions went in without triggers
    frappe.db.commit()
    totals["counts_seconds"] = round(time.perf_counter() - indexed, 1)
    counted = time.perf_counter()
    from care_for_girls.townflow_ext import tallies

    tallies.install(rebuild=True)  # the report tallies: triggers back, rows from the documents
    frappe.db.commit()
    totals["tallies_seconds"] = round(time.perf_counter() - counted, 1)
    tallied = time.perf_counter()
    from care_for_girls.townflow_ext import visits

    visits.install(rebuild=True)  # the step visits: triggers back, rows from the action log
    frappe.db.commit()
    totals["visits_seconds"] = round(time.perf_counter() - tallied, 1)
    totals["seconds"] = round(time.perf_counter() - started, 1)
    return totals


def _load_rows(size: int, rng: random.Random, people: dict, loader: _Loader) -> dict:
    docs, tasks, actions = [], [], []
    totals = {"documents": 0, "tasks": 0, "actions": 0}
    start = datetime(2025, 7, 1, 8, 0)
    doc_fields = [
        "name",
        "creation",
        "modified",
        "modified_by",
        "owner",
        "docstatus",
        "idx",
        "workflow_state",
        "village",
        "household",
        "applicant",
        "benefit_kind",
        "amount",
        "department",
    ]
    task_fields = [
        "name",
        "creation",
        "modified",
        "modified_by",
        "owner",
        "docstatus",
        "idx",
        "reference_doctype",
        "reference_name",
        "user",
        "role",
        "scope_kind",
        "scope_value",
        "source",
        "kind",
        "status",
        "state",
        "due",
    ]
    action_fields = [
        "name",
        "creation",
        "modified",
        "modified_by",
        "owner",
        "docstatus",
        "idx",
        "reference_doctype",
        "reference_name",
        "user",
        "action",
        "kind",
        "from_state",
        "to_state",
        "step_round",
    ]

    def flush() -> None:
        loader.load(
            [
                (f"tab{DOCTYPE}", doc_fields, docs),
                ("tabTownflow Task", task_fields, tasks),
                ("tabTownflow Action", action_fields, actions),
            ]
        )
        totals["documents"] += len(docs)
        totals["tasks"] += len(tasks)
        totals["actions"] += len(actions)
        for rows in (docs, tasks, actions):
            rows.clear()

    span = 540 * 24 * 3600  # eighteen months of filing
    households = max(1, size // (3 * len(people["villages"])))
    for i in range(size):
        village_no = i % len(people["villages"])
        village = people["villages"][village_no]
        # about three applications per household over the eighteen months
        household = f"{PREFIX}H{village_no:03d}-{rng.randrange(households):06d}"
        kind = "Low-income Relief" if rng.random() < 0.5 else "One-time Reward"
        dept_kind, dept_state, dept_role = KINDS[kind]
        department = people["departments"][dept_kind]
        target = _state_of(rng)
        rejected_at = None
        if target == "Rejected":
            rejected_at = rng.choice(
                ["Pending Village Verification", "Pending Township Review", "Pending Dept Review"]
            )
        name = f"{PREFIX}{i:08d}"
        at = start + timedelta(seconds=rng.randrange(span))
        clerk, head = people["clerk"][village], people["head"][village]
        who = {
            "clerk": clerk,
            "head": head,
            "officer": people["officer"][dept_kind],
            "finance": people["officer"]["Finance"],
        }
        step_no, state, routed = 0, "Draft", None
        stop = rejected_at or target
        for from_state, action, actor in PATH:
            if from_state == stop or action is None:
                break
            at += timedelta(hours=rng.randrange(1, 72))
            next_state = PATH[step_no + 1][0]
            user = rng.choice(people["approver"]) if actor == "approver" else who[actor]
            actual_from = dept_state if from_state == "Pending Dept Review" else from_state
            actual_to = dept_state if next_state == "Pending Dept Review" else next_state
            step_no += 1
            actions.append(_action_row(name, step_no, at, user, action, "transition", actual_from, actual_to))
            pool_role, scope = (
                POOL.get(from_state, (None, None))
                if from_state != "Pending Dept Review"
                else (dept_role, "department")
            )
            if pool_role:
                value = village if scope == "village" else department if scope == "department" else None
                tasks.append(
                    (
                        f"{name}-t{step_no}",
                        at,
                        at,
                        user,
                        "Administrator",
                        0,
                        0,
                        DOCTYPE,
                        name,
                        None,
                        pool_role,
                        scope or "township",
                        value,
                        "step",
                        "Approval",
                        "Done",
                        actual_from,
                        None,
                    )
                )
            state = actual_to
            if from_state == "Pending Township Review":
                routed = department
        if rejected_at:
            at += timedelta(hours=rng.randrange(1, 72))
            step_no += 1
            user = {"Pending Village Verification": head, "Pending Dept Review": who["officer"]}.get(
                rejected_at, rng.choice(people["approver"])
            )
            actions.append(_action_row(name, step_no, at, user, "Reject", "reject", state, "Rejected"))
            state = "Rejected"
        else:
            waiting = POOL.get(target) or (
                (dept_role, "department") if target == "Pending Dept Review" else None
            )
            if waiting:
                role, scope = waiting
                value = village if scope == "village" else department if scope == "department" else None
                due = at + timedelta(hours=240)
                tasks.append(
                    (
                        f"{name}-t{step_no + 1}",
                        at,
                        at,
                        "Administrator",
                        "Administrator",
                        0,
                        0,
                        DOCTYPE,
                        name,
                        None,
                        role,
                        scope or "township",
                        value,
                        "step",
                        "Approval",
                        "Open",
                        state,
                        due,
                    )
                )
        docstatus = 1 if state in ("Approved", "Disbursed") else 0
        docs.append(
            (
                name,
                at - timedelta(hours=1),
                at,
                clerk,
                clerk,
                docstatus,
                0,
                state,
                village,
                household,
                None,
                kind,
                600,
                routed,
            )
        )
        if len(docs) >= CHUNK:
            flush()
    flush()
    return totals


if __name__ == "__main__":
    request = json.load(sys.stdin)
    frappe.init(site=request["site"], sites_path=".")
    frappe.connect()
    try:
        frappe.set_user("Administrator")
        print("RESULT" + json.dumps(load(int(request["size"]), request["password"])))
    finally:
        frappe.destroy()
