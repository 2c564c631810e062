"""reports/*.yaml -> the Frappe app's Script Reports, Number Cards, Dashboard Charts, Workspace.

- Each report is a standard Script Report, as `bench new-report` lays it out:
  `<module>/report/<scrub>/<scrub>.json` (Frappe's Report keys, report_type "Script Report"),
  `<scrub>.py` whose `execute(filters)` hands the run to the extension code
  (`care_for_girls.townflow_ext.reports`: the same pure `townflow.reports.Tally` the embedded
  runtime uses, over `frappe.get_list` reads, so there is no second implementation of a figure),
  and `<scrub>.js` with the report's filters and its group-by choices.
- Number Cards (type Report) and Dashboard Charts (chart_type Report, the report's own chart)
  are standard documents in the module, `<module>/number_card/<scrub>/<scrub>.json` and
  `<module>/dashboard_chart/<scrub>/<scrub>.json`, where `bench migrate` syncs them
  (frappe.utils.dashboard.sync_dashboards; as fixtures a standard chart would be refused:
  DashboardChart.validate allows none outside developer mode).
- The "关爱女孩行动" Workspace (`<module>/workspace/...`, synced by Frappe with the module) links
  the forms, the reports, the number cards and the charts.

The totals row is the computation's own (a ratio of totals is not a sum of ratios), so
`add_total_row` stays 0. A card reads one figure: its filters ask the report for the totals row
only (`totals_only`); a chart asks for its dimension and its last groups (`group_by`,
`last_groups`). Both are control values `townflow_ext.reports` takes out before the report's
own filters are checked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from townflow.compile import templates as t
from townflow.compile.frappe_format import OWNER, as_json, content_timestamps, scrub
from townflow.spec.models import Label
from townflow.spec.reports import Dashboard, Report

WORKSPACE = "关爱女孩行动"
TOTALS_ONLY = "totals_only"
LAST_GROUPS = "last_groups"
CHART_TYPES = {"bar": "Bar", "line": "Line", "percentage": "Percentage", "pie": "Pie", "donut": "Donut"}


def _stamped(doctype: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
    """A standard document as Frappe exports it (export_to_files): its values plus the doc keys."""
    creation, modified = content_timestamps({"doctype": doctype, "name": name, **values})
    return {
        **values,
        "creation": creation,
        "docstatus": 0,
        "doctype": doctype,
        "idx": 0,
        "modified": modified,
        "modified_by": OWNER,
        "name": name,
        "owner": OWNER,
    }


def report_json(report: Report) -> dict[str, Any]:
    return _stamped(
        "Report",
        report.report_name,
        {
            "add_total_row": 0,
            "columns": [],
            "disabled": 0,
            "filters": [],
            "is_standard": "Yes",
            "module": report.module,
            "prepared_report": 0,
            "query": "",
            "ref_doctype": report.doctype_for_frappe,
            "report_name": report.report_name,
            "report_type": "Script Report",
            "roles": [{"role": role} for role in sorted(report.roles)],
        },
    )


def report_py(report: Report) -> str:
    return (
        "# Copyright (c) 2024, townflow and contributors\n# For license information, please see license.txt\n"
        f'"""{report.label.zh} ({report.report_name}).\n\n{t.GENERATED_NOTE}\n'
        "The figures come from townflow.reports (the same computation as the embedded runtime),\n"
        'over the records this user may read (frappe.get_list): see townflow_ext/reports.py.\n"""\n\n'
        "from care_for_girls.townflow_ext.reports import execute_report\n\n"
        f"REPORT_NAME = {json.dumps(report.report_name)}\n\n\n"
        "def execute(filters=None):\n"
        "    return execute_report(REPORT_NAME, filters)\n"
    )


def _filter_js(f: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"fieldname": f.fieldname, "label": f"__({f.label.en!r})", "fieldtype": f.fieldtype}
    if f.fieldtype == "Select":
        out["options"] = ["", *f.options]
    elif f.options:
        out["options"] = f.options
    if f.default is not None:
        out["default"] = f.default
    if f.reqd:
        out["reqd"] = 1
    return out


def _js_value(value: Any) -> str:
    if isinstance(value, str) and value.startswith("__("):
        return "__(" + json.dumps(value[4:-2], ensure_ascii=False) + ")"
    return json.dumps(value, ensure_ascii=False)


