"""The last move of each document, read from the workflow log in one query: what the lists and
the form need to tag a document sent back (「已退回」) with who, when and why."""

from __future__ import annotations

from typing import Any

from townflow.runtime import workflow_store as store


def last_moves(db: Any, doctype: str, names: list[str]) -> dict[str, dict]:
    """name -> the last log entry that moved or acted on it (comments and 转交 left out)."""
    if not names:
        return {}
    marks = ", ".join("?" for _ in names)
    rows = db.fetchall(
        f"SELECT reference_name, kind, user, comment, creation, to_state FROM {store.LOG} "
        f"WHERE reference_doctype = ? AND reference_name IN ({marks}) "
        "AND kind NOT IN ('comment', 'delegate') ORDER BY name",
        [doctype, *names],
    )
    return {row["reference_name"]: dict(row) for row in rows}


def returned_names(db: Any, doctype: str, names: list[str]) -> set[str]:
    """The documents among `names` whose last move was a 退回 (still where they were sent back)."""
    return {name for name, row in last_moves(db, doctype, names).items() if row["kind"] == "return"}
