"""A form's connections, as Frappe's form dashboard shows them: the records that link here.

For each DocType with a Link field pointing at this document's DocType, the form offers to
create one already linked (an approved application -> 新建资金发放 with the application filled
in; an issued certificate -> 新建终止妊娠报告; a household -> 新建人口信息) and, where that field
is a standard filter, the list of those already linked. Without it the finance officer or the
facility had to know which other list to open. A submittable document offers its connections
once submitted; the runtime decides, on save, whether the new record may link here at all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from townflow.web.pages.common import Page, slug


def connections(page: Page, meta: Any, doc: dict) -> list[dict[str, Any]]:
    """[{label, new_url, list_url}] for the DocTypes that link to `doc` which this user may create."""
    doctype = meta.doctype.name
    if meta.doctype.issingle or meta.doctype.istable:
        return []
    if meta.doctype.is_submittable and int(doc.get("docstatus") or 0) != 1:
        return []
    out = []
    session = page.session
    for other in page.site.metas.names():
        if other == doctype:
            continue
        other_meta = page.site.metas.get(other)
        dt = other_meta.doctype
        if dt.istable or dt.issingle or dt.module == "Core":
            continue
        link = next(
            (
                f
                for f in dt.fields
                if f.fieldtype == "Link" and f.options == doctype and not f.read_only and not f.fetch_from
            ),
            None,
        )
        if link is None or not session.has_permission(other, "create"):
            continue
        query = urlencode({link.fieldname: doc["name"]})
        out.append(
            {
                "label": page.t("new_document", doctype=page.label(dt.label, other)),
                "new_url": f"/app/{slug(other)}/new?{query}",
                "list_url": f"/app/{slug(other)}?{query}" if link.in_standard_filter else None,
                "name": other,
            }
        )
    return sorted(out, key=lambda c: c["label"])
