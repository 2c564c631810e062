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
        self.stored: dict[tuple, dict] = {}  # set_value on a record: (doctype, name) -> values
        self.defaults: dict[str, str] = {}  # frappe.db.get_default / set_default

    @staticmethod
    def _holds(value, wanted) -> bool:
        if not (isinstance(wanted, list) and wanted):
            return value == wanted
        op, operand = wanted
        if op == "in":
            return value in operand
        if op == "is":
            return (value not in (None, "")) == (operand == "set")
        if op == "<=":
            return value not in (None, "") and str(value) <= str(operand)
        raise AssertionError(f"the stand-in does not know the operator {op}")

    def _matches(self, row, filters):
        return all(self._holds(row.get(key), wanted) for key, wanted in (filters or {}).items())

    def get_all(self, doctype, filters=None, fields=None, limit_page_length=None, **kw):
        if doctype == "Townflow Task":
            rows = [t for t in self.tasks if self._matches(t, filters)]
        else:
            table = f'"tab{doctype}"'  # the two DocTypes the module reads, named in its code
            rows = [Row(dict(r)) for r in self.site.db.fetchall(f"SELECT * FROM {table}")]  # noqa: S608
            for r in rows:  # what the app stored with set_value (Frappe's own table)
                r.update(self.stored.get((doctype, r.get("name")), {}))
            rows = [r for r in rows if self._matches(r, filters)]
            ors = kw.get("or_filters")
            if ors:
                rows = [r for r in rows if any(self._holds(r.get(k), w) for k, w in ors.items())]
        if kw.get("pluck"):
            return [r.get(kw["pluck"]) for r in rows]
        return [Row({f: r.get(f) for f in fields}) for r in rows]

    def get_doc(self, values):
        fake = self

        class Doc(Row):
            def insert(self, ignore_permissions=False):
                fake.tasks.append(Row({**self, "name": f"TASK-{len(fake.tasks) + 1}"}))

        return Doc(values)

    def set_value(self, doctype, name, field, value=None, update_modified=True):
        changes = field if isinstance(field, dict) else {field: value}
        if doctype != "Townflow Task":
            plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
            self.stored.setdefault((doctype, name), {}).update(plain)
            return
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
        set_value=fake.set_value,
        exists=lambda *a, **k: False,
        commit=lambda: None,
        get_default=fake.defaults.get,
        set_default=fake.defaults.__setitem__,
    )
    utils = types.ModuleType("frappe.utils")
    utils.getdate = lambda value=None: (
        date.fromisoformat(value[:10]) if isinstance(value, str) else value or wsite.now().date()
    )
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


def _count_loaded(monkeypatch, ext) -> list[str]:
    """The records `daily` loads with their visits (what a full pass loads of every record)."""
    loaded: list[str] = []
    real = ext.records

    def records(names=None, ongoing_only=True):
        found = real(names, ongoing_only)
        loaded.extend(r["name"] for r in found)
        return found

    monkeypatch.setattr(ext, "records", records)
    return loaded


def test_the_daily_job_reads_only_the_records_due_and_keeps_the_same_work_as_tick(
    ext, wsite, wclock, world, monkeypatch
):
    """`daily` is incremental as `townflow tick` is (runtime.monitoring.sync_due): after a first
    full pass it reads only the records whose stored schedule fell due, the same set the embedded
    runtime picks, and day after day both keep the same open work and the same overdue list."""
    east = world.pregnancy(world.person(world.household()))
    west = world.pregnancy(world.person(world.household(WEST)))
    plan = monitoring.policy(wsite)
    loaded = _count_loaded(monkeypatch, ext)

    wsite.tick(wclock.now)
    assert ext.fake.defaults == {}
    ext.sync_due(wclock.now)  # no settings fingerprint yet: a full pass over both records
    assert ext.fake.defaults[ext.FINGERPRINT_KEY] == ext._fingerprint(ext.policy())
    assert _open_tasks(ext.fake) == _open_work(wsite)

    days_with_work = 0
    for _ in range(60):  # 2026-03-03 .. 2026-05-01: visits and checks fall due and escalate
        wclock.advance(days=1)
        today = wclock.now.date()
        embedded_due = monitoring.due_candidates(wsite, plan, today)
        assert ext.due_candidates(today, ext.policy()) == embedded_due, today
        days_with_work += bool(embedded_due)
        loaded.clear()
        wsite.tick(wclock.now)
        ext.sync_due(wclock.now)
        assert set(loaded) == embedded_due, today  # nothing due: no record loaded at all
        assert _open_tasks(ext.fake) == _open_work(wsite), today
        assert ext.overdue_list(today) == monitoring.overdue_list(wsite, today), today
    assert 0 < days_with_work < 60
    assert {row[0] for row in _open_work(wsite)} == {east["name"], west["name"]}
    assert any(t.source == "escalate" and t.status == "Open" for t in ext.fake.tasks)


def test_a_changed_fingerprint_runs_a_full_pass_again(ext, wsite, wclock, world, monkeypatch):
    record = world.pregnancy(world.person(world.household()))
    loaded = _count_loaded(monkeypatch, ext)
    ext.sync_due(wclock.now)
    assert record["name"] in loaded  # the first run: a full pass
    loaded.clear()
    ext.sync_due(wclock.now)
    assert loaded == []  # its work is open already: nothing new falls due the same day
    ext.fake.defaults[ext.FINGERPRINT_KEY] = "0|an older policy"
    ext.sync_due(wclock.now)
    assert record["name"] in loaded  # every ongoing record read once more
    assert ext.fake.defaults[ext.FINGERPRINT_KEY] == ext._fingerprint(ext.policy())
