"""The compiled app refuses a change to a stored document's field whose `read_only_depends_on`
held (issue 11, point 1: the one-time reward's amount), as the embedded runtime does
(tests/runtime/test_parent_read_only.py): events.validate over the stand-in frappe
(tests/compile/fake_frappe.py). A new application, another benefit kind and system writes pass."""

from __future__ import annotations

import importlib

import fake_frappe
import pytest
from fake_frappe import Doc


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch)
    frappe.session.user = "clerk.v01@demo"
    yield frappe
    fake_frappe.uninstall()


@pytest.fixture
def events(frappe):
    return importlib.import_module("care_for_girls.townflow_ext.events")


class Saved(Doc):
    """An application being saved over a stored version (`before`; None: a new one)."""

    def __init__(self, before: Doc | None, **values):
        super().__init__("Subsidy Application", **values)
        object.__setattr__(self, "_before", before)

    def is_new(self):
        return self._before is None

    def get_doc_before_save(self):
        return self._before


def _app(before: Doc | None = None, **values) -> Saved:
    return Saved(before, **{"name": "LYDX-1", "benefit_kind": "One-time Reward", "amount": 1000, **values})


def test_changing_a_stored_rewards_amount_is_refused_naming_the_field(frappe, events):
    doc = _app(_app(), amount=1500)
    assert events._parent_read_only_errors(events.spec.doctype("Subsidy Application"), doc) == [
        "Amount (CNY) (amount): is read-only and cannot be changed"
    ]
    with pytest.raises(frappe.ValidationError) as refused:
        events.validate(doc)
    assert "Amount (CNY) (amount): is read-only and cannot be changed" in str(refused.value).split("<br>")


def test_a_new_reward_an_unchanged_amount_and_another_kinds_amount_pass(frappe, events):
    dt = events.spec.doctype("Subsidy Application")
    assert events._parent_read_only_errors(dt, _app(None, amount=1500)) == []
    assert (
        events._parent_read_only_errors(dt, _app(_app(), amount=1000.0, pledge_signed_on="2026-02-03")) == []
    )
    waiver = _app(benefit_kind="Fee Waiver", amount=150)
    assert events._parent_read_only_errors(dt, _app(waiver, benefit_kind="Fee Waiver", amount=210)) == []
    # the stored kind decides: switching a reward to another kind does not unlock its amount
    switched = _app(_app(), benefit_kind="Fee Waiver", amount=210)
    assert events._parent_read_only_errors(dt, switched) == [
        "Amount (CNY) (amount): is read-only and cannot be changed"
    ]


def test_the_administrator_and_the_workflows_own_writes_may_set_the_amount(frappe, events):
    dt = events.spec.doctype("Subsidy Application")
    frappe.session.user = "Administrator"
    assert events._parent_read_only_errors(dt, _app(_app(), amount=1200)) == []
    frappe.session.user = "clerk.v01@demo"
    frappe.flags.townflow_system_write = True
    assert events._parent_read_only_errors(dt, _app(_app(), amount=1200)) == []
