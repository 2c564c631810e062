"""Pregnancy monitoring's desk pieces in the Frappe app (issue 14), as standard documents of the
module that `bench migrate` syncs from their folders (page, report, print_format):

- the Script Report "Women of Child-bearing Age" (育龄妇女档案): one row per woman aged 15-49 the
  user may read, or (view "Villages") each village's completeness — computed by
  `care_for_girls.townflow_ext.roster` with townflow.rules.roster, as the embedded `/roster`;
- the desk Page `followups` (随访, /app/followups): the user's due visits, checks and outcomes,
  soonest first, with "剩余N个工作日", each opening the pregnancy record to record the visit
  (`townflow_ext.monitoring.followups_page`, the inbox's tasks: same scope);
- the Print Format "Liaison Letter" (联系函) of a Person registered as an outflow migrant, as
  the embedded `/migrants/<person>/liaison-letter` prints it.

They exist when the spec has what they read (Person with the migrant fields, Pregnancy Record
with its visits).
"""

from __future__ import annotations

import json
from typing import Any

from townflow.compile import templates as t
from townflow.compile.frappe_format import as_json, scrub
from townflow.compile.reports import _stamped
from townflow.rules import monitoring as monitoring_rules

MODULE = "Care for Girls"
ROSTER_REPORT = "Women of Child-bearing Age"
FOLLOWUPS_PAGE = "followups"
LIAISON_LETTER = "Liaison Letter"
#: who opens the roster and the 随访 page (as the embedded runtime's pages allow them)
ROSTER_ROLES = (
    "System Manager",
    "Township Approver",
    "Township Clerk",
    "Township Leader",
    "Village Clerk",
    "Village Head",
)
FOLLOWUP_ROLES = ("System Manager", "Township Clerk", "Village Clerk")
TRANSLATIONS = (
    (ROSTER_REPORT, "育龄妇女档案"),
    ("Women", "育龄妇女"),
    ("Villages", "各村完整率"),
    ("Follow-up Visits", "随访"),
    (LIAISON_LETTER, "联系函"),
    ("Only Incomplete", "只看不完整"),
    ("View", "查看"),
    ("Nothing due", "暂无到期随访"),
    (
        "Only a person registered as an outflow migrant, with where she lives now, has a liaison letter.",
        "只有登记为流出人口并填写现居住地的人员才能开具联系函。",
    ),
)


def _wanted(project: Any) -> bool:
    person = project.doctypes.get("Person")
    return (
        person is not None
        and person.field("outflow_destination") is not None
        and monitoring_rules.DOCTYPE in project.doctypes
        and monitoring_rules.VISIT_DOCTYPE in project.doctypes
    )


def roster_report_files(folder: str) -> dict[str, str]:
    snake = scrub(ROSTER_REPORT)
    base = f"{folder}/report/{snake}"
    doc = _stamped(
        "Report",
        ROSTER_REPORT,
        {
            "add_total_row": 0,
            "columns": [],
            "disabled": 0,
            "filters": [],
            "is_standard": "Yes",
            "module": MODULE,
            "prepared_report": 0,
            "query": "",
            "ref_doctype": "Person",
            "report_name": ROSTER_REPORT,
            "report_type": "Script Report",
            "roles": [{"role": role} for role in sorted(ROSTER_ROLES)],
        },
    )
    py = (
        "# Copyright (c) 2024, townflow and contributors\n# For license information, please see license.txt\n"
        f'"""育龄妇女档案 ({ROSTER_REPORT}).\n\n{t.GENERATED_NOTE}\n'
        "The rows come from townflow.rules.roster over the records this user may read: see\n"
        'townflow_ext/roster.py.\n"""\n\n'
        "from care_for_girls.townflow_ext.roster import execute_roster\n\n\n"
        "def execute(filters=None):\n"
        "    return execute_roster(filters)\n"
    )
    js = "\n".join(
        [
            "// Copyright (c) 2024, townflow and contributors",
            "// For license information, please see license.txt",
            f"// {t.GENERATED_NOTE}",
            "",
            f"frappe.query_reports[{json.dumps(ROSTER_REPORT)}] = {{",
            "\tfilters: [",
            '\t\t{ fieldname: "view", label: __("View"), fieldtype: "Select", '
            'options: ["Women", "Villages"], default: "Women" },',
            '\t\t{ fieldname: "village", label: __("Village"), fieldtype: "Link", options: "Village" },',
            '\t\t{ fieldname: "only_incomplete", label: __("Only Incomplete"), fieldtype: "Check" },',
            "\t],",
            "};",
            "",
        ]
    )
    return {
        f"{base}/__init__.py": "",
        f"{base}/{snake}.json": as_json(doc, ensure_ascii=False),
        f"{base}/{snake}.py": py,
        f"{base}/{snake}.js": js,
    }


