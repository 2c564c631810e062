"""What a save leaves behind, byte for byte: the Version's JSON (Frappe's format, fields in form
order, Chinese as written) and the audit row's data (sorted keys), both still chaining."""

from __future__ import annotations

import json


def test_a_version_lists_changed_fields_in_form_order_as_frappe_writes_them(admin, people):
    app = admin.insert(
        {"doctype": "Application", "household": people["h1"]["name"], "kind": "Loan", "amount": 2000}
    )
    admin.save({**app, "remark": "第二次核实", "amount": 3000, "kind": "One-time"})
    stored = admin.site.db.scalar(
        'SELECT data FROM "tabVersion" WHERE ref_doctype = ? AND docname = ?', ("Application", app["name"])
    )
    assert stored == (
        '{"changed": [["kind", "Loan", "One-time"], ["amount", 2000.0, 3000.0], '
        '["remark", null, "第二次核实"]], "added": [], "removed": [], "row_changed": []}'
    )


def test_the_audit_row_keeps_sorted_keys_and_the_chain_verifies(site, admin, people):
    site.audit.record("update", "Administrator", "Household", people["h1"]["name"], {"z": "村", "a": 1})
    with site.db.transaction():  # inside a caller's transaction, as the workflow engine writes it
        site.audit.record("transition", "Administrator", "Household", people["h1"]["name"], {"b": 2})
    rows = site.audit.entries("Household", people["h1"]["name"], limit=2)
    stored = site.db.fetchall("SELECT data FROM __audit_log ORDER BY id DESC LIMIT 2")
    assert [r["data"] for r in stored] == ['{"b": 2}', '{"a": 1, "z": "村"}']
    assert [r["data"] for r in rows] == [{"b": 2}, {"a": 1, "z": "村"}]
    assert json.loads(stored[1]["data"]) == {"z": "村", "a": 1}
    assert site.audit.verify().ok


def test_audit_rows_of_a_transaction_that_rolls_back_are_gone_and_the_chain_intact(site, admin, people):
    before = site.audit.verify()
    try:
        with site.db.transaction():
            site.audit.record("update", "Administrator", "Household", people["h1"]["name"], {"n": 1})
            site.audit.record("update", "Administrator", "Household", None, {"when": object()})
            raise RuntimeError("the write fails after its audit rows")
    except RuntimeError:
        pass
    after = site.audit.verify()
    assert after.ok and after.rows == before.rows
