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
// the pregnancy record. A due visit or check can be recorded here with the family's signature
// drawn on screen (Frappe's Signature control): the drawing is uploaded as a private image of the
// record and the visit saved with it (signature_method "Drawn on Screen"), through the record's
// own save, so its rules and read-only checks apply as in the form.

frappe.pages["followups"].on_page_load = function (wrapper) {
\tconst title = __("Follow-up Visits");
\tconst page = frappe.ui.make_app_page({ parent: wrapper, title: title, single_column: true });
\tconst body = $('<div class="townflow-followups"></div>').appendTo(page.main);
\tpage.set_primary_action(__("Refresh"), () => load());
\tfunction upload_signature(record, data_url) {
\t\treturn fetch(data_url)
\t\t\t.then((r) => r.blob())
\t\t\t.then((blob) => {
\t\t\t\tconst form = new FormData();
\t\t\t\tform.append("file", blob, `signature-${record}.png`);
\t\t\t\tform.append("is_private", 1);
\t\t\t\tform.append("doctype", "Pregnancy Record");
\t\t\t\tform.append("docname", record);
\t\t\t\treturn fetch("/api/method/upload_file", {
\t\t\t\t\tmethod: "POST",
\t\t\t\t\tbody: form,
\t\t\t\t\theaders: { "X-Frappe-CSRF-Token": frappe.csrf_token, Accept: "application/json" },
\t\t\t\t});
\t\t\t})
\t\t\t.then((r) => r.json())
\t\t\t.then((r) => {
\t\t\t\tif (!r.message || !r.message.file_url) throw new Error(__("The signature could not be uploaded"));
\t\t\t\treturn r.message.file_url;
\t\t\t});
\t}
\tfunction record_visit(record, kind) {
\t\tfrappe.model.with_doctype("Pregnancy Follow Up Visit", () => {
\t\t\tconst type_field = frappe.meta.get_docfield("Pregnancy Follow Up Visit", "visit_type");
\t\t\tconst dialog = new frappe.ui.Dialog({
\t\t\t\ttitle: __("Record Visit") + " · " + record,
\t\t\t\tfields: [
\t\t\t\t\t{ fieldname: "visit_date", fieldtype: "Date", label: __("Visit Date"), reqd: 1,
\t\t\t\t\t\tdefault: frappe.datetime.get_today() },
\t\t\t\t\t{ fieldname: "visit_type", fieldtype: "Select", label: __("Visit Type"), reqd: 1,
\t\t\t\t\t\toptions: type_field ? type_field.options : "",
\t\t\t\t\t\tdefault: kind === "check" ? "Pregnancy Check" : "Home Visit" },
\t\t\t\t\t{ fieldname: "visitor", fieldtype: "Data", label: __("Visitor"), reqd: 1,
\t\t\t\t\t\tdefault: frappe.session.user_fullname },
\t\t\t\t\t{ fieldname: "findings", fieldtype: "Small Text", label: __("Findings"), reqd: 1 },
\t\t\t\t\t{ fieldname: "signed_by", fieldtype: "Data", label: __("Signed By"), reqd: 1 },
\t\t\t\t\t{ fieldname: "signature", fieldtype: "Signature", label: __("Family Signature"), reqd: 1 },
\t\t\t\t],
\t\t\t\tprimary_action_label: __("Save"),
\t\t\t\tprimary_action(values) {
\t\t\t\t\tdialog.disable_primary_action();
\t\t\t\t\tupload_signature(record, values.signature)
\t\t\t\t\t\t.then((file_url) =>
\t\t\t\t\t\t\tfrappe.db.get_doc("Pregnancy Record", record).then((doc) => {
\t\t\t\t\t\t\t\tdoc.visits = doc.visits || [];
\t\t\t\t\t\t\t\tdoc.visits.push({
\t\t\t\t\t\t\t\t\tdoctype: "Pregnancy Follow Up Visit",
\t\t\t\t\t\t\t\t\tvisit_date: values.visit_date,
\t\t\t\t\t\t\t\t\tvisit_type: values.visit_type,
\t\t\t\t\t\t\t\t\tvisitor: values.visitor,
\t\t\t\t\t\t\t\t\tfindings: values.findings,
\t\t\t\t\t\t\t\t\tfamily_signature: 1,
\t\t\t\t\t\t\t\t\tsigned_by: values.signed_by,
\t\t\t\t\t\t\t\t\tsignature_method: "Drawn on Screen",
\t\t\t\t\t\t\t\t\tsignature_image: file_url,
\t\t\t\t\t\t\t\t});
\t\t\t\t\t\t\t\treturn frappe.call({ method: "frappe.client.save", args: { doc: doc } });
\t\t\t\t\t\t\t})
\t\t\t\t\t\t)
\t\t\t\t\t\t.then(() => {
\t\t\t\t\t\t\tdialog.hide();
\t\t\t\t\t\t\tfrappe.show_alert({ message: __("Visit recorded"), indicator: "green" });
\t\t\t\t\t\t\tload();
\t\t\t\t\t\t})
\t\t\t\t\t\t.catch((e) => {
\t\t\t\t\t\t\tdialog.enable_primary_action();
\t\t\t\t\t\t\tif (e && e.message) frappe.msgprint(frappe.utils.escape_html(e.message));
\t\t\t\t\t\t});
\t\t\t\t},
\t\t\t});
\t\t\tdialog.show();
\t\t});
\t}
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
\t\t\t\tconst kind = frappe.utils.escape_html(row.kind);
\t\t\t\tconst sign = row.kind === "outcome" ? "" :
\t\t\t\t\t`<button class="btn btn-xs btn-default townflow-record-visit" data-record="${record}"
\t\t\t\t\tdata-kind="${kind}">${__("Record visit with signature")}</button>`;
\t\t\t\treturn `<div class="list-group-item">
\t\t\t\t\t<a href="${link}" data-record="${record}">
\t\t\t\t\t<strong>${frappe.utils.escape_html(row.title || row.record)}</strong></a>
\t\t\t\t\t<span class="badge">${frappe.utils.escape_html(row.label)}</span> ${sign}
\t\t\t\t\t<div class="${late}">${frappe.utils.escape_html(row.due_text || "")}</div></div>`;
\t\t\t});
\t\t\tbody.html(`<div class="list-group">${items.join("")}</div>`);
\t\t\tbody.find(".townflow-record-visit").on("click", function () {
\t\t\t\trecord_visit($(this).attr("data-record"), $(this).attr("data-kind"));
\t\t\t});
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
