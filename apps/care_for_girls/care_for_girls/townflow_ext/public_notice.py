"""公示 and 年审 on Frappe, as the embedded runtime does them (townflow.runtime.public_notice):
townflow.rules.public_notice decides, this module reads and writes.

- `check_leave` / `check_reconfirmation` (api.apply_workflow): End Notice is refused while the
  window runs or an objection is unsettled; Confirm Qualifies while the household fails its rules;
- `entered` (events.on_change, a transition) and `moved` (api._move: return, withdraw, system):
  the notice of the state left is closed, a notice state entered posts a Public Notice of the
  masked public items, a continuing benefit starting gets its reconfirmation date, a reconfirmation
  confirmed or lapsed writes its outcome;
- guest methods for the web page www/notice (rate-limited per address with frappe.rate_limiter):
  `file_objection`, `objection_reply`; `board` gives the page its notices;
- `settle_objection` (the township) and `open_reconfirmations` (the daily scheduler job).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import frappe
from frappe.utils import getdate, now_datetime, nowdate

from care_for_girls.townflow_ext import spec
from townflow.rules import public_notice as rules

try:  # Frappe's per-address limits (redis); a stand-in without it runs the method unlimited
    from frappe.rate_limiter import rate_limit
except ImportError:  # pragma: no cover - every Frappe v15 has it

    def rate_limit(*_args, **_kwargs):
        return lambda fn: fn


RECONFIRMATION_STATE = "Pending Village Confirmation"
CONFIRMED, LAPSED = "Confirmed", "Lapsed"
#: objections per address per hour; answer look-ups (a code is 8 characters) per address per hour
OBJECTIONS_PER_HOUR, LOOKUPS_PER_HOUR = 5, 30


def _throw(error: rules.NoticeError, exc=None) -> None:
    from care_for_girls.townflow_ext import errors

    frappe.throw(errors.bilingual(error.en, error.zh), exc or frappe.ValidationError)


def _today() -> date:
    return getdate(nowdate())


def _open_notice(doctype: str, name: str) -> dict | None:
    rows = frappe.get_all(
        rules.NOTICE,
        filters={"reference_doctype": doctype, "reference_name": name, "status": rules.OPEN},
        fields=["name", "ends_on", "notice_state"],
        order_by="creation desc",
        limit=1,
    )
    return rows[0] if rows else None


def _open_objections(notice: str) -> list[str]:
    return sorted(
        frappe.get_all(rules.OBJECTION, filters={"public_notice": notice, "status": rules.OPEN}, pluck="name")
    )


# --- the workflow's calls ---------------------------------------------------------------------


def check_leave(stored, workflow, state: str) -> None:
    found = workflow.state(state)
    if found is None or found.public_notice is None:
        return
    notice = _open_notice(stored.doctype, stored.name)
    if notice is None:
        return
    ends_on = getdate(notice["ends_on"]) if notice.get("ends_on") else None
    refusal = rules.leave_refusal(ends_on, _today(), _open_objections(notice["name"]))
    if refusal is not None:
        _throw(refusal)


def _reconfirmed_workflow(task_doctype: str):
    for name in spec.doctype_names():
        workflow = spec.workflow(name)
        if (
            workflow is not None
            and workflow.reconfirmation
            and workflow.reconfirmation.task_doctype == task_doctype
        ):
            return workflow
    return None


def eligibility(doctype: str, name: str) -> list[str]:
    """The application's rules checked again on its registry data as it is now (fetched values
    read afresh): the messages of the rules that fail."""
    from care_for_girls.townflow_ext import events

    dt = spec.doctype(doctype)
    doc = frappe.get_doc(doctype, name)
    for f in dt.fields if dt else []:
        if f.fetch_from and "." in f.fetch_from:
            link, source = f.fetch_from.split(".", 1)
            target = dt.field(link)
            if target is not None and target.fieldtype == "Link" and doc.get(link):
                doc.set(f.fieldname, frappe.db.get_value(target.options, doc.get(link), source))
    return events._rule_errors(dt, doc) if dt else []


def check_reconfirmation(stored, target: str) -> None:
    workflow = _reconfirmed_workflow(stored.doctype)
    if workflow is None or target != CONFIRMED:
        return
    problems = eligibility(workflow.document_type, stored.get("subsidy_application"))
    if problems:
        _throw(
            rules.NoticeError(
                "The household no longer qualifies: " + "; ".join(problems) + " (Stop Benefit instead)",
                "该户已不符合条件：" + "；".join(problems) + "（请办理停发）",
            )
        )


def _post(doc, workflow, state) -> None:
    notice = state.public_notice
    posted = _today()
    dt = spec.doctype(doc.doctype)
    values = frappe.parse_json(frappe.as_json(doc.as_dict()))
    frappe.get_doc(
        {
            "doctype": rules.NOTICE,
            "title": f"{dt.label.zh if dt else doc.doctype}（{state.label.zh}）",
            "reference_doctype": doc.doctype,
            "reference_name": doc.name,
            "notice_state": state.state,
            "level": rules.LEVEL[notice.posted_at],
            "village": doc.get("village"),
            "posted_on": posted.isoformat(),
            "ends_on": rules.window_end(posted, notice.window_days).isoformat(),
            "window_days": notice.window_days,
            "status": rules.OPEN,
            "items": rules.items_json(rules.public_items(dt, notice, values)),
        }
    ).insert(ignore_permissions=True)


def moved(doc, workflow, old: str | None, new: str, by_transition: bool = False) -> None:
    """Close the notice of the state left, post one for a notice state entered."""
    if not old or old == new:
        return
    left = workflow.state(old)
    if left is not None and left.public_notice is not None:
        notice = _open_notice(doc.doctype, doc.name)
        if notice is not None:
            status = rules.ENDED if by_transition else rules.WITHDRAWN
            frappe.db.set_value(rules.NOTICE, notice["name"], {"status": status, "closed_on": nowdate()})
    entered_state = workflow.state(new)
    if entered_state is not None and entered_state.public_notice is not None:
        _post(doc, workflow, entered_state)


def entered(doc, workflow, old: str | None, new: str, comment: str | None = None) -> None:
    """A transition: the notices, the reconfirmation date of a benefit starting, a reconfirmation's
    outcome."""
    moved(doc, workflow, old, new, by_transition=True)
    spec_r = workflow.reconfirmation
    if spec_r is not None and new in spec_r.states and not doc.get(spec_r.date_field):
        from care_for_girls.townflow_ext import events
        from townflow.expr import parse

        plain = frappe.parse_json(frappe.as_json(doc.as_dict()))
        context = events.expression_context(plain)
        if not spec_r.when or parse(spec_r.when).evaluate(context, events.runtime_functions(doc)):
            due = rules.add_months(_today(), spec_r.every_months).isoformat()
            frappe.db.set_value(doc.doctype, doc.name, spec_r.date_field, due)
    _reconfirmation_outcome(doc, new, comment)


def _reconfirmation_outcome(doc, new: str, comment: str | None) -> None:
    own = spec.workflow(doc.doctype)
    own = own.reconfirmation if own is not None else None
    if own is not None and new == own.stopped_state and comment and "年审" not in comment:
        notice = rules.township_stop_notice(_today(), comment.strip())  # the township stops it directly
        frappe.db.set_value(doc.doctype, doc.name, {rules.STOP_NOTICE_FIELD: notice, own.date_field: None})
        return
    workflow = _reconfirmed_workflow(doc.doctype)
    if workflow is None or new not in (CONFIRMED, LAPSED):
        return
    spec_r = workflow.reconfirmation
    application = doc.get("subsidy_application")
    if new == CONFIRMED:
        base = getdate(doc.get("due_on") or nowdate())
        next_due = rules.add_months(base, spec_r.every_months).isoformat()
        frappe.db.set_value(workflow.document_type, application, spec_r.date_field, next_due)
        frappe.db.set_value(doc.doctype, doc.name, {"next_due": next_due, "eligible": 1})
        return
    from care_for_girls.townflow_ext import api

    notice = rules.stop_notice(doc.name, _today(), (comment or "").strip())
    frappe.db.set_value(doc.doctype, doc.name, "stop_notice", notice)
    api.system_move(
        frappe.get_doc(workflow.document_type, application), spec_r.stopped_state, "Stop Benefit", notice
    )
    frappe.db.set_value(workflow.document_type, application, {"stop_notice": notice, spec_r.date_field: None})


# --- the public page and its guest methods ---------------------------------------------------------


def board(village: str | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
    """Notices whose window runs today, grouped by village: what www/notice shows."""
    filters: dict[str, Any] = {"status": rules.OPEN, "ends_on": [">=", nowdate()]}
    if village:
        filters["village"] = village
    rows = frappe.get_all(
        rules.NOTICE,
        filters=filters,
        fields=["name", "title", "level", "village", "posted_on", "ends_on", "items"],
        order_by="village asc, posted_on asc, name asc",
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        shown = dict(row)
        shown["items"] = rules.items_of(row.get("items"))
        groups.setdefault(row.get("village") or "", []).append(shown)
    return sorted(groups.items())


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=OBJECTIONS_PER_HOUR, seconds=60 * 60)
def file_objection(notice=None, objector_name=None, objector_contact=None, content=None) -> dict[str, str]:
    """Anyone's objection to a running notice: the objection number and the check code."""
    try:
        name, contact, text = rules.clean_objection(objector_name, objector_contact, content)
    except rules.NoticeError as error:
        _throw(error)
    row = frappe.db.get_value(
        rules.NOTICE,
        notice,
        ["name", "status", "ends_on", "reference_doctype", "reference_name", "village"],
        as_dict=True,
    )
    if not row or row.get("status") != rules.OPEN or not rules.is_running(getdate(row["ends_on"]), _today()):
        _throw(
            rules.NoticeError(
                "This public notice is not running: objections are taken only while it runs",
                "该公示不在公示期内：仅在公示期内受理异议",
            ),
            frappe.DoesNotExistError,
        )
    created = frappe.get_doc(
        {
            "doctype": rules.OBJECTION,
            "public_notice": row["name"],
            "reference_doctype": row["reference_doctype"],
            "reference_name": row["reference_name"],
            "village": row["village"],
            "objector_name": name,
            "objector_contact": contact,
            "content": text,
            "status": rules.OPEN,
        }
    ).insert(ignore_permissions=True)
    code = rules.new_check_code()
    frappe.db.set_value(rules.OBJECTION, created.name, "check_code_hash", rules.code_hash(created.name, code))
    return {"objection": created.name, "code": code}


