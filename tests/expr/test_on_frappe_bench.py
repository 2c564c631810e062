"""Workflow conditions run by a real Frappe v15: `frappe.safe_eval` with `get_workflow_safe_globals()`.

Needs a Frappe v15 bench (TOWNFLOW_FRAPPE_BENCH, see docs/frappe.md). Read-only: the conditions
read the Administrator user, the Role table and System Settings; nothing is written. The same
conditions are evaluated by `Expr.evaluate` over the same data, as the embedded runtime holds it
(dates as ISO text), and must agree.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from townflow.expr import parse

BENCH = os.environ.get("TOWNFLOW_FRAPPE_BENCH")
pytestmark = [
    pytest.mark.frappe,
    pytest.mark.skipif(not BENCH, reason="needs a Frappe v15 bench: set TOWNFLOW_FRAPPE_BENCH"),
]

# Runs inside the bench's Python: evaluates each condition exactly as frappe/model/workflow.py does.
BENCH_SCRIPT = r"""
import datetime, json, sys
import frappe
from frappe.model.workflow import get_workflow_safe_globals

request = json.load(sys.stdin)
frappe.init(site=request["site"], sites_path=".")
frappe.connect()
try:
    frappe.set_user("Administrator")

    def plain(value):
        if isinstance(value, datetime.datetime):
            return value.isoformat(" ", "seconds")
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    doc = frappe.get_doc("User", "Administrator").as_dict()
    results = []
    for code in request["codes"]:
        try:
            value = frappe.safe_eval(code, get_workflow_safe_globals(), dict(doc=doc))
            results.append({"ok": plain(value)})
        except Exception as error:
            results.append({"error": type(error).__name__ + ": " + str(error)})
    others = frappe.get_all(
        "User", filters={"user_type": "System User", "enabled": 1, "name": ["!=", "Administrator"]},
        pluck="name", limit=1,
    )
    by_user = {}
    for user in ["Guest", *others]:
        frappe.set_user(user)
        by_user[user] = {
            "roles": frappe.get_roles(user),
            "results": [
                frappe.safe_eval(code, get_workflow_safe_globals(), dict(doc=doc))
                for code in request["role_codes"]
            ],
        }
    frappe.set_user("Administrator")
    meta = frappe.get_meta("User")
    settings_meta = frappe.get_meta("System Settings")
    now = frappe.utils.now_datetime()
    out = {
        "results": results,
        "by_user": by_user,
        "doc": plain(doc),
        "field_types": {f: meta.get_field(f).fieldtype for f in request["fields"]},
        "settings_types": {f: settings_meta.get_field(f).fieldtype for f in request["settings"]},
        "settings": {f: frappe.db.get_single_value("System Settings", f) for f in request["settings"]},
        "roles": frappe.get_roles("Administrator"),
        "today": now.date().isoformat(),
        "now": now.isoformat(" ", "seconds"),
        "answers": [
            [doctype, filters, bool(frappe.db.exists(doctype, filters)), frappe.db.count(doctype, filters)]
            for doctype, filters in request["queries"]
        ],
    }
    print("RESULT" + json.dumps(out, default=str))
finally:
    frappe.destroy()
