"""The document timeline, read from the runtime's `timeline()`: one list, oldest first.

Workflow actions (who, when, from which state to which, with the comment) and versions (the
field-level diff of each save, Frappe's Version `data`) are merged by time, so a reader sees
"changed the amount, then submitted, then the village head approved with this comment". The
open to-dos name who is expected to act next.
"""

from __future__ import annotations

import json
from typing import Any

from townflow.rules import steps as step_rules
from townflow.runtime import workflow as runtime_workflow
from townflow.web.pages import approval_moves_ui
from townflow.web.pages.layout import display_value

#: Fields the workflow engine sets on every move; their diffs repeat what the action entry says.
WORKFLOW_FIELDS = frozenset({"workflow_state", "docstatus"})
_KIND_KEYS = {"return": "return", "withdraw": "withdraw", "delegate": "delegate", "comment": "comment"}


def _version_data(version: dict) -> dict:
    data = version.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    return data if isinstance(data, dict) else {}


def _changes(page: Any, meta: Any, data: dict) -> list[dict[str, str]]:
    rows = []
    for change in data.get("changed") or []:
        if not isinstance(change, list | tuple) or len(change) != 3:
            continue
        fieldname, old, new = change
        if fieldname in WORKFLOW_FIELDS:
            continue  # the workflow action entry already shows the move
        df = meta.get_field(fieldname)
        label = page.label(df.label, fieldname) if df is not None and df.label else fieldname
        shown_old = display_value(page, df, old) if df is not None else str(old if old is not None else "")
        shown_new = display_value(page, df, new) if df is not None else str(new if new is not None else "")
        rows.append({"label": label, "old": shown_old, "new": shown_new})
    for kind in ("added", "removed"):
        for entry in data.get(kind) or []:
            if isinstance(entry, list | tuple) and entry:
                df = meta.get_field(entry[0])
                label = page.label(df.label, entry[0]) if df is not None and df.label else str(entry[0])
                sign = "+" if kind == "added" else "−"
                rows.append({"label": f"{label} {sign}1", "old": "", "new": ""})
    return rows


def user_name(site: Any, user: str | None) -> str:
    if not user:
        return ""
    row = site.db.fetchone('SELECT full_name FROM "tabUser" WHERE name = ?', (user,))
    return (row["full_name"] if row and row["full_name"] else user) or user


def timeline_view(page: Any, doctype: str, doc: dict) -> dict[str, Any]:
    site = page.site
    workflow = site.project.workflow_for(doctype)
    if workflow is not None and workflow.is_active:
        data = runtime_workflow.timeline(page.session, doctype, doc["name"])
    else:  # no workflow: the timeline is the document's version history
        data = {"versions": page.session.versions(doctype, doc["name"])}
    meta = site.metas.get(doctype)
    entries: list[dict[str, Any]] = []
    for action in data.get("actions") or []:
        kind = action.get("kind") or "transition"
        if kind == "comment":
            title = page.t("comment")
        elif kind == "delegate" and str(action.get("action") or "").startswith("Delegate to "):
            # to whom: the log names the user ("Delegate to approver2@demo")
            title = f"{page.t('delegate')} → {user_name(site, action['action'][len('Delegate to ') :])}"
        elif kind in _KIND_KEYS:
            title = page.t(_KIND_KEYS[kind])
        elif moved_title := approval_moves_ui.entry_title(page, kind, str(action.get("action") or "")):
            title = moved_title  # 加签, 比例会签, 会办 entries
        else:
            title = page.action_label(doctype, action.get("action") or "")
        entries.append(
            {
                "type": "comment" if kind == "comment" else "action",
                "at": str(action.get("creation") or "")[:19],
                "user": user_name(site, action.get("user")),
                "title": title,
                "from": page.state_label(doctype, action.get("from_state")),
                "to": page.state_label(doctype, action.get("to_state")),
                "moved": action.get("from_state") != action.get("to_state"),
                "comment": action.get("comment") or "",
            }
        )
    for version in data.get("versions") or []:
        changes = _changes(page, meta, _version_data(version))
        if changes:
            entries.append(
                {
                    "type": "version",
                    "at": str(version.get("creation") or "")[:19],
                    "user": user_name(site, version.get("owner") or version.get("modified_by")),
                    "title": page.t("versions"),
                    "changes": changes,
                }
            )
    if doc.get("creation"):  # Frappe's "created this": a fresh record read "no records"
        entries.append(
            {
                "type": "action",
                "at": str(doc["creation"])[:19],
                "user": user_name(site, doc.get("owner")),
                "title": page.t("created"),
                "moved": False,
                "comment": "",
            }
        )
    entries.sort(key=lambda e: e["at"])
    expected = [
        {
            "user": user_name(site, row.get("user")),
            "role": page.role_label(row.get("role") or "") or _added_as(page, row.get("source")),
            "due": str(row.get("due_at") or "")[:16],
        }
        for row in data.get("expected") or []
    ]
    return {
        "entries": entries,
        "expected": expected,
        "state": data.get("state"),
        "return_targets": [
            {"state": s, "label": page.state_label(doctype, s)}
            for s in (data.get("return_targets") if _works_this_step(page, workflow, data) else None) or []
        ],
    }


def _added_as(page: Any, source: str | None) -> str:
    """加签（前/后）: what an added signer's to-do shows instead of a role."""
    return page.t(f"source_{source}") if source in ("add_before", "add_after") else ""


def _works_this_step(page: Any, workflow: Any, data: dict) -> bool:
    """Only who works the current step may return it (the runtime refuses anyone else with a 403,
    which the form showed as an error page after offering the button to every reader)."""
    if workflow is None or not data.get("state"):
        return False
    if page.session.ctx.is_administrator:
        return True
    return bool(set(step_rules.step_roles(workflow, data["state"])) & set(page.roles))