FOLLOWUPS_JS = """// Copyright (c) 2024, townflow and contributors
// For license information, please see license.txt
// GENERATED_NOTE
// 随访: the visits, checks and outcomes due that wait on this user, soonest first; a row opens
// the pregnancy record, where the visit is added (with the family's signature image).

frappe.pages["followups"].on_page_load = function (wrapper) {
\tconst title = __("Follow-up Visits");
\tconst page = frappe.ui.make_app_page({ parent: wrapper, title: title, single_column: true });
\tconst body = $('<div class="townflow-followups"></div>').appendTo(page.main);
\tpage.set_primary_action(__("Refresh"), () => load());
\tfunction load() {
\t\tbody.html(`<p class="text-muted">${__("Loading...")}</p>`);
\t\tfrappe.call({ method: "care_for_girls.townflow_ext.monitoring.followups_page" }).then((r) => {
\t\t\tconst rows = r.message || [];
\t\t\tif (!rows.length) {
\t\t\t\tbody.html(`<p class="text-muted">${__("Nothing due")}</p>`);
\t\t\t\treturn;
\t\t\t}
\t\t\tconst items = rows.map((row) => {
\t\t\t\tconst late = row.overdue ? "text-danger" : "text-muted";
\t\t\t\tconst link = `/app/pregnancy-record/${encodeURIComponent(row.record)}`;
\t\t\t\tconst record = frappe.utils.escape_html(row.record);
\t\t\t\treturn `<a class="list-group-item" href="${link}" data-record="${record}">
\t\t\t\t\t<div><strong>${frappe.utils.escape_html(row.title || row.record)}</strong>
\t\t\t\t\t<span class="badge">${frappe.utils.escape_html(row.label)}</span></div>
\t\t\t\t\t<div class="${late}">${frappe.utils.escape_html(row.due_text || "")}</div></a>`;
\t\t\t});
\t\t\tbody.html(`<div class="list-group">${items.join("")}</div>`);
\t\t});
\t}
\tload();
};
"""


def followups_page_files(folder: str) -> dict[str, str]:
    base = f"{folder}/page/{FOLLOWUPS_PAGE}"
    doc = _stamped(
        "Page",
        FOLLOWUPS_PAGE,
        {
            "icon": "",
            "module": MODULE,
            "page_name": FOLLOWUPS_PAGE,
            "roles": [{"role": role} for role in sorted(FOLLOWUP_ROLES)],
            "standard": "Yes",
            "system_page": 0,
            "title": "随访",
        },
    )
    return {
        f"{folder}/page/__init__.py": "",
        f"{base}/__init__.py": "",
        f"{base}/{FOLLOWUPS_PAGE}.json": as_json(doc, ensure_ascii=False),
        f"{base}/{FOLLOWUPS_PAGE}.js": FOLLOWUPS_JS.replace("GENERATED_NOTE", t.GENERATED_NOTE),
    }


