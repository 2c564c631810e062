"""The compiled app applies the benefit and household rules as the embedded runtime does: hooks.py
wires Person's saves and deletions and the daily conversion job, and the extension module
(care_for_girls.townflow_ext.benefits) writes what townflow.rules.benefits decides.

The extension imports `frappe`; a small in-memory stand-in answers what it asks (get_all,
db.exists/get_value/set_value, get_doc(...).db_set, the Campaign Settings single), so the wiring
is checked without a bench. tests/frappe runs the processes on a real site."""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

import pytest
from test_compile_state_restricted import _hooks  # hooks.py's assignments, as literals

from townflow.compile import build_files

APP = "care_for_girls"
ROOT = Path(__file__).resolve().parents[2]
EXT = f"{APP}.townflow_ext"


def test_a_persons_saves_and_deletions_reach_the_extension(repo_project):
    hooks = _hooks(build_files(repo_project))
    person = hooks["doc_events"]["Person"]
    assert person["on_update"] == f"{EXT}.events.on_change"
    assert person["on_trash"] == f"{EXT}.events.on_trash"
    assert hooks["scheduler_events"]["daily"] == [f"{EXT}.scheduler.daily"]


class _Row(dict):
    __getattr__ = dict.get


class _Doc(_Row):
    def __init__(self, site, doctype, **values):
        super().__init__(doctype=doctype, **values)
        self._site = site

    def set(self, field, value):
        self[field] = value

    def is_new(self):
        return False

    def as_dict(self):
        return {k: v for k, v in self.items() if not k.startswith("_")}

    def db_set(self, values, value=None, update_modified=True):
        values = {values: value} if isinstance(values, str) else values
        self._site.writes.append((self["doctype"], self["name"], dict(values)))

    def get_doc_before_save(self):
        return None


class _Site:
    def __init__(self):
        self.rows: dict[str, list[dict]] = {}
        self.writes: list[tuple[str, str, dict]] = []
        self.settings = {"honour_household_title": "光荣之家"}


@pytest.fixture
def ext(monkeypatch):
    site = _Site()
    fake = types.ModuleType("frappe")
    utils = types.ModuleType("frappe.utils")
    utils.nowdate = lambda: "2026-03-02"
    utils.getdate = lambda value: __import__("datetime").date.fromisoformat(str(value)[:10])
    fake.utils = utils

    def get_all(doctype, filters=None, fields=None, pluck=None, **_):
        rows = [
            r for r in site.rows.get(doctype, []) if all(r.get(k) == v for k, v in (filters or {}).items())
        ]
        return [r[pluck] for r in rows] if pluck else [_Row(r) for r in rows]

    def get_value(doctype, name, fields, as_dict=False):
        row = next(r for r in site.rows[doctype] if r["name"] == name)
        return _Row({f: row.get(f) for f in fields}) if as_dict else row.get(fields)

    def set_value(doctype, name, values, value=None):
        site.writes.append((doctype, name, values if isinstance(values, dict) else {values: value}))

    def exists(doctype, name=None):
        if doctype == "DocType":
            return name == "Campaign Settings"
        return any(r["name"] == name for r in site.rows.get(doctype, []))

    fake.get_all = get_all
    fake.db = types.SimpleNamespace(get_value=get_value, set_value=set_value, exists=exists)
    fake.get_doc = lambda doctype, name: _Doc(site, doctype, name=name)
    fake.get_cached_doc = lambda doctype: types.SimpleNamespace(as_dict=lambda: dict(site.settings))
    monkeypatch.setitem(sys.modules, "frappe", fake)
    monkeypatch.setitem(sys.modules, "frappe.utils", utils)
    monkeypatch.syspath_prepend(str(ROOT / "apps" / APP))
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        monkeypatch.delitem(sys.modules, name)
    module = importlib.import_module(f"{EXT}.benefits")
    module.site = site
    module.make_doc = lambda doctype, **values: _Doc(site, doctype, **values)
    yield module
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        sys.modules.pop(name, None)


def test_a_household_saved_on_frappe_gets_its_values_from_its_members(ext):
    ext.site.rows["Person"] = [
        {"name": "P1", "household": "HH-1", "relationship": "Daughter", "gender": "Female"},
        {"name": "P2", "household": "HH-1", "relationship": "Son", "gender": "Male"},
        {"name": "P3", "household": "HH-2", "relationship": "Daughter", "gender": "Female"},
    ]
    household = ext.make_doc("Household", name="HH-1", household_type="One-girl", is_girl_household=1)
    ext.validate(household)
    assert (household["household_type"], household["is_girl_household"], household["number_of_children"]) == (
        "Two-child",
        0,
        2,
    )


def test_a_member_deleted_on_frappe_recomputes_the_household_without_it(ext):
    ext.site.rows["Household"] = [
        {
            "name": "HH-1",
            "household_type": "Two-child",
            "number_of_children": 2,
            "number_of_daughters": 1,
            "is_girl_household": 0,
        }
    ]
    ext.site.rows["Person"] = [
        {"name": "P1", "household": "HH-1", "relationship": "Daughter", "gender": "Female"},
        {"name": "P2", "household": "HH-1", "relationship": "Son", "gender": "Male"},
    ]
    ext.member_removed(ext.make_doc("Person", name="P2", household="HH-1"))
    assert ext.site.writes == [
        ("Household", "HH-1", {"household_type": "One-girl", "number_of_children": 1, "is_girl_household": 1})
    ]


def test_the_one_time_reward_approved_on_frappe_grants_the_title_of_the_sites_settings(ext):
    ext.site.rows["Household"] = [{"name": "HH-1"}]
    app = ext.make_doc("Subsidy Application", name="LYDX-1", benefit_kind="One-time Reward", household="HH-1")
    ext.entered(app, "Approved")
    assert ext.site.writes == [
        (
            "Household",
            "HH-1",
            {"honour_household": 1, "honour_granted_on": "2026-03-02", "honour_title": "光荣之家"},
        )
    ]


def test_a_household_saved_on_frappe_keeps_its_suspended_quota(ext):
    ext.site.rows["Person"] = []
    stored = ext.make_doc(
        "Household", name="HH-1", birth_quota_status="Suspended", quota_suspended_by="ZZBG-1"
    )
    household = ext.make_doc("Household", name="HH-1", birth_quota_status="Active", quota_suspended_by=None)
    household.get_doc_before_save = lambda: stored
    ext.validate(household)
    assert (household["birth_quota_status"], household["quota_suspended_by"]) == ("Suspended", "ZZBG-1")