def report_js(report: Report) -> str:
    lines = [
        "// Copyright (c) 2024, townflow and contributors",
        "// For license information, please see license.txt",
        f"// {t.GENERATED_NOTE}",
        "",
        f"frappe.query_reports[{json.dumps(report.report_name)}] = {{",
        "\tfilters: [",
    ]
    for f in report.filters:
        body = ", ".join(f"{k}: {_js_value(v)}" for k, v in _filter_js(f).items())
        lines.append(f"\t\t{{ {body} }},")
    if report.dimensions:
        choices = ", ".join(
            f"{{ value: {json.dumps(d.name)}, description: __({json.dumps(d.label.en)}) }}"
            for d in report.dimensions
        )
        lines += [
            "\t\t{",
            '\t\t\tfieldname: "group_by",',
            '\t\t\tlabel: __("Group By"),',
            '\t\t\tfieldtype: "MultiSelectList",',
            f"\t\t\tdefault: {json.dumps(report.group_by)},",
            f"\t\t\tget_data: () => [{choices}],",
            "\t\t},",
        ]
    lines += ["\t],", "};", ""]
    return "\n".join(lines)


def report_files(report: Report, module_dir: str) -> dict[str, str]:
    snake = scrub(report.report_name)
    folder = f"{module_dir}/report/{snake}"
    return {
        f"{module_dir}/report/__init__.py": "",
        f"{folder}/__init__.py": "",
        f"{folder}/{snake}.json": as_json(report_json(report)),
        f"{folder}/{snake}.py": report_py(report),
        f"{folder}/{snake}.js": report_js(report),
    }


def number_card_docs(dashboard: Dashboard) -> list[dict[str, Any]]:
    out = []
    for card in dashboard.number_cards:
        values = {
            "color": card.color,
            "filters_json": json.dumps({**card.filters, TOTALS_ONLY: 1}, sort_keys=True, ensure_ascii=False),
            "function": "Count",
            "is_public": 1,
            "is_standard": 1,
            "label": card.label.en,
            "module": dashboard.module,
            "report_field": card.measure,
            "report_function": "Sum",  # over the one row a card asks for: the totals row
            "report_name": card.report,
            "show_percentage_stats": 0,
            "stats_time_interval": "Daily",
            "type": "Report",
        }
        out.append(_stamped("Number Card", card.name, {k: v for k, v in values.items() if v is not None}))
    return out


def dashboard_chart_docs(dashboard: Dashboard) -> list[dict[str, Any]]:
    out = []
    for chart in dashboard.charts:
        filters = {**chart.filters, "group_by": chart.group_by}
        if chart.last:
            filters[LAST_GROUPS] = chart.last
        values = {
            "chart_name": chart.name,
            "chart_type": "Report",
            "filters_json": json.dumps(filters, sort_keys=True, ensure_ascii=False),
            "is_public": 1,
            # Not standard: Frappe 15 refuses to save a standard chart outside developer mode
            # (DashboardChart.validate: "Cannot edit Standard charts"), and fixtures are saved on
            # every install and migrate, so install-app failed on a production site.
            "is_standard": 0,
            "module": dashboard.module,
            "report_name": chart.report,
            "roles": [],
            "timeseries": 0,
            "type": CHART_TYPES[chart.type],
            "use_report_chart": 1,
            "x_field": chart.group_by,
            "y_axis": [{"y_field": m} for m in chart.measures],
        }
        out.append(_stamped("Dashboard Chart", chart.name, values))
    return out


def _block_id(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:10]


