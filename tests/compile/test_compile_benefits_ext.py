"""The compiled app applies the benefit and household rules as the embedded runtime does: hooks.py
wires Person's saves and deletions and the daily conversion job, and the extension module
(care_for_girls.townflow_ext.benefits) writes what townflow.rules.benefits decides — run
in-process over the stand-in frappe of tests/compile/fake_frappe.py. tests/frappe runs the
processes on a real site."""

from __future__ import annotations

import importlib

import fake_frappe
import pytest
from fake_frappe import Doc
from test_compile_state_restricted import _hooks  # hooks.py's assignments, as literals

from townflow.compile import build_files

EXT = "care_for_girls.townflow_ext"


def test_a_persons_saves_and_deletions_reach_the_extension(repo_project):
    hooks = _hooks(build_files(repo_project))
    person = hooks["doc_events"]["Person"]
    assert person["on_update"] == f"{EXT}.events.on_change"
    assert person["on_trash"] == f"{EXT}.events.on_trash"
    assert f"{EXT}.scheduler.daily" in hooks["scheduler_events"]["daily"]  # opens conversions


class Stored(Doc):
    """A document already saved (the stand-in's Doc is new)."""

    def is_new(self):
        return False


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch)

    def get_doc(doctype, name):
        doc = Stored(doctype, name=name)
        doc.db_set = lambda values, value=None, update_modified=True: frappe.db.set_value(
            doctype, name, values, value
        )
        return doc

    frappe.get_doc = get_doc
    frappe.db.add("DocType", name="Campaign Settings")  # the site's own settings, changed by an admin
    frappe.get_cached_doc = lambda doctype: Doc(doctype, honour_household_title="光荣之家")
    yield frappe
    fake_frappe.uninstall()


@pytest.fixture
def benefits(frappe):
    return importlib.import_module(f"{EXT}.benefits")


def _members(frappe, *rows):
    for name, household, relationship, gender in rows:
        frappe.db.add("Person", name=name, household=household, relationship=relationship, gender=gender)


def test_a_household_saved_on_frappe_gets_its_values_from_its_members(frappe, benefits):
    _members(frappe, ("P1", "HH-1", "Daughter", "Female"), ("P2", "HH-1", "Son", "Male"))
    _members(frappe, ("P3", "HH-2", "Daughter", "Female"))
    household = Stored("Household", name="HH-1", household_type="One-girl", is_girl_household=1)
    benefits.validate(household)
    assert (household["household_type"], household["is_girl_household"], household["number_of_children"]) == (
        "Two-child",
        0,
        2,
    )


def test_a_member_deleted_on_frappe_recomputes_the_household_without_it(frappe, benefits):
    frappe.db.add(
        "Household",
        name="HH-1",
        household_type="Two-child",
        number_of_children=2,
        number_of_daughters=1,
        is_girl_household=0,
    )
    _members(frappe, ("P1", "HH-1", "Daughter", "Female"), ("P2", "HH-1", "Son", "Male"))
    benefits.member_removed(Stored("Person", name="P2", household="HH-1"))
    assert sorted(frappe.db.set_values) == [
        ("Household", "HH-1", "household_type", "One-girl"),
        ("Household", "HH-1", "is_girl_household", 1),
        ("Household", "HH-1", "number_of_children", 1),
    ]


def test_the_one_time_reward_approved_on_frappe_grants_the_title_of_the_sites_settings(frappe, benefits):
    frappe.db.add("Household", name="HH-1")
    app = Stored("Subsidy Application", name="LYDX-1", benefit_kind="One-time Reward", household="HH-1")
    benefits.entered(app, "Approved")
    assert frappe.db.records["Household"]["HH-1"] == {
        "name": "HH-1",
        "honour_household": 1,
        "honour_granted_on": "2026-03-02",
        "honour_title": "光荣之家",
    }
