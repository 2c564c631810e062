"""公示 and 年审 in the embedded runtime (issue 17, points 1 and 2).

The decisions are townflow.rules.public_notice (shared with the Frappe app); this module reads
and writes, inside the transaction of the step that caused it:
- `check_leave`: a human transition out of a notice state is refused while the window runs or an
  objection is unsettled (system moves, 退回 and 撤回 are not: they take the notice down);
- `entering`: the fields a state entered sets (`reconfirm_due` when a continuing benefit starts);
- `after_move`: the open notice of the state left is closed, a notice state entered posts a new
  Public Notice holding only the masked public items;
- `file_objection` (anyone, the public page), `settle` (the township), `reply_for` (the objector,
  with the objection number and check code), `current_notices` (the public page and the sheet);
- `open_reconfirmations` (tick): a Benefit Reconfirmation for every continuing benefit due, its
  eligibility checked again; `confirmed` / `lapsed` when the village clerk decides.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from townflow.rules import public_notice as rules
from townflow.runtime import expressions
from townflow.runtime.db import table
from townflow.runtime.errors import DoesNotExistError, ValidationError
from townflow.runtime.errors import PermissionError as NotPermitted
from townflow.runtime.system_doctypes import ADMINISTRATOR

RECONFIRMATION_STATE = "Pending Village Confirmation"
RECONFIRMATION_OPEN = "Open Reconfirmation"
CONFIRMED, LAPSED = "Confirmed", "Lapsed"


def _today(at: str) -> date:
    return datetime.fromisoformat(at).date()


def _system(session):
    system = session.site.session(ADMINISTRATOR, ignore_permissions=True)
    clock = getattr(session, "clock", None)
    if clock is not None:
        system.clock = clock
    return system


def _refusal(error: rules.NoticeError) -> ValidationError:
    return ValidationError(error.en, error.zh)


def _has_notices(site) -> bool:
    return site.metas.exists(rules.NOTICE) and site.metas.exists(rules.OBJECTION)


def _open_notice(site, doctype: str, name: str) -> dict | None:
    row = site.db.fetchone(
        f"SELECT * FROM {table(rules.NOTICE)} WHERE reference_doctype = ? AND reference_name = ? "
        "AND status = ? ORDER BY creation DESC LIMIT 1",
        (doctype, name, rules.OPEN),
    )
    return dict(row) if row else None


def _open_objections(site, notice: str) -> list[str]:
    rows = site.db.fetchall(
        f"SELECT name FROM {table(rules.OBJECTION)} WHERE public_notice = ? AND status = ? ORDER BY name",
        (notice, rules.OPEN),
    )
    return [r["name"] for r in rows]


# --- the workflow engine's calls ------------------------------------------------------------


def check_leave(session, loaded, from_state: str, at: str) -> None:
    """Refuse a human transition out of a notice state while its window runs or an objection
    is unsettled."""
    state = loaded.workflow.state(from_state)
    if state is None or state.public_notice is None or not _has_notices(session.site):
        return
    notice = _open_notice(session.site, loaded.workflow.document_type, loaded.row["name"])
    if notice is None:
        return
    ends_on = date.fromisoformat(notice["ends_on"]) if notice.get("ends_on") else None
    refusal = rules.leave_refusal(ends_on, _today(at), _open_objections(session.site, notice["name"]))
    if refusal is not None:
        raise _refusal(refusal)


def entering(session, loaded, target: str, at: str) -> dict[str, Any]:
    """年审: a continuing benefit entering a running state gets its reconfirmation date."""
    spec = loaded.workflow.reconfirmation
    if spec is None or target not in spec.states or spec.date_field not in loaded.meta.column_set:
        return {}
    if loaded.row.get(spec.date_field):
        return {}
    if spec.when and not expressions.evaluate(session.site, session.ctx, spec.when, dict(loaded.row)):
        return {}
    return {spec.date_field: rules.add_months(_today(at), spec.every_months).isoformat()}


def after_move(session, loaded, from_state: str, target: str, at: str, by_transition: bool) -> None:
    """Close the notice of the state left; post one for a notice state entered."""
    site = session.site
    if not _has_notices(site) or from_state == target:
        return
    wf, name = loaded.workflow, loaded.row["name"]
    left = wf.state(from_state)
    if left is not None and left.public_notice is not None:
        notice = _open_notice(site, wf.document_type, name)
        if notice is not None:
            status = rules.ENDED if by_transition else rules.WITHDRAWN
            _system(session).db_set(
                rules.NOTICE, notice["name"], {"status": status, "closed_on": _today(at).isoformat()}
            )
    entered = wf.state(target)
    if entered is None or entered.public_notice is None:
        return
    spec = entered.public_notice
    stored = site.db.fetchone(f"SELECT * FROM {loaded.meta.table} WHERE name = ?", (name,))
    doc = dict(stored) if stored else dict(loaded.row)
    posted = _today(at)
    doctype_spec = site.project.doctypes.get(wf.document_type) or loaded.meta.doctype
    label = doctype_spec.label.zh if doctype_spec else wf.document_type
    _system(session).insert(
        {
            "doctype": rules.NOTICE,
            "title": f"{label}（{entered.label.zh}）",
            "reference_doctype": wf.document_type,
            "reference_name": name,
            "notice_state": target,
            "level": rules.LEVEL[spec.posted_at],
            "village": doc.get("village"),
            "posted_on": posted.isoformat(),
            "ends_on": rules.window_end(posted, spec.window_days).isoformat(),
            "window_days": spec.window_days,
            "status": rules.OPEN,
            "items": rules.items_json(rules.public_items(doctype_spec, spec, doc)),
        }
    )


# --- the public page ----------------------------------------------------------------------


def current_notices(site, today: date, village: str | None = None) -> list[dict[str, Any]]:
    """Notices whose window runs today, by village then posting: what the public page lists."""
    if not _has_notices(site):
        return []
    sql = (
        f"SELECT name, title, level, village, posted_on, ends_on, window_days, items "
        f"FROM {table(rules.NOTICE)} WHERE status = ? AND ends_on >= ?"
    )
    params: list[Any] = [rules.OPEN, today.isoformat()]
    if village:
        sql += " AND village = ?"
        params.append(village)
    rows = site.db.fetchall(sql + " ORDER BY village, posted_on, name", tuple(params))
    return [{**dict(r), "items": rules.items_of(r["items"])} for r in rows]


def by_village(notices: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for notice in notices:
        groups[notice.get("village") or ""].append(notice)
    return sorted(groups.items())


def file_objection(
    site, notice: Any, name: Any, contact: Any, content: Any, now: datetime
) -> tuple[str, str]:
    """Anyone's objection to a running notice: (objection number, check code to read the reply)."""
    try:
        name, contact, content = rules.clean_objection(name, contact, content)
    except rules.NoticeError as error:
        raise ValidationError(error.en, error.zh) from None
    if not isinstance(notice, str) or not _has_notices(site):
        raise DoesNotExistError("Public notice not found", "公示不存在")
    system = site.session(ADMINISTRATOR, ignore_permissions=True)
    system.clock = lambda: now
    with site.db.transaction():
        row = site.db.fetchone(f"SELECT * FROM {table(rules.NOTICE)} WHERE name = ?", (notice,))
        if (
            row is None
            or row["status"] != rules.OPEN
            or not rules.is_running(date.fromisoformat(row["ends_on"]), now.date())
        ):
            raise DoesNotExistError(
                "This public notice is not running: objections are taken only while it runs",
                "该公示不在公示期内：仅在公示期内受理异议",
            )
        created = system.insert(
            {
                "doctype": rules.OBJECTION,
                "public_notice": notice,
                "reference_doctype": row["reference_doctype"],
                "reference_name": row["reference_name"],
                "village": row["village"],
                "objector_name": name,
                "objector_contact": contact,
                "content": content,
                "status": rules.OPEN,
            }
        )
        code = rules.new_check_code()
        system.db_set(
            rules.OBJECTION, created["name"], {"check_code_hash": rules.code_hash(created["name"], code)}
        )
        site.audit.record("objection", "Guest", rules.OBJECTION, created["name"], {"public_notice": notice})
    return created["name"], code


