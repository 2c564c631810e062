"""The approver's reading of a document (issue 18 points 6, 11, 12).

- `read_only(access)`: the form drawn read-only; editing is a deliberate 修改 (`?edit=1`), and
  then only what the state's allow_edit gives (the runtime's Access, unchanged).
- `summary`: the key facts at the top — the fields the spec marks in_list_view or bold, and the
  amount, in the user's own permissions (masked values stay masked).
- `attachments`: each attached file, previewed inline when it is an image or a PDF.
- `returned`: a document sent back (退回) and not moved on since: who, when, why.
- `delegation`: a to-do handed over (转交): to whom and when, and whether I may take it back (收回).
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import quote

from townflow.runtime import workflow_reclaim
from townflow.runtime.workflow_recent import last_moves
from townflow.web.pages.common import Page, slug
from townflow.web.pages.layout import Access, display_value
from townflow.web.pages.timeline import user_name

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def read_only(access: Access) -> Access:
    return dataclasses.replace(access, can_edit=False)


def summary(page: Page, meta: Any, doc: dict) -> list[dict[str, str]]:
    state_field = "workflow_state"
    out = []
    for df in meta.doctype.fields:
        if not df.has_value or df.fieldname == state_field or df.fieldtype in ("Table", "Table MultiSelect"):
            continue
        if not (df.in_list_view or df.bold or df.fieldname == "amount"):
            continue
        value = display_value(page, df, doc.get(df.fieldname))
        if value in (None, ""):
            continue
        out.append({"field": df.fieldname, "label": page.label(df.label, df.fieldname), "value": value})
    return out


def attachments(page: Page, meta: Any, doc: dict, access: Access) -> list[dict[str, str]]:
    out = []
    for df in meta.doctype.fields:
        if df.fieldtype not in ("Attach", "Attach Image") or df.permlevel not in access.readable_levels:
            continue
        value = doc.get(df.fieldname)
        if not isinstance(value, str) or not value:
            continue
        url = f"/files/{slug(meta.name)}/{quote(doc['name'])}/{df.fieldname}"
        out.append(_preview(df.fieldname, page.label(df.label, df.fieldname), value, url))
    out.extend(_checklist(page, meta, doc, access))
    return out


def _preview(field: str, label: str, value: str, url: str) -> dict[str, str]:
    lower = value.lower()
    kind = "image" if lower.endswith(IMAGE_SUFFIXES) else "pdf" if lower.endswith(".pdf") else "file"
    name = value.rsplit("/", 1)[-1]
    return {
        "field": field,
        "label": label,
        "name": name,
        "url": url,
        "preview": f"{url}?inline=1",
        "kind": kind,
    }


def _checklist(page: Page, meta: Any, doc: dict, access: Access) -> list[dict[str, str]]:
    """Every file of a checklist of materials (a Table whose rows hold an Attach column), each
    its own preview, labelled with the line's name: several files per field, none hidden."""
    out = []
    for table in meta.doctype.fields:
        if table.fieldtype != "Table" or table.permlevel not in access.readable_levels:
            continue
        child = page.site.metas.get(table.options)
        columns = [c for c in child.doctype.fields if c.fieldtype in ("Attach", "Attach Image")]
        for row in doc.get(table.fieldname) or []:
            for column in columns:
                value = row.get(column.fieldname) if isinstance(row, dict) else None
                if not isinstance(value, str) or not value or not row.get("name"):
                    continue
                url = (
                    f"/files/{slug(meta.name)}/{quote(doc['name'])}/{table.fieldname}/"
                    f"{quote(str(row['name']))}/{column.fieldname}"
                )
                line = row.get("label") or page.label(column.label, column.fieldname)
                label = f"{page.label(table.label, table.fieldname)} · {line}"
                out.append(_preview(table.fieldname, label, value, url))
    return out


def returned(page: Page, doctype: str, doc: dict) -> dict[str, str] | None:
    row = last_moves(page.site.db, doctype, [doc["name"]]).get(doc["name"])
    if row is None or row["kind"] != "return":
        return None
    return {
        "who": user_name(page.site, row["user"]),
        "when": str(row["creation"])[:16],
        "reason": row.get("comment") or "",
    }


def delegation(page: Page, doctype: str, doc: dict) -> dict[str, Any] | None:
    handed = workflow_reclaim.delegation(page.site.db, doctype, doc["name"])
    if handed is None or page.user not in (handed["from_user"], handed["to_user"]):
        return None
    return {
        "from": user_name(page.site, handed["from_user"]),
        "to": user_name(page.site, handed["to_user"]),
        "when": str(handed["at"])[:16],
        "mine": handed["from_user"] == page.user,
    }