def workspace_json(project: Any, dashboard: Dashboard) -> dict[str, Any]:
    """The campaign's Workspace: number cards, charts, shortcuts to the processes, and cards of
    links to every form and every report."""
    processes = sorted(project.workflows)
    forms = sorted(n for n, d in project.doctypes.items() if not d.istable and not d.issingle)
    reports = [r for r in dashboard.reports if r in project.reports] or sorted(project.reports)
    links: list[dict[str, Any]] = []

    def card(label: str, items: list[tuple[str, str, str]]) -> None:
        links.append(
            {
                "hidden": 0,
                "is_query_report": 0,
                "label": label,
                "link_count": len(items),
                "onboard": 0,
                "type": "Card Break",
            }
        )
        for link_type, link_to, text in items:
            links.append(
                {
                    "dependencies": "",
                    "hidden": 0,
                    "is_query_report": 1 if link_type == "Report" else 0,
                    "label": text,
                    "link_count": 0,
                    "link_to": link_to,
                    "link_type": link_type,
                    "onboard": 0,
                    "type": "Link",
                }
            )

    card("统计报表", [("Report", r, project.reports[r].label.zh) for r in reports])
    card("业务表单", [("DocType", n, project.doctypes[n].label.zh) for n in forms])
    blocks: list[dict[str, Any]] = [
        _block("header", {"text": f'<span class="h4"><b>{WORKSPACE}</b></span>', "col": 12})
    ]
    blocks += [_block("number_card", {"number_card_name": c.name, "col": 4}) for c in dashboard.number_cards]
    blocks += [_block("chart", {"chart_name": c.name, "col": 12}) for c in dashboard.charts]
    blocks += [
        _block("shortcut", {"shortcut_name": project.doctypes[p].label.zh, "col": 3}) for p in processes
    ]
    blocks += [_block("card", {"card_name": name, "col": 4}) for name in ("统计报表", "业务表单")]
    values = {
        "charts": [{"chart_name": c.name, "label": c.label.zh} for c in dashboard.charts],
        "content": json.dumps(blocks, ensure_ascii=False, separators=(",", ":")),
        "custom_blocks": [],
        "for_user": "",
        "hide_custom": 0,
        "icon": "users",
        "is_hidden": 0,
        "label": WORKSPACE,
        "links": links,
        "module": dashboard.module,
        "number_cards": [{"label": c.label.zh, "number_card_name": c.name} for c in dashboard.number_cards],
        "parent_page": "",
        "public": 1,
        "quick_lists": [],
        "roles": [{"role": r} for r in sorted(dashboard.roles)],
        "sequence_id": 1.0,
        "shortcuts": [
            {
                "color": "Grey",
                "doc_view": "List",
                "label": project.doctypes[p].label.zh,
                "link_to": p,
                "type": "DocType",
            }
            for p in processes
        ],
        "title": WORKSPACE,
    }
    return _stamped("Workspace", WORKSPACE, values)


def _block(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": _block_id(kind, json.dumps(data, sort_keys=True, ensure_ascii=False)),
        "type": kind,
        "data": data,
    }


def dashboard_files(project: Any, module_dir: Any) -> dict[str, str]:
    """Report folders, Number Cards, Dashboard Charts and the Workspace, as standard documents of
    their module (`module_dir(module)` is the module's folder in the app)."""
    files: dict[str, str] = {}
    for name in sorted(project.reports):
        report = project.reports[name]
        files.update(report_files(report, module_dir(report.module)))
    for name in sorted(project.dashboards):
        dashboard = project.dashboards[name]
        folder = module_dir(dashboard.module)
        for kind, docs in (
            ("number_card", number_card_docs(dashboard)),
            ("dashboard_chart", dashboard_chart_docs(dashboard)),
        ):
            for doc in docs:
                snake = scrub(doc["name"])
                files[f"{folder}/{kind}/{snake}/{snake}.json"] = as_json(doc, ensure_ascii=False)
        snake = scrub(WORKSPACE)
        files[f"{folder}/workspace/{snake}/{snake}.json"] = as_json(
            workspace_json(project, dashboard), ensure_ascii=False
        )
    return files


def _labels(project: Any) -> list[Label]:
    out: list[Label] = []
    for report in project.reports.values():
        out += [report.label, *(f.label for f in report.filters), *(d.label for d in report.dimensions)]
        out += [m.label for m in report.measures]
    for dashboard in project.dashboards.values():
        out += [c.label for c in dashboard.number_cards] + [c.label for c in dashboard.charts]
    return out


def report_translations(project: Any, existing: str) -> str:
    """zh.csv rows for the reports' names, filters, dimensions and measures not already there."""
    known = {row[0] for row in csv.reader(io.StringIO(existing)) if row}
    rows = {(label.en, label.zh) for label in _labels(project) if label.en and label.en != label.zh}
    rows |= {(name, r.label.zh) for name, r in project.reports.items()}
    rows.add(("Group By", "分组"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for source, zh in sorted(rows):
        if source not in known:
            writer.writerow([source, zh])
            known.add(source)
    return out.getvalue()
