"""`/api/method/townflow.api.*` for pregnancy monitoring and migrants (the Frappe app answers
the same names): the user's due visits, and handing a person over within the township.

    townflow.api.followups                         GET   the user's due visits, checks, outcomes
    townflow.api.request_handover(person, to_household, reason)   POST  转出
    townflow.api.confirm_handover(name)            POST  转入, by a clerk of the receiving village

Handlers only parse arguments; the rules are the runtime's (runtime/monitoring.py, migrants.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from townflow.runtime import migrants, monitoring
from townflow.web.requestdata import require
from townflow.web.whitelist import Param, whitelisted

router = APIRouter()


def _text(args: dict[str, Any], name: str) -> str:
    value = require(args, name)
    from townflow.web.errors import ValidationError

    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"Argument {name} must be text", zh=f"参数 {name} 必须是文本")
    return value.strip()


@whitelisted(router, "townflow.api.followups", params=[], tags=("townflow",))
def followups(session: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits, checks and outcomes due that wait on the user (随访), soonest first."""
    return monitoring.followups(session)


@whitelisted(
    router,
    "townflow.api.request_handover",
    http_methods=("POST",),
    params=[
        Param("person", required=True, description="the Person handed over"),
        Param("to_household", required=True, description="the receiving Household, in another village"),
        Param("reason", description="why she moves"),
    ],
    tags=("townflow",),
)
def request_handover(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """转出: file a handover to another village of the township (nothing moves until confirmed)."""
    reason = args.get("reason") if isinstance(args.get("reason"), str) else None
    return migrants.request_handover(session, _text(args, "person"), _text(args, "to_household"), reason)


@whitelisted(
    router,
    "townflow.api.confirm_handover",
    http_methods=("POST",),
    params=[Param("name", required=True, description="the Migrant Handover")],
    tags=("townflow",),
)
def confirm_handover(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """转入: the receiving village's clerk takes the person over (one transaction)."""
    return migrants.confirm_handover(session, _text(args, "name"))
