"""`parent.<field>`: a child row's expression reading the document the row belongs to."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from townflow.expr import ExprError, parse


def test_parent_is_read_field_by_field_and_listed_apart_from_doc():
    expr = parse("doc.visit_date >= parent.lmp_date")
    assert expr.fields_used == {"visit_date"}
    assert expr.parent_fields_used == {"lmp_date"}
    row, record = {"visit_date": "2026-01-02"}, {"lmp_date": "2025-12-01"}
    assert expr.evaluate({"doc": row, "parent": record}) is True
    assert expr.evaluate({"doc": row, "parent": {"lmp_date": "2026-02-01"}}) is False
    assert parse("is_set(parent.lmp_date)").evaluate({"doc": row, "parent": None}) is False
    with pytest.raises(ExprError, match="parent must be read field by field"):
        parse("parent")


def test_parent_has_no_meaning_in_a_workflow_condition():
    with pytest.raises(ExprError, match="a workflow condition has no parent"):
        parse("parent.amount > 0").to_frappe_python()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the form's JavaScript")
def test_the_form_reads_parent_as_frappe_passes_it():
    js = parse("doc.visit_date >= parent.lmp_date").to_js({"visit_date": "Date"})
    script = (
        f"const f = new Function('doc', 'parent', 'return ' + {json.dumps(js)});"
        "console.log(JSON.stringify([f({visit_date: '2026-01-02'}, {lmp_date: '2025-12-01'}),"
        " f({visit_date: '2025-11-02'}, {lmp_date: '2025-12-01'}), f({visit_date: '2025-11-02'}, null)]));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [True, False, False]
