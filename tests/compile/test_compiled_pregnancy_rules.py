"""The compiled app's extension code applies issue 11's rules as the embedded runtime does, run
in-process against a stand-in for frappe (tests/compile/fake_frappe.py): a child row's rules and
mandatory_depends_on read the row and its document as `parent`; free text stating a fetal sex is
refused; a Custom Field or Property Setter denoting fetal sex is refused; exists() passes
[operator, value] filters through; hooks.py wires the handlers."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import fake_frappe
import pytest
from fake_frappe import Doc

EXT = fake_frappe.APP_ROOT / "care_for_girls" / "townflow_ext"


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch)
    frappe.db.add("Person", name="P-1", gender="Female", full_name="李秀英")
    yield frappe
    fake_frappe.uninstall()


@pytest.fixture
def events(frappe):
    return importlib.import_module("care_for_girls.townflow_ext.events")


def _visit(idx: int, **values) -> Doc:
    row = {"visit_date": "2026-02-20", "visit_type": "Home Visit", "visitor": "王敏", "findings": "良好"}
    return Doc("Pregnancy Follow Up Visit", idx=idx, **{**row, **values})


def _record(*visits: Doc) -> Doc:
    return Doc(
        "Pregnancy Record",
        name="PR-1",
        person="P-1",
        responsible_visitor="王敏",
        registered_on="2026-01-10",
        lmp_date="2025-12-01",
        outcome="Ongoing",
        visits=list(visits),
    )


def _refusal(frappe, events, doc) -> str:
    with pytest.raises(frappe.ValidationError) as refused:
        events.validate(doc)
    return str(refused.value)


def test_a_valid_record_with_visits_passes(frappe, events):
    events.validate(_record(_visit(1), _visit(2, family_signature=1, signed_by="李秀英")))


def test_a_visit_dated_next_year_is_refused_on_its_row(frappe, events):
    message = _refusal(frappe, events, _record(_visit(1), _visit(2, visit_date="2027-01-05")))
    assert "#2 A visit cannot be dated in the future" in message


def test_signed_without_a_signer_is_mandatory_on_the_row(frappe, events):
    message = _refusal(frappe, events, _record(_visit(1, family_signature=1)))
    assert "#1 Signed By: is mandatory" in message
    events.validate(_record(_visit(1, family_signature=0)))  # the parent has no such field: not read


def test_a_row_rule_reads_the_record_as_parent(frappe, events):
    message = _refusal(frappe, events, _record(_visit(1, visit_date="2025-11-20")))
    assert "#1 A visit cannot precede the pregnancy's last menstrual period" in message


def test_free_text_stating_a_fetal_sex_is_refused(frappe, events):
    message = _refusal(frappe, events, _record(_visit(1, findings="家属称是个男孩")))
    assert "#1 Findings states a fetal sex" in message


def test_custom_fields_and_property_setters_denoting_fetal_sex_are_refused(frappe):
    pregnancy = importlib.import_module("care_for_girls.townflow_ext.pregnancy")
    field = Doc("Custom Field", dt="Ultrasound Exam", fieldname="scan_result", label="胎儿性别", options=None)
    with pytest.raises(frappe.ValidationError, match="no form may record fetal sex"):
        pregnancy.validate_customization(field)
    pregnancy.validate_customization(
        Doc("Custom Field", dt="Ultrasound Exam", fieldname="room", label="诊室")
    )
    frappe.metas["Ultrasound Exam"] = fake_frappe.Meta({"findings": {"label": "检查所见", "options": None}})
    relabel = Doc(
        "Property Setter", doc_type="Ultrasound Exam", field_name="findings", property="label", value="男胎"
    )
    with pytest.raises(frappe.ValidationError, match="no form may record fetal sex"):
        pregnancy.validate_customization(relabel)
    relabel["value"] = "超声所见"
    pregnancy.validate_customization(relabel)


def test_exists_passes_operator_filters_through(frappe, events):
    frappe.db.add("Termination Certificate Application", name="YCSQ-1", valid_from="2026-03-02")
    exists = events.runtime_functions(None)["exists"]
    assert exists("Termination Certificate Application", name="YCSQ-1", valid_from=[">", "2026-03-01"])
    assert not exists("Termination Certificate Application", name="YCSQ-1", valid_from=[">", "2026-03-02"])
    assert exists("Termination Certificate Application", name=["YCSQ-1", "YCSQ-2"])  # a list is `in`


def test_a_termination_report_closes_its_pregnancy_record(frappe):
    pregnancy = importlib.import_module("care_for_girls.townflow_ext.pregnancy")
    frappe.db.add("Pregnancy Record", name="PR-1", person="P-1", outcome="Ongoing")
    report = Doc(
        "Termination Report",
        name="ZZBG-1",
        person="P-1",
        facility="高新街道卫生院",
        operation_date="2026-03-01",
        reason="避孕失败",
        certificate=None,
    )
    pregnancy.on_submit(report)
    stored = frappe.db.records["Pregnancy Record"]["PR-1"]
    assert (stored["outcome"], stored["outcome_date"], stored["termination_report"]) == (
        "Termination",
        "2026-03-01",
        "ZZBG-1",
    )
    assert stored["outcome_facility"] == "高新街道卫生院"


def _handlers(hooks: Path) -> dict:
    tree = ast.parse(hooks.read_text(encoding="utf-8"))
    assign = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "doc_events")
    return ast.literal_eval(assign.value)


def test_hooks_wire_the_handlers_to_functions_that_exist():
    events = _handlers(fake_frappe.APP_ROOT / "care_for_girls" / "hooks.py")
    assert events["Custom Field"] == {
        "validate": "care_for_girls.townflow_ext.pregnancy.validate_customization"
    }
    assert events["Property Setter"] == events["Custom Field"]
    assert events["Drug Dispensing Record"]["on_update"] == (
        "care_for_girls.townflow_ext.pregnancy.on_dispensing_update"
    )
    defined = {n.name for n in ast.parse((EXT / "pregnancy.py").read_text(encoding="utf-8")).body
               if isinstance(n, ast.FunctionDef)}  # fmt: skip
    assert {"validate_customization", "on_dispensing_update", "on_submit", "text_errors"} <= defined


def test_a_report_filed_after_expiry_is_copied_to_the_township_reviewers(frappe, monkeypatch):
    pregnancy = importlib.import_module("care_for_girls.townflow_ext.pregnancy")
    log = importlib.import_module("care_for_girls.townflow_ext.log")
    copied = []
    monkeypatch.setattr(
        log,
        "approvers_for",
        lambda doc, role: ["approver1", "approver2"] if role == "Township Approver" else [],
    )
    monkeypatch.setattr(
        log, "add_task", lambda doc, user, state, kind, due, **kw: copied.append((user, state, kind, kw))
    )
    late = Doc(
        "Termination Report", name="ZZBG-2", person="P-1", operation_date="2026-03-01", filed_after_expiry=1
    )
    pregnancy.on_submit(late)
    assert [(u, s, k) for u, s, k, _ in copied] == [
        ("approver1", "Filed After Expiry", "CC"),
        ("approver2", "Filed After Expiry", "CC"),
    ]
    copied.clear()
    pregnancy.on_submit(Doc("Termination Report", name="ZZBG-3", person="P-1", operation_date="2026-03-01"))
    assert copied == []