#: the letter as the embedded runtime prints it (townflow/web/templates/liaison_letter.html);
#: the ID number as the reader may see it (the masked companion when her role may not read the full
#: one: a Jinja print format is not narrowed to the reader's permlevels as the standard format is)
LIAISON_HTML = """<div class="townflow-liaison-letter" data-liaison-letter>
<h2 style="text-align:center">流动人口计划生育工作联系函</h2>
{% if doc.migrant_direction != "Outflow" or not doc.outflow_destination %}
<p>{{ _("Only a person registered as an outflow migrant, with where she lives now, has a liaison letter.") }}</p>
{% else %}
{% set ongoing = frappe.get_list("Pregnancy Record", filters={"person": doc.name, "outcome": "Ongoing"}, limit_page_length=1) %}
<p>{{ doc.outflow_destination }} 计划生育办公室：</p>
<p>　　我街道{{ doc.village }}居民 <strong>{{ doc.full_name }}</strong>（身份证号：{{ (doc.id_number if doc.has_permlevel_access_to("id_number") else doc.id_number_masked) or "—" }}，出生日期：{{ frappe.format(doc.date_of_birth, {"fieldtype": "Date"}) }}），
户籍地为本街道，{% if doc.moved_out_on %}于 {{ frappe.format(doc.moved_out_on, {"fieldtype": "Date"}) }} {% endif %}外出，现居住在{{ doc.outflow_destination }}。
按照流动人口计划生育"同宣传、同管理、同政策、同服务"的要求，请贵单位协助做好其孕情监测、随访服务和避孕节育管理，并将有关情况函告我街道计生办。</p>
<table class="table table-bordered">
<tr><th>避孕措施</th><td>{{ _(doc.contraception_method) if doc.contraception_method else "未登记" }}</td></tr>
<tr><th>孕情</th><td>{{ "在孕，请按月随访" if ongoing else "无在孕记录" }}</td></tr>
<tr><th>联系电话</th><td>{{ doc.mobile or "—" }}</td></tr>
</table>
<p style="margin-top:3rem; text-align:right">街道计划生育办公室（盖章）<br>{% set today = frappe.utils.getdate(frappe.utils.nowdate()) %}{{ today.year }}年{{ today.month }}月{{ today.day }}日</p>
<p class="small text-muted">联系人：{{ frappe.get_fullname(frappe.session.user) }}</p>
{% endif %}
</div>
"""  # noqa: E501


def liaison_letter_files(folder: str) -> dict[str, str]:
    snake = scrub(LIAISON_LETTER)
    doc = _stamped(
        "Print Format",
        LIAISON_LETTER,
        {
            "align_labels_right": 0,
            "custom_format": 1,
            "default_print_language": "zh",
            "disabled": 0,
            "doc_type": "Person",
            "font_size": 14,
            "html": LIAISON_HTML,
            "line_breaks": 0,
            "margin_bottom": 15.0,
            "margin_left": 15.0,
            "margin_right": 15.0,
            "margin_top": 15.0,
            "module": MODULE,
            "print_format_builder": 0,
            "print_format_type": "Jinja",
            "raw_printing": 0,
            "show_section_headings": 0,
            "standard": "Yes",
        },
    )
    return {
        f"{folder}/print_format/__init__.py": "",
        f"{folder}/print_format/{snake}/__init__.py": "",
        f"{folder}/print_format/{snake}/{snake}.json": as_json(doc, ensure_ascii=False),
    }


def monitoring_files(project: Any, module_dir: Any) -> dict[str, str]:
    """The three pieces, in the Care for Girls module's folder (`module_dir(module)`)."""
    if not _wanted(project):
        return {}
    folder = module_dir(MODULE)
    return {**roster_report_files(folder), **followups_page_files(folder), **liaison_letter_files(folder)}


def monitoring_translations(project: Any, existing: str) -> str:
    """zh.csv rows for the pieces' names and labels not already there."""
    import csv
    import io

    if not _wanted(project):
        return ""

    known = {row[0] for row in csv.reader(io.StringIO(existing)) if row}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for en, zh in TRANSLATIONS:
        if en not in known:
            writer.writerow([en, zh])
    return out.getvalue()
