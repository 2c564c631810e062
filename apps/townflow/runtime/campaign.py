"""The campaign's domain effects in the embedded runtime, applied inside the step's transaction.

The decisions come from `townflow.rules.campaign` (shared with the Frappe app); this module reads
what those decisions need and writes what they return:
- a certificate entering Issued gets its serial number (gap-free per year, from the series'
  counter row in tabSeries, incremented in the step's transaction) and its validity;
- a subsidy or student-aid application entering Approved gets its approval notice number, the
  same way (`rules.APPROVAL_NOTICES`);
- a submitted Termination Report records whether a valid certificate covered it; with one, the
  certificate is marked used by the report and moved to Used; without one, the household's
  birth quota is suspended;
- `tick` expires issued certificates nobody used.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from townflow.rules import campaign as rules
from townflow.rules import pregnancy as pregnancy_rules
from townflow.runtime import naming, store
from townflow.runtime.db import table

CERTIFICATE = "Termination Certificate Application"
REPORT = "Termination Report"
ISSUED_STATE = "Issued"
EXPIRED_STATE = "Expired"
USED_ACTION = "Record Use"


def next_serial_sequence(db, doctype: str, field: str, prefix: str) -> int:
    """The next number of the serial series `prefix` (`BZTZ-2026-`), from its counter row in
    `tabSeries` incremented in the caller's write transaction (townflow.runtime.naming.next_value,
    as Frappe's getseries): gap-free, in order past 99,999. A series without a counter row yet
    (serials issued before counters existed) starts after the highest number already issued,
    compared as a number."""
    key = rules.serial_counter_key(prefix)
    if db.scalar('SELECT current FROM "tabSeries" WHERE name = ?', (key,)) is None:
        # The table and column come from the spec (checked against the DocType's columns).
        highest = db.scalar(
            f"SELECT max(CAST(substr({field}, ?) AS INTEGER)) FROM {table(doctype)} WHERE {field} LIKE ?",
            (len(prefix) + 1, prefix + "%"),
        )
        if highest:
            db.execute('INSERT INTO "tabSeries" (name, current) VALUES (?, ?)', (key, int(highest)))
    return naming.next_value(db, key)


def _approval_notice(session, loaded, target: str, at: str) -> dict[str, Any]:
    """An application entering its approved state gets its approval notice number (gap-free per
    DocType and year, from the series' counter row, as for certificates)."""
    doctype = loaded.meta.name
    rule = rules.notice_serial_rule(doctype, target, loaded.row.get(rules.APPROVAL_NOTICES[doctype].field))
    if rule is None or rule.field not in loaded.meta.column_set:
        return {}
    issued_on = date.fromisoformat(at[:10])
    prefix = rules.notice_serial_prefix(rule, issued_on)
    sequence = next_serial_sequence(session.site.db, doctype, rule.field, prefix)
    return rules.approval_notice_serial(rule, issued_on, sequence)


def entering(session, loaded, target: str, at: str) -> dict[str, Any]:
    """Field updates for the acted-on document as it enters `target` (certificate serial and
    validity, approval notice number)."""
    if loaded.meta.name in rules.APPROVAL_NOTICES:
        return _approval_notice(session, loaded, target, at)
    if loaded.meta.name != CERTIFICATE or target != ISSUED_STATE:
        return {}
    if "certificate_serial" not in loaded.meta.column_set or loaded.row.get("certificate_serial"):
        return {}
    issued_on = date.fromisoformat(at[:10])
    settings = session.site.settings()
    prefix = rules.certificate_serial_prefix(settings, issued_on)
    sequence = next_serial_sequence(session.site.db, CERTIFICATE, "certificate_serial", prefix)
    return rules.certificate_issue(issued_on, sequence, settings)


def _certificate(site, name: str | None) -> dict | None:
    if not name or not site.metas.exists(CERTIFICATE):
        return None
    return store.load(site.db, site.metas, site.metas.get(CERTIFICATE), name, with_children=False)


def before_report_submit(event) -> None:
    """Hook (Termination Report, before_submit): record the certificate check on the report."""
    certificate = _certificate(event.session.site, event.doc.get("certificate"))
    event.doc.update(rules.termination_report_check(event.doc, certificate))


def on_report_submit(event) -> None:
    """Hook (Termination Report, on_submit): mark the certificate used, or suspend the quota."""
    from townflow.runtime import workflow  # the engine moves the certificate to Used

    session, report = event.session, event.doc
    site = session.site
    certificate = _certificate(site, report.get("certificate"))
    effects = rules.termination_report_effects(report, certificate, CERTIFICATE)
    system = site.session(session.user, ignore_permissions=True)
    by_doc: dict[tuple[str, str], dict[str, Any]] = {}
    for effect in effects:
        if effect.name and site.metas.exists(effect.doctype):
            by_doc.setdefault((effect.doctype, effect.name), {})[effect.field] = effect.value
    for (doctype, name), values in by_doc.items():
        known = site.metas.get(doctype).column_set
        system.db_set(doctype, name, {k: v for k, v in values.items() if k in known})
    moved = (CERTIFICATE, certificate["name"]) in by_doc if certificate is not None else False
    if moved and pregnancy_rules.moves_to_used(certificate):
        workflow.apply_system_move(system, CERTIFICATE, certificate["name"], "Used", USED_ACTION)


def expired_certificates(site, today: date, doctype: str = CERTIFICATE) -> list[str]:
    """Issued certificates of `doctype` (one of rules.EXPIRING_CERTIFICATES) whose validity ended
    before `today` (a termination certificate: only one nobody used)."""
    if not site.metas.exists(doctype) or "valid_until" not in site.metas.get(doctype).column_set:
        return []
    rows = site.db.fetchall(
        f"SELECT * FROM {table(doctype)} WHERE workflow_state = ? AND valid_until < ?",
        (ISSUED_STATE, today.isoformat()),
    )
    return [r["name"] for r in rows if rules.expires(doctype, dict(r), today)]


def register(site) -> None:
    """Wire the campaign hooks into a site (called by townflow.runtime.workflow_hooks)."""
    from townflow.runtime import benefits

    benefits.register(site)
    if site.metas.exists(REPORT):
        site.hooks.register(REPORT, "before_submit", before_report_submit)
        site.hooks.register(REPORT, "on_submit", on_report_submit)