def reply_for(site, objection: Any, code: Any) -> dict[str, Any] | None:
    """What the objector may see with the number and code: status and replies. None otherwise
    (an unknown number and a wrong code answer the same)."""
    if not isinstance(objection, str) or not _has_notices(site):
        return None
    row = site.db.fetchone(
        f"SELECT name, status, check_code_hash FROM {table(rules.OBJECTION)} WHERE name = ?",
        (objection.strip(),),
    )
    if row is None or not rules.code_matches(row["name"], code, row["check_code_hash"]):
        return None
    replies = []
    if site.metas.exists(rules.OUTBOX):
        found = site.db.fetchall(
            f"SELECT message, sent_at FROM {table(rules.OUTBOX)} WHERE objection = ? ORDER BY creation",
            (row["name"],),
        )
        replies = [dict(r) for r in found]
    return {"name": row["name"], "status": row["status"], "replies": replies}


# --- the township settles -------------------------------------------------------------------


def settle(session, objection: str, decision: str, reason: str) -> dict[str, Any]:
    """异议处理: upheld (return / reject the application with the reason) or dismissed; the objector
    is told through the outbox. One transaction."""
    from townflow.runtime.workflow import apply_system_move

    site = session.site
    if not _has_notices(site):
        raise DoesNotExistError("Objection not found", "异议不存在")
    with site.db.transaction():
        row = site.db.fetchone(f"SELECT * FROM {table(rules.OBJECTION)} WHERE name = ?", (objection,))
        if row is None or not session.has_permission(rules.OBJECTION, "read", objection):
            raise DoesNotExistError(f"Notice Objection {objection} not found", f"公示异议 {objection} 不存在")
        try:
            text = rules.check_settlement(decision, reason, row["status"], session.ctx.roles)
        except rules.NoticeError as error:
            if error.field is None:
                raise NotPermitted(error.en, error.zh) from None
            raise ValidationError(error.en, error.zh) from None
        at = datetime.fromisoformat(_stamp(session))
        system = _system(session)
        status = rules.DISMISSED if decision == rules.DISMISS else rules.UPHELD
        values = {
            "status": status,
            "outcome": {rules.RETURN: "Return", rules.REJECT: "Reject"}.get(decision),
            "reason": text,
            "settled_by": session.ctx.user,
            "settled_at": at.isoformat(sep=" "),
        }
        system.db_set(rules.OBJECTION, objection, values)
        doctype, name = row["reference_doctype"], row["reference_name"]
        if decision != rules.DISMISS:
            workflow = site.project.workflow_for(doctype)
            notice = site.db.fetchone(
                f"SELECT notice_state FROM {table(rules.NOTICE)} WHERE name = ?", (row["public_notice"],)
            )
            state = workflow.state(notice["notice_state"]) if workflow and notice else None
            stored = site.db.fetchone(f"SELECT workflow_state FROM {table(doctype)} WHERE name = ?", (name,))
            if state is None or state.public_notice is None or stored is None or stored[0] != state.state:
                raise ValidationError(
                    "The application has left the public notice: "
                    "it can no longer be returned or rejected here",
                    "该申请已不在公示环节，不能在此退回或不予批准",
                )
            spec = state.public_notice
            target = (
                spec.reject_to if decision == rules.REJECT else (spec.return_to or workflow.applicant_state)
            )
            action = "Objection Upheld"
            comment = f"公示异议成立（{objection}）/ Objection {objection} upheld: {text}"
            apply_system_move(session, doctype, name, target, action, comment)
        label = site.project.doctypes[doctype].label.zh if doctype in site.project.doctypes else doctype
        message = rules.reply_message(objection, decision, text, f"{label} {name}")
        system.insert(
            {
                "doctype": rules.OUTBOX,
                "objection": objection,
                "contact": row["objector_contact"],
                "message": message,
                "sent_at": at.isoformat(sep=" "),
            }
        )
        site.audit.record(
            "objection_settled", session.ctx.user, rules.OBJECTION, objection, {"decision": decision}
        )
    return {"name": objection, "status": status, "reason": text}