@frappe.whitelist(allow_guest=True)
@rate_limit(limit=LOOKUPS_PER_HOUR, seconds=60 * 60)
def objection_reply(objection=None, code=None) -> dict[str, Any]:
    """The objector reads the status and the township's answer; anything else reads "not found"."""
    row = frappe.db.get_value(rules.OBJECTION, objection, ["name", "status", "check_code_hash"], as_dict=True)
    if not row or not rules.code_matches(row["name"], code, row.get("check_code_hash")):
        _throw(rules.NoticeError("Not found", "未找到：请核对异议编号和查询码"), frappe.DoesNotExistError)
    replies = frappe.get_all(
        rules.OUTBOX,
        filters={"objection": row["name"]},
        fields=["message", "sent_at"],
        order_by="creation asc",
    )
    return {"objection": row["name"], "status": row["status"], "replies": [dict(r) for r in replies]}


@frappe.whitelist(methods=["POST"])
def settle_objection(objection, decision, reason) -> dict[str, Any]:
    """The township settles: upheld (the application returns or is rejected, with the reason) or
    dismissed; the objector is told through the outbox."""
    from care_for_girls.townflow_ext import api

    stored = frappe.get_doc(rules.OBJECTION, objection)
    stored.check_permission("read")
    try:
        text = rules.check_settlement(decision, reason, stored.get("status"), frozenset(frappe.get_roles()))
    except rules.NoticeError as error:
        _throw(error, frappe.PermissionError if error.field is None else frappe.ValidationError)
    status = rules.DISMISSED if decision == rules.DISMISS else rules.UPHELD
    if decision != rules.DISMISS:
        workflow = spec.workflow(stored.reference_doctype)
        state_name = frappe.db.get_value(rules.NOTICE, stored.public_notice, "notice_state")
        state = workflow.state(state_name) if workflow and state_name else None
        application = frappe.get_doc(stored.reference_doctype, stored.reference_name)
        if state is None or state.public_notice is None or application.get("workflow_state") != state.state:
            _throw(
                rules.NoticeError(
                    "The application has left the public notice: "
                    "it can no longer be returned or rejected here",
                    "该申请已不在公示环节，不能在此退回或不予批准",
                )
            )
        notice = state.public_notice
        target = (
            notice.reject_to if decision == rules.REJECT else (notice.return_to or workflow.applicant_state)
        )
        comment = f"公示异议成立（{objection}）/ Objection {objection} upheld: {text}"
        api.system_move(application, target, "Objection Upheld", comment)  # takes the notice down
    frappe.db.set_value(
        rules.OBJECTION,
        objection,
        {
            "status": status,
            "outcome": {rules.RETURN: "Return", rules.REJECT: "Reject"}.get(decision),
            "reason": text,
            "settled_by": frappe.session.user,
            "settled_at": now_datetime(),
        },
    )
    dt = spec.doctype(stored.reference_doctype)
    label = f"{dt.label.zh if dt else stored.reference_doctype} {stored.reference_name}"
    frappe.get_doc(
        {
            "doctype": rules.OUTBOX,
            "objection": objection,
            "contact": stored.get("objector_contact"),
            "message": rules.reply_message(objection, decision, text, label),
            "sent_at": now_datetime(),
        }
    ).insert(ignore_permissions=True)
    return {"objection": objection, "status": status, "reason": text}


