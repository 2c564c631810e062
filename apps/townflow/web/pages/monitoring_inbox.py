"""What the inbox page adds to a to-do row: its due date as a date with "剩余N个工作日", and for a
due pregnancy visit (no workflow: nothing to approve) the visit form as its link."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from townflow.rules import monitoring as rules


def monitoring_item(page: Any, item: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    due = rules.as_date(item.get("due_at"))
    if due is not None:
        extra["due_text"] = rules.due_text(due, page.site.now().date(), page.lang)
    kind = rules.STATE_KIND.get(item.get("workflow_state") or "")
    if item.get("reference_doctype") == rules.DOCTYPE and kind is not None:
        extra["url"] = f"/followups/{quote(item['reference_name'])}/visit?kind={kind}"
        extra["state_label"] = rules.KIND_LABEL[kind]["en" if page.lang == "en" else "zh"]
        extra["state_style"] = "danger" if item.get("source") == "escalate" else "warning"
    if item.get("reference_doctype") == "Migrant Handover":
        extra["url"] = f"/migrants/handover/{quote(item['reference_name'])}"
        extra["state_label"] = "待接收确认" if page.lang != "en" else "Waiting for receipt"
        extra["state_style"] = "warning"
    return extra
