"""A site from before pooled to-dos opens with its to-dos, counts and inbox intact."""

from __future__ import annotations

from townflow.runtime import workflow_store
from townflow.runtime.db import Database

# tabWorkflow Action and its count table as they were before the `audience` column
OLD_SCHEMA = [
    """CREATE TABLE "tabWorkflow Action" (
        name INTEGER PRIMARY KEY, reference_doctype TEXT NOT NULL, reference_name TEXT NOT NULL,
        workflow_state TEXT NOT NULL, step_id INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL,
        status TEXT NOT NULL, user TEXT NOT NULL, role TEXT, source TEXT NOT NULL DEFAULT 'step',
        scope_kind TEXT NOT NULL DEFAULT 'township', scope_value TEXT, title TEXT,
        creation TEXT NOT NULL, modified TEXT NOT NULL, due_at TEXT, reminded_at TEXT,
        escalated_at TEXT, completed_by TEXT, completed_by_role TEXT)""",
    """CREATE INDEX workflow_action_inbox ON "tabWorkflow Action"
        (user, kind, status, modified, scope_kind, scope_value, role)""",
    """CREATE TABLE "tabWorkflow Action Count" (
        user TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, scope_kind TEXT NOT NULL,
        scope_value TEXT NOT NULL, role TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (user, kind, status, scope_kind, scope_value, role)) WITHOUT ROWID""",
    """CREATE TRIGGER workflow_action_count_insert AFTER INSERT ON "tabWorkflow Action" BEGIN
        INSERT INTO "tabWorkflow Action Count" (user, kind, status, scope_kind, scope_value, role, n)
        VALUES (NEW.user, NEW.kind, NEW.status, NEW.scope_kind, ifnull(NEW.scope_value, ''),
                ifnull(NEW.role, ''), 1)
        ON CONFLICT (user, kind, status, scope_kind, scope_value, role) DO UPDATE SET n = n + 1;
    END""",
]


def test_an_old_site_gets_audiences_and_counts_rebuilt(tmp_path):
    db = Database(tmp_path / "old.sqlite")
    with db.transaction():
        for statement in OLD_SCHEMA:
            db.execute(statement)
        for user, kind, status in [("head.east", "todo", "Open"), ("head.east", "done", "Completed")] * 2:
            db.execute(
                """INSERT INTO "tabWorkflow Action" (reference_doctype, reference_name, workflow_state,
                   kind, status, user, role, scope_kind, scope_value, creation, modified)
                   VALUES ('Subsidy Application', 'LYDX-1', 'Pending', ?, ?, ?, 'Village Head',
                   'village', '东村', '2026-01-01', '2026-01-01')""",
                (kind, status, user),
            )
    with db.transaction():
        workflow_store.create_tables(db)
    assert {r["audience"] for r in db.fetchall('SELECT audience FROM "tabWorkflow Action"')} == {"head.east"}
    counts = {
        (r["audience"], r["kind"]): r["n"] for r in db.fetchall('SELECT * FROM "tabWorkflow Action Count"')
    }
    assert counts == {("head.east", "todo"): 2, ("head.east", "done"): 2}
    indexes = {r["name"] for r in db.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "workflow_action_inbox" not in indexes and "workflow_action_audience" in indexes
    # the rebuilt triggers keep counting
    with db.transaction():
        workflow_store.add_rows(
            db,
            [
                {
                    "reference_doctype": "Subsidy Application",
                    "reference_name": "LYDX-2",
                    "workflow_state": "Pending",
                    "kind": "todo",
                    "status": "Open",
                    "user": "",
                    "audience": workflow_store.pool_audience("Village Head", "village", "东村"),
                    "role": "Village Head",
                    "scope_kind": "village",
                    "scope_value": "东村",
                    "creation": "2026-01-02",
                    "modified": "2026-01-02",
                }
            ],
        )
    pooled = db.scalar(
        'SELECT n FROM "tabWorkflow Action Count" WHERE audience = ?',
        (workflow_store.pool_audience("Village Head", "village", "东村"),),
    )
    assert pooled == 1
    db.close()
