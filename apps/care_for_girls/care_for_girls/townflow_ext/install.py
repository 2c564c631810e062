"""after_install / after_migrate: strict user permissions and the inbox indexes.

Frappe 15 shows a record whose Village link is empty to every village clerk unless strict user
permissions are on (DESIGN.md), so the app turns them on. The scoped inbox list walks the
`modified` index without an index on (state, village, modified); the spec's `indexes` and that
one are added here (frappe.db.add_index is idempotent: it checks the index name first).
"""

from __future__ import annotations

import frappe

from care_for_girls.townflow_ext import spec


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
        columns = set(frappe.db.get_table_columns(name))
        for fields in wanted:
            if set(fields) <= columns:
                frappe.db.add_index(name, fields, index_name="tf_" + "_".join(fields)[:50])
    for name, fields in (
        ("Townflow Task", ["user", "status", "kind"]),
        ("Townflow Task", ["reference_doctype", "reference_name", "status"]),
        ("Townflow Action", ["reference_doctype", "reference_name"]),
        ("Townflow Action", ["user", "creation"]),
    ):
        frappe.db.add_index(name, fields, index_name="tf_" + "_".join(fields)[:50])


def after_install() -> None:
    _strict_user_permissions()
    _indexes()
    frappe.db.commit()


def after_migrate() -> None:
    after_install()
