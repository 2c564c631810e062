"""Issue 17 points 3 and 4 in the compiled Frappe app: certificates anyone can verify, and search
by pinyin. What `townflow build` adds to the app tree:

- Print Formats (standard, Jinja) "<DocType> Print" for each verifiable DocType
  (townflow.rules.verify.VERIFIABLE): the issuing office and the seal's side from Campaign Settings,
  the serial, the printable fields, the verification code and the QR code, through the Jinja
  method `care_for_girls_verify_box(doc)` (hooks `jinja`, care_for_girls.townflow_ext.verify);
- the guest page `www/verify` (`/verify?serial=&code=`, and `/verify/<serial>` by
  `website_route_rules`): status, serial, office, facility, validity; nothing personal;
- a hidden `tf_pinyin` column on each DocType with Chinese title or search fields, filled on
  validate (townflow_ext.pinyin_search.fill, from townflow.rules.pinyin), and
  `standard_queries` so the desk's Link fields search it (townflow_ext.pinyin_search.search).
"""

from __future__ import annotations

from typing import Any

from townflow.compile.frappe_format import as_json, scrub
from townflow.compile.pylit import assignment
from townflow.compile.reports import _stamped
from townflow.rules import pinyin
from townflow.rules import verify as rules
from townflow.spec.models import DocField, DocType, Label

APP = "care_for_girls"
EXT = f"{APP}.townflow_ext"
PINYIN_FIELD = "tf_pinyin"
_SKIP_TYPES = {"Attach", "Attach Image", "Table", "Table MultiSelect", "Password", "Signature", "HTML"}
_HEADER = {"workflow_state", "amended_from", "valid_from", "valid_until", "certificate_status", "used_on",
           "issued_on", "termination_report"}  # fmt: skip


def pinyin_field() -> DocField:
    return DocField(
        fieldname=PINYIN_FIELD,
        fieldtype="Small Text",
        label=Label(zh="拼音检索", en="Pinyin Search Keys"),
        hidden=True,
        read_only=True,
        no_copy=True,
        print_hide=True,
        description=Label(
            zh="保存时由标题和搜索字段生成", en="Made from the title and search fields on save"
        ),
    )


def with_pinyin(doctype: DocType) -> DocType:
    """The compiled DocType with its hidden pinyin column (when it has Chinese text to search)."""
    if not pinyin.pinyin_fields(doctype) or any(f.fieldname == PINYIN_FIELD for f in doctype.fields):
        return doctype
    return doctype.model_copy(update={"fields": [*doctype.fields, pinyin_field()]})


def pinyin_doctypes(project: Any) -> list[str]:
    return [name for name in sorted(project.doctypes) if pinyin.pinyin_fields(project.doctypes[name])]


def _print_fields(doctype: DocType) -> list[DocField]:
    spec = rules.VERIFIABLE[doctype.name]
    out = []
    for f in doctype.fields:
        if not f.has_value or f.hidden or f.print_hide or f.sensitive or f.fieldtype in _SKIP_TYPES:
            continue
        if f.fieldname in _HEADER or f.fieldname == spec.serial or f.permlevel:
            continue
        out.append(f)
    return out


def print_format_html(doctype: DocType, title_zh: str) -> str:
    """The Jinja body of the Print Format (Frappe renders it with `doc`)."""
    spec = rules.VERIFIABLE[doctype.name]
    rows = "\n".join(
        f'  {{%- if doc.get("{f.fieldname}") %}}'
        f'<tr><th>{{{{ _("{f.label.zh if f.label else f.fieldname}") }}}}</th>'
        f'<td>{{{{ doc.get_formatted("{f.fieldname}") }}}}</td></tr>{{% endif -%}}'
        for f in _print_fields(doctype)
    )
    until = (
        f'{{%- if doc.get("{spec.valid_until}") %}}'
        f'<p>有效期至：{{{{ doc.get_formatted("{spec.valid_until}") }}}}</p>{{% endif -%}}'
        if spec.valid_until
        else ""
    )
    return (
        "{%- set v = care_for_girls_verify_box(doc) -%}\n"
        '<article class="tf-sheet">\n'
        '<header><p class="tf-issuer">{{ v.office }}</p>'
        f"<h1>{title_zh}</h1>"
        f'<p>编号：<strong>{{{{ doc.get("{spec.serial}") or "" }}}}</strong></p></header>\n'
        '<table class="tf-fields">\n'
        f"{rows}\n"
        "</table>\n"
        '{%- if v.code %}<div class="tf-verify"><div class="tf-qr">{{ v.svg }}</div>'
        "<p>核验码：<strong>{{ v.code }}</strong></p>"
        "<p>扫描二维码或访问 {{ v.url }} 核验</p></div>{% endif %}\n"
        '<footer class="tf-seal-{{ v.seal_position }}">'
        f"{until}"
        "<p>{{ v.office }}（盖章）</p></footer>\n"
        "</article>\n"
    )


PRINT_CSS = (
    ".tf-sheet { font-family: 'Noto Serif CJK SC', 'Noto Sans CJK SC', serif; }\n"
    ".tf-sheet header { text-align: center; border-bottom: 3px double #b4233c; }\n"
    ".tf-issuer { color: #b4233c; letter-spacing: .2em; }\n"
    ".tf-fields { width: 100%; border-collapse: collapse; }\n"
    ".tf-fields th, .tf-fields td { border: 1px solid #999; padding: 4px 8px; text-align: left; }\n"
    ".tf-verify { display: flex; gap: 12px; align-items: center; margin-top: 12px; }\n"
    ".tf-qr svg { width: 96px; height: 96px; }\n"
    ".tf-seal-right { text-align: right; } .tf-seal-left { text-align: left; }\n"
    ".tf-seal-centre { text-align: center; }\n"
)

