"""Pregnancy monitoring on Frappe: visits and checks due, outcomes overdue, escalation.

The same rules as the embedded runtime (townflow.rules.monitoring; the runtime's side is
townflow.runtime.monitoring), kept as Townflow Tasks so they show in the inbox (townflow.api.inbox)
with its counts and scope:

- `daily` (hooks scheduler_events): every ongoing Pregnancy Record's work at today — a pooled
  Village Clerk task in the record's village per visit / check / outcome due (source
  `monitoring`, state `Visit Due` / `Check Due` / `Outcome Overdue`, due the end of the due day),
  and a Township Clerk task once it is overdue long enough (source `escalate`);
- `on_update` (doc_events): a recorded visit or outcome closes what is no longer due, a record
  moved to another village takes its open tasks along;
- `validate` (doc_events): the record's schedule fields (last visit, next visit and check due,
  unsigned visits), as the runtime's validate hook fills them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import frappe
from frappe.utils import getdate, now_datetime

from care_for_girls.townflow_ext import log, spec
from townflow.rules import monitoring as rules

DOCTYPE = rules.DOCTYPE
SOURCES = ("monitoring", "escalate")
RECORD_FIELDS = [
    "name",
    "person",
    "person_name",
    "village",
    "registered_on",
    "lmp_date",
    "expected_delivery_date",
    "outcome",
    "creation",
]


def enabled() -> bool:
    return spec.doctype(DOCTYPE) is not None and spec.doctype(rules.VISIT_DOCTYPE) is not None


def policy() -> rules.Policy:
    return rules.Policy.from_settings(spec.settings())


def records(names: list[str] | None = None, ongoing_only: bool = True) -> list[dict[str, Any]]:
    """Pregnancy records with their visits, as the pure rules read them."""
    filters: dict[str, Any] = {"outcome": rules.ONGOING} if ongoing_only else {}
    if names is not None:
        if not names:
            return []
        filters["name"] = ["in", names]
    found = {
        r["name"]: {**_plain(r), "visits": []}
        for r in frappe.get_all(DOCTYPE, filters=filters, fields=RECORD_FIELDS, limit_page_length=0)
    }
    if not found:
        return []
    visit_filters: dict[str, Any] = {"parenttype": DOCTYPE, "parentfield": "visits"}
    if names is not None:
        visit_filters["parent"] = ["in", list(found)]
    for visit in frappe.get_all(
        rules.VISIT_DOCTYPE,
        filters=visit_filters,
        fields=["parent", "visit_date", "visit_type", "signature_image"],
        limit_page_length=0,
    ):
        record = found.get(visit["parent"])
        if record is not None:
            record["visits"].append({k: visit[k] for k in ("visit_date", "visit_type", "signature_image")})
    return list(found.values())


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in dict(row).items()}


def overdue_list(today: date | str | None = None, names: list[str] | None = None) -> list[dict[str, Any]]:
    """The overdue visits, checks and outcomes: the same list the embedded runtime gives
    (`bench execute care_for_girls.townflow_ext.monitoring.overdue_list` prints it)."""
    today = getdate(today) if today else getdate()
    return [row.as_dict() for row in rules.overdue_list(records(names), policy(), today)]


def _due(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59))


def sync(
    now: datetime | None = None, names: list[str] | None = None, open_new: bool = True
) -> dict[str, int]:
    done = {"opened": 0, "escalated": 0, "closed": 0, "moved": 0}
    if not enabled():
        return done
    now = now or now_datetime()
    today = now.date()
    plan = policy()
    filters: dict[str, Any] = {
        "reference_doctype": DOCTYPE,
        "status": "Open",
        "kind": log.APPROVAL,
        "source": ["in", list(SOURCES)],
    }
    if names is not None:
        filters["reference_name"] = ["in", names or [""]]
    open_tasks: dict[str, list[dict]] = {}
    for task in frappe.get_all(log.TASK, filters=filters, fields=log.TASK_FIELDS, limit_page_length=0):
        if task.state in rules.STATE_KIND:
            open_tasks.setdefault(task.reference_name, []).append(task)
    seen = set()
    for record in records(names):
        seen.add(record["name"])
        tasks = open_tasks.get(record["name"], [])
        items = rules.work_items(record, plan, today)
        if not open_new:
            items = [i for i in items if any(t.state == i.state for t in tasks)]
        _reconcile(record, items, tasks, today, done)
    for name, tasks in open_tasks.items():
        if name not in seen:
            _reconcile({"name": name}, [], tasks, today, done)
    return done


def _reconcile(record: dict, items: list, tasks: list[dict], today: date, done: dict) -> None:
    wanted = {item.state: item for item in items}
    for task in tasks:
        if task.state not in wanted:
            frappe.db.set_value(log.TASK, task.name, "status", "Done", update_modified=True)
            done["closed"] += task.source == "monitoring"
    village = record.get("village")
    if not village:
        return
    ref = frappe._dict(doctype=DOCTYPE, name=record["name"], village=village)
    for state, item in wanted.items():
        clerk = next((t for t in tasks if t.state == state and t.source == "monitoring"), None)
        due = _due(item.due)
        if clerk is None:
            log.add_task(ref, None, state, log.APPROVAL, due, role=rules.CLERK_ROLE, source="monitoring")
            done["opened"] += 1
        else:
            changes = {}
            if clerk.scope_value != village:
                changes["scope_value"] = village
                done["moved"] += 1
            if clerk.due is None or frappe.utils.get_datetime(clerk.due) != due:
                changes["due"] = due
            if changes:
                frappe.db.set_value(log.TASK, clerk.name, changes, update_modified=True)
        escalated = next((t for t in tasks if t.state == state and t.source == "escalate"), None)
        if item.escalated(today) and escalated is None:
            shown = _due(item.escalation_due) if item.escalation_due else None  # no sensitive date
            log.add_task(ref, None, state, log.APPROVAL, shown, role=rules.ESCALATE_ROLE, source="escalate")
            if clerk is not None:
                frappe.db.set_value(log.TASK, clerk.name, "escalated", 1)
            done["escalated"] += 1


def daily() -> None:
    """scheduler_events: open, escalate and close the monitoring work of every ongoing pregnancy."""
    sync(now_datetime())
    frappe.db.commit()


def on_update(doc, method=None) -> None:
    """A visit or outcome recorded, or the record moved: its open work follows at once."""
    sync(now_datetime(), [doc.name], open_new=False)


def validate(doc, method=None) -> None:
    """The schedule fields of the record, from its visits (as the embedded runtime fills them)."""
    values = rules.schedule_fields(_plain(doc.as_dict()), policy())
    for fieldname, value in values.items():
        if doc.meta.has_field(fieldname):
            doc.set(fieldname, value)


@frappe.whitelist()
def followups() -> list[dict[str, Any]]:
    """townflow.api.followups: the visits, checks and outcomes due that wait on the user (the
    inbox's tasks: same scope and read check), soonest first, as the embedded runtime lists them."""
    from care_for_girls.townflow_ext import inbox

    # one row per document (the inbox's page): a record due for a visit and a check lists one of them
    rows = [r for r in inbox.page("todo", DOCTYPE, 0, 500) if r.get("workflow_state") in rules.STATE_KIND]
    found = [
        {
            "record": r.reference_name,
            "kind": rules.STATE_KIND[r.workflow_state],
            "state": r.workflow_state,
            "title": r.get("title"),
            "due": frappe.utils.getdate(r.due).isoformat() if r.get("due") else None,
            "escalated": r.get("source") == "escalate",
            "role": r.get("role"),
        }
        for r in rows
    ]
    return sorted(found, key=lambda r: (r["due"] or "", r["record"], r["kind"]))


@frappe.whitelist()
def followups_page() -> list[dict[str, Any]]:
    """The 随访 desk page (page/followups): `followups()` with what the page shows beside each row —
    the kind's label and the due date as "剩余N个工作日" (or how long overdue), in the user's language."""
    lang = "zh" if (frappe.local.lang or "").startswith("zh") else "en"
    today = getdate(now_datetime())
    rows = []
    for row in followups():
        due = getdate(row["due"]) if row.get("due") else None
        rows.append(
            {
                **row,
                "label": rules.KIND_LABEL[row["kind"]][lang],
                "due_text": rules.due_text(due, today, lang) if due else "",
                "overdue": bool(due and due < today),
            }
        )
    return rows
