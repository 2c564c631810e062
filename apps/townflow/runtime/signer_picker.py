"""Whom an approver may add as a signer (加签): the picker on the document page.

Typing user names from memory was the only way to add a signer. The page now lists the people
the approver can choose from: enabled users, other than the approver and the step's current
signers, who may read the document — the same check `add_signers` makes when the form is posted,
so the list never offers someone the step would refuse. A township has tens to a few hundred
users; the list stops at MAX_CANDIDATES, checked in name order.
"""

from __future__ import annotations

from typing import Any

from townflow.rules.workflow import WorkflowRuleError
from townflow.runtime import workflow_io
from townflow.runtime import workflow_store as store
from townflow.runtime.approval_moves import ADDED_SOURCES, added_signers
from townflow.runtime.permissions import load_user_context

#: how many users the picker lists at most
MAX_CANDIDATES = 200
_SYSTEM_USERS = ("Administrator", "Guest")


def signer_candidates(
    session, doctype: str, name: str, txt: str = "", limit: int = MAX_CANDIDATES
) -> list[dict[str, Any]]:
    """[{user, full_name, roles}] the current user may add as signers of the document's step,
    whose user name or full name contains `txt`. Only the approver holding the step's task may
    ask (anyone else is refused, as adding would be): the list names people, so it is theirs."""
    db = session.site.db
    loaded = workflow_io.load(session, {"doctype": doctype, "name": name}, check_modified=False)
    todos = store.open_todos(db, doctype, name)
    if workflow_io.my_todo(session, [t for t in todos if t["source"] not in ADDED_SOURCES]) is None:
        error = WorkflowRuleError("Only an approver who holds this step's task may add signers", "permission")
        raise workflow_io.fail(error)
    me = workflow_io.user_of(session)
    needle = (txt or "").strip().lower()
    taken = {s["user"] for s in added_signers(db, doctype, name) if s["status"] in ("Open", "Waiting")}
    users = db.fetchall(
        'SELECT name, full_name FROM "tabUser" WHERE enabled = 1 AND name NOT IN (?, ?) ORDER BY name',
        _SYSTEM_USERS,
    )
    found: list[dict[str, Any]] = []
    for row in users:
        if row["name"] == me or row["name"] in taken:
            continue
        if needle and needle not in row["name"].lower() and needle not in (row["full_name"] or "").lower():
            continue
        ctx = load_user_context(db, row["name"])
        if not workflow_io.reaches(session, loaded, ctx, "read"):
            continue
        roles = sorted(r for r in ctx.roles if r not in ("All", "Guest"))
        found.append({"user": row["name"], "full_name": row["full_name"] or row["name"], "roles": roles})
        if len(found) >= limit:
            break
    return found
