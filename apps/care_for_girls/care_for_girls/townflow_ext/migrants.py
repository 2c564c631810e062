"""转出/转入 on Frappe: `townflow.api.request_handover` and `townflow.api.confirm_handover`, as the
embedded runtime answers them (townflow.runtime.migrants).

The sending village's clerk, who may write the person, files a Migrant Handover addressed to
the receiving village; a pooled Village Clerk task there waits for it. A clerk of the receiving
village confirms it: the person joins the receiving household, her pregnancy records follow
(village and household) with their open visit tasks, the handover is Confirmed and its task
closed, all in the request's one transaction, and logged (Townflow Action, the timeline).
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from care_for_girls.townflow_ext import errors, log, monitoring

HANDOVER = "Migrant Handover"
PERSON = "Person"
PENDING, CONFIRMED = "Pending", "Confirmed"
PENDING_STATE = "Pending Receipt"
CLERK_ROLE = "Village Clerk"


def _invalid(en: str, zh: str) -> None:
    frappe.throw(errors.bilingual(en, zh), frappe.ValidationError)


def receives(handover) -> bool:
    """Whether the session user is a clerk of the village the handover is addressed to."""
    if CLERK_ROLE not in frappe.get_roles():
        return False
    allowed = frappe.get_all(
        "User Permission",
        filters={"user": frappe.session.user, "allow": "Village", "for_value": handover.village},
        limit=1,
    )
    return bool(allowed)


@frappe.whitelist(methods=["POST"])
def request_handover(person: str, to_household: str, reason: str | None = None) -> dict:
    doc = frappe.get_doc(PERSON, person)
    doc.check_permission("write")
    to_village = frappe.db.get_value("Household", to_household, "village")
    if not to_village:
        _invalid(f"Household {to_household} not found", f"转入户 {to_household} 不存在")
    if to_village == doc.village:
        _invalid("The receiving household is in the same village", "转入户与转出村相同")
    if frappe.get_all(HANDOVER, filters={"person": person, "status": PENDING}, limit=1):
        _invalid("This person already has a handover waiting", "该人员已有待接收的转移")
    handover = frappe.get_doc(
        {
            "doctype": HANDOVER,
            "person": person,
            "person_name": doc.full_name,
            "from_village": doc.village,
            "from_household": doc.household,
            "village": to_village,
            "to_household": to_household,
            "reason": (reason or "").strip() or None,
            "status": PENDING,
            "requested_by": frappe.session.user,
        }
    ).insert(ignore_permissions=True)
    log.add_task(handover, None, PENDING_STATE, log.APPROVAL, None, role=CLERK_ROLE, source="handover")
    log.record(handover, "Hand Over", "transition", "", PENDING, comment=f"{doc.village} → {to_village}")
    return handover.as_dict()


@frappe.whitelist(methods=["POST"])
def confirm_handover(name: str) -> dict:
    handover = frappe.get_doc(HANDOVER, name)
    handover.check_permission("read")
    if not receives(handover):
        frappe.throw(
            errors.bilingual(
                "Only a clerk of the receiving village may confirm this handover",
                "只有接收村计生专干可以确认转入",
            ),
            frappe.PermissionError,
        )
    if handover.status != PENDING:
        _invalid("This handover is already confirmed", "该转移已确认")
    person = frappe.get_doc(PERSON, handover.person)
    person.household = handover.to_household
    person.village = handover.village
    person.save(ignore_permissions=True)
    records = frappe.get_all(monitoring.DOCTYPE, filters={"person": person.name}, pluck="name")
    for record in records:
        frappe.db.set_value(
            monitoring.DOCTYPE, record, {"village": person.village, "household": person.household}
        )
    monitoring.sync(now_datetime(), records, open_new=False)  # her open visit tasks follow her
    handover.db_set(
        {"status": CONFIRMED, "confirmed_by": frappe.session.user, "confirmed_on": now_datetime()}
    )
    log.close_tasks(HANDOVER, name)
    comment = f"{handover.from_village} → {handover.village}; {len(records)} pregnancy records"
    log.record(handover, "Confirm Receipt", "transition", PENDING, CONFIRMED, comment=comment)
    return handover.as_dict()
