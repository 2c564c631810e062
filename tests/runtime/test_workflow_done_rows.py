"""The acting user's done row: one per user and document, made from their to-do when they had none."""

from __future__ import annotations

import pytest

from townflow.runtime import workflow_store
from townflow.runtime.db import Database

DOC = {"reference_doctype": "Subsidy Application", "reference_name": "LYDX-1"}
POOL = workflow_store.pool_audience("Village Head", "village", "东村")


@pytest.fixture
def db(tmp_path):
    db = Database(tmp_path / "actions.sqlite")
    with db.transaction():
        workflow_store.create_tables(db)
    return db


def _row(user: str, **extra) -> dict:
    return {
        **DOC,
        "workflow_state": "Pending Village Verification",
        "user": user,
        "role": "Village Head",
        "scope_kind": "village",
        "scope_value": "东村",
        "title": "张建国",
        "creation": "2026-01-01 08:00:00.000000",
        "modified": "2026-01-01 08:00:00.000000",
        **extra,
    }


def _rows(db) -> list[tuple]:
    return [
        (r["name"], r["kind"], r["status"], r["user"], r["audience"], r["workflow_state"])
        for r in db.fetchall('SELECT * FROM "tabWorkflow Action" ORDER BY name')
    ]


def _counts(db) -> dict:
    rows = db.fetchall('SELECT audience, kind, n FROM "tabWorkflow Action Count" WHERE n > 0')
    return {(r["audience"], r["kind"]): r["n"] for r in rows}


def _act(db, user: str, pool: str | None = POOL) -> None:
    acted = _row(user, workflow_state="Pending Township Review", modified="2026-01-02 09:00:00.000000")
    with db.transaction():
        if workflow_store.mark_done(db, acted, pool):  # to-dos left open: the step's others close
            workflow_store.complete_todos(db, DOC["reference_doctype"], DOC["reference_name"])
    open_left = "SELECT count(*) FROM \"tabWorkflow Action\" WHERE kind = 'todo' AND status = 'Open'"
    assert db.scalar(open_left) == 0


def test_the_users_own_todo_becomes_their_done_row_before_an_older_pool_todo(db):
    with db.transaction():
        workflow_store.add_rows(db, [{**_row(""), "audience": POOL, "kind": "todo", "status": "Open"}])
        workflow_store.add_rows(db, [{**_row("head.east"), "kind": "todo", "status": "Open"}])
    _act(db, "head.east")
    assert _rows(db) == [(2, "done", "Completed", "head.east", "head.east", "Pending Township Review")]
    assert _counts(db) == {("head.east", "done"): 1}


def test_a_pool_todo_becomes_the_done_row_of_whoever_acted_through_the_pool(db):
    with db.transaction():
        workflow_store.add_rows(db, [{**_row(""), "audience": POOL, "kind": "todo", "status": "Open"}])
    _act(db, "head.east")
    assert _rows(db) == [(1, "done", "Completed", "head.east", "head.east", "Pending Township Review")]
    assert _counts(db) == {("head.east", "done"): 1}


def test_an_existing_done_row_is_refreshed_and_the_todo_closes(db):
    with db.transaction():
        workflow_store.add_rows(db, [{**_row("head.east"), "kind": "done", "status": "Completed"}])
        workflow_store.add_rows(db, [{**_row(""), "audience": POOL, "kind": "todo", "status": "Open"}])
    _act(db, "head.east")
    assert _rows(db) == [(1, "done", "Completed", "head.east", "head.east", "Pending Township Review")]
    assert _counts(db) == {("head.east", "done"): 1}


def test_without_a_todo_or_done_row_one_is_added(db):
    with db.transaction():
        workflow_store.add_rows(
            db, [{**_row(""), "audience": "pool\x1fother", "kind": "todo", "status": "Open"}]
        )
    _act(db, "head.east")
    assert _rows(db) == [(2, "done", "Completed", "head.east", "head.east", "Pending Township Review")]
    assert _counts(db) == {("head.east", "done"): 1}


def test_the_other_roles_pool_closes_too(db):
    other = workflow_store.pool_audience("Township Approver", "township", None)
    with db.transaction():
        workflow_store.add_rows(db, [{**_row(""), "audience": POOL, "kind": "todo", "status": "Open"}])
        workflow_store.add_rows(
            db, [{**_row("", role="Township Approver"), "audience": other, "kind": "todo", "status": "Open"}]
        )
    with db.transaction():
        acted = _row("head.east", modified="2026-01-02 09:00:00.000000")
        assert workflow_store.mark_done(db, acted, POOL) == 1  # the approvers' pool is still open
    assert [r[1:4] for r in _rows(db)] == [("done", "Completed", "head.east"), ("todo", "Open", "")]
