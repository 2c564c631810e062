"""公示 and 年审 in the compiled app (issue 17): the guest page www/notice is generated, objections
go through a guest whitelisted POST method rate-limited per address (frappe.rate_limiter), and
care_for_girls.townflow_ext.public_notice posts the masked notice, refuses End Notice while the
window runs or an objection is open, settles objections and opens the yearly reconfirmation from
the daily job — run in-process over the stand-in frappe of tests/compile/fake_frappe.py
(tests/frappe/test_frappe_public_notice.py runs it on a real bench)."""

from __future__ import annotations

import importlib
import json
import sys
import types

import fake_frappe
import pytest
from fake_frappe import Doc, _dict
from test_compile_state_restricted import _hooks

from townflow.compile import build_files

EXT = "care_for_girls.townflow_ext"
APP = "care_for_girls"


def test_the_public_page_is_a_guest_web_page_that_escapes_what_it_shows(repo_project):
    files = build_files(repo_project)
    html = files[f"{APP}/www/notice.html"].decode()
    page = files[f"{APP}/www/notice.py"].decode()
    assert "public_notice.board(village)" in page and "def get_context(context)" in page
    assert f"/api/method/{EXT}.public_notice." in html
    # every value from the database is escaped; no raw `{{ x }}` of a notice or its items
    shown = [m for m in html.split("{{")[1:] if "notice" in m.split("}}")[0] or "item" in m.split("}}")[0]]
    assert shown and all("| e" in m.split("}}")[0] for m in shown)
    assert "textContent" in html and "innerHTML" not in html  # the answers are set as text
    hooks = _hooks(files)
    assert f"{EXT}.scheduler.daily" in hooks["scheduler_events"]["daily"]  # opens reconfirmations


class Stored(Doc):
    def is_new(self):
        return False

    def check_permission(self, ptype="read"):
        return True


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch)
    frappe.local.request_ip = "10.0.0.1"
    prefixes = {
        "Public Notice": "GS",
        "Notice Objection": "GSYY",
        "Notice Outbox": "GSDF",
        "Benefit Reconfirmation": "NS",
    }

    def get_doc(arg, name=None):
        if isinstance(arg, dict):
            doc = Stored(arg["doctype"], **{k: v for k, v in arg.items() if k != "doctype"})

            def insert(ignore_permissions=False):
                number = len(frappe.db.rows(arg["doctype"])) + 1
                doc["name"] = f"{prefixes[arg['doctype']]}-2026-{number:05d}"
                values = {k: v for k, v in arg.items() if k != "doctype"}
                frappe.db.add(arg["doctype"], **{**values, "name": doc["name"], "docstatus": 0})
                return doc

            doc.insert = insert
            return doc
        return Stored(arg, **frappe.db.records[arg][name])

    def get_value(doctype, name, fields="*", as_dict=False):
        row = frappe.db.records.get(doctype, {}).get(name)
        if row is None:
            return None
        return row.get(fields) if isinstance(fields, str) and fields != "*" else _dict(row)

    frappe.get_doc = get_doc
    frappe.db.get_value = get_value
    frappe.get_all = lambda doctype, filters=None, limit=None, pluck=None, fields=None, order_by=None: [
        r[pluck] if pluck else _dict(r) for r in frappe.db.rows(doctype, filters)
    ][: limit or None]
    frappe.get_roles = lambda user=None: ["Township Approver"]
    frappe.session.user = "approver@demo"
    yield frappe
    fake_frappe.uninstall()


@pytest.fixture
def ext(frappe, monkeypatch):
    module = importlib.import_module(f"{EXT}.public_notice")
    # the workflow's system move (api.py, which needs more of Frappe than the stand-in has): recorded
    api = types.ModuleType(f"{EXT}.api")
    moves = []

    def system_move(stored, target, action, comment=None):
        moves.append((stored.name, target, action, comment))
        frappe.db.set_value(stored.doctype, stored.name, "workflow_state", target)

    api.system_move = system_move
    monkeypatch.setitem(sys.modules, f"{EXT}.api", api)
    module.moves = moves
    return module


def _application(frappe, state="Village Public Notice"):
    frappe.db.add(
        "Subsidy Application",
        name="LYDX-2026-00001",
        workflow_state=state,
        head_name="张小燕",
        village="东关村",
        benefit_kind="Low-income Relief",
        amount=500,
        applicant_id_number="370102199001011234",
    )
    return Stored("Subsidy Application", **frappe.db.records["Subsidy Application"]["LYDX-2026-00001"])


