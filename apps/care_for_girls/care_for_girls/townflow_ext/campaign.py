"""The campaign's domain effects on Frappe, as the embedded runtime applies them
(townflow.runtime.campaign): townflow.rules.campaign decides, this module reads what the decision
needs and writes what it returns. Eligibility (a one-time reward once per household, loans in
range, aid for girls) is written in the spec as DocType `rules:` and checked by events.validate.

- a certificate entering Issued gets its serial number (from the series' counter row in
  tabSeries, as Frappe's getseries keeps naming series: one row locked, gap-free past 99,999)
  and its validity;
- a subsidy or student-aid application entering Approved gets its approval notice number, the
  same way (`townflow.rules.campaign.APPROVAL_NOTICES`);
- a Termination Report, when submitted, records whether a valid certificate covered it; with one,
  the certificate is marked used by the report and moved to Used; without one, the household's
  birth quota is suspended;
- the daily job expires issued certificates nobody used.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.model.naming import getseries
from frappe.utils import getdate, nowdate

from care_for_girls.townflow_ext import spec
from townflow.rules import campaign as rules
from townflow.rules import pregnancy as pregnancy_rules

CERTIFICATE = "Termination Certificate Application"
REPORT = "Termination Report"
ISSUED_STATE = "Issued"
EXPIRED_STATE = "Expired"
USED_STATE = "Used"
USED_ACTION = "Record Use"


def _has(doctype: str, fieldname: str) -> bool:
    dt = spec.doctype(doctype)
    return dt is not None and dt.field(fieldname) is not None


def next_serial_sequence(doctype: str, field: str, prefix: str) -> int:
    """The next number of the serial series `prefix` (`BZTZ-2026-`) from its counter row in
    `tabSeries`, incremented by Frappe's own getseries in the current transaction: one row is
    locked (not the year's range of serials), numbers stay gap-free and in order past 99,999. A
    series without a counter row yet (serials issued before the app kept counters) starts after
    the highest number already issued, compared as a number."""
    key = rules.serial_counter_key(prefix)
    if not frappe.db.sql("select 1 from `tabSeries` where name = %s", (key,)):
        # The DocType and the column are checked against the spec by the callers; values are bound.
        number = f"cast(substring(`{field}`, %s) as unsigned)"
        highest = frappe.db.sql(
            f"select max({number}) from `tab{doctype}` where `{field}` like %s",  # noqa: S608
            (len(prefix) + 1, prefix + "%"),
        )[0][0]
        if highest:
            seed = "insert ignore into `tabSeries` (name, current) values (%s, %s)"
            frappe.db.sql(seed, (key, int(highest)))
    return int(getseries(key, 5))


def _approval_notice(doc, state: str) -> None:
    """An application entering its approved state gets its approval notice number, from the
    series' counter row as for certificates; the field is unique."""
    rule = rules.notice_serial_rule(doc.doctype, state, doc.get(rules.APPROVAL_NOTICES[doc.doctype].field))
    if rule is None or not _has(doc.doctype, rule.field):
        return
    issued_on = getdate(nowdate())
    prefix = rules.notice_serial_prefix(rule, issued_on)
    sequence = next_serial_sequence(doc.doctype, rule.field, prefix)
    for field, value in rules.approval_notice_serial(rule, issued_on, sequence).items():
        doc.db_set(field, value, update_modified=False)


def entered(doc, state: str) -> None:
    """A certificate entering Issued gets its serial number and validity, an application entering
    its approved state its approval notice number, in the same transaction."""
    if doc.doctype in rules.APPROVAL_NOTICES:
        _approval_notice(doc, state)
        return
    if doc.doctype != CERTIFICATE or state != ISSUED_STATE or not _has(CERTIFICATE, "certificate_serial"):
        return
    if doc.get("certificate_serial"):
        return
    issued_on = getdate(nowdate())
    settings = spec.settings()
    prefix = rules.certificate_serial_prefix(settings, issued_on)
    sequence = next_serial_sequence(CERTIFICATE, "certificate_serial", prefix)
    for field, value in rules.certificate_issue(issued_on, sequence, settings).items():
        if _has(CERTIFICATE, field):
            doc.db_set(field, value, update_modified=False)


def _certificate(name: str | None) -> dict[str, Any] | None:
    if not name or not frappe.db.exists(CERTIFICATE, name):
        return None
    return frappe.db.get_value(CERTIFICATE, name, "*", as_dict=True)


def before_submit(doc) -> None:
    """Termination Report: record the certificate check on the report itself."""
    if doc.doctype != REPORT:
        return
    for field, value in rules.termination_report_check(
        doc.as_dict(), _certificate(doc.get("certificate"))
    ).items():
        if _has(REPORT, field):
            doc.set(field, value)


def on_submit(doc) -> None:
    """Termination Report: mark the certificate used and move it to Used, or suspend the quota."""
    if doc.doctype != REPORT or doc.flags.townflow_report_done:
        return
    doc.flags.townflow_report_done = True
    certificate = _certificate(doc.get("certificate"))
    effects = rules.termination_report_effects(doc.as_dict(), certificate, CERTIFICATE)
    for effect in effects:
        if effect.name and _has(effect.doctype, effect.field):
            frappe.db.set_value(effect.doctype, effect.name, effect.field, effect.value)
    used = certificate is not None and any(e.doctype == CERTIFICATE for e in effects)
    if used and pregnancy_rules.moves_to_used(certificate):
        from care_for_girls.townflow_ext import api

        api.system_move(frappe.get_doc(CERTIFICATE, certificate["name"]), USED_STATE, USED_ACTION)


def expired_certificates(doctype: str = CERTIFICATE) -> list[str]:
    """Issued certificates of `doctype` (rules.EXPIRING_CERTIFICATES) past their validity."""
    if not _has(doctype, "valid_until"):
        return []
    fields = ["name", "valid_until"] + (["certificate_status"] if _has(doctype, "certificate_status") else [])
    rows = frappe.get_all(
        doctype,
        filters={"workflow_state": ISSUED_STATE, "valid_until": ["<", nowdate()]},
        fields=fields,
    )
    today = getdate(nowdate())
    return [r["name"] for r in rows if rules.expires(doctype, r, today)]
