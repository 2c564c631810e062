"""`/api/method/townflow.api.settle_objection` (公示, issue 17): the township settles an objection
to a public notice over REST, as on the pages (/notice/objections); the Frappe app answers the
same name (care_for_girls.townflow_ext.public_notice.settle_objection).

    townflow.api.settle_objection(objection, decision, reason)   POST   return | reject | dismiss

Filing an objection and reading the answer are the public pages' (/notice, no login, throttled).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from townflow.runtime import public_notice
from townflow.web.whitelist import Param, whitelisted

router = APIRouter()


@whitelisted(
    router,
    "townflow.api.settle_objection",
    http_methods=("POST",),
    params=[
        Param("objection", required=True, description="the Notice Objection (GSYY-...)"),
        Param("decision", {"type": "string", "enum": ["return", "reject", "dismiss"]}, required=True),
        Param("reason", required=True, description="why; the objector is told"),
    ],
    tags=("townflow",),
)
def settle_objection(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """异议处理: upheld (the application returns or is rejected) or dismissed, with the reason."""
    objection = args.get("objection")
    return public_notice.settle(
        session, objection if isinstance(objection, str) else "", args.get("decision"), args.get("reason")
    )