def test_a_notice_state_entered_posts_only_the_masked_items_and_end_notice_waits_for_the_window(frappe, ext):
    spec = importlib.import_module(f"{EXT}.spec")
    workflow = spec.workflow("Subsidy Application")
    doc = _application(frappe)
    ext.entered(doc, workflow, "Pending Village Verification", "Village Public Notice")
    [notice] = frappe.db.rows("Public Notice")
    # posted Monday 2026-03-02 (the stand-in's today), five working days: to Monday 2026-03-09
    assert (notice["level"], notice["posted_on"], notice["ends_on"], notice["status"]) == (
        "Village",
        "2026-03-02",
        "2026-03-09",
        "Open",
    )
    items = json.loads(notice["items"])
    assert [i["zh"] for i in items] == ["张*燕", "东关村", "低保及社会救济", "500.00"]
    assert "370102199001011234" not in notice["items"] and "张小燕" not in notice["items"]
    with pytest.raises(frappe.ValidationError, match="runs until 2026-03-09"):
        ext.check_leave(doc, workflow, "Village Public Notice")
    [[_village, notices]] = ext.board()
    assert [n["name"] for n in notices] == [notice["name"]]


def test_guest_objections_are_rate_limited_per_address_and_hold_the_step_until_settled(
    frappe, ext, monkeypatch
):
    spec = importlib.import_module(f"{EXT}.spec")
    workflow = spec.workflow("Subsidy Application")
    doc = _application(frappe)
    ext.entered(doc, workflow, "Pending Village Verification", "Village Public Notice")
    notice = frappe.db.rows("Public Notice")[0]["name"]
    assert ext.file_objection.whitelisted == {"allow_guest": True, "methods": ["POST"]}
    assert ext.file_objection.rate_limit == {"limit": 5, "seconds": 3600}
    assert ext.objection_reply.whitelisted == {"allow_guest": True}
    filed = [ext.file_objection(notice, "王五", "13812345678", f"情况不实，第{n}次") for n in range(5)]
    assert [f["objection"] for f in filed] == [f"GSYY-2026-0000{n}" for n in range(1, 6)]
    with pytest.raises(frappe.RateLimitExceededError):
        ext.file_objection(notice, "王五", "13812345678", "情况不实，第6次")
    frappe.local.request_ip = "10.0.0.2"  # another address has its own budget
    with pytest.raises(frappe.ValidationError, match="contact"):
        ext.file_objection(notice, "李四", "12", "情况不实")
    # window over, objections open: still refused, naming them
    monkeypatch.setattr(ext, "nowdate", lambda: "2026-03-10")
    with pytest.raises(frappe.ValidationError, match="5 objection"):
        ext.check_leave(doc, workflow, "Village Public Notice")
    first = filed[0]
    assert ext.objection_reply(first["objection"], first["code"])["status"] == "Open"
    with pytest.raises(frappe.DoesNotExistError):
        ext.objection_reply(first["objection"], "WRONGCOD")
    ext.settle_objection(first["objection"], "dismiss", "经核实情况属实")
    answer = ext.objection_reply(first["objection"], first["code"])
    assert answer["status"] == "Dismissed"
    assert "经核实情况属实" in answer["replies"][0]["message"]
    # upheld: the application is returned to the applicant with the reason
    ext.settle_objection(filed[1]["objection"], "return", "有子未登记")
    assert ext.moves == [
        (
            "LYDX-2026-00001",
            "Draft",
            "Objection Upheld",
            f"公示异议成立（{filed[1]['objection']}）/ Objection {filed[1]['objection']} upheld: 有子未登记",
        )
    ]
    frappe.get_roles = lambda user=None: ["Township Clerk"]
    with pytest.raises(frappe.PermissionError):
        ext.settle_objection(filed[2]["objection"], "dismiss", "不成立")


def test_the_daily_job_opens_a_reconfirmation_when_a_continuing_benefit_falls_due(frappe, ext):
    _application(frappe, state="Disbursed")
    frappe.db.set_value("Subsidy Application", "LYDX-2026-00001", "reconfirm_due", "2026-03-02")
    frappe.db.add("Household", name="HH-1", village="东关村")
    events = importlib.import_module(f"{EXT}.events")
    events._rule_errors = lambda dt, doc, parent=None, prefix="": ["低保及社会救济面向生活困难的计生女孩户"]
    assert ext.open_reconfirmations() == 1
    assert ext.open_reconfirmations() == 0  # one open task is enough
    [task] = frappe.db.rows("Benefit Reconfirmation")
    assert (task["subsidy_application"], task["due_on"], task["eligible"]) == (
        "LYDX-2026-00001",
        "2026-03-02",
        0,
    )
    assert ext.moves[-1][1:3] == ("Pending Village Confirmation", "Open Reconfirmation")
    with pytest.raises(frappe.ValidationError, match="no longer qualifies"):
        ext.check_reconfirmation(Stored("Benefit Reconfirmation", **task), "Confirmed")
