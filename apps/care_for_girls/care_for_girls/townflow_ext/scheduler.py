"""scheduler_events: due times (hourly) and certificate expiry (daily)."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from care_for_girls.townflow_ext import campaign, log, spec
from townflow.rules import steps


def hourly() -> None:
    """Overdue approval tasks: remind whoever they wait on once; escalate once to the step's
    escalate_to role — that role's pool in the document's scope, added once per step."""
    now = now_datetime()
    overdue = frappe.get_all(
        log.TASK,
        filters={"status": "Open", "kind": log.APPROVAL, "due": ["<", now]},
        fields=log.TASK_FIELDS,
    )
    for task in overdue:
        workflow = spec.workflow(task.reference_doctype)
        if workflow is None or workflow.state(task.state) is None:
            continue
        step = steps.step_of(workflow, task.state)
        done = [a for a, flag in (("remind", task.reminded), ("escalate", task.escalated)) if flag]
        doc = frappe.get_doc(task.reference_doctype, task.reference_name)
        for action in steps.overdue_actions(step, task.due, now, done):
            if action == "remind":
                who = ", ".join(log.holders(task)) or task.role or ""
                doc.add_comment("Comment", f"Reminder: {who} is overdue on {task.state} (due {task.due})")
                frappe.db.set_value(log.TASK, task.name, "reminded", 1)
            elif action == "escalate" and step.escalate_to:
                _escalate(doc, task, step.escalate_to)
                frappe.db.set_value(log.TASK, task.name, "escalated", 1)
    frappe.db.commit()


def _escalate(doc, task, role: str) -> None:
    kind, value = log.scope_of(doc, role)
    pools = {t.role for t in log.open_tasks(doc.doctype, doc.name) if not t.user}
    if log.pool_reachable(kind, value) and role not in pools:  # the role's pool, once per step
        escalated = {"delegated_from": task.user or None, "role": role, "source": "escalate"}
        log.add_task(doc, None, task.state, log.APPROVAL, None, **escalated)
    doc.add_comment("Comment", f"Escalated to {role}: {task.state} overdue")


def daily() -> None:
    """Issued certificates nobody used expire the day after their validity ends; insured only
    children who reached the conversion age get their conversion task."""
    from care_for_girls.townflow_ext import benefits

    benefits.open_conversions()
    frappe.db.commit()
    from care_for_girls.townflow_ext import public_notice

    public_notice.open_reconfirmations()  # 年审 due today: the village clerk's task (issue 17)
    frappe.db.commit()
    workflow = spec.workflow(campaign.CERTIFICATE)
    if workflow is None or workflow.state(campaign.EXPIRED_STATE) is None:
        return
    from care_for_girls.townflow_ext import api

    for name in campaign.expired_certificates():
        api.system_move(frappe.get_doc(campaign.CERTIFICATE, name), campaign.EXPIRED_STATE, "Expire")
    frappe.db.commit()