# --- 年审, from the daily scheduler job -----------------------------------------------------------


def open_reconfirmations() -> int:
    """A reconfirmation task for every continuing benefit due today and not already open, its
    eligibility checked again; moved to the village clerk's step."""
    from care_for_girls.townflow_ext import api

    opened = 0
    for doctype in spec.doctype_names():
        workflow = spec.workflow(doctype)
        spec_r = workflow.reconfirmation if workflow else None
        if spec_r is None:
            continue
        due = frappe.get_all(
            doctype,
            filters={"workflow_state": ["in", spec_r.states], spec_r.date_field: ["<=", nowdate()]},
            fields=["name", spec_r.date_field],
        )
        for row in due:
            if not row.get(spec_r.date_field):
                continue
            if frappe.get_all(
                spec_r.task_doctype, filters={"subsidy_application": row["name"], "docstatus": 0}
            ):
                continue
            problems = eligibility(doctype, row["name"])
            note = "\n".join(problems) if problems else "系统复核：仍符合条件 / Checked again: still eligible"
            task = frappe.get_doc(
                {
                    "doctype": spec_r.task_doctype,
                    "subsidy_application": row["name"],
                    "due_on": str(row[spec_r.date_field]),
                    "eligible": 0 if problems else 1,
                    "eligibility_note": note,
                }
            ).insert(ignore_permissions=True)
            api.system_move(task, RECONFIRMATION_STATE, "Open Reconfirmation")
            opened += 1
    return opened
