"""Bulk-load N Subsidy Applications, their Townflow Tasks and their action history into a Frappe
site with care_for_girls installed — in multi-row INSERTs (frappe.db.bulk_insert), no ORM per row.

Run by benchmarks/frappe_county.py inside the bench's Python (as the bench's owner, from the
bench's sites/ folder); repeatable: the rows it wrote before (names `TFLOAD-...`) are deleted
first. Users (a clerk and a head per village, three township approvers, one officer per
department, all with the password given) are made once, in plain INSERTs too.

Each application is walked along the subsidy workflow to a state drawn from a realistic mix; it
gets one action row per step it passed (who acted as the workflow says), a Done task per step
passed and an open pooled task where its state waits on someone (townflow.rules.steps:
Rejected and Draft wait on nobody). The kept counts are rebuilt at the end (triggers are
dropped during the load and recreated by counts.install()).
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import datetime, timedelta

import frappe

DOCTYPE = "Subsidy Application"
PREFIX = "TFLOAD-"
CHUNK = 20_000
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
    for table, column in (
        (f"tab{DOCTYPE}", "name"),
        ("tabTownflow Task", "reference_name"),
        ("tabTownflow Action", "reference_name"),
    ):
        frappe.db.sql(f"delete from `{table}` where `{column}` like %s", (PREFIX + "%",))  # noqa: S608
    frappe.db.commit()


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

    def flush(final: bool = False) -> None:
        for doctype, fields, rows in (
            (DOCTYPE, doc_fields, docs),
            ("Townflow Task", task_fields, tasks),
            ("Townflow Action", action_fields, actions),
        ):
            if rows and (final or len(rows) >= CHUNK):
                frappe.db.bulk_insert(doctype, fields, rows, chunk_size=CHUNK)
                totals[
                    {"Townflow Task": "tasks", "Townflow Action": "actions"}.get(doctype, "documents")
                ] += len(rows)
                rows.clear()
        frappe.db.commit()

    span = 540 * 24 * 3600  # eighteen months of filing
    for i in range(size):
        village = people["villages"][i % len(people["villages"])]
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
                None,
                None,
                kind,
                600,
                routed,
            )
        )
        if len(docs) >= CHUNK:
            flush()
    flush(final=True)
    counts.install()  # the triggers back, and the counts rebuilt from the rows
    counts.rebuild(done_set=True)  # the done set too: the loaded actions went in without triggers
    frappe.db.commit()
    totals["seconds"] = round(time.perf_counter() - started, 1)
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
