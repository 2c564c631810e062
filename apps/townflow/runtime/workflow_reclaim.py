"""收回: the one who handed a to-do over (转交) takes it back, until the delegate has acted.

`delegation(db, doctype, name)` says who holds a handed-over to-do now, who handed it and when
(the workflow log's last "Delegate to ..." entry whose to-do is still open). `reclaim` moves that
open to-do back to the delegator, in one transaction with its log row and audit record; once
the delegate has acted (the to-do is closed) there is nothing left to take back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from townflow.rules.workflow import current_state
from townflow.runtime import workflow_io
from townflow.runtime import workflow_store as store
from townflow.runtime.durable import durable
from townflow.runtime.errors import PermissionError, ValidationError

DELEGATE_PREFIX = "Delegate to "


def delegation(db: Any, doctype: str, name: str) -> dict[str, Any] | None:
    """{"from_user", "to_user", "at", "todo"} of a handed-over to-do still open, else None."""
    open_delegated = [t for t in store.open_todos(db, doctype, name) if t.get("source") == "delegate"]
    if not open_delegated:
        return None
    rows = [r for r in store.history_rows(db, doctype, name) if r.get("kind") == "delegate"]
    for todo in open_delegated:
        for row in reversed(rows):
            if row["action"] == f"{DELEGATE_PREFIX}{todo['user']}":
                return {
                    "from_user": row["user"],
                    "to_user": todo["user"],
                    "at": row["creation"],
                    "todo": todo,
                }
    return None


def refuse_delegator(session, doctype: str, name: str, user: str) -> None:
    """A user who handed this document's to-do over (转交) may not act on it by any path until
    they take it back (收回) or the delegate has acted: the refusal names the delegate."""
    handed = delegation(session.site.db, doctype, name)
    if handed is None or handed["from_user"] != user or handed["to_user"] == user:
        return
    to_user = handed["to_user"]
    raise PermissionError(
        f"You handed this to-do over to {to_user} on {str(handed['at'])[:16]}; "
        f"take it back (收回) before acting on it",
        zh=f"您已于{str(handed['at'])[:16]}将此待办转交给 {to_user}，如需办理请先收回",
    )


def handed_away(session, doctype: str, name: str, user: str) -> bool:
    """True while `user` has this document's to-do handed over to someone else."""
    handed = delegation(session.site.db, doctype, name)
    return handed is not None and handed["from_user"] == user and handed["to_user"] != user


@durable
def reclaim(session, doc: Mapping[str, Any], comment: str | None = None) -> dict:
    """Take back the to-do I handed over on this document (refused once the delegate has acted)."""
    db = session.site.db
    with db.transaction():
        loaded = workflow_io.load(session, doc, check_modified=False)
        wf, row = loaded.workflow, loaded.row
        user = workflow_io.user_of(session)
        handed = delegation(db, wf.document_type, row["name"])
        if handed is None or handed["from_user"] != user:
            raise ValidationError(
                "Nothing to take back: the to-do was not handed over by you, or its delegate has acted",
                "无可收回的待办：该待办不是您转交的，或受托人已经办理",
            )
        at = workflow_io.now(session)
        todo = handed["todo"]
        store.hand_over(db, todo["name"])
        back = {k: v for k, v in todo.items() if k != "name"}
        store.add_rows(
            db, [{**back, "user": user, "audience": user, "source": "step", "creation": at, "modified": at}]
        )
        state = current_state(wf, row)
        store.log(
            db,
            wf.document_type,
            row["name"],
            f"Reclaim from {handed['to_user']}",
            "delegate",
            state,
            state,
            user,
            at,
            comment=comment,
        )
        workflow_io.audit(session, "reclaim", loaded, {"from_user": handed["to_user"], "comment": comment})
        return session.get(wf.document_type, row["name"])
