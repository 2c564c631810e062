"""The compiled Script Reports' computation (care_for_girls.townflow_ext.reports) gives the
embedded runtime's figures on the same records, with no bench: a stand-in `frappe` module answers
get_list / has_permission / get_meta from an embedded site as the user would (its permission-
checked lists), and get_all from its approval log. The real bench test is
tests/frappe/test_frappe_reports.py; this one runs everywhere and catches a divergence early."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from datetime import datetime
from pathlib import Path

import argon2
import pytest

from townflow.runtime.clock import SteppingClock
from townflow.runtime.errors import PermissionError
from townflow.runtime.reports import run_report
from townflow.runtime.site import Site
from townflow.runtime.users import use_hasher
from townflow.spec import load_project

ROOT = Path(__file__).resolve().parents[2]
APP = "care_for_girls"
VILLAGE = "东关村"
REPORTS = (
    "Sex Ratio at Birth",
    "Two-Girl Household Share",
    "Benefit Tally",
    "Village Completeness",
    "Department Timeliness",
)


def _same_steps():
    """The data builder of the bench test (tests/frappe/test_frappe_reports.py), loaded by path."""
    sys.path.insert(0, str(ROOT / "tests" / "frappe"))
    try:
        spec = importlib.util.spec_from_file_location(
            "tf_same_steps", ROOT / "tests/frappe/test_frappe_reports.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    clock = SteppingClock(datetime.now())
    site = Site.open(
        tmp_path_factory.mktemp("ext") / "site", load_project(ROOT), now=clock, admin_password="x"
    )
    admin = site.session("Administrator")
    for key, (role, allow, value) in {
        "clerk": ("Village Clerk", "Village", VILLAGE),
        "head": ("Village Head", "Village", VILLAGE),
        "approver": ("Township Approver", None, None),
        "civil": ("Civil Affairs Officer", "Department", "民政办"),
        "other": ("Village Clerk", "Village", "西关村"),
    }.items():
        email = f"{key}@example.com"
        admin.insert({"doctype": "User", "email": email, "first_name": key, "roles": [{"role": role}]})
        if allow:
            admin.insert({"doctype": "User Permission", "user": email, "allow": allow, "for_value": value})
    steps = _same_steps()
    steps.build(steps.Embedded(site), VILLAGE)
    yield site
    site.close()


class _Row(dict):
    __getattr__ = dict.get


def _fake_frappe(site, user: str) -> types.ModuleType:
    session = site.session(user)
    fake = types.ModuleType("frappe")
    fake.PermissionError = type("PermissionError", (Exception,), {})
    fake.DoesNotExistError = type("DoesNotExistError", (Exception,), {})
    fake.ValidationError = type("ValidationError", (Exception,), {})
    fake.local = types.SimpleNamespace(lang="en")
    fake._ = lambda text: text

    def throw(message, exc=Exception):
        raise exc(message)

    def get_list(doctype, fields, limit_page_length=0, order_by=None):
        return session.get_list(doctype, fields=fields, limit_page_length=0, order_by=order_by)

    def get_all(doctype, filters, fields, order_by=None):
        names = filters["reference_name"][1]
        marks = ", ".join("?" for _ in names)
        # fixed columns, one bound placeholder per name
        if doctype == "Townflow Action":
            sql = (
                "SELECT reference_name, action, kind, from_state, to_state, user, creation "
                'FROM "tabWorkflow Action Log" WHERE reference_doctype = ? '
                "AND reference_name IN (" + marks + ") ORDER BY reference_name, name"
            )
        else:
            sql = (
                "SELECT reference_name, due_at AS due "
                'FROM "tabWorkflow Action" WHERE reference_doctype = ? '
                "AND reference_name IN (" + marks + ") AND kind = 'todo' AND status = 'Open'"
            )
        return [_Row(r) for r in site.db.fetchall(sql, [filters["reference_doctype"], *names])]

    class Meta:
        def __init__(self, doctype):
            self.meta = site.metas.get(doctype)

        def get_field(self, fieldname):
            return self.meta.get_field(fieldname)

        def has_field(self, fieldname):
            return self.meta.get_field(fieldname) is not None

        def get_permlevel_access(self, permission_type="read"):
            return list(site.perms.readable_levels(self.meta, session.ctx))

    fake.throw = throw
    fake.get_list = get_list
    fake.get_all = get_all
    fake.get_meta = Meta
    fake.get_roles = lambda user=None: sorted(session.roles)
    fake.has_permission = lambda doctype, ptype: site.perms.has(site.metas.get(doctype), session.ctx, ptype)
    fake.db = types.SimpleNamespace(exists=lambda *args: False)
    utils = types.ModuleType("frappe.utils")
    utils.now_datetime = lambda: site.now()
    utils.get_datetime = lambda value: value
    fake.utils = utils
    return fake


@pytest.fixture
def execute_as(site, monkeypatch):
    def run(user, report, filters):
        monkeypatch.setitem(sys.modules, "frappe", _fake_frappe(site, user))
        monkeypatch.setitem(sys.modules, "frappe.utils", sys.modules["frappe"].utils)
        monkeypatch.syspath_prepend(str(ROOT / "apps" / APP))
        for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
            monkeypatch.delitem(sys.modules, name)
        module = importlib.import_module(f"{APP}.townflow_ext.reports")
        columns, data, message, chart, summary, skip_total_row = module.execute_report(report, filters)
        assert skip_total_row == 1
        return {
            "columns": columns,
            "result": data,
            "message": message,
            "chart": chart,
            "report_summary": summary,
        }

    yield run
    for name in [m for m in sys.modules if m == APP or m.startswith(f"{APP}.")]:
        sys.modules.pop(name, None)


def _embedded(site, user, report, filters):
    return run_report(site.session(user), report, filters, lang="en").as_frappe()


def _figures(answer):
    return {k: answer[k] for k in ("columns", "result", "chart", "report_summary")}


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("user", ["Administrator", "clerk@example.com", "civil@example.com"])
def test_the_script_report_gives_the_embedded_figures(site, execute_as, report, user):
    roles = set(site.project.reports[report].roles)
    if user != "Administrator" and not roles & site.session(user).roles:
        # deny by default, in both runtimes alike
        with pytest.raises(Exception, match="access to Report"):
            execute_as(user, report, {})
        with pytest.raises(PermissionError):
            _embedded(site, user, report, {})
        return
    filters = {"village": VILLAGE} if site.project.reports[report].filter("village") else {}
    ext = execute_as(user, report, filters)
    assert _figures(ext) == _figures(_embedded(site, user, report, filters))
    if user == "Administrator":
        assert ext["result"], report


def test_a_number_card_gets_the_totals_row_only(site, execute_as):
    ext = execute_as("Administrator", "Sex Ratio at Birth", {"village": VILLAGE, "totals_only": 1})
    totals = _embedded(site, "Administrator", "Sex Ratio at Birth", {"village": VILLAGE})["result"][-1]
    assert ext["result"] == [totals]
    assert (totals["boys"], totals["girls"], totals["sex_ratio"]) == (2, 2, 100.0)


def test_a_chart_gets_its_last_groups(site, execute_as):
    ext = execute_as("Administrator", "Sex Ratio at Birth", {"group_by": "month", "last_groups": 2})
    assert len(ext["result"]) == 3  # two months and the totals row


def test_another_villages_clerk_counts_nothing_of_this_village(site, execute_as):
    ext = execute_as("other@example.com", "Sex Ratio at Birth", {"village": VILLAGE})
    assert ext["result"] == []
