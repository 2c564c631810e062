"""The approval moves on the document page (issue 17.5): 加签 buttons for the approver, remove
for the one who added a signer, 同意 / 不同意 for an added signer, and what the step waits on
(added signers, 会办 branches, 比例会签's number). The runtime decides (runtime/approval_moves.py);
this module only reads its facts and posts to it through the page's action route."""

from __future__ import annotations

from typing import Any

from townflow.rules import approval_moves as rules
from townflow.rules import steps as step_rules
from townflow.rules.workflow import current_state
from townflow.runtime import approval_moves, signer_picker, workflow_io
from townflow.runtime import workflow_store as store
from townflow.web.i18n_approval_moves import APPROVAL_MOVE_STRINGS as STRINGS  # noqa: F401

OPS = ("add_signer", "remove_signer", "sign")
OP_DONE = {
    "add_signer": "op_done_add_signer",
    "remove_signer": "op_done_remove_signer",
    "sign": "op_done_sign",
}


def entry_title(page: Any, kind: str, action: str) -> str | None:
    """The timeline's title of a log entry these moves wrote (None: not one of theirs)."""
    if kind == rules.ADD_SIGNER:  # "Add Signer (before): a, b"
        position = "before" if "(before)" in action else "after"
        users = action.split(": ", 1)[1] if ": " in action else ""
        return f"{page.t('entry_add_signer')}（{page.t('signer_position_' + position)}）→ {users}"
    if kind == rules.REMOVE_SIGNER:
        return f"{page.t('entry_remove_signer')} → {action.split(': ', 1)[-1]}"
    if kind == rules.SIGN:
        return page.t(f"entry_sign_{action}") if action in (rules.AGREE, rules.DISAGREE) else None
    if kind in (rules.DISSENT, rules.HELD, rules.NOTE):
        return page.t(f"entry_{kind}")
    return None


def take(session: Any, doc: dict[str, Any], op: str, form: Any, comment: str | None) -> None:
    def text(key: str) -> str:
        value = form.get(key)
        return value.strip() if isinstance(value, str) else ""

    if op == "add_signer":
        position = approval_moves.require_position(text("position") or "before")
        approval_moves.add_signers(session, doc, picked_users(form), position, comment)
    elif op == "remove_signer":
        approval_moves.remove_signer(session, doc, text("user"), comment)
    else:
        approval_moves.sign(session, doc, text("decision"), comment)


def picked_users(form: Any) -> list[str]:
    """The signers the form names: the picker's ticked boxes, then any names typed beside them
    (comma separated, 全角 or not), once each in that order."""
    ticked = form.getlist("users") if hasattr(form, "getlist") else [form.get("users") or ""]
    typed = form.get("users_typed") or ""
    names = [n for value in [*ticked, typed] for n in str(value).replace("，", ",").split(",")]
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def context(page: Any, doctype: str, doc: dict[str, Any], workflow: Any) -> dict[str, Any]:
    """What the partial `_approval_moves.html` shows for this user on this document."""
    empty: dict[str, Any] = {"shown": False}
    if workflow is None or not doc.get("name"):
        return empty
    site, session = page.site, page.session
    state = current_state(workflow, doc)
    step = step_rules.step_of(workflow, state)
    extra = approval_moves.timeline_extra(session, doctype, doc["name"])
    me = page.user
    todos = store.open_todos(site.db, doctype, doc["name"])
    holds = workflow_io.my_todo(
        session, [t for t in todos if t["source"] not in approval_moves.ADDED_SOURCES]
    )
    signers = [
        {
            **s,
            "removable": s["added_by"] == me and s["status"] in ("Open", "Waiting"),
            "position_label": page.t(f"signer_position_{s['position']}"),
            "status_label": page.t(f"signer_status_{s['status']}"),
        }
        for s in extra["added_signers"]
    ]
    branches = [{**b, "status_label": page.t(f"branch_status_{b['status']}")} for b in extra["branches"]]
    positions = list(rules.allowed_positions(step)) if holds is not None else []
    i_sign = any(s["user"] == me and s["status"] == "Open" for s in extra["added_signers"])
    required = rules.parse_required(step.required) if step.mode == "all" else None
    candidates = signer_picker.signer_candidates(session, doctype, doc["name"]) if positions else []
    shown = bool(positions or signers or branches or i_sign or required)
    return {
        "shown": shown,
        "positions": positions,
        "candidates": candidates,
        "signers": signers,
        "branches": branches,
        "i_sign": i_sign,
        "required": (f"{required[0]}/{required[1]}" if required and required[1] else str(required[0]))
        if required
        else "",
    }
