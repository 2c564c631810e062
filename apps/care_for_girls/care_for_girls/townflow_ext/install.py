"""after_install / after_migrate: strict user permissions, the inbox indexes, Campaign Settings,
and the masked companions of records saved before the app had them.

Frappe 15 shows a record whose Village link is empty to every village clerk unless strict user
permissions are on (DESIGN.md), so the app turns them on. The scoped inbox list walks the
`modified` index without an index on (state, village, modified); the spec's `indexes` and that
one are added here (frappe.db.add_index is idempotent: it checks the index name first), and a
covering index per document source of each report (the compiled Script Reports aggregate in
MariaDB over it: township-wide Benefit Tally at 1M reads an index range, not the table).
"""

from __future__ import annotations

import hashlib

import frappe

from care_for_girls.townflow_ext import counts, log, pinyin_search, spec, tallies, visits
from townflow.rules import masking, steps


def _strict_user_permissions() -> None:
    frappe.db.set_single_value("System Settings", "apply_strict_user_permissions", 1)


def _indexes() -> None:
    for name in spec.doctype_names():
        dt = spec.doctype(name)
        if dt.istable or dt.issingle or not frappe.db.table_exists(name):
            continue
        wanted = [list(ix) for ix in dt.indexes]
        inbox = spec.inbox_index_fields(name)
        if inbox and inbox not in wanted:
            wanted.append(inbox)
        village = spec.scope_field(name, "village")
        if village and village != "name" and [village, "modified"] not in wanted:
            wanted.append([village, "modified"])  # a clerk's list, newest first (the desk's order)
        columns = set(frappe.db.get_table_columns(name))
        for fields in wanted:
            if set(fields) <= columns:
                frappe.db.add_index(name, fields, index_name="tf_" + "_".join(fields)[:50])
    # A table missing here (DocTypes not synced: a site whose cached module map lacked the app)
    # is skipped, not a crash: the next `bench migrate` creates it and comes back here.
    for name, fields in INBOX_INDEXES:
        if frappe.db.table_exists(name):
            frappe.db.add_index(name, fields, index_name=_index_name(fields))
    for name, fields in SUPERSEDED_INDEXES:  # sites installed before: a prefix of a wider one now
        index = _index_name(fields)
        if frappe.db.table_exists(name) and frappe.db.has_index(f"tab{name}", index):
            frappe.db.sql_ddl(f"ALTER TABLE `tab{name}` DROP INDEX `{index}`")


#: InnoDB's key length limit, and what a column takes in an index (utf8mb4: 4 bytes a character)
KEY_BYTES = 3072
_FIXED_BYTES = {"Date": 3, "Datetime": 8, "Int": 4, "Check": 4, "Currency": 12, "Float": 12, "Percent": 12}
_TEXT_BYTES = {"Link": 560, "Select": 560, "Data": 560, "Dynamic Link": 560}


def report_index_fields(report, source) -> list[str] | None:
    """A covering index for one document source of a report (townflow_ext.reports.SqlAggregate
    aggregates over it): the source condition's fields first (a workflow state range), then
    the fields filtered by equality (village, department, a kind), then the rest it reads
    (dimensions, dates, measure columns). None when a column cannot be in an index or the key
    would pass InnoDB's limit."""
    from townflow.expr import parse
    from townflow.reports import needed_fields

    meta = frappe.get_meta(source.doctype)
    ordered: list[str] = []

    def add(fieldname: str) -> None:
        if fieldname not in ordered and fieldname != "name":
            ordered.append(fieldname)

    if source.condition:
        for f in parse(source.condition, runtime_functions=()).fields_used:
            add(source.field_for(f))
    for f in report.filters:
        if f.operator == "=" and f.fieldtype in ("Link", "Select"):
            add(source.field_for(f.target_column))
    dims = [d for d in report.dimensions]
    for f in needed_fields(report, source, dims, []):
        add(f)
    total = 0
    for fieldname in ordered:
        fieldtype = {"creation": "Datetime", "modified": "Datetime", "docstatus": "Int"}.get(fieldname)
        if fieldtype is None:
            df = meta.get_field(fieldname)
            if df is None:
                return None
            fieldtype = df.fieldtype
        width = _FIXED_BYTES.get(fieldtype) or _TEXT_BYTES.get(fieldtype)
        if width is None:
            return None
        total += width
    return ordered if ordered and total <= KEY_BYTES else None


def _report_indexes() -> None:
    from care_for_girls.townflow_ext.reports import reports

    steps = any(s.rows == "steps" for r in reports().values() for s in r.sources)
    if steps and frappe.db.table_exists(log.ACTION):
        # a `rows: steps` source numbers each document's state changes (townflow_ext.steps_sql):
        # in this order, from the index alone, instead of a row lookup per action
        fields = ["reference_doctype", "reference_name", "creation", "step_round", "kind", "to_state"]
        fields.append("action")
        frappe.db.add_index(log.ACTION, fields, index_name="tf_report_steps")
    for report in reports().values():
        for source in report.sources:
            if source.rows != "documents" or not frappe.db.table_exists(source.doctype):
                continue
            fields = report_index_fields(report, source)
            if fields and set(fields) <= set(frappe.db.get_table_columns(source.doctype)):
                name = "tf_report_" + hashlib.sha256(",".join(fields).encode()).hexdigest()[:12]
                frappe.db.add_index(source.doctype, fields, index_name=name)


