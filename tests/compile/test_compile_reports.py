"""The spec's reports in the compiled Frappe app: standard Script Reports, Number Cards,
Dashboard Charts and the 关爱女孩行动 Workspace, every key one Frappe 15 defines
(frappe_v15_meta.json: report.json, has_role.json, number_card.json, dashboard_chart.json,
dashboard_chart_field.json, workspace*.json), every name pointing at something that exists."""

from __future__ import annotations

import ast
import json
import re

import pytest
from test_compile_frappe_fidelity import META, _check_doc

from townflow.compile import build_files
from townflow.compile.reports import LAST_GROUPS, TOTALS_ONLY, WORKSPACE

APP = "care_for_girls"
MODULE = f"{APP}/care_for_girls"
#: Keys Frappe's export_to_files writes besides the fields (frappe/modules/export_file.py)
EXPORT_KEYS = {"doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"}


@pytest.fixture(scope="module")
def app(repo_project):
    return repo_project, build_files(repo_project)


def _json(files, path):
    return json.loads(files[path])


def test_every_report_is_a_standard_script_report(app):
    project, files = app
    assert len(project.reports) >= 6
    for name, report in project.reports.items():
        folder = f"{MODULE}/report/{name.lower().replace(' ', '_').replace('-', '_')}"
        snake = folder.rsplit("/", 1)[1]
        assert files[f"{folder}/__init__.py"] == b""
        doc = _json(files, f"{folder}/{snake}.json")
        _check_doc("Report", {k: v for k, v in doc.items() if k != "roles"}, EXPORT_KEYS)
        for row in doc["roles"]:
            _check_doc("Has Role", row)
        assert (doc["name"], doc["report_name"], doc["report_type"], doc["is_standard"]) == (
            name,
            name,
            "Script Report",
            "Yes",
        )
        assert doc["ref_doctype"] in project.doctypes
        assert {r["role"] for r in doc["roles"]} == set(report.roles)
        assert doc["add_total_row"] == 0  # the computation's totals row: a ratio of totals, not a sum

        tree = ast.parse(files[f"{folder}/{snake}.py"])
        execute = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "execute")
        assert [a.arg for a in execute.args.args] == ["filters"]
        imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
        assert [(i.module, [a.name for a in i.names]) for i in imports] == [
            ("care_for_girls.townflow_ext.reports", ["execute_report"])
        ]
        assert f"REPORT_NAME = {json.dumps(name)}" in files[f"{folder}/{snake}.py"].decode()

        js = files[f"{folder}/{snake}.js"].decode()
        assert f"frappe.query_reports[{json.dumps(name)}]" in js
        assert re.findall(r'fieldname: "([a-z_]+)"', js) == [f.fieldname for f in report.filters] + (
            ["group_by"] if report.dimensions else []
        )
        for f in report.filters:
            assert f'fieldtype: "{f.fieldtype}"' in js


def _standard_docs(files, kind):
    pattern = re.compile(rf"^{MODULE}/{kind}/([a-z0-9_]+)/\1\.json$")
    return [json.loads(content) for path, content in files.items() if pattern.match(path)]


