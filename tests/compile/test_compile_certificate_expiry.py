"""The compiled app's daily job expires birth service certificates (生育服务证) past their validity
as it does termination certificates nobody used — care_for_girls.townflow_ext.scheduler.daily run
over the stand-in frappe (tests/compile/fake_frappe.py); tests/frappe runs it on a real bench."""

from __future__ import annotations

import importlib
import sys
import types

import fake_frappe
import pytest
from fake_frappe import Doc

EXT = "care_for_girls.townflow_ext"
BIRTH = "Birth Service Certificate"
TERMINATION = "Termination Certificate Application"


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch, today="2026-04-01")
    frappe.get_doc = lambda doctype, name: Doc(doctype, name=name)
    frappe.db.commit = lambda: None
    yield frappe
    fake_frappe.uninstall()


def test_daily_expires_birth_certificates_past_validity_and_unused_termination_ones(frappe, monkeypatch):
    db = frappe.db
    db.add(BIRTH, name="BSC-1", workflow_state="Issued", valid_until="2026-03-31")  # ended yesterday
    db.add(BIRTH, name="BSC-2", workflow_state="Issued", valid_until="2026-04-01")  # its last day
    db.add(BIRTH, name="BSC-3", workflow_state="Revoked", valid_until="2026-01-01")
    ended = {"workflow_state": "Issued", "valid_until": "2026-03-20"}
    db.add(TERMINATION, name="TCA-1", certificate_status="Unused", **ended)
    db.add(TERMINATION, name="TCA-2", certificate_status="Used", **ended)  # used: stays
    campaign = importlib.import_module(f"{EXT}.campaign")
    assert campaign.expired_certificates(BIRTH) == ["BSC-1"]
    assert campaign.expired_certificates() == ["TCA-1"]  # the termination certificate by default

    moved = []
    # the real api module needs more of Frappe than the stand-in has: the moves are recorded instead
    api = types.ModuleType(f"{EXT}.api")
    api.system_move = lambda doc, target, action: moved.append((doc.name, target))
    monkeypatch.setitem(sys.modules, f"{EXT}.api", api)
    monkeypatch.setattr(importlib.import_module(EXT), "api", api, raising=False)
    benefits = importlib.import_module(f"{EXT}.benefits")
    monkeypatch.setattr(benefits, "open_conversions", lambda: 0)
    importlib.import_module(f"{EXT}.scheduler").daily()
    assert sorted(moved) == [("BSC-1", "Expired"), ("TCA-1", "Expired")]