#: The inbox reads a user's own tasks and each pool they are in from these alone (index-only: the
#: page's names and counts never touch the rows), townflow_ext.inbox.
INBOX_INDEXES = (
    ("Townflow Task", ["user", "status", "kind", "modified", "due"]),
    # overdue: the open tasks of a user or a pool past their due time, counted from the index
    ("Townflow Task", ["user", "status", "kind", "due"]),
    ("Townflow Task", ["role", "status", "kind", "user", "scope_value", "due"]),
    # one pool: equal role, status, kind, user (NULL) and scope value, so read newest first. A
    # role's scope kind is the spec's, so no scope_kind (six varchar(140) columns would pass
    # InnoDB's 3,072-byte key limit)
    ("Townflow Task", ["role", "status", "kind", "user", "scope_value", "modified", "due"]),
    ("Townflow Task", ["reference_doctype", "reference_name", "status"]),
    ("Townflow Action", ["reference_doctype", "reference_name"]),
    ("Townflow Action", ["user", "creation"]),
)
SUPERSEDED_INDEXES = (
    ("Townflow Task", ["user", "status", "kind"]),
    ("Townflow Task", ["role", "status", "kind", "scope_value"]),
    ("Townflow Task", ["role", "status", "kind", "scope_value", "user", "modified", "due"]),
)


def _index_name(fields: list[str]) -> str:
    return "tf_" + "_".join(fields)[:50]


def _backfill_masked() -> None:
    """Records saved before their DocType had masked companions get them filled once (new saves
    fill them on validate)."""
    for name in spec.doctype_names():
        dt = spec.doctype(name)
        if dt.issingle or not frappe.db.table_exists(name):
            continue
        columns = set(frappe.db.get_table_columns(name))
        for f in dt.data_fields:
            companion = masking.masked_companion(f.fieldname)
            if not (f.sensitive and f.mask and {f.fieldname, companion} <= columns):
                continue
            rows = frappe.get_all(
                name,
                filters=[[companion, "is", "not set"], [f.fieldname, "is", "set"]],
                fields=["name", f.fieldname],
                limit_page_length=0,
            )
            for row in rows:
                masked = masking.mask(row[f.fieldname], f.mask)
                frappe.db.set_value(name, row["name"], companion, masked, update_modified=False)


def _campaign_settings(only_missing: bool) -> list[str]:
    """Campaign Settings get the spec's values once: all of them when the app is installed, and on
    a migrate only those the site does not hold yet (a field added to the spec since). A value an
    admin changed on the site is never written over — which a fixture, re-imported on every
    `bench migrate`, would do. Answers the fields written."""
    values = spec.spec_settings()
    if not values or not frappe.db.exists("DocType", spec.SETTINGS_DOCTYPE):
        return []
    if only_missing:
        stored = frappe.db.get_singles_dict(spec.SETTINGS_DOCTYPE)
        values = {k: v for k, v in values.items() if stored.get(k) in (None, "")}
    if values:
        frappe.db.set_single_value(spec.SETTINGS_DOCTYPE, dict(values))  # set_value adds `modified`
        frappe.clear_document_cache(spec.SETTINGS_DOCTYPE, spec.SETTINGS_DOCTYPE)
    return sorted(values)


def _close_tasks_nobody_owes() -> int:
    """Open tasks of documents in a state that waits on nobody (townflow.rules.steps.
    waits_on_someone: Rejected, a final state) are cancelled: sites from before the rule kept a
    rejected document's clerk task open forever. Answers how many were closed."""
    if not frappe.db.table_exists(log.TASK):
        return 0
    closed = 0
    for name in spec.doctype_names():
        workflow = spec.workflow(name)
        if workflow is None:
            continue
        idle = [s.state for s in workflow.states if not steps.waits_on_someone(workflow, s.state)]
        if not idle:
            continue
        marks = ", ".join(["%s"] * len(idle))
        frappe.db.sql(
            f"update `tab{log.TASK}` set status = 'Cancelled', modified = %s "  # noqa: S608
            f"where reference_doctype = %s and status = 'Open' and kind = %s and state in ({marks})",
            (frappe.utils.now(), name, log.APPROVAL, *idle),
        )
        closed += frappe.db._cursor.rowcount or 0
    return closed


def after_install() -> None:
    _strict_user_permissions()
    _indexes()
    _report_indexes()
    _campaign_settings(only_missing=False)
    counts.install()
    tallies.install(rebuild=False)
    visits.install(rebuild=False)
    frappe.db.commit()


def after_migrate() -> None:
    _strict_user_permissions()
    _indexes()
    _report_indexes()
    _campaign_settings(only_missing=True)
    _backfill_masked()
    pinyin_search.backfill()  # issue 17: keys of records saved before the tf_pinyin column
    _close_tasks_nobody_owes()
    counts.install()
    tallies.install(rebuild=False)  # rebuilt only when new or a trigger was missing
    visits.install(rebuild=False)  # the step visits: backfilled only when new or a trigger was missing
    frappe.db.commit()
