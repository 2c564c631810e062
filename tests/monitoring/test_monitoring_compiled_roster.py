"""The compiled app's 育龄妇女档案 report and 随访 page give what the embedded runtime gives, on the
same data: townflow_ext.roster and townflow_ext.monitoring.followups_page run over a stand-in
`frappe` answering from the embedded site's tables (test_monitoring_compiled_app.FakeFrappe);
tests/frappe runs them on a real bench with the real permission checks."""

from __future__ import annotations

import importlib
import sys
import types
from datetime import date, datetime
from pathlib import Path

import pytest
from test_monitoring_compiled_app import FakeFrappe, Row
from workflow_support import WEST

from townflow.rules import roster as roster_rules
from townflow.web.pages.roster import roster_rows

ROOT = Path(__file__).resolve().parents[2]
APP = "care_for_girls"


def _as_dict_filters(filters):
    """get_list's [field, op, value] filters as the stand-in's {field: value | ["in", values]}."""
    if isinstance(filters, dict):
        return filters
    out = {}
    for field, op, value in filters:
        out.setdefault(field, []).append((op, value))
    return out


class ListingFrappe(FakeFrappe):
    def get_list(self, doctype, fields=None, filters=None, pluck=None, limit_page_length=None):
        table = f'"tab{doctype}"'  # Person and Pregnancy Record, named in the module's code
        rows = [Row(dict(r)) for r in self.site.db.fetchall(f"SELECT * FROM {table}")]  # noqa: S608
        ops = {
            "=": lambda a, b: a == b,
            "in": lambda a, b: a in b,
            ">=": lambda a, b: a is not None and str(a) >= b,
            "<=": lambda a, b: a is not None and str(a) <= b,
        }
        wanted = _as_dict_filters(filters or [])
        rows = [
            r for r in rows if all(ops[op](r.get(f), v) for f, conds in wanted.items() for op, v in conds)
        ]
        if pluck:
            return [r[pluck] for r in rows]
        return [Row({f: r.get(f) for f in fields}) for r in rows]


@pytest.fixture
def ext(monkeypatch, wsite):
    fake = ListingFrappe(wsite)
    module = types.ModuleType("frappe")
    module.get_all = fake.get_all
    module.get_list = fake.get_list
    module.get_doc = fake.get_doc
    module._dict = Row
    module._ = lambda text: text
    module.local = Row(lang="en")
    module.get_roles = lambda user=None: ["Township Clerk"]
    module.whitelist = lambda **_: lambda fn: fn
    module.ValidationError = type("ValidationError", (Exception,), {})
    module.PermissionError = type("PermissionError", (Exception,), {})

    def throw(message, exc=Exception, title=None):
        raise exc(message)

    module.throw = throw
    module.db = types.SimpleNamespace(
        set_value=fake.set_value, exists=lambda *a, **k: False, commit=lambda: None
    )
    utils = types.ModuleType("frappe.utils")
    utils.getdate = _getdate(wsite)
    utils.get_datetime = lambda value: value if isinstance(value, datetime) else datetime.fromisoformat(value)
    utils.nowdate = lambda: wsite.now().date().isoformat()
    utils.now_datetime = wsite.now
    module.utils = utils
    monkeypatch.setitem(sys.modules, "frappe", module)
    monkeypatch.setitem(sys.modules, "frappe.utils", utils)
    monkeypatch.syspath_prepend(str(ROOT / "apps" / APP))
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        monkeypatch.delitem(sys.modules, name)
    yield module
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        sys.modules.pop(name, None)


def _getdate(wsite):
    """frappe.utils.getdate: a date from ISO text, a datetime or a date; today when empty."""

    def getdate(value=None):
        if isinstance(value, str):
            return date.fromisoformat(value[:10])
        if isinstance(value, datetime):
            return value.date()
        return value or wsite.now().date()

    return getdate


@pytest.fixture
def population(wsite, world):
    """Two villages: women of child-bearing age, one pregnant with a signed and an unsigned visit."""
    east = world.household()
    wife = world.person(east)
    record = world.pregnancy(wife)
    clerk = wsite.session("clerk.east")
    doc = clerk.get("Pregnancy Record", record["name"])
    doc["visits"] = [
        {"visit_date": "2026-02-20", "visit_type": "Home Visit", "visitor": "王敏", "findings": "良好"},
    ]
    clerk.save(doc)
    world.person(world.household(WEST))
    return record


def test_the_roster_report_gives_the_embedded_rosters_rows_and_village_figures(ext, wsite, population):
    roster = importlib.import_module(f"{APP}.townflow_ext.roster")
    columns, data = roster.execute_roster({"view": "Women"})
    embedded = roster_rows(wsite.session("Administrator"), None)
    assert [(d["person"], d["age"], d["visits"], d["unsigned_visits"], d["complete"]) for d in data] == [
        (r.person, r.age, r.visits, r.unsigned_visits, int(r.complete)) for r in embedded
    ]
    assert len(data) >= 2 and {c["fieldname"] for c in columns} >= {"person", "complete", "last_visit"}
    pregnant = next(d for d in data if d["pregnancy"] == population["name"])
    assert (pregnant["visits"], pregnant["unsigned_visits"], pregnant["last_visit"]) == (1, 1, "2026-02-20")

    _, villages = roster.execute_roster({"view": "Villages"})
    expected = roster_rules.completeness(embedded)
    assert [(v["village"], v["women"], v["pregnant"], v["complete"]) for v in villages] == [
        (v.village, v.women, v.pregnant, v.complete) for v in expected
    ]
    _, incomplete = roster.execute_roster({"view": "Women", "only_incomplete": 1})
    assert all(d["complete"] == 0 for d in incomplete) and population["name"] in {
        d["pregnancy"] for d in incomplete
    }


def test_the_roster_report_refuses_a_role_without_access_and_an_unknown_view(ext, wsite, population):
    roster = importlib.import_module(f"{APP}.townflow_ext.roster")
    with pytest.raises(ext.ValidationError, match="View must be"):
        roster.execute_roster({"view": "Everything"})
    ext.get_roles = lambda user=None: ["Facility Officer"]
    with pytest.raises(ext.PermissionError):
        roster.execute_roster({})


def test_the_followups_page_shows_each_due_items_label_and_working_days(ext, wsite, wclock, monkeypatch):
    monitoring = importlib.import_module(f"{APP}.townflow_ext.monitoring")
    rows = [
        {"record": "PR-1", "kind": "visit", "state": "Visit Due", "title": "李秀英", "due": "2026-03-04"},
        {
            "record": "PR-2",
            "kind": "outcome",
            "state": "Outcome Overdue",
            "title": "王芳",
            "due": "2026-02-20",
        },
    ]
    monkeypatch.setattr(monitoring, "followups", lambda: [dict(r) for r in rows])
    shown = monitoring.followups_page()  # today is 2026-03-02, a Monday
    assert [(r["label"], r["due_text"], r["overdue"]) for r in shown] == [
        ("Visit due", "2026-03-04 · 2 working days left", False),
        ("Outcome overdue", "2026-02-20 · 10 days overdue", True),
    ]
    ext.local.lang = "zh"
    assert monitoring.followups_page()[0]["due_text"] == "2026-03-04 · 剩余2个工作日"
