"""Pregnancy monitoring in the compiled app (the Frappe extension code) gives what the embedded
runtime gives, on the same data.

The extension module (care_for_girls/townflow_ext/monitoring.py) imports `frappe`; here a small
stand-in answers its reads from the embedded site's own SQLite tables (the same records and
visits) and keeps Townflow Task rows in memory. The overdue list must be identical, and a
scheduler run must open the same work (which record, which state, which role and village, which
due date) as `townflow tick`; a recorded visit closes it on both. tests/frappe checks the same
on a real bench.
"""

from __future__ import annotations

import importlib
import sys
import types
from datetime import date, datetime
from pathlib import Path

import pytest
from workflow_support import WEST

from townflow.runtime import inbox, monitoring

ROOT = Path(__file__).resolve().parents[2]
APP = "care_for_girls"


class Row(dict):
    """frappe._dict: a dict read by attribute."""

    def __getattr__(self, key):
        return self.get(key)


class FakeFrappe:
    """What townflow_ext.monitoring asks of frappe, answered from the embedded site's tables."""

    def __init__(self, site):
        self.site = site
        self.tasks: list[Row] = []

    def _matches(self, row, filters):
        for key, wanted in (filters or {}).items():
            if isinstance(wanted, list) and wanted and wanted[0] == "in":
                if row.get(key) not in wanted[1]:
                    return False
            elif row.get(key) != wanted:
                return False
        return True

    def get_all(self, doctype, filters=None, fields=None, limit_page_length=None, **_):
        if doctype == "Townflow Task":
            rows = [t for t in self.tasks if self._matches(t, filters)]
        else:
            table = f'"tab{doctype}"'  # the two DocTypes the module reads, named in its code
            rows = [Row(dict(r)) for r in self.site.db.fetchall(f"SELECT * FROM {table}")]  # noqa: S608
            rows = [r for r in rows if self._matches(r, filters)]
        return [Row({f: r.get(f) for f in fields}) for r in rows]

    def get_doc(self, values):
        fake = self

        class Doc(Row):
            def insert(self, ignore_permissions=False):
                fake.tasks.append(Row({**self, "name": f"TASK-{len(fake.tasks) + 1}"}))

        return Doc(values)

    def set_value(self, doctype, name, field, value=None, update_modified=True):
        changes = field if isinstance(field, dict) else {field: value}
        for task in self.tasks:
            if task["name"] == name:
                task.update(changes)


@pytest.fixture
def ext(monkeypatch, wsite):
    fake = FakeFrappe(wsite)
    module = types.ModuleType("frappe")
    module.get_all = fake.get_all
    module.get_doc = fake.get_doc
    module._dict = Row
    module.whitelist = lambda **_: lambda fn: fn
    module.db = types.SimpleNamespace(
        set_value=fake.set_value, exists=lambda *a, **k: False, commit=lambda: None
    )
    utils = types.ModuleType("frappe.utils")
    utils.getdate = lambda value=None: value or wsite.now().date()
    utils.now_datetime = wsite.now
    utils.get_datetime = lambda value: value if isinstance(value, datetime) else datetime.fromisoformat(value)
    module.utils = utils
    monkeypatch.setitem(sys.modules, "frappe", module)
    monkeypatch.setitem(sys.modules, "frappe.utils", utils)
    monkeypatch.syspath_prepend(str(ROOT / "apps" / APP))
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        monkeypatch.delitem(sys.modules, name)
    loaded = importlib.import_module(f"{APP}.townflow_ext.monitoring")
    loaded.fake = fake
    yield loaded
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        sys.modules.pop(name, None)


def _open_work(site) -> list[tuple]:
    rows = site.db.fetchall(
        """SELECT reference_name, workflow_state, role, scope_kind, scope_value, substr(due_at, 1, 10) AS due
           FROM "tabWorkflow Action" WHERE reference_doctype = 'Pregnancy Record' AND kind = 'todo'
           AND status = 'Open' ORDER BY 1, 2, 3"""
    )
    return [tuple(r) for r in rows]


def _open_tasks(fake) -> list[tuple]:
    return sorted(
        (t.reference_name, t.state, t.role, t.scope_kind, t.scope_value, t.due.date().isoformat())
        for t in fake.tasks
        if t.status == "Open"
    )


def test_both_runtimes_list_the_same_overdue_work_and_open_the_same_tasks(ext, wsite, wclock, world):
    east = world.pregnancy(world.person(world.household()))
    west = world.pregnancy(world.person(world.household(WEST)))
    clerk = wsite.session("clerk.east")
    doc = clerk.get("Pregnancy Record", east["name"])
    doc["visits"] = [
        {"visit_date": "2026-02-27", "visit_type": "Pregnancy Check", "visitor": "王敏", "findings": "良好"}
    ]
    clerk.save(doc)
    wclock.advance(days=45)  # 2026-04-16

    today = wclock.now.date()
    embedded = monitoring.overdue_list(wsite, today)
    assert embedded == ext.overdue_list(today)
    assert {(r["record"], r["kind"]) for r in embedded} == {
        (east["name"], "visit"),
        (west["name"], "visit"),
        (west["name"], "check"),
    }
    assert ext.overdue_list(date(2026, 1, 1)) == monitoring.overdue_list(wsite, date(2026, 1, 1)) == []

    wsite.tick(wclock.now)
    assert ext.sync(wclock.now) == {"opened": 3, "escalated": 3, "closed": 0, "moved": 0}
    assert _open_tasks(ext.fake) == _open_work(wsite)
    assert ext.sync(wclock.now)["opened"] == 0  # idempotent, as tick

    # a visit recorded closes the work in both
    doc = clerk.get("Pregnancy Record", east["name"])
    doc["visits"].append(
        {"visit_date": "2026-04-16", "visit_type": "Home Visit", "visitor": "王敏", "findings": "良好"}
    )
    clerk.save(doc)
    ext.on_update(Row(name=east["name"]))
    assert _open_tasks(ext.fake) == _open_work(wsite)
    assert east["name"] not in {row[0] for row in _open_work(wsite)}
    assert inbox.counts(wsite.session("clerk.west"), doctype="Pregnancy Record")["todo"] == 2


def test_the_record_shows_the_same_schedule_fields_in_both(ext, wsite, world):
    record = world.pregnancy(world.person(world.household()))
    stored = wsite.session("clerk.east").get("Pregnancy Record", record["name"])

    class Doc(Row):
        meta = types.SimpleNamespace(has_field=lambda fieldname: True)

        def as_dict(self):
            return dict(self)

        def set(self, key, value):
            self[key] = value

    doc = Doc({**stored, "last_visit_date": None, "next_visit_due": None, "next_check_due": None})
    ext.validate(doc)
    for field in ("last_visit_date", "next_visit_due", "next_check_due", "unsigned_visits"):
        assert doc[field] == stored[field], field
