"""The workflow engine's two tables: step assignments (`tabWorkflow Action`) and the action log.

`tabWorkflow Action` keeps Frappe's name and columns (reference_doctype, reference_name,
workflow_state, status Open/Completed, user, completed_by, completed_by_role) so a Frappe
developer recognises it, plus what the inbox needs: `kind` (todo: waiting to be acted on; cc: sent
for information; done: this user acted on the document — one row per user and document, kept up
to date), the step it belongs to, the due time, and the document's scope (the role it was
assigned through, the scope kind and value) so that counts can apply the permission check in
the index itself instead of touching a million documents.

Who a row is for (`audience`):
- a user: their name (`user` holds it too). Done and CC rows, countersign (会签) to-dos — each
  signer is named when the step opens —, the applicant's own to-do, a delegated to-do;
- a pool: everyone who holds `role` and reaches the document's scope (`pool_audience`), `user`
  empty. An any-one (或签) step opens one pooled to-do per role instead of one per approver, as
  Frappe's Workflow Action does with its permitted roles: whoever in the pool acts first turns
  it into their done row. Holders are resolved when the inbox is read, so an approver who gets
  the role later finds the waiting documents there, and one who loses it stops seeing them.
  A township step with three approvers writes one row, not three: ~10 fewer pages per transition.

Why these indexes:
- `(audience, kind, status, modified)` plus scope columns: every inbox tab is one range of it per
  audience the user belongs to (themselves and their pools), newest first, merged; counts are
  counted from the count table, kept by triggers;
- `(due_at, audience, scope columns)` over open to-dos only: the overdue tab and what `tick` scans
  (a partial index: done and CC rows never touch it, and new to-dos, due in the future, land on
  its last page together). A user's overdue count walks only what is overdue now, for everyone;
- finished to-dos are deleted, not kept as Completed: the log says who acted, and each write of a
  transition touches fewer index pages (every page touched is 4 KB more to fsync);
- `(reference_name, reference_doctype, status)`: Frappe's own index, for "who must act on this";
  it also finds a user's done row (a document has a handful of rows), so the done row needs no
  index of its own — one index fewer to write on every transition;
- the acting user's to-do (their own or their pool's) becomes their done row in place (one
  UPDATE, no DELETE + INSERT): the table page and the reference index entry stay where they are.

`tabWorkflow Action Log` is append-only: one row per thing that happened (transition, countersign
vote, return, withdraw, delegate, comment, remind, escalate) with who, when, from, to and comment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from townflow.rules.steps import STATE_CHANGES, ActionEntry
from townflow.runtime.db import Database

ACTION = '"tabWorkflow Action"'
LOG = '"tabWorkflow Action Log"'
COUNT = '"tabWorkflow Action Count"'
_GROUP = "audience, kind, status, scope_kind, scope_value, role"
_NEW = "NEW.audience, NEW.kind, NEW.status, NEW.scope_kind, ifnull(NEW.scope_value, ''), ifnull(NEW.role, '')"
_OLD_MATCH = (
    "audience = OLD.audience AND kind = OLD.kind AND status = OLD.status AND scope_kind = OLD.scope_kind "
    "AND scope_value = ifnull(OLD.scope_value, '') AND role = ifnull(OLD.role, '')"
)

SCHEMA = [
    f"""CREATE TABLE IF NOT EXISTS {ACTION} (
        name INTEGER PRIMARY KEY,
        reference_doctype TEXT NOT NULL,
        reference_name TEXT NOT NULL,
        workflow_state TEXT NOT NULL,
        step_id INTEGER NOT NULL DEFAULT 0,
        kind TEXT NOT NULL CHECK (kind IN ('todo', 'cc', 'done')),
        status TEXT NOT NULL CHECK (status IN ('Open', 'Completed', 'Delegated', 'Cancelled')),
        user TEXT NOT NULL,
        audience TEXT NOT NULL,
        role TEXT,
        source TEXT NOT NULL DEFAULT 'step',
        scope_kind TEXT NOT NULL DEFAULT 'township',
        scope_value TEXT,
        title TEXT,
        creation TEXT NOT NULL,
        modified TEXT NOT NULL,
        due_at TEXT,
        reminded_at TEXT,
        escalated_at TEXT,
        completed_by TEXT,
        completed_by_role TEXT
    )""",
    f"""CREATE INDEX IF NOT EXISTS workflow_action_audience ON {ACTION}
        (audience, kind, status, modified, scope_kind, scope_value, role)""",
    f"""CREATE INDEX IF NOT EXISTS workflow_action_due_open ON {ACTION}
        (due_at, audience, scope_kind, scope_value, role) WHERE kind = 'todo' AND status = 'Open'""",
    # the overdue tab and count per user: each of the user's audiences' open to-dos by due time
    # (a township with thousands of overdue visits no longer walks them all for each clerk)
    f"""CREATE INDEX IF NOT EXISTS workflow_action_audience_due ON {ACTION}
        (audience, due_at, reference_doctype, scope_kind, scope_value, role)
        WHERE kind = 'todo' AND status = 'Open'""",
    f"""CREATE INDEX IF NOT EXISTS workflow_action_reference ON {ACTION}
        (reference_name, reference_doctype, status)""",
    # Inbox counts without counting: one row per (audience, tab, scope, role) group, kept exact by
    # triggers in the same transaction as the change; a count sums the few groups the user may see.
    f"""CREATE TABLE IF NOT EXISTS {COUNT} (
        audience TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, scope_kind TEXT NOT NULL,
        scope_value TEXT NOT NULL, role TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (audience, kind, status, scope_kind, scope_value, role)
    ) WITHOUT ROWID""",
    f"""CREATE TRIGGER IF NOT EXISTS workflow_action_count_insert AFTER INSERT ON {ACTION} BEGIN
        INSERT INTO {COUNT} ({_GROUP}, n) VALUES ({_NEW}, 1)
        ON CONFLICT ({_GROUP}) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS workflow_action_count_delete AFTER DELETE ON {ACTION} BEGIN
        UPDATE {COUNT} SET n = n - 1 WHERE {_OLD_MATCH};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS workflow_action_count_update
        AFTER UPDATE OF audience, kind, status, scope_kind, scope_value, role ON {ACTION} BEGIN
        UPDATE {COUNT} SET n = n - 1 WHERE {_OLD_MATCH};
        INSERT INTO {COUNT} ({_GROUP}, n) VALUES ({_NEW}, 1)
        ON CONFLICT ({_GROUP}) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TABLE IF NOT EXISTS {LOG} (
        name INTEGER PRIMARY KEY,
        reference_doctype TEXT NOT NULL,
        reference_name TEXT NOT NULL,
        action TEXT NOT NULL,
        kind TEXT NOT NULL,
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL,
        user TEXT NOT NULL,
        role TEXT,
        comment TEXT,
        creation TEXT NOT NULL
    )""",
    f"""CREATE INDEX IF NOT EXISTS workflow_action_log_reference ON {LOG}
        (reference_doctype, reference_name, name)""",
]

ACTION_COLUMNS = (
    "reference_doctype",
    "reference_name",
    "workflow_state",
    "step_id",
    "kind",
    "status",
    "user",
    "audience",
    "role",
    "source",
    "scope_kind",
    "scope_value",
    "title",
    "creation",
    "modified",
    "due_at",
)


def create_tables(db: Database) -> None:
    """Create what is missing, and bring an older site's tables to this shape: a site from before
    pooled to-dos gets its `audience` column (each row's user) and a count table keyed by it,
    rebuilt from its rows, all in the caller's transaction."""
    _add_audience(db)
    had_counts = db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'tabWorkflow Action Count'")
    for superseded in _SUPERSEDED_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {superseded}")
    for statement in SCHEMA:
        db.execute(statement)
    if not had_counts:
        db.execute(
            f"""INSERT INTO {COUNT} ({_GROUP}, n) SELECT audience, kind, status, scope_kind,
                ifnull(scope_value, ''), ifnull(role, ''), count(*) FROM {ACTION} GROUP BY 1, 2, 3, 4, 5, 6"""
        )


# replaced by workflow_action_due_open and workflow_action_audience; done rows by the reference index
_SUPERSEDED_INDEXES = (
    "workflow_action_done",
    "workflow_action_overdue",
    "workflow_action_overdue_scope",
    "workflow_action_overdue_open",
    "workflow_action_due",
    "workflow_action_inbox",
    "workflow_action_open_due",
)


def _columns(db: Database, table: str) -> set[str]:
    return {r["name"] for r in db.fetchall(f"PRAGMA table_info({table})")}


def _add_audience(db: Database) -> None:
    have = _columns(db, ACTION)
    if have and "audience" not in have:
        db.execute(f"ALTER TABLE {ACTION} ADD COLUMN audience TEXT NOT NULL DEFAULT ''")
        db.execute(f"UPDATE {ACTION} SET audience = user")
    counts = _columns(db, COUNT)
    if counts and "audience" not in counts:  # keyed by user: rebuilt below, with its triggers
        for trigger in ("insert", "delete", "update"):
            db.execute(f"DROP TRIGGER IF EXISTS workflow_action_count_{trigger}")
        db.execute(f"DROP TABLE {COUNT}")


def pool_audience(role: str, scope_kind: str, scope_value: str | None) -> str:
    """The audience of a pooled to-do: everyone holding `role` who reaches this scope. The unit
    separators keep it apart from every user name (a User's name may not hold control characters)."""
    return POOL_SEPARATOR.join(("pool", role, scope_kind, scope_value or ""))


def is_pooled(row: dict[str, Any]) -> bool:
    return not row.get("user")


POOL_SEPARATOR = "\x1f"


# --- the action log -----------------------------------------------------------------------


def log(
    db: Database,
    doctype: str,
    name: str,
    action: str,
    kind: str,
    from_state: str,
    to_state: str,
    user: str,
    at: str,
    *,
    role: str | None = None,
    comment: str | None = None,
) -> int:
    """Append one row; its id doubles as the id of the step it opens."""
    cursor = db.execute(
        f"""INSERT INTO {LOG} (reference_doctype, reference_name, action, kind, from_state, to_state,
            user, role, comment, creation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (doctype, name, action, kind, from_state, to_state, user, role, comment, at),
    )
    return int(cursor.lastrowid)


def history_rows(db: Database, doctype: str, name: str) -> list[dict[str, Any]]:
    rows = db.fetchall(
        f"SELECT * FROM {LOG} WHERE reference_doctype = ? AND reference_name = ? ORDER BY name",
        (doctype, name),
    )
    return [dict(r) for r in rows]


def history(db: Database, doctype: str, name: str) -> list[ActionEntry]:
    return [_entry(r) for r in history_rows(db, doctype, name)]


def _entry(row: Any) -> ActionEntry:
    return ActionEntry(
        action=row["action"],
        kind=row["kind"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        user=row["user"],
        at=row["creation"],
        comment=row["comment"],
    )


def last_state_change(db: Database, doctype: str, name: str) -> list[ActionEntry]:
    """The entry that moved the document into its current state, as a one-entry history (none:
    never moved) — what `rules.steps.resubmission_target` reads, without the whole log. Read
    newest first through the reference index (a kind filter in SQL would make SQLite sort)."""
    rows = db.execute(
        f"""SELECT action, kind, from_state, to_state, user, creation, comment FROM {LOG}
            WHERE reference_doctype = ? AND reference_name = ? ORDER BY name DESC""",
        (doctype, name),
    )
    # unpacked, not read by column name: a sqlite3.Row finds a name by a linear scan
    for action, kind, from_state, to_state, user, creation, comment in rows:
        if kind in STATE_CHANGES:
            entry = ActionEntry(
                action=action,
                kind=kind,
                from_state=from_state,
                to_state=to_state,
                user=user,
                at=creation,
                comment=comment,
            )
            return [entry]
    return []


def current_step_id(db: Database, doctype: str, name: str) -> int:
    """The log id of the entry that moved the document into its current state (0: never moved)."""
    return int(
        db.scalar(
            f"""SELECT max(name) FROM {LOG} WHERE reference_doctype = ? AND reference_name = ?
                AND kind IN ('transition', 'return', 'withdraw')""",
            (doctype, name),
        )
        or 0
    )


# --- assignments --------------------------------------------------------------------------


_DEFAULTS = {"step_id": 0, "source": "step", "scope_kind": "township"}


def add_rows(db: Database, rows: Iterable[dict[str, Any]]) -> None:
    """Insert assignment rows; a row without an `audience` is for its `user`. A column missing or
    None takes its default (`_DEFAULTS`), as the table would."""
    values = []
    for row in rows:
        row_values = [row.get(c) for c in ACTION_COLUMNS]
        for i, default in _DEFAULT_AT:
            if row_values[i] is None:
                row_values[i] = default
        if row_values[_AUDIENCE_AT] is None:
            row_values[_AUDIENCE_AT] = row["user"]
        values.append(row_values)
    if len(values) == 1:  # a step's one pooled to-do, a done row
        db.execute(_INSERT_ACTION, values[0])
    else:
        db.conn.executemany(_INSERT_ACTION, values)


_INSERT_ACTION = (
    f"INSERT INTO {ACTION} ({', '.join(ACTION_COLUMNS)}) VALUES ({', '.join('?' for _ in ACTION_COLUMNS)})"
)
_DEFAULT_AT = tuple((ACTION_COLUMNS.index(c), value) for c, value in _DEFAULTS.items())
_AUDIENCE_AT = ACTION_COLUMNS.index("audience")


def open_todos(db: Database, doctype: str, name: str) -> list[dict[str, Any]]:
    rows = db.fetchall(
        f"""SELECT * FROM {ACTION} WHERE reference_name = ? AND reference_doctype = ? AND status = 'Open'
            AND kind = 'todo' ORDER BY name""",
        (name, doctype),
    )
    return [dict(r) for r in rows]


def open_assignees(db: Database, doctype: str, name: str) -> list[str]:
    """Named users a countersign step still waits for: open step and delegate to-dos of a user
    (escalations only prod; a countersign step names every signer, it opens no pool)."""
    rows = db.fetchall(
        f"""SELECT user FROM {ACTION} WHERE reference_name = ? AND reference_doctype = ? AND kind = 'todo'
            AND status = 'Open' AND source IN ('step', 'delegate') AND user <> '' ORDER BY name""",
        (name, doctype),
    )
    return [r["user"] for r in rows]


def complete_todos(db: Database, doctype: str, name: str, users: Sequence[str] | None = None) -> None:
    """Finish open to-dos of a document: all of them (the step moved on) or only `users`' (a vote)."""
    sql = f"""DELETE FROM {ACTION}
              WHERE reference_name = ? AND reference_doctype = ? AND kind = 'todo' AND status = 'Open'"""
    params: list[Any] = [name, doctype]
    if users is not None:
        sql += f" AND user IN ({', '.join('?' for _ in users)})"
        params += list(users)
    db.execute(sql, params)


def hand_over(db: Database, row_id: int) -> None:
    """A delegated to-do is gone from its first holder (the delegate gets a new one; the log says so)."""
    db.execute(f"DELETE FROM {ACTION} WHERE name = ?", (row_id,))


def mark_done(db: Database, row: dict[str, Any], pool: str | None = None) -> int:
    """Record that `user` acted on the document: one `done` row per user and document, kept fresh.
    Returns how many open to-dos the document still has (what `complete_todos` would close).

    Call it before `complete_todos`: when the user has no done row yet, their open to-do on the
    document — their own, or else the one waiting on `pool` (the pool they acted through) — is
    turned into it in place (fewer pages written than a delete plus an insert).

    One SELECT over the document's few rows (the reference index) finds the done row and every
    open to-do, then one UPDATE by rowid: a statement fewer than trying the refresh and then the
    conversion, and the caller skips `complete_todos` when no to-do is left (an any-one step)."""
    fresh = (
        row["modified"],
        row["workflow_state"],
        row["role"],
        row["scope_kind"],
        row["scope_value"],
        row["title"],
    )
    user = row["user"]
    mine = (user, pool or user)
    found = db.execute(_MARK_DONE_CANDIDATES, (row["reference_name"], row["reference_doctype"], user))
    done: list[int] = []
    todo: tuple[bool, int] | None = None
    todos = 0
    for name, kind, audience in found:
        if kind == "done":
            done.append(name)
            continue
        todos += 1
        if audience in mine and (todo is None or (audience != user, name) < todo):
            todo = (audience != user, name)  # the user's own to-do first, then the oldest
    if done:
        marks = ", ".join("?" for _ in done)
        db.execute(f"{_REFRESH_DONE} WHERE name IN ({marks})", (*fresh, *done))
    elif todo is not None:
        db.execute(_CONVERT_TODO, (*fresh, row["modified"], user, user, todo[1]))
        todos -= 1
    else:
        add_rows(db, [{**row, "kind": "done", "status": "Completed", "creation": row["modified"]}])
    return todos


# the user's done row on the document, and its open to-dos (one of which may become the done row)
_MARK_DONE_CANDIDATES = f"""SELECT name, kind, audience FROM {ACTION}
    WHERE reference_name = ? AND reference_doctype = ?
    AND (status = 'Completed' AND kind = 'done' AND user = ? OR status = 'Open' AND kind = 'todo')"""
_REFRESH_DONE = f"""UPDATE {ACTION} SET modified = ?, workflow_state = ?, role = ?, scope_kind = ?,
    scope_value = ?, title = ?"""
_CONVERT_TODO = f"""{_REFRESH_DONE}, kind = 'done', status = 'Completed', creation = ?, step_id = 0,
    source = 'step', due_at = NULL, reminded_at = NULL, escalated_at = NULL, user = ?, audience = ?
    WHERE name = ?"""


def expected_actors(db: Database, doctype: str, name: str) -> list[dict[str, Any]]:
    """The document's open to-dos: a named user, or a pool (`user` empty: `role` in `scope_value`)."""
    rows = db.fetchall(
        f"""SELECT user, role, scope_kind, scope_value, workflow_state, due_at, source FROM {ACTION}
            WHERE reference_name = ? AND reference_doctype = ? AND status = 'Open' AND kind = 'todo'
            ORDER BY name""",
        (name, doctype),
    )
    return [dict(r) for r in rows]