def open_objections(session) -> list[dict[str, Any]]:
    """The objections waiting for the township, as the user may read them (masked contact)."""
    if not _has_notices(session.site) or not session.has_permission(rules.OBJECTION, "read"):
        return []
    return session.get_list(
        rules.OBJECTION,
        fields=[
            "name",
            "reference_doctype",
            "reference_name",
            "village",
            "objector_name",
            "objector_contact",
            "content",
            "creation",
        ],
        filters={"status": rules.OPEN},
        order_by="creation asc",
        limit_page_length=200,
    )


def _stamp(session) -> str:
    from townflow.runtime import workflow_io

    return workflow_io.now(session)


# --- 年审 -------------------------------------------------------------------------------------


def _eligibility(site, doctype: str, name: str) -> list[tuple[str, str]]:
    """The application's rules checked again on its current registry data: problems (en, zh)."""
    from townflow.runtime.validation import Validator

    meta = site.metas.get(doctype)
    system = site.session(ADMINISTRATOR, ignore_permissions=True)
    doc = system.get(doctype, name)
    validator = Validator(site, system, old=dict(doc))
    validator.fetch_from(meta, doc)
    validator.check_rules(meta, doc)
    return [(m.en, m.zh) for m in validator.errors.messages]


def open_reconfirmations(session, today: date) -> int:
    """A Benefit Reconfirmation for every continuing benefit whose reconfirmation date has come
    and that has none open; moved at once to the village clerk's step."""
    from townflow.runtime.workflow import apply_system_move

    site = session.site
    opened = 0
    for workflow in site.project.workflows.values():
        spec = workflow.reconfirmation
        if (
            spec is None
            or not site.metas.exists(spec.task_doctype)
            or not site.metas.exists(workflow.document_type)
        ):
            continue
        meta = site.metas.get(workflow.document_type)
        if spec.date_field not in meta.column_set:
            continue
        marks = ", ".join("?" for _ in spec.states)
        due = site.db.fetchall(
            f"SELECT name, {spec.date_field} AS due FROM {meta.table} WHERE workflow_state IN ({marks}) "
            f"AND {spec.date_field} IS NOT NULL AND {spec.date_field} != '' "
            f"AND {spec.date_field} <= ? ORDER BY name",
            (*spec.states, today.isoformat()),
        )
        task = table(spec.task_doctype)
        system = _system(session)
        for row in due:
            already = site.db.fetchone(
                f"SELECT 1 FROM {task} WHERE subsidy_application = ? AND docstatus = 0", (row["name"],)
            )
            if already:
                continue
            with site.db.transaction():
                problems = _eligibility(site, workflow.document_type, row["name"])
                note = (
                    "\n".join(f"{zh} / {en}" for en, zh in problems)
                    if problems
                    else "系统复核：仍符合条件 / Checked again: still eligible"
                )
                record = system.insert(
                    {
                        "doctype": spec.task_doctype,
                        "subsidy_application": row["name"],
                        "due_on": row["due"],
                        "eligible": 0 if problems else 1,
                        "eligibility_note": note,
                    }
                )
                apply_system_move(
                    session, spec.task_doctype, record["name"], RECONFIRMATION_STATE, RECONFIRMATION_OPEN
                )
            opened += 1
    return opened


