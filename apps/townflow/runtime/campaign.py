"""The campaign's domain effects, applied by the embedded engine inside the transition's transaction.

The decisions come from `townflow.rules.campaign` (shared with the Frappe app); this module only
reads the registries those decisions need and writes the effects they return. Each hook looks
at the DocType and does nothing for others, and reads fields only when the DocType has them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from townflow.rules import campaign as rules
from townflow.runtime import errors
from townflow.runtime.db import quote, table

CERTIFICATE = "Termination Certificate Application"
REPORT = "Termination Report"
SUBSIDY = "Subsidy Application"
STUDENT_AID = "Student Aid Application"
#: Subsidy states in which a benefit counts as granted to the household.
GRANTED_STATES = ("Approved", "Disbursed")
ISSUED_STATE = "Issued"
EXPIRED_STATE = "Expired"
SYSTEM_USER = "Administrator"


def _has(loaded, fieldname: str) -> bool:
    return fieldname in loaded.meta.column_set


def _refuse(refusals: list[rules.Refusal]) -> None:
    if refusals:
        raise errors.ValidationError.from_messages(
            [errors.FieldMessage(r.field, r.zh, r.en) for r in refusals]
        )


def check_transition(session, loaded, transition) -> None:
    """Refuse a forward move whose application breaks a campaign rule (checked at every step)."""
    if transition.kind not in {"submit", "resubmit", "approve"}:
        return
    doctype, row, db = loaded.meta.name, loaded.row, session.site.db
    if doctype == SUBSIDY and _has(loaded, "benefit_type"):
        granted = []
        if row.get("household"):
            granted = [
                r[0]
                for r in db.fetchall(
                    f"""SELECT benefit_type FROM {table(SUBSIDY)} WHERE household = ? AND name != ?
                        AND workflow_state IN ({", ".join("?" for _ in GRANTED_STATES)})""",
                    (row["household"], row["name"], *GRANTED_STATES),
                )
            ]
        _refuse(
            rules.subsidy_refusals(
                row.get("benefit_type"), row.get("amount"), granted, session.site.project.settings
            )
        )
    elif doctype == STUDENT_AID and _has(loaded, "student"):
        student = None
        if row.get("student"):
            found = db.fetchone(f"SELECT * FROM {table('Person')} WHERE name = ?", (row["student"],))
            student = dict(found) if found else None
        _refuse(rules.student_aid_refusals(row.get("aid_type"), student))


def entering(session, loaded, target: str, at: str) -> dict[str, Any]:
    """Field updates for the acted-on document as it enters `target` (certificate serial and validity)."""
    if loaded.meta.name != CERTIFICATE or target != ISSUED_STATE or not _has(loaded, "certificate_no"):
        return {}
    if loaded.row.get("certificate_no"):
        return {}
    issued_on = date.fromisoformat(at[:10])
    settings = session.site.project.settings
    prefix = f"{rules.setting(settings, 'certificate_prefix', rules.CERTIFICATE_PREFIX)}-{issued_on.year}-"
    last = session.site.db.scalar(
        f"SELECT max(certificate_no) FROM {table(CERTIFICATE)} WHERE certificate_no LIKE ?", (prefix + "%",)
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return rules.certificate_issue(issued_on, sequence, settings)


def entered(session, loaded, updated: dict, target: str, at: str) -> None:
    """Effects on other documents once the acted-on document is in `target`."""
    if (
        loaded.meta.name == REPORT
        and int(updated.get("docstatus") or 0) == 1
        and int(loaded.row.get("docstatus") or 0) == 0
    ):
        certificate = None
        if updated.get("certificate"):
            found = session.site.db.fetchone(
                f"SELECT * FROM {table(CERTIFICATE)} WHERE name = ?", (updated["certificate"],)
            )
            certificate = dict(found) if found else None
        effects = rules.termination_report_effects(updated, certificate, CERTIFICATE)
        if any(e.field == "birth_quota_status" for e in effects):
            effects.append(
                rules.FieldUpdate("Household", updated.get("household"), "quota_suspended_on", at[:10])
            )
        apply_effects(session, effects, at)


def apply_effects(session, effects: list[rules.FieldUpdate], at: str) -> None:
    """Write field updates on registry documents as the system (the rule, not the user, decided them)."""
    metas = session.site.metas
    for effect in effects:
        if effect.name is None or not metas.exists(effect.doctype):
            continue
        meta = metas.get(effect.doctype)
        if effect.field not in meta.column_set:
            continue
        session.site.db.execute(
            f"UPDATE {meta.table} SET {quote(effect.field)} = ?, modified = ?, modified_by = ?"
            " WHERE name = ?",
            (effect.value, at, SYSTEM_USER, effect.name),
        )


def expired_certificates(site, today: date) -> list[str]:
    """Issued certificates nobody used whose validity ended before `today`."""
    if not site.metas.exists(CERTIFICATE) or "valid_until" not in site.metas.get(CERTIFICATE).column_set:
        return []
    rows = site.db.fetchall(
        f"""SELECT * FROM {table(CERTIFICATE)} WHERE workflow_state = ? AND valid_until < ?
            AND ifnull(certificate_used, 0) = 0""",
        (ISSUED_STATE, today.isoformat()),
    )
    return [r["name"] for r in rows if rules.certificate_expired(dict(r), today)]
