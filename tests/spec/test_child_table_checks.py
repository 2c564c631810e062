"""`townflow check` on a child table's expressions (issue 11.1): a child rule naming a field the
row lacks, or `parent.<field>` naming one its document lacks, is an error at file:line:col; a
top-level DocType cannot read `parent` at all."""

from __future__ import annotations

from townflow.spec import load_project

from .conftest import BASE, write_project

A = "doctypes/application.yaml"
ITEM = "doctypes/application_item.yaml"
CHILD = """\
name: Application Item
module: Care
label: {zh: 明细, en: Application Item}
istable: true
fields:
  - {fieldname: item_date, fieldtype: Date, label: {zh: 日期, en: Date}}
  - {fieldname: signed, fieldtype: Check, label: {zh: 已签名, en: Signed}}
  - {fieldname: signer, fieldtype: Data, label: {zh: 签名人, en: Signer}, mandatory_depends_on: doc.signed}
rules:
  - name: item_not_in_future
    condition: doc.item_date <= today
    message: {zh: 日期不能晚于今天, en: "Not in the future"}
    fields: [item_date]
  - name: item_within_amount
    condition: parent.amount > 0
    message: {zh: 金额须大于零, en: "The amount must be positive"}
"""
TABLE = "  - {fieldname: items, fieldtype: Table, options: Application Item, label: {zh: 明细, en: Items}}\n"


def _errors(tmp_path, child: str, application: str | None = None):
    files = {
        **BASE,
        ITEM: child,
        A: application or BASE[A].replace("permissions:\n", TABLE + "permissions:\n", 1),
    }
    write_project(tmp_path, files)
    try:
        load_project(tmp_path)
    except Exception as exc:  # SpecErrors
        return [(e.location, e.message) for e in exc.errors]
    return []


def test_a_valid_child_table_with_parent_reads_loads(tmp_path):
    assert _errors(tmp_path, CHILD) == []


def test_a_child_rule_naming_an_unknown_field_is_reported_at_its_line(tmp_path):
    errors = _errors(tmp_path, CHILD.replace("doc.item_date <= today", "doc.item_dat <= today"))
    assert errors == [
        (
            f"{ITEM}:11:16",
            "expression reads doc.item_dat, which Application Item does not have (did you mean 'item_date'?)",
        )
    ]


def test_a_child_rule_reading_an_unknown_parent_field_is_reported(tmp_path):
    errors = _errors(tmp_path, CHILD.replace("parent.amount > 0", "parent.amont > 0"))
    assert errors == [
        (
            f"{ITEM}:15:16",
            "expression reads parent.amont, which Application does not have (did you mean 'amount'?)",
        )
    ]


def test_a_rule_field_the_child_lacks_is_reported(tmp_path):
    errors = _errors(tmp_path, CHILD.replace("fields: [item_date]", "fields: [itemdate]"))
    assert errors == [(f"{ITEM}:13:14", "Application Item has no field 'itemdate'")]


def test_parent_is_for_child_tables_only(tmp_path):
    application = BASE[A].replace("depends_on: doc.kind == 'A'", "depends_on: parent.kind == 'A'")
    errors = _errors(tmp_path, CHILD, application)
    assert errors == [(f"{A}:17:17", "expression reads parent.kind, but Application is not a child table")]
