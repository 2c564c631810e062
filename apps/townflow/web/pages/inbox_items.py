"""What an inbox item shows so an approver can decide from the list (issue 18 point 5): the fields
the spec marks `in_list_view` (kind, amount, village, applicant ...), who filed it and when, how
long it has waited at this step, the time left or overdue, and a 即将超时 / 已超时 tag.

The documents are read with the user's own permissions (masked values stay masked).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from townflow.web.pages.common import Page
from townflow.web.pages.layout import display_value
from townflow.web.pages.timeline import user_name

SOON_HOURS = 24  # a to-do due within a day is 即将超时
_SKIP = {"workflow_state"}


def summary_fields(meta: Any) -> list[Any]:
    return [
        df for df in meta.doctype.fields if df.in_list_view and df.has_value and df.fieldname not in _SKIP
    ]


def documents(session: Any, rows: list[dict]) -> dict[tuple[str, str], dict]:
    """The summary fields, owner and creation of each item's document, by (doctype, name)."""
    names: dict[str, list[str]] = {}
    for row in rows:
        names.setdefault(row["reference_doctype"], []).append(row["reference_name"])
    found: dict[tuple[str, str], dict] = {}
    for doctype, these in names.items():
        meta = session.site.metas.get(doctype)
        fields = ["name", "owner", "creation", *(df.fieldname for df in summary_fields(meta))]
        if meta.get_field("amount") is not None and "amount" not in fields:
            fields.append("amount")
        for doc in session.get_list(
            doctype, fields=fields, filters=[["name", "in", these]], limit_page_length=len(these)
        ):
            found[(doctype, doc["name"])] = doc
    return found


def _span(page: Page, hours: float) -> str:
    hours = abs(hours)
    if hours >= 48:
        return page.t("span_days", n=int(hours // 24))
    if hours >= 1:
        return page.t("span_hours", n=int(hours))
    return page.t("span_minutes", n=max(1, int(hours * 60)))


def _parse(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)[:19]) if value else None
    except ValueError:
        return None


def facts(page: Page, item: dict, doc: dict | None, now: datetime) -> dict[str, Any]:
    """Summary facts, time waited / left and the deadline tag of one inbox item."""
    doctype = item["reference_doctype"]
    meta = page.site.metas.get(doctype)
    shown = []
    if doc:
        for df in summary_fields(meta):
            if df.fieldname == meta.title_field:
                continue  # the title is the item's heading
            value = display_value(page, df, doc.get(df.fieldname))
            if value not in (None, ""):
                shown.append(
                    {"label": page.label(df.label, df.fieldname), "value": value, "field": df.fieldname}
                )
        shown.append(
            {
                "label": page.t("filed_by"),
                "value": f"{user_name(page.site, doc.get('owner'))} · {str(doc.get('creation') or '')[:16]}",
                "field": "owner",
            }
        )
    arrived, due = _parse(item.get("creation")), _parse(item.get("due_at"))
    waited = _span(page, (now - arrived).total_seconds() / 3600) if arrived else ""
    tag, left = "", ""
    if due is not None:
        hours = (due - now).total_seconds() / 3600
        if hours < 0:
            tag, left = "overdue", page.t("overdue_by", span=_span(page, hours))
        else:
            left = page.t("time_left", span=_span(page, hours))
            tag = "soon" if hours <= SOON_HOURS else ""
    amount = doc.get("amount") if doc else None
    return {
        "facts": shown,
        "waited": waited,
        "left": left,
        "tag": tag,
        "amount": amount or 0,
        "amount_text": money(amount) if amount else "",
    }


def money(value: Any) -> str:
    """1000.0 -> "1000", 1234.5 -> "1234.50" (for the confirmation sentences)."""
    number = float(value or 0)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}"
