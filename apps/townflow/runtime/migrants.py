"""转出/转入: handing a person over to another village of the township, in one transaction.

`request_handover(session, person, to_household, reason)`: the sending village's clerk (who may
write the person) files a Migrant Handover addressed to the receiving village; it waits in the
receiving village clerks' inbox (a pooled to-do, as a workflow step would). Nothing moves yet.

`confirm_handover(session, name)`: a clerk of the receiving village confirms it from their inbox.
In one transaction the person joins the receiving household (so her village, and with it who may
see her, changes), her pregnancy records follow (village and household), their open visit work
moves to the receiving village's pool, the handover is marked Confirmed and its to-do closed, and
each step is logged (versions, audit, the handover's timeline). Until then the sending village
keeps responsibility and visibility; afterwards it has neither.
"""

from __future__ import annotations

from typing import Any

from townflow.rules import monitoring as monitoring_rules
from townflow.runtime import errors, monitoring
from townflow.runtime import workflow_store as store
from townflow.runtime.store import timestamp
from townflow.runtime.workflow_store import ACTION

HANDOVER = "Migrant Handover"
PERSON = "Person"
PENDING, CONFIRMED = "Pending", "Confirmed"
PENDING_STATE = "Pending Receipt"
CLERK_ROLE = monitoring_rules.CLERK_ROLE


def _now(session) -> str:
    return timestamp(session.site.now())


def request_handover(session, person: str, to_household: str, reason: str | None = None) -> dict[str, Any]:
    """File the handover of `person` to `to_household` (in another village of the township)."""
    site = session.site
    with site.db.transaction():
        doc = session.get(PERSON, person)  # the sender must see her ...
        if not session.has_permission(PERSON, "write", person):  # ... and be answerable for her
            raise errors.PermissionError(
                f"You may not hand over {person}", f"无权转出 {person}", messages=None
            )
        system = site.session(session.user, ignore_permissions=True)
        target = system.get_list(
            "Household", fields=["name", "village"], filters={"name": to_household}, limit_page_length=1
        )
        if not target:
            raise _invalid(
                "to_household", f"Household {to_household} not found", f"转入户 {to_household} 不存在"
            )
        to_village = target[0]["village"]
        if to_village == doc.get("village"):
            raise _invalid(
                "to_household", "The receiving household is in the same village", "转入户与转出村相同"
            )
        pending = system.get_list(
            HANDOVER, filters={"person": person, "status": PENDING}, limit_page_length=1
        )
        if pending:
            raise _invalid("person", "This person already has a handover waiting", "该人员已有待接收的转移")
        handover = system.insert(
            {
                "doctype": HANDOVER,
                "person": person,
                "person_name": doc.get("full_name"),
                "from_village": doc.get("village"),
                "from_household": doc.get("household"),
                "village": to_village,
                "to_household": to_household,
                "reason": (reason or "").strip() or None,
                "status": PENDING,
                "requested_by": session.user,
            }
        )
        stamp = _now(session)
        store.add_rows(
            site.db,
            [
                {
                    "reference_doctype": HANDOVER,
                    "reference_name": handover["name"],
                    "workflow_state": PENDING_STATE,
                    "kind": "todo",
                    "status": "Open",
                    "user": "",
                    "audience": store.pool_audience(CLERK_ROLE, "village", to_village),
                    "role": CLERK_ROLE,
                    "source": "handover",
                    "scope_kind": "village",
                    "scope_value": to_village,
                    "title": doc.get("full_name"),
                    "creation": stamp,
                    "modified": stamp,
                }
            ],
        )
        comment = f"{doc.get('village')} → {to_village}"
        store.log(
            site.db,
            HANDOVER,
            handover["name"],
            "Hand Over",
            "transition",
            "",
            PENDING,
            session.user,
            stamp,
            comment=comment,
        )
    return handover


def receives(session, handover: dict[str, Any]) -> bool:
    """Whether the session's user is a clerk of the village a handover is addressed to."""
    return CLERK_ROLE in session.roles and handover.get("village") in session.ctx.allowed("village")


def confirm_handover(session, name: str) -> dict[str, Any]:
    """The receiving village's clerk takes the person over: everything moves in one transaction."""
    site = session.site
    with site.db.transaction():
        handover = session.get(HANDOVER, name)  # the receiving village reads it; nobody else of a village
        if not receives(session, handover):
            raise errors.PermissionError(
                "Only a clerk of the receiving village may confirm this handover",
                "只有接收村计生专干可以确认转入",
            )
        if handover.get("status") != PENDING:
            raise _invalid("status", "This handover is already confirmed", "该转移已确认")
        system = site.session(session.user, ignore_permissions=True)
        person = system.get(PERSON, handover["person"])
        person["household"] = handover["to_household"]
        system.save(person, check_modified=False)
        moved = system.get(PERSON, handover["person"])
        records = system.get_list(
            monitoring.DOCTYPE, filters={"person": handover["person"]}, limit_page_length=10_000
        )
        names = [r["name"] for r in records]
        for record in names:
            system.db_set(
                monitoring.DOCTYPE, record, {"village": moved["village"], "household": moved["household"]}
            )
        monitoring.sync(site, site.now(), names, open_new=False)  # her open visit work follows her
        stamp = _now(session)
        system.db_set(
            HANDOVER, name, {"status": CONFIRMED, "confirmed_by": session.user, "confirmed_on": stamp}
        )
        site.db.execute(
            f"DELETE FROM {ACTION} WHERE reference_doctype = ? AND reference_name = ? AND kind = 'todo'",
            (HANDOVER, name),
        )
        comment = f"{handover['from_village']} → {moved['village']}; {len(names)} pregnancy records"
        store.log(
            site.db,
            HANDOVER,
            name,
            "Confirm Receipt",
            "transition",
            PENDING,
            CONFIRMED,
            session.user,
            stamp,
            comment=comment,
        )
    return system.get(HANDOVER, name)


def _invalid(field: str, en: str, zh: str) -> errors.ValidationError:
    return errors.ValidationError.from_messages([errors.FieldMessage(field, zh, en)])