def _reconfirmation_spec(site, task_doctype: str):
    for workflow in site.project.workflows.values():
        if workflow.reconfirmation is not None and workflow.reconfirmation.task_doctype == task_doctype:
            return workflow
    return None


def check_reconfirmation(session, loaded, target: str) -> None:
    """Confirm Qualifies is refused while the application's eligibility rules fail (the clerk
    stops the benefit instead, or has the registry corrected first)."""
    if target != CONFIRMED or _reconfirmation_spec(session.site, loaded.workflow.document_type) is None:
        return
    workflow = _reconfirmation_spec(session.site, loaded.workflow.document_type)
    problems = _eligibility(session.site, workflow.document_type, loaded.row["subsidy_application"])
    if problems:
        raise ValidationError(
            "The household no longer qualifies: "
            + "; ".join(en for en, _ in problems)
            + " (Stop Benefit instead)",
            "该户已不符合条件：" + "；".join(zh for _, zh in problems) + "（请办理停发）",
        )


def reconfirmation_after_move(session, loaded, target: str, at: str, comment: str | None) -> None:
    """Confirmed: the next date a period on. Lapsed: the benefit stops, with the notice on both.
    A running benefit the township stops directly gets its stop notice from the comment."""
    from townflow.runtime.workflow import apply_system_move

    own = loaded.workflow.reconfirmation
    if own is not None and target == own.stopped_state and comment:
        if rules.STOP_NOTICE_FIELD in loaded.meta.column_set:
            notice = comment.strip()
            if "年审" not in notice:  # a direct stop (the lapse writes its own notice)
                notice = rules.township_stop_notice(_today(at), notice)
            values = {rules.STOP_NOTICE_FIELD: notice, own.date_field: None}
            _system(session).db_set(loaded.workflow.document_type, loaded.row["name"], values)
        return
    workflow = _reconfirmation_spec(session.site, loaded.workflow.document_type)
    if workflow is None or target not in (CONFIRMED, LAPSED):
        return
    spec = workflow.reconfirmation
    system = _system(session)
    application = loaded.row["subsidy_application"]
    today = _today(at)
    if target == CONFIRMED:
        base = date.fromisoformat(loaded.row.get("due_on") or today.isoformat())
        next_due = rules.add_months(base, spec.every_months).isoformat()
        system.db_set(workflow.document_type, application, {spec.date_field: next_due})
        system.db_set(
            loaded.workflow.document_type, loaded.row["name"], {"next_due": next_due, "eligible": 1}
        )
        return
    notice = rules.stop_notice(loaded.row["name"], today, (comment or "").strip())
    system.db_set(loaded.workflow.document_type, loaded.row["name"], {"stop_notice": notice})
    apply_system_move(
        session, workflow.document_type, application, spec.stopped_state, "Stop Benefit", notice
    )
    system.db_set(workflow.document_type, application, {"stop_notice": notice, spec.date_field: None})
