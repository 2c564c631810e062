"""What a printed certificate or approval notice says (issue 18 point 4), as an official document
writes it: the issuing office's name, dates as 「2026年12月7日」, amounts with their capitals
(壹仟元整), and no internal codes or repeated rows.

- A Link to a record numbered by the system (HH-00001, PER-000057, PR-2026-00001) is left out:
  the names fetched from it (户主, 姓名) say who it is. Links to named records (村, 部门,
  机构) print their names.
- A value already printed under another label (申请人 姓名 = 户主) is printed once.
- Unticked checks, empty values, print_hide fields, the serial and validity (printed in the
  header and footer) are left out.
"""

from __future__ import annotations

from typing import Any

from townflow.rules import verify as verify_rules
from townflow.rules.cn_text import amount_in_capitals, chinese_date
from townflow.web.pages.common import Page
from townflow.web.pages.layout import display_value, fetched_select

#: printed in the header or footer, or internal
HEADER_FIELDS = {
    "workflow_state",
    "amended_from",
    "certificate_serial",
    "approval_notice_serial",
    "valid_from",
    "valid_until",
    "certificate_status",
    "termination_report",
    "used_on",
    "certificate_no",
    "issued_on",
}


def _numbered_by_system(site: Any, doctype: str | None) -> bool:
    if not doctype or not site.metas.exists(doctype):
        return True
    autoname = site.metas.get(doctype).doctype.autoname or ""
    return not autoname.startswith("field:")


def office_name(site: Any, lang: str) -> str:
    """The issuing office: the township's full name and its family-planning office."""
    row = None
    if site.metas.exists("Township"):
        row = site.db.fetchone('SELECT township_name, full_name FROM "tabTownship" ORDER BY name LIMIT 1')
    township = (row["full_name"] or row["township_name"]) if row else ""
    # Campaign Settings' print_township_name, when set, is what the papers print (issue 17)
    return verify_rules.office_name(site.settings(), township, lang)


def money_text(value: Any, lang: str) -> str:
    number = float(value or 0)
    plain = f"{number:,.2f}"
    return (
        f"¥{plain}（大写：{amount_in_capitals(number)}）"
        if lang != "en"
        else f"CNY {plain} ({amount_in_capitals(number)})"
    )


def rows(page: Page, meta: Any, doc: dict, shown: Any) -> list[dict[str, str]]:
    """The printed rows (label, value) of `doc`, each once."""
    site = page.site
    levels = site.perms.readable_levels(meta, page.session.ctx)
    out: list[dict[str, str]] = []
    seen_values: set[str] = set()
    for df in meta.doctype.fields:
        if not df.has_value or df.print_hide or df.hidden or df.fieldname in HEADER_FIELDS:
            continue
        if df.fieldtype in ("Attach", "Attach Image", "Table", "Table MultiSelect", "Password"):
            continue
        if df.permlevel not in levels and not df.sensitive:
            continue
        if df.depends_on and not shown(df.depends_on):
            continue
        if df.fieldtype == "Link" and _numbered_by_system(site, df.options):
            continue
        value = doc.get(df.fieldname)
        if value in (None, "") or (df.fieldtype == "Check" and not value):
            continue
        if df.fieldtype == "Date":
            text = chinese_date(value) if page.lang != "en" else str(value)[:10]
        elif df.fieldtype == "Currency":
            if not float(value or 0):
                continue
            text = money_text(value, page.lang)
        else:
            text = display_value(page, fetched_select(site, meta, df), value)
        if not text or text in seen_values:
            continue
        seen_values.add(text)
        out.append({"label": page.label(df.label, df.fieldname), "value": text, "field": df.fieldname})
    return out


def paired(printed: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Two short rows side by side; a long value (over 18 characters) takes the whole line."""
    lines: list[list[dict[str, str]]] = []
    pending: dict[str, str] | None = None
    for row in printed:
        if len(row["value"]) > 18:
            if pending:
                lines.append([pending])
                pending = None
            lines.append([row])
        elif pending:
            lines.append([pending, row])
            pending = None
        else:
            pending = row
    if pending:
        lines.append([pending])
    return lines