"""

FIELD_TYPES = {
    "enabled": "Check",
    "birth_date": "Date",
    "user_type": "Link",
    "roles": "Table",
    "first_name": "Data",
    "last_active": "Datetime",
    "send_welcome_email": "Check",
}
SETTINGS_TYPES = {"password_reset_limit": "Int", "session_expiry": "Data"}
QUERIES = [
    ["Role", {"name": "System Manager"}],
    ["Role", {"name": "No Such Role"}],
    ["Role", {"disabled": 0}],
    ["Has Role", {"parent": "Administrator", "role": "System Manager"}],
]
CONDITIONS = [
    "doc.enabled == 1 and doc.user_type == 'System User'",
    "doc.birth_date is None",
    "not is_set(doc.birth_date)",
    "days_between(doc.birth_date, today)",
    "add_days(today, 30) > today",
    "days_between(add_days(today, -3), today) == 3",
    "date(now) == today",
    "now >= today",
    "doc.last_active is None or doc.last_active <= now",
    "len(doc.roles) > 0",
    "len(doc.first_name)",
    "str(doc.first_name) + '/' + str(doc.enabled)",
    "doc.first_name in ['Administrator', 'Admin']",
    "'Admin' in doc.first_name",
    "'System Manager' in roles",
    "'No Such Role' not in roles",
    "'Guest' in roles and 'All' in roles",
    "user == 'Administrator'",
    "settings.password_reset_limit >= 1",
    "settings.password_reset_limit * 2",
    "settings.session_expiry",
    "exists('Role', name='System Manager') and not exists('Role', name='No Such Role')",
    "count('Role', disabled=0) > 1",
    "count('Has Role', parent='Administrator', role='System Manager')",
    "round(2.675, 2) + abs(-1) + min(3, 1, 2) + max([1, 2.5]) + int('4') + float('0.5')",
    "7 // 2 + -7 % 3",
    "doc.send_welcome_email if doc.enabled else 'disabled'",
    "doc.birth_date < today",
]


ROLE_CONDITIONS = [
    "'Guest' in roles",
    "'All' in roles",
    "'Desk User' in roles",
    "'System Manager' in roles",
    "'Administrator' in roles",
    "'No Such Role' not in roles",
]


def run_on_bench(codes: list[str], role_codes: list[str]) -> dict:
    site = os.environ.get("TOWNFLOW_FRAPPE_SITE")
    if not site:
        config = json.loads((Path(BENCH) / "sites" / "common_site_config.json").read_text())
        site = config["default_site"]
    request = {
        "site": site,
        "codes": codes,
        "role_codes": role_codes,
        "fields": list(FIELD_TYPES),
        "settings": list(SETTINGS_TYPES),
        "queries": QUERIES,
    }
    process = subprocess.run(
        [str(Path(BENCH) / "env" / "bin" / "python"), "-c", BENCH_SCRIPT],
        cwd=Path(BENCH) / "sites",
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in process.stdout.splitlines() if line.startswith("RESULT")]
    assert lines, f"the bench script failed:\n{process.stdout}\n{process.stderr}"
    return json.loads(lines[-1].removeprefix("RESULT"))


@pytest.fixture(scope="module")
def bench_run():
    codes = [
        parse(source).to_frappe_python(FIELD_TYPES, SETTINGS_TYPES, settings_doctype="System Settings")
        for source in CONDITIONS
    ]
    role_codes = [parse(source).to_frappe_python() for source in ROLE_CONDITIONS]
    return codes, run_on_bench(codes, role_codes)


def test_field_types_match_the_bench(bench_run):
    _codes, out = bench_run
    assert out["field_types"] == FIELD_TYPES
    assert out["settings_types"] == SETTINGS_TYPES


@pytest.mark.parametrize("index", range(len(CONDITIONS)))
def test_real_frappe_agrees_with_evaluate(bench_run, index):
    codes, out = bench_run
    answers = {(d, json.dumps(f, sort_keys=True)): (e, c) for d, f, e, c in out["answers"]}

    def exists(doctype, **filters):
        return answers[(doctype, json.dumps(filters, sort_keys=True))][0]

    def count(doctype, **filters):
        return answers[(doctype, json.dumps(filters, sort_keys=True))][1]

    context = {
        "doc": out["doc"],
        "user": "Administrator",
        "roles": out["roles"],
        "today": out["today"],
        "now": out["now"],
        "settings": out["settings"],
    }
    expected = parse(CONDITIONS[index]).evaluate(context, {"exists": exists, "count": count})
    got = out["results"][index]
    assert got == {"ok": expected}, f"{CONDITIONS[index]}\n{codes[index]}"
    assert type(got["ok"]) is type(expected)


def test_role_tests_follow_frappe_get_roles_for_other_users(bench_run):
    _codes, out = bench_run
    assert "Guest" in out["by_user"]
    for user, seen in out["by_user"].items():
        context = {"doc": {}, "user": user, "roles": seen["roles"]}
        expected = [parse(source).evaluate(context) for source in ROLE_CONDITIONS]
        assert seen["results"] == expected, user
