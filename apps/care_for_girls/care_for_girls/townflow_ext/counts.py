"""Counts kept in summary tables, in the same transaction as each change (MariaDB triggers).

At a million documents, counting ranges on every inbox call and every township-wide get_count
is what made them slow (an approver's done count, a COUNT(DISTINCT) over their 5.1M action rows:
10-11 s; a township-wide count: 300 ms). The embedded runtime keeps its inbox counts in a table
maintained by SQLite triggers (townflow.runtime.workflow_store); the app does the same on MariaDB:

- `tabTownflow Inbox Count` (audience, reference_doctype, kind, n): open approval tasks ("todo")
  and CC rows ("cc") per audience — a user, or a pool `pool<US>role<US>scope value` — and the
  documents a user acted on ("done");
- `tabTownflow Done` (user, reference_doctype, reference_name): the documents each user acted
  on, one row each, so "done" is counted once per document without COUNT(DISTINCT);
- `tabTownflow Document Count` (reference_doctype, village, state, n): documents of each
  workflow DocType per village and state, for township-wide counts.

Triggers on Townflow Task, Townflow Action and each workflow DocType's table keep them, so every
writer (the ORM, frappe.db.set_value, a bulk load, after_migrate) counts in its own transaction.
after_migrate creates the tables and (re)creates the triggers, then rebuilds the counts from the
rows (the done set only when its table is new). No DocType: they are the app's own tables.
"""

from __future__ import annotations

import hashlib
from typing import Any

import frappe

from care_for_girls.townflow_ext import spec

TASK, ACTION = "tabTownflow Task", "tabTownflow Action"
INBOX, DONE, DOCS = "tabTownflow Inbox Count", "tabTownflow Done", "tabTownflow Document Count"
POOL_SEP = "\x1f"  # in neither roles nor scope values

_TABLES = {
    INBOX: """create table if not exists `{t}` (
        audience varchar(300) not null, reference_doctype varchar(140) not null,
        kind varchar(8) not null, n bigint not null default 0,
        primary key (audience, reference_doctype, kind)) engine=InnoDB""",
    DONE: """create table if not exists `{t}` (
        user varchar(140) not null, reference_doctype varchar(140) not null,
        reference_name varchar(140) not null,
        primary key (user, reference_doctype, reference_name)) engine=InnoDB""",
    DOCS: """create table if not exists `{t}` (
        reference_doctype varchar(140) not null, village varchar(140) not null,
        state varchar(140) not null, n bigint not null default 0,
        primary key (reference_doctype, village, state)) engine=InnoDB""",
}


def pool_audience(role: str, scope_value: str | None) -> str:
    return f"pool{POOL_SEP}{role}{POOL_SEP}{scope_value or ''}"


def _audience_sql(row: str) -> str:
    return (
        f"if(ifnull({row}.user, '') <> '', {row}.user, "
        f"concat('pool', char(31), ifnull({row}.role, ''), char(31), ifnull({row}.scope_value, '')))"
    )


def _bump(kind: str, row: str, delta: int) -> str:
    return (
        f"insert into `{INBOX}` (audience, reference_doctype, kind, n) values "
        f"({_audience_sql(row)}, {row}.reference_doctype, '{kind}', {delta}) "
        f"on duplicate key update n = n + ({delta});"
    )


def _task_triggers() -> dict[str, str]:
    todo = "{r}.kind = 'Approval' and {r}.status = 'Open'"
    cc = "{r}.kind = 'CC'"

    def add(r: str, delta: int) -> str:
        return (
            f"if {todo.format(r=r)} then {_bump('todo', r, delta)} end if; "
            f"if {cc.format(r=r)} then {_bump('cc', r, delta)} end if;"
        )

    return {
        "tf_task_count_ins": f"after insert on `{TASK}` for each row begin {add('NEW', 1)} end",
        "tf_task_count_upd": (
            f"after update on `{TASK}` for each row begin {add('OLD', -1)} {add('NEW', 1)} end"
        ),
        "tf_task_count_del": f"after delete on `{TASK}` for each row begin {add('OLD', -1)} end",
    }


def _action_triggers() -> dict[str, str]:
    body = (
        f"if NEW.kind <> 'comment' and ifnull(NEW.user, '') <> '' then "
        f"insert ignore into `{DONE}` (user, reference_doctype, reference_name) "
        f"values (NEW.user, NEW.reference_doctype, NEW.reference_name); "
        f"if row_count() > 0 then insert into `{INBOX}` (audience, reference_doctype, kind, n) "
        f"values (NEW.user, NEW.reference_doctype, 'done', 1) on duplicate key update n = n + 1; end if; "
        f"end if;"
    )
    return {"tf_action_done_ins": f"after insert on `{ACTION}` for each row begin {body} end"}


def counted_doctypes() -> dict[str, tuple[str, str]]:
    """Workflow DocTypes with a Village link: {name: (village field, state field)}."""
    found = {}
    for name in spec.doctype_names():
        workflow, village = spec.workflow(name), spec.scope_field(name, "village")
        if workflow is not None and village and village != "name":
            found[name] = (village, workflow.workflow_state_field)
    return found


def _document_triggers(name: str, village: str, state: str) -> dict[str, str]:
    slug = hashlib.sha256(name.encode()).hexdigest()[:10]

    def bump(r: str, delta: int) -> str:
        return (
            f"insert into `{DOCS}` (reference_doctype, village, state, n) values "
            f"({frappe.db.escape(name)}, ifnull({r}.`{village}`, ''), ifnull({r}.`{state}`, ''), {delta}) "
            f"on duplicate key update n = n + ({delta});"
        )

    table = f"tab{name}"
    return {
        f"tf_doc_{slug}_ins": f"after insert on `{table}` for each row begin {bump('NEW', 1)} end",
        f"tf_doc_{slug}_upd": (
            f"after update on `{table}` for each row begin "
            f"if not (OLD.`{village}` <=> NEW.`{village}` and OLD.`{state}` <=> NEW.`{state}`) then "
            f"{bump('OLD', -1)} {bump('NEW', 1)} end if; end"
        ),
        f"tf_doc_{slug}_del": f"after delete on `{table}` for each row begin {bump('OLD', -1)} end",
    }


