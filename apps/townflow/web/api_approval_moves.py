"""`/api/method/townflow.api.*` for the approval moves (issue 17.5; the Frappe app answers the
same names, care_for_girls.townflow_ext.approval_moves):

    townflow.api.add_signer(doc, users, position=before|after, comment)   POST  加签
    townflow.api.remove_signer(doc, user, comment)                        POST  remove an added signer
    townflow.api.sign(doc, decision=Agree|Disagree, comment)              POST  an added signer answers
    townflow.api.signer_candidates(doc, txt)                              GET   whom 加签 may add

比例会签 and 会办 need no method of their own: frappe.model.workflow.apply_workflow decides them.
Handlers only parse arguments; the rules are the runtime's (runtime/approval_moves.py).
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter

from townflow.runtime import approval_moves, signer_picker
from townflow.web.api_methods import COMMENT, DOC, _doc, _text
from townflow.web.errors import ValidationError
from townflow.web.requestdata import parse_json_arg, require
from townflow.web.whitelist import Param, whitelisted

router = APIRouter()


def _users(args: dict[str, Any]) -> list[str]:
    value = require(args, "users")
    if isinstance(value, str) and value.strip().startswith("["):
        value = parse_json_arg(value, "users")
    if isinstance(value, str):
        value = [u for u in value.replace("，", ",").split(",")]
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value) or len(value) > 20:
        raise ValidationError(
            "Argument users must be a list of up to 20 user names",
            zh="参数 users 须为不超过 20 个用户名的列表",
        )
    return value


@whitelisted(
    router,
    "townflow.api.add_signer",
    http_methods=("POST",),
    params=[
        DOC,
        Param(
            "users",
            {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
            required=True,
        ),
        Param(
            "position",
            {"type": "string", "enum": ["before", "after"]},
            description="before (前加签) or after (后加签)",
        ),
        COMMENT,
    ],
    tags=("townflow",),
)
def add_signer(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """加签: the approver holding this step's task adds signers before or after themselves."""
    position = approval_moves.require_position(args.get("position") or "before")
    return approval_moves.add_signers(session, _doc(args), _users(args), position, _text(args, "comment"))


@whitelisted(
    router,
    "townflow.api.remove_signer",
    http_methods=("POST",),
    params=[DOC, Param("user", required=True), COMMENT],
    tags=("townflow",),
)
def remove_signer(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Remove a signer I added, until they have signed."""
    return approval_moves.remove_signer(
        session, _doc(args), _text(args, "user", required=True) or "", _text(args, "comment")
    )


@whitelisted(
    router,
    "townflow.api.sign",
    http_methods=("POST",),
    params=[
        DOC,
        Param("decision", {"type": "string", "enum": ["Agree", "Disagree"]}, required=True),
        COMMENT,
    ],
    tags=("townflow",),
)
def sign(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """An added signer answers: Agree (同意) or Disagree (不同意, with a reason)."""
    return approval_moves.sign(
        session, _doc(args), _text(args, "decision", required=True) or "", _text(args, "comment")
    )


@whitelisted(
    router,
    "townflow.api.signer_candidates",
    params=[DOC, Param("txt", description="part of a user name or full name")],
    tags=("townflow",),
)
def signer_candidates(session: Any, args: dict[str, Any]) -> list[dict[str, str]]:
    """The people the approver may add as signers (enabled, not already signing, may read the
    document), as the Frappe desk's MultiSelectList wants them: [{value: user, label: full name,
    description: user}], label and description HTML-escaped (that control does not), at most 20."""
    doc = _doc(args)
    found = signer_picker.signer_candidates(
        session, doc.get("doctype"), doc.get("name"), _text(args, "txt") or "", limit=20
    )
    return [
        {"value": c["user"], "label": html.escape(c["full_name"]), "description": html.escape(c["user"])}
        for c in found
    ]