TITLES = {
    "Termination Certificate Application": "终止妊娠手术凭证",
    "Birth Service Certificate": "生育服务证",
    "Subsidy Application": "审批通知书",
    "Student Aid Application": "审批通知书",
}


def print_format_name(doctype: str) -> str:
    return f"{doctype} Print"


def print_format_files(project: Any, module_dir: Any) -> dict[str, str]:
    files: dict[str, str] = {}
    for name in sorted(rules.VERIFIABLE):
        dt = project.doctypes.get(name)
        if dt is None:
            continue
        pf_name = print_format_name(name)
        folder = f"{module_dir(dt.module)}/print_format/{scrub(pf_name)}"
        values = {
            "doc_type": name,
            "module": dt.module,
            "standard": "Yes",
            "custom_format": 1,
            "print_format_type": "Jinja",
            "disabled": 0,
            "default_print_language": "zh",
            "html": print_format_html(dt, TITLES.get(name, pf_name)),
            "css": PRINT_CSS,
            "margin_top": 15.0,
            "margin_bottom": 15.0,
            "margin_left": 15.0,
            "margin_right": 15.0,
            "page_number": "Hide",
        }
        files[f"{folder}/__init__.py"] = ""
        files[f"{folder}/{scrub(pf_name)}.json"] = as_json(_stamped("Print Format", pf_name, values), False)
    for module in {project.doctypes[n].module for n in rules.VERIFIABLE if n in project.doctypes}:
        files[f"{module_dir(module)}/print_format/__init__.py"] = ""
    return files


VERIFY_PY = f'''"""The public verification page (issue 17): /verify?serial=&code= and /verify/<serial>?code=.

Generated by `townflow build`; the lookup is care_for_girls.townflow_ext.verify.public_lookup.
"""

import frappe

no_cache = 1


def get_context(context):
    from {EXT}.verify import public_context

    context.update(public_context(frappe.form_dict.get("serial"), frappe.form_dict.get("code")))
    context.no_cache = 1
    return context
'''

VERIFY_HTML = """{% extends "templates/web.html" %}
{% block title %}证件核验 Verify{% endblock %}
{% block page_content %}
<section class="tf-verify-page">
  <h1>证件核验 <small>Verify a certificate</small></h1>
  {% if too_many %}
  <p class="alert alert-danger" data-verify-result="throttled">
    查询过于频繁，请稍后再试 · Too many lookups; try again shortly</p>
  {% elif facts %}
  <p class="tf-status tf-{{ facts.status }}" data-verify-result="{{ facts.status }}">{{ status_label }}</p>
  <table class="table">
    <tr><th>编号 Serial</th><td>{{ facts.serial }}</td></tr>
    <tr><th>签发单位 Issued by</th><td>{{ facts.office }}</td></tr>
    {% if facts.facility %}<tr><th>指定机构 Facility</th><td>{{ facts.facility }}</td></tr>{% endif %}
    <tr><th>有效期自 Valid from</th><td>{{ facts.valid_from or "—" }}</td></tr>
    <tr><th>有效期至 Valid until</th><td>{{ facts.valid_until or "长期有效 No expiry" }}</td></tr>
  </table>
  {% elif asked %}
  <p class="alert alert-warning" data-verify-result="not-found">
    未找到：编号或核验码不正确 · Not found: the serial or the code is wrong</p>
  {% endif %}
  {% if not facts %}
  <form method="get" action="/verify">
    <label>编号 Serial <input name="serial" value="{{ serial or '' }}" maxlength="64" required></label>
    <label>核验码 Code
      <input name="code" maxlength="16" required autocomplete="off" placeholder="XXXX-XXXX"></label>
    <button type="submit" class="btn btn-primary">核验 Verify</button>
  </form>
  {% endif %}
</section>
{% endblock %}
"""


def www_files() -> dict[str, str]:
    return {
        f"{APP}/www/__init__.py": "",
        f"{APP}/www/verify.py": VERIFY_PY,
        f"{APP}/www/verify.html": VERIFY_HTML,
    }


def hooks_extra(project: Any) -> str:
    """Appended to hooks.py: search hooks, the print formats' Jinja method, the verify route."""
    queries = {name: f"{EXT}.pinyin_search.search" for name in pinyin_doctypes(project)}
    return "".join(
        [
            "\n# Search by pinyin (issue 17): every Link field's search of these DocTypes finds 张小燕\n",
            "# by `zxy` or `zhangxiaoyan` (the hidden tf_pinyin column, filled on validate),\n",
            "# through frappe.get_list and so the user's permissions.\n",
            assignment("standard_queries", queries),
            "\n# Certificates anyone can verify (issue 17): the Print Formats' QR and code,\n",
            "# and the guest page /verify/<serial>.\n",
            assignment("jinja", {"methods": [f"{EXT}.verify.care_for_girls_verify_box"]}),
            assignment("website_route_rules", [{"from_route": "/verify/<serial>", "to_route": "verify"}]),
        ]
    )


def add_pinyin_fill(events: dict[str, dict[str, Any]], project: Any) -> dict[str, dict[str, Any]]:
    """doc_events: each pinyin DocType's validate also fills its tf_pinyin column."""
    for name in pinyin_doctypes(project):
        handlers = events.setdefault(name, {})
        current = handlers.get("validate")
        listed = [] if current is None else current if isinstance(current, list) else [current]
        handlers["validate"] = [*listed, f"{EXT}.pinyin_search.fill"]
    return events