def test_number_cards_and_charts_are_standard_documents_migrate_syncs(app):
    project, files = app
    cards = _standard_docs(files, "number_card")
    charts = _standard_docs(files, "dashboard_chart")
    assert {c["name"] for c in cards} == set(project.number_cards)
    assert {c["name"] for c in charts} == set(project.charts)
    for card in cards:
        _check_doc("Number Card", card, EXPORT_KEYS)
        spec = project.number_cards[card["name"]]
        # Frappe's validate(): a Report card needs report_name, report_field and function
        assert card["type"] == "Report" and card["report_name"] and card["report_field"] and card["function"]
        assert card["is_standard"] == 1 and card["module"] in files[f"{APP}/modules.txt"].decode()
        assert project.reports[card["report_name"]].measure(card["report_field"]) is not None
        assert json.loads(card["filters_json"]) == {**spec.filters, TOTALS_ONLY: 1}
    for chart in charts:
        _check_doc("Dashboard Chart", {k: v for k, v in chart.items() if k != "y_axis"}, EXPORT_KEYS)
        for row in chart["y_axis"]:
            _check_doc("Dashboard Chart Field", row)
        spec = project.charts[chart["name"]]
        assert (chart["chart_type"], chart["use_report_chart"], chart["report_name"]) == (
            "Report",
            1,
            spec.report,
        )
        assert [row["y_field"] for row in chart["y_axis"]] == spec.measures
        filters = json.loads(chart["filters_json"])
        assert filters["group_by"] == spec.group_by and filters.get(LAST_GROUPS) == spec.last
        assert project.reports[spec.report].dimension(spec.group_by) is not None
    # not fixtures: sync_fixtures validates, and DashboardChart.validate refuses a standard chart
    # outside developer mode; sync_dashboards imports module folders as standard documents
    assert not any(p.startswith(f"{APP}/fixtures/") and ("number_card" in p or "chart" in p) for p in files)


def test_the_workspace_links_forms_reports_cards_and_charts(app):
    project, files = app
    path = f"{MODULE}/workspace/{WORKSPACE}/{WORKSPACE}.json"
    ws = _json(files, path)
    children = {
        "links": "Workspace Link",
        "shortcuts": "Workspace Shortcut",
        "charts": "Workspace Chart",
        "number_cards": "Workspace Number Card",
        "roles": "Has Role",
    }
    _check_doc("Workspace", {k: v for k, v in ws.items() if k not in children}, EXPORT_KEYS)
    for key, doctype in children.items():
        for row in ws[key]:
            _check_doc(doctype, row)
    assert ws["name"] == ws["label"] == ws["title"] == "关爱女孩行动"
    assert ws["module"] in files[f"{APP}/modules.txt"].decode().splitlines()
    linked = {(link["link_type"], link["link_to"]) for link in ws["links"] if link["type"] == "Link"}
    assert {("Report", name) for name in project.reports} <= linked
    forms = {n for n, d in project.doctypes.items() if not d.istable and not d.issingle}
    assert {("DocType", name) for name in forms} <= linked
    assert {c["number_card_name"] for c in ws["number_cards"]} == set(project.number_cards)
    assert {c["chart_name"] for c in ws["charts"]} == set(project.charts)
    # the page layout (content) places only cards, charts, shortcuts and link cards that exist
    blocks = json.loads(ws["content"])
    card_breaks = {link["label"] for link in ws["links"] if link["type"] == "Card Break"}
    shortcuts = {s["label"] for s in ws["shortcuts"]}
    for block in blocks:
        data = block["data"]
        assert re.fullmatch(r"[0-9a-f]{10}", block["id"])
        if block["type"] == "number_card":
            assert data["number_card_name"] in project.number_cards
        elif block["type"] == "chart":
            assert data["chart_name"] in project.charts
        elif block["type"] == "card":
            assert data["card_name"] in card_breaks
        elif block["type"] == "shortcut":
            assert data["shortcut_name"] in shortcuts
    assert len({b["id"] for b in blocks}) == len(blocks)


def test_the_reference_holds_frappes_report_and_dashboard_doctypes():
    for doctype in ("Report", "Number Card", "Dashboard Chart", "Workspace", "Workspace Link"):
        assert META[doctype]["fields"], doctype
    assert "Script Report" in META["Report"]["fields"]["report_type"]["options"]


def test_report_labels_are_translated(app):
    project, files = app
    rows = dict(line.split(",", 1) for line in files[f"{APP}/translations/zh.csv"].decode().splitlines())
    for name, report in project.reports.items():
        assert rows[name].split(",")[0] == report.label.zh
        for f in report.filters:
            assert f.label.en in rows
