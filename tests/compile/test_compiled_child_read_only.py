"""The compiled app refuses a change to a stored child row's field whose `read_only_depends_on`
held (issue 11, point 1), as the embedded runtime does: events.validate over the stand-in frappe
(tests/compile/fake_frappe.py). tests/frappe/test_frappe_rules.py does it on a real bench."""

from __future__ import annotations

import importlib

import fake_frappe
import pytest
from fake_frappe import Doc


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch)
    frappe.session.user = "clerk.v01@demo"
    frappe.db.add("Person", name="P-1", gender="Female", full_name="李秀英")
    yield frappe
    fake_frappe.uninstall()


@pytest.fixture
def events(frappe):
    return importlib.import_module("care_for_girls.townflow_ext.events")


SIGNED = {"family_signature": 1, "signed_by": "李秀英", "signature_method": "Drawn on Screen"}


def _visit(name: str, idx: int, **values) -> Doc:
    row = {"visit_date": "2026-02-20", "visit_type": "Home Visit", "visitor": "王敏", "findings": "良好"}
    return Doc("Pregnancy Follow Up Visit", name=name, idx=idx, **{**row, **values})


class Saved(Doc):
    """A record being saved over a stored version (`before`)."""

    def __init__(self, before: Doc | None, **values):
        super().__init__("Pregnancy Record", **values)
        object.__setattr__(self, "_before", before)

    def is_new(self):
        return self._before is None

    def get_doc_before_save(self):
        return self._before


def _record(*visits: Doc, before: Doc | None = None) -> Saved:
    values = {
        "name": "PR-1",
        "person": "P-1",
        "responsible_visitor": "王敏",
        "registered_on": "2026-01-10",
        "lmp_date": "2025-12-01",
        "outcome": "Ongoing",
        "visits": list(visits),
    }
    return Saved(before, **values)


def _stored():
    return _record(
        _visit("V-1", 1, signature_image="/private/files/sig.png", **SIGNED),
        _visit("V-2", 2, visit_date="2026-02-25"),
    )


def test_changing_a_signed_visits_date_is_refused_naming_the_field(frappe, events):
    doc = _record(
        _visit("V-1", 1, visit_date="2026-02-21", signature_image="/private/files/sig.png", **SIGNED),
        _visit("V-2", 2, visit_date="2026-02-25"),
        before=_stored(),
    )
    with pytest.raises(frappe.ValidationError) as refused:
        events.validate(doc)
    assert str(refused.value) == "#1 Visit Date (visits.visit_date): is read-only and cannot be changed"


def test_the_unsigned_row_a_new_row_and_an_unchanged_signed_row_pass(frappe, events):
    doc = _record(
        _visit("V-1", 1, signature_image="/private/files/sig.png", **SIGNED),
        _visit("V-2", 2, visit_date="2026-02-26", findings="复查正常"),
        _visit("V-3", 3, visit_date="2026-02-27", signature_image="/private/files/sig3.png", **SIGNED),
        before=_stored(),
    )
    events.validate(doc)  # no refusal
    assert [v.visit_date for v in doc.visits] == ["2026-02-20", "2026-02-26", "2026-02-27"]


def test_the_administrator_may_correct_a_signed_visit(frappe, events):
    frappe.session.user = "Administrator"
    doc = _record(
        _visit("V-1", 1, visitor="王敏（更正）", signature_image="/private/files/sig.png", **SIGNED),
        before=_stored(),
    )
    events.validate(doc)
    assert doc.visits[0].visitor == "王敏（更正）"