def install(rebuild_counts: bool = True) -> None:
    """Create the tables, (re)create the triggers, rebuild the counts (after_install/migrate;
    a bulk load rebuilds them itself once its rows are in)."""
    if not (frappe.db.table_exists("Townflow Task") and frappe.db.table_exists("Townflow Action")):
        return  # DocTypes not synced yet: the next migrate comes back here
    new_done = not frappe.db.sql("show tables like %s", (DONE,))
    for table, ddl in _TABLES.items():
        frappe.db.sql_ddl(ddl.format(t=table))
    triggers = {**_task_triggers(), **_action_triggers()}
    for name, (village, state) in counted_doctypes().items():
        if frappe.db.table_exists(name) and {village, state} <= set(frappe.db.get_table_columns(name)):
            triggers.update(_document_triggers(name, village, state))
    for trigger, body in triggers.items():
        frappe.db.sql_ddl(f"drop trigger if exists `{trigger}`")
        frappe.db.sql_ddl(f"create trigger `{trigger}` {body}")
    if rebuild_counts:
        rebuild(done_set=new_done)


def rebuild(done_set: bool = False) -> None:
    """Counts from the rows (and the done set from the action log when `done_set`)."""
    if done_set:
        frappe.db.sql(f"delete from `{DONE}`")
        frappe.db.sql(
            f"insert ignore into `{DONE}` (user, reference_doctype, reference_name) "
            f"select user, reference_doctype, reference_name from `{ACTION}` "
            f"where kind <> 'comment' and ifnull(user, '') <> ''"
        )
    frappe.db.sql(f"delete from `{INBOX}`")
    frappe.db.sql(
        f"insert into `{INBOX}` (audience, reference_doctype, kind, n) "
        f"select {_audience_sql('t')}, t.reference_doctype, if(t.kind = 'CC', 'cc', 'todo'), count(*) "
        f"from `{TASK}` t where (t.kind = 'Approval' and t.status = 'Open') or t.kind = 'CC' "
        f"group by 1, 2, 3"
    )
    frappe.db.sql(
        f"insert into `{INBOX}` (audience, reference_doctype, kind, n) "
        f"select user, reference_doctype, 'done', count(*) from `{DONE}` group by 1, 2"
    )
    frappe.db.sql(f"delete from `{DOCS}`")
    for name, (village, state) in counted_doctypes().items():
        if not frappe.db.table_exists(name):
            continue
        frappe.db.sql(
            f"insert into `{DOCS}` (reference_doctype, village, state, n) "
            f"select %s, ifnull(`{village}`, ''), ifnull(`{state}`, ''), count(*) "
            f"from `tab{name}` group by 2, 3",
            (name,),
        )


def inbox_count(kind: str, audiences: list[tuple[str, str | None]], doctype: str | None) -> int:
    """Sum of the kept counts of `kind` over (audience, only this DocType or None) pairs."""
    if not audiences:
        return 0
    terms, values = [], [kind]
    for audience, only in audiences:
        if only is None:
            terms.append("audience = %s")
            values.append(audience)
        else:
            terms.append("(audience = %s and reference_doctype = %s)")
            values += [audience, only]
    where = f"kind = %s and ({' or '.join(terms)})"
    if doctype:
        where += " and reference_doctype = %s"
        values.append(doctype)
    result = frappe.db.sql(f"select coalesce(sum(n), 0) from `{INBOX}` where {where}", values)
    return int(result[0][0] or 0)


def document_count(doctype: str, filters: Any) -> int | None:
    """A township-wide count of `doctype` from the kept counts, when `filters` only name its
    state and village (`=` or `in`); None otherwise (count the rows then)."""
    fields = counted_doctypes().get(doctype)
    if fields is None:
        return None
    village, state = fields
    columns = {village: "village", state: "state"}
    where, values = ["reference_doctype = %s"], [doctype]
    for condition in _conditions(filters, doctype):
        if condition is None:
            return None
        field, op, value = condition
        column = columns.get(field)
        if column is None or op not in ("=", "in"):
            return None
        options = list(value) if op == "in" else [value]
        if not options or any(not isinstance(v, str) for v in options):
            return None
        where.append(f"{column} in ({', '.join(['%s'] * len(options))})")
        values += options
    sql = f"select coalesce(sum(n), 0) from `{DOCS}` where {' and '.join(where)}"
    return int(frappe.db.sql(sql, values)[0][0] or 0)


def _conditions(filters: Any, doctype: str) -> list[tuple[str, str, Any] | None]:
    """(field, op, value) per filter; None for one this count cannot read."""
    if not filters:
        return []
    if isinstance(filters, dict):
        out = []
        for field, value in filters.items():
            if isinstance(value, list | tuple) and len(value) == 2:
                out.append((field, str(value[0]).lower(), value[1]))
            else:
                out.append((field, "=", value))
        return out
    out = []
    for item in filters if isinstance(filters, list) else [None]:
        if isinstance(item, list | tuple) and len(item) in (3, 4):
            if len(item) == 4 and item[0] != doctype:
                out.append(None)
                continue
            field, op, value = item[-3:]
            out.append((field, str(op).lower(), value))
        else:
            out.append(None)
    return out
