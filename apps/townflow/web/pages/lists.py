"""Home page, list views and the Link-field search used by forms and filters.

A list shows the `in_list_view` columns, offers the `in_standard_filter` fields as filters and a
free-text search over the name, title and search fields — all through `Session.get_list` and
`get_count`, so a clerk sees exactly the records of her own village and nothing else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from townflow.runtime import inbox as runtime_inbox
from townflow.runtime import pinyin_search
from townflow.runtime.workflow_recent import returned_names
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, doctype_from_slug, render, slug
from townflow.web.pages.layout import display_value, fetched_select
from townflow.web.pages.printing import PRINTS

router = APIRouter(route_class=PageRoute)

PAGE_LENGTH = 20
#: DocTypes the home page and menu never list (system records have their admin pages)
SYSTEM_MODULE = "Core"


def visible_doctypes(page: Page) -> list[dict[str, Any]]:
    """DocTypes this user may read, with whether they may create: the menu and quick links."""
    session = page.session
    out = []
    for name in page.site.metas.names():
        meta = page.site.metas.get(name)
        dt = meta.doctype
        if dt.istable or dt.module == SYSTEM_MODULE:
            continue
        if not session.has_permission(name, "read"):
            continue
        out.append(
            {
                "name": name,
                "label": page.label(dt.label, name),
                # a single (Campaign Settings) is one form, as Frappe's desk opens it
                "url": f"/app/{slug(name)}/{quote(name)}" if dt.issingle else f"/app/{slug(name)}",
                "can_create": not dt.issingle and session.has_permission(name, "create"),
                "has_workflow": page.site.project.workflow_for(name) is not None,
            }
        )
    out.sort(key=lambda d: (not d["has_workflow"], not d["can_create"], d["label"]))
    return out


@router.get("/", response_class=HTMLResponse)
async def root(request: Request) -> Any:
    from townflow.web.pages.common import redirect

    return redirect("/app")


@router.get("/app", response_class=HTMLResponse)
async def home(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    from townflow.web.pages.reports import wants_dashboard_home

    if request.query_params.get("home") != "forms" and wants_dashboard_home(session):
        from townflow.web.pages.common import redirect

        return redirect("/app/dashboard")

    def build() -> HTMLResponse:
        doctypes = visible_doctypes(page)
        counts = runtime_inbox.counts(session)
        todo = runtime_inbox.inbox(session, tab="todo", limit_page_length=8)["items"]
        sent_back = {
            (dt, name)
            for dt in {i["reference_doctype"] for i in todo}
            for name in returned_names(
                page.site.db, dt, [i["reference_name"] for i in todo if i["reference_doctype"] == dt]
            )
        }
        for item in todo:
            dt = item["reference_doctype"]
            item["returned"] = (dt, item["reference_name"]) in sent_back
            item["doctype_label"] = page.doctype_label(dt)
            item["state_label"] = page.state_label(dt, item.get("workflow_state"))
            item["state_style"] = page.state_style(dt, item.get("workflow_state"))
            item["url"] = f"/app/{slug(dt)}/{quote(item['reference_name'])}"
        return render(
            page,
            "home.html",
            doctypes=doctypes,
            counts=counts,
            todo=todo,
            full_name=session.ctx.full_name or session.ctx.user,
            role_labels=[page.role_label(r) for r in sorted(session.ctx.roles) if r not in ("All", "Guest")],
        )

    return await call(build)


IDENTIFYING_VALIDATORS = ("cn_id_number", "cn_mobile")


def _identifying_fields(meta: Any) -> list[str]:
    """Fields a person is looked up by besides the name: the ID number and phone numbers."""
    return [
        df.fieldname
        for df in meta.doctype.fields
        if df.has_value and (df.validator in IDENTIFYING_VALIDATORS or df.fieldname in ("phone", "mobile"))
    ]


def _list_columns(meta: Any, readable: Any) -> list[Any]:
    cols = [f for f in meta.doctype.fields if f.in_list_view and f.has_value and not f.hidden and readable(f)]
    title = meta.title_field
    if title and not any(c.fieldname == title for c in cols):
        df = meta.get_field(title)
        if df is not None and readable(df):
            cols.insert(0, df)
    return cols[:7]


def _filters_from_query(meta: Any, params: Any) -> tuple[list[list[Any]], dict[str, str]]:
    filters: list[list[Any]] = []
    chosen: dict[str, str] = {}
    for df in meta.doctype.fields:
        if not df.in_standard_filter or not df.has_value:
            continue
        value = params.get(df.fieldname)
        if value is None or value == "":
            continue
        chosen[df.fieldname] = value
        if df.fieldtype in ("Data", "Small Text", "Text"):
            filters.append([df.fieldname, "like", f"%{value}%"])
        else:
            filters.append([df.fieldname, "=", value])
    return filters, chosen


@router.get("/app/{dt}", response_class=HTMLResponse)
async def list_view(request: Request, dt: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    doctype = doctype_from_slug(page.site, dt)
    params = request.query_params
    try:
        start = max(0, int(params.get("start") or 0))
    except ValueError:
        start = 0
    q = (params.get("q") or "").strip()[:100]
    if page.site.metas.get(doctype).doctype.issingle:
        from townflow.web.pages.common import redirect

        return redirect(f"/app/{slug(doctype)}/{quote(doctype)}")

    def build() -> HTMLResponse:
        meta = session.meta(doctype)
        levels = page.site.perms.readable_levels(meta, session.ctx)

        def readable(df: Any) -> bool:
            return df.permlevel in levels or df.sensitive

        columns = [fetched_select(page.site, meta, df) for df in _list_columns(meta, readable)]
        filters, chosen = _filters_from_query(meta, params)
        or_filters = None
        if q:
            search = ["name", *(meta.doctype.search_fields or [])]
            if meta.title_field:
                search.append(meta.title_field)
            search += _identifying_fields(meta)  # ID number, phone: found by those who may read them
            search = [
                f
                for f in dict.fromkeys(search)
                if f == "name" or (meta.get_field(f) and readable(meta.get_field(f)))
            ]
            # letters typed into a large list of Chinese names are pinyin (zxy): the key index
            # alone, no scan; a small list also searches its other fields' text
            typed_pinyin = (
                []
                if pinyin_search.small(page.site, meta)
                else pinyin_search.typed_pinyin_fields(meta, q, search)
            )
            or_filters = [[f, "like", f"%{q}%"] for f in (typed_pinyin or search)]
        workflow = page.site.project.workflow_for(doctype)
        state_field = workflow.workflow_state_field if workflow else None
        fields = ["name", "modified", *[c.fieldname for c in columns]]
        if state_field and state_field in meta.column_set:
            fields.append(state_field)
        rows = session.get_list(
            doctype,
            fields=list(dict.fromkeys(fields)),
            filters=filters,
            or_filters=or_filters,
            order_by=f"{meta.doctype.sort_field or 'modified'} {meta.doctype.sort_order or 'DESC'}".lower(),
            limit_start=start,
            limit_page_length=PAGE_LENGTH,
        )
        total = session.get_count(doctype, filters=filters, or_filters=or_filters)
        filter_fields = [
            df for df in meta.doctype.fields if df.in_standard_filter and df.has_value and readable(df)
        ]
        base = {k: v for k, v in chosen.items()}
        if q:
            base["q"] = q
        return render(
            page,
            "list.html",
            doctype=doctype,
            doctype_label=page.doctype_label(doctype),
            columns=columns,
            rows=rows,
            total=total,
            start=start,
            page_length=PAGE_LENGTH,
            q=q,
            chosen=chosen,
            filter_fields=filter_fields,
            state_field=state_field,
            workflow=workflow,
            search_people=bool(_identifying_fields(meta)),
            returned=returned_names(page.site.db, doctype, [r["name"] for r in rows]) if workflow else set(),
            can_create=session.has_permission(doctype, "create"),
            # issue 17: tick certificates or notices and print them as one PDF
            batch_print=doctype in PRINTS and session.has_permission(doctype, "print"),
            display=lambda df, value: display_value(page, df, value),
            page_url=lambda s: f"/app/{slug(doctype)}?" + urlencode({**base, "start": s}),
        )

    return await call(build)


@router.get("/search/link")
async def link_search(request: Request, session: SessionDep) -> JSONResponse:
    """Link field suggestions: the records of `doctype` this user may select, matching `txt`."""
    doctype = request.query_params.get("doctype") or ""
    txt = (request.query_params.get("txt") or "")[:100]

    def search() -> list[dict]:
        if not page_site_has(request, doctype):
            return []
        try:
            return session.search_link(doctype, txt, page_length=10)
        except Exception as exc:
            if isinstance(getattr(exc, "http_status", None), int) and exc.http_status < 500:
                return []
            raise

    return JSONResponse({"message": await call(search)})


def page_site_has(request: Request, doctype: str) -> bool:
    return bool(doctype) and request.app.state.site.metas.exists(doctype)
