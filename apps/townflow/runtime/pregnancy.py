"""Pregnancy, ultrasound and termination-drug rules in the embedded runtime: the decisions come
from the pure layer (townflow.rules.fetal_sex, townflow.rules.pregnancy), shared with the Frappe
app (care_for_girls.townflow_ext.pregnancy); this module reads what they need and writes what
they return, inside the write's transaction.

- every save: free text on Ultrasound Exam and Pregnancy Follow Up Visit rows that states a
  fetal sex is refused, naming the field (`visits[2].findings`);
- a submitted Termination Report closes its Pregnancy Record (outcome, date, reason, facility),
  and the record's open visit work in the inbox (townflow.runtime.monitoring) closes with it;
- a report filed after its certificate expired (flagged `filed_after_expiry`) is copied (抄送)
  to every Township Approver's inbox for review;
- a termination drug dispensed under a certificate marks the certificate used and moves it to
  Used, as a termination report does.
"""

from __future__ import annotations

from townflow.rules import fetal_sex
from townflow.rules import pregnancy as rules
from townflow.runtime import monitoring, store, workflow_io, workflow_store
from townflow.runtime.db import table
from townflow.runtime.errors import FieldMessage, ValidationError
from townflow.runtime.store import timestamp

REPORT = "Termination Report"
DISPENSING = "Drug Dispensing Record"
DRUG = "Drug"
USED_STATE = "Used"
USED_ACTION = "Record Use"


def check_fetal_sex_text(event) -> None:
    """Hook (every DocType, validate): refuse free text stating a fetal sex, on the document and
    on its child rows."""
    site = event.session.site
    meta = site.metas.get(event.doctype)
    messages = [
        FieldMessage(r.field, r.zh, r.en)
        for r in fetal_sex.text_problems(event.doctype, meta.value_fields, event.doc)
    ]
    for tf in meta.table_fields:
        if tf.options not in fetal_sex.FREE_TEXT_DOCTYPES:
            continue
        child = site.metas.get(tf.options)
        for i, row in enumerate(event.doc.get(tf.fieldname) or [], start=1):
            for r in fetal_sex.text_problems(tf.options, child.value_fields, row):
                messages.append(FieldMessage(f"{tf.fieldname}[{i}].{r.field}", r.zh, r.en))
    if messages:
        raise ValidationError.from_messages(messages)


def _load(site, doctype: str, name: str | None) -> dict | None:
    if not name or not site.metas.exists(doctype):
        return None
    return store.load(site.db, site.metas, site.metas.get(doctype), name, with_children=False)


def _write(session, effects) -> None:
    """Apply FieldUpdates as the system (db_set: no hooks, a version and an audit row each)."""
    site = session.site
    system = site.session(session.user, ignore_permissions=True)
    by_doc: dict[tuple[str, str], dict] = {}
    for effect in effects:
        by_doc.setdefault((effect.doctype, effect.name), {})[effect.field] = effect.value
    for (doctype, name), values in by_doc.items():
        known = site.metas.get(doctype).column_set
        system.db_set(doctype, name, {k: v for k, v in values.items() if k in known})


def close_pregnancy(event) -> None:
    """Hook (Termination Report, on_submit): the pregnancy the report ends gets its outcome."""
    site, report = event.session.site, event.doc
    certificate = _load(site, rules.CERTIFICATE, report.get("certificate"))
    ongoing = []
    if not report.get("pregnancy_record") and not (certificate or {}).get("pregnancy_record"):
        ongoing = [
            r["name"]
            for r in site.db.fetchall(
                f"SELECT name FROM {table(rules.PREGNANCY)} WHERE person = ? AND outcome = ?",
                (report.get("person"), rules.ONGOING),
            )
        ]
    name = rules.pregnancy_to_close(report, certificate, ongoing)
    effects = rules.termination_outcome(report, _load(site, rules.PREGNANCY, name))
    _write(event.session, effects)
    if effects and monitoring.enabled(site):  # a closed pregnancy needs no more visits
        monitoring.sync(site, site.now(), [name], open_new=False)


def send_late_report_for_review(event) -> None:
    """Hook (Termination Report, on_submit): a report filed after its certificate expired is
    copied to the township's reviewers (a CC row in their inbox, as a workflow step's CC)."""
    report = event.doc
    if not rules.needs_township_review(report):
        return
    site, role = event.session.site, rules.LATE_REPORT_REVIEWER
    at = timestamp(site.now())
    base = {
        "reference_doctype": REPORT,
        "reference_name": report["name"],
        "workflow_state": rules.LATE_REPORT_STATE,
        "kind": "cc",
        "status": "Open",
        "role": role,
        "source": "review",
        "scope_kind": "township",
        "title": report.get("person_name"),
        "creation": at,
        "modified": at,
    }
    users = workflow_io.users_with_role(event.session, role, "township", None, REPORT)
    workflow_store.add_rows(site.db, [{**base, "user": user} for user in users])


def dispensing_uses_certificate(event) -> None:
    """Hook (Drug Dispensing Record, on_update): a termination drug dispensed under a certificate
    marks it used and moves it to Used."""
    from townflow.runtime import workflow  # the engine moves the certificate to Used

    site, dispensing = event.session.site, event.doc
    drug = _load(site, DRUG, dispensing.get("drug"))
    certificate = _load(site, rules.CERTIFICATE, dispensing.get("termination_certificate"))
    effects = rules.dispensing_effects(
        dispensing, certificate, bool((drug or {}).get("requires_certificate"))
    )
    if not effects:
        return
    _write(event.session, effects)
    if rules.moves_to_used(certificate):
        system = site.session(event.session.user, ignore_permissions=True)
        workflow.apply_system_move(system, rules.CERTIFICATE, certificate["name"], USED_STATE, USED_ACTION)


def register(site) -> None:
    """Wire these hooks into a site (called by townflow.runtime.workflow_hooks)."""
    site.hooks.register("*", "validate", check_fetal_sex_text)
    if site.metas.exists(REPORT) and site.metas.exists(rules.PREGNANCY):
        site.hooks.register(REPORT, "on_submit", close_pregnancy)
    if site.metas.exists(REPORT):
        site.hooks.register(REPORT, "on_submit", send_late_report_for_review)
    if site.metas.exists(DISPENSING):
        site.hooks.register(DISPENSING, "on_update", dispensing_uses_certificate)
