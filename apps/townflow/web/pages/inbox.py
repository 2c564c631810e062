"""The approver's inbox: to do / done / CC / overdue tabs with counts, actions in place, bulk action.

The runtime's `inbox()` answers the page and all four counts (already scoped to what the user
may see). Each to-do row offers the transitions `get_transitions` gives for that document, with
a comment box; the bulk form applies one action to the ticked documents one by one, so one
refusal does not stop the others, and reports how many went through.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.rules.cn_text import TypedDateError, normalize_typed_date
from townflow.runtime import inbox as runtime_inbox
from townflow.runtime import workflow as runtime_workflow
from townflow.runtime import workflow_store as store
from townflow.runtime.inbox_filters import ORDERS, InboxFilter
from townflow.web import flash
from townflow.web.pages import inbox_items, outcome
from townflow.web.pages.actions import offered
from townflow.web.pages.common import (
    Page,
    PageRoute,
    SessionDep,
    call,
    message_of,
    redirect,
    render,
    safe_next,
    slug,
)
from townflow.web.pages.monitoring_inbox import monitoring_item
from townflow.web.pages.timeline import user_name

router = APIRouter(route_class=PageRoute)

PAGE_LENGTH = 20
TABS = runtime_inbox.TABS


def _int(value: str | None, default: int = 0) -> int:
    try:
        return max(0, int(value or default))
    except ValueError:
        return default


def _sent_back_note(page: Page, doctype: str, name: str) -> str:
    """Why a document came back to me: the returner's or rejecter's comment, shown on the inbox
    item (a returned application otherwise read only "草稿", with the reason hidden on the form)."""
    workflow = page.site.project.workflow_for(doctype)
    rows = [r for r in store.history_rows(page.site.db, doctype, name) if r.get("kind") != "comment"]
    if workflow is None or not rows:
        return ""
    last = rows[-1]
    rejects = {t.action for t in workflow.transitions if t.kind == "reject"}
    if last.get("kind") == "return":
        what = page.t("return")
    elif last.get("kind") == "transition" and last.get("action") in rejects:
        what = page.action_label(doctype, last["action"])
    else:
        return ""
    who = user_name(page.site, last.get("user"))
    comment = last.get("comment") or ""
    return f"{who} · {what}{page.t('colon')}{comment}" if comment else f"{who} · {what}"


def _owners(session: Any, rows: list[dict]) -> dict[tuple[str, str], str]:
    """Who filed each document (to hide the transitions its owner may not take on it)."""
    names: dict[str, list[str]] = {}
    for row in rows:
        names.setdefault(row["reference_doctype"], []).append(row["reference_name"])
    found: dict[tuple[str, str], str] = {}
    for doctype, these in names.items():
        for doc in session.get_list(
            doctype, fields=["name", "owner"], filters=[["name", "in", these]], limit_page_length=len(these)
        ):
            found[(doctype, doc["name"])] = doc.get("owner")
    return found


def _current_states(session: Any, rows: list[dict]) -> dict[tuple[str, str], str]:
    """The documents' states now: a done or CC row keeps the state it was written in, and a CC'd
    application shown as "approved" after it was paid out misleads the reader."""
    names: dict[str, list[str]] = {}
    for row in rows:
        names.setdefault(row["reference_doctype"], []).append(row["reference_name"])
    found: dict[tuple[str, str], str] = {}
    for doctype, these in names.items():
        workflow = session.site.project.workflow_for(doctype)
        if workflow is None:
            continue
        field = workflow.workflow_state_field
        for doc in session.get_list(
            doctype, fields=["name", field], filters=[["name", "in", these]], limit_page_length=len(these)
        ):
            found[(doctype, doc["name"])] = doc.get(field)
    return found


def _count(value: str | None) -> str | None:
    """A count from the URL, shown only if it is a plain number."""
    return value if value is not None and value.isdigit() and len(value) <= 6 else None


@router.get("/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    tab = request.query_params.get("tab") or "todo"
    if tab not in TABS:
        tab = "todo"
    params = request.query_params
    doctype = params.get("doctype") or None
    if doctype and not page.site.metas.exists(doctype):
        doctype = None
    start = _int(params.get("start"))
    narrowed = InboxFilter(
        search=(params.get("q") or "").strip()[:60] or None,
        village=(params.get("village") or "").strip()[:140] or None,
        since=_day(params.get("since")),
        until=_day(params.get("until")),
    )
    order = (
        params.get("sort")
        if params.get("sort") in ORDERS
        else ("due" if tab in ("todo", "overdue") else "modified")
    )

    def build() -> HTMLResponse:
        data = runtime_inbox.inbox(
            session,
            tab=tab,
            doctype=doctype,
            limit_start=start,
            limit_page_length=PAGE_LENGTH,
            order=order,
            narrowed=narrowed or None,
        )
        items = []
        bulk_actions: dict[str, str] = {}
        current = _current_states(session, data["items"]) if tab in ("done", "cc") else {}
        owners = _owners(session, data["items"]) if tab in ("todo", "overdue") else {}
        docs = inbox_items.documents(session, data["items"])
        now = page.site.now()
        for item in data["items"]:
            dt = item["reference_doctype"]
            item = {
                **item,
                "workflow_state": current.get((dt, item["reference_name"]), item.get("workflow_state")),
            }
            transitions = []
            if tab in ("todo", "overdue") and page.site.project.workflow_for(dt) is not None:
                ref = {"doctype": dt, "name": item["reference_name"]}
                transitions = offered(
                    runtime_workflow.get_transitions(session, ref),
                    owners.get((dt, item["reference_name"])),
                    page.user,
                )
                for tr in transitions:
                    if not tr.get("comment_required"):
                        bulk_actions.setdefault(tr["action"], page.action_label(dt, tr["action"]))
            items.append(
                {
                    **item,
                    "doctype_label": page.doctype_label(dt),
                    "state_label": page.state_label(dt, item.get("workflow_state")),
                    "state_style": page.state_style(dt, item.get("workflow_state")),
                    "url": f"/app/{slug(dt)}/{quote(item['reference_name'])}",
                    "action_url": f"/app/{slug(dt)}/{quote(item['reference_name'])}/action",
                    "transitions": [
                        {**tr, "label": page.action_label(dt, tr["action"])} for tr in transitions
                    ],
                    "role_label": page.role_label(item.get("role") or ""),
                    **monitoring_item(page, item),  # a due visit: its form, and its due date in working days
                    "sent_back": _sent_back_note(page, dt, item["reference_name"])
                    if tab in ("todo", "overdue")
                    else "",
                    **inbox_items.facts(page, item, docs.get((dt, item["reference_name"])), now),
                }
            )
        counts = data["counts"]
        total = counts.get(tab, len(items))
        query = _query(tab, doctype, narrowed, order)
        acted_notice, following = _acted(page, params)
        return render(
            page,
            "inbox.html",
            tab=tab,
            tabs=TABS,
            counts=counts,
            items=items,
            start=start,
            total=total,
            page_length=PAGE_LENGTH,
            doctype=doctype,
            bulk_actions=bulk_actions,
            # counts only, as numbers; the messages were kept in the session (never read from the URL)
            done=_count(params.get("done")),
            failed=_count(params.get("failed")),
            failures=flash.take(request, params.get("result")) or [],
            bulk_label=page.action_label(params.get("bulk_doctype") or "", params.get("bulk_action") or "")
            if params.get("bulk_doctype") and page.site.metas.exists(params.get("bulk_doctype"))
            else (params.get("bulk_action") if params.get("bulk_action") in bulk_actions else ""),
            self_url=f"/inbox?{query}",
            narrowed=narrowed,
            order=order,
            orders=ORDERS,
            types=_types(page),
            villages=_villages(session),
            acted_notice=acted_notice,
            next_todo=following,
        )

    return await call(build)


def _day(value: str | None) -> str | None:
    try:
        return normalize_typed_date(value) if value else None
    except TypedDateError:
        return None


def _query(tab: str, doctype: str | None, narrowed: InboxFilter, order: str) -> str:
    parts = [("tab", tab), ("doctype", doctype), ("q", narrowed.search), ("village", narrowed.village)]
    parts += [("since", narrowed.since), ("until", narrowed.until), ("sort", order)]
    return "&".join(f"{k}={quote(v)}" for k, v in parts if v)


def _types(page: Page) -> list[tuple[str, str]]:
    """The workflow DocTypes the user may read (the type filter)."""
    site = page.site
    return [
        (name, page.doctype_label(name))
        for name in sorted(site.project.workflows)
        if site.metas.exists(name) and site.perms.has(site.metas.get(name), page.session.ctx, "read")
    ]


def _villages(session: Any) -> list[dict[str, str]]:
    """The villages the user reaches (the village filter)."""
    if not session.site.metas.exists("Village") or not session.has_permission("Village", "read"):
        return []
    return session.get_list("Village", fields=["name"], order_by="name asc", limit_page_length=100)


def _acted(page: Page, params: Any) -> tuple[str | None, dict | None]:
    """After a one-click action from the inbox: what it did and who is next (server's words)."""
    ref = params.get("acted_doc") or ""
    doctype, _, name = ref.partition("::")
    if not name or not page.site.metas.exists(doctype):
        return None, None
    try:
        doc = page.session.get(doctype, name)
    except Exception as exc:
        if isinstance(getattr(exc, "http_status", None), int) and exc.http_status < 500:
            return None, None
        raise
    notice = outcome.result_notice(page, doctype, doc, params.get("acted"), params.get("action"))
    title = doc.get(page.site.metas.get(doctype).title_field or "name") or name
    return (f"{title}：{notice}" if notice else None), None


@router.post("/inbox/bulk", response_class=HTMLResponse)
async def bulk_action(request: Request, session: SessionDep) -> Any:
    page = Page(request, session)
    form = await request.form()
    action = form.get("bulk_action") if isinstance(form.get("bulk_action"), str) else ""
    comment = form.get("comment") if isinstance(form.get("comment"), str) else None
    picked = [v for v in form.getlist("doc") if isinstance(v, str) and "::" in v][:200]
    tab = form.get("tab") if form.get("tab") in TABS else "todo"
    back = form.get("back") if isinstance(form.get("back"), str) else ""

    def run() -> Any:
        done = 0
        errors: list[str] = []
        for value in picked:
            doctype, _, name = value.partition("::")
            try:
                runtime_workflow.apply_workflow(
                    session, {"doctype": doctype, "name": name}, action, comment or None
                )
                done += 1
            except Exception as exc:
                status = getattr(exc, "http_status", None)
                if not isinstance(status, int) or status >= 500:
                    raise
                errors.append(f"{name}: {message_of(exc, page.lang)}")
        target = safe_next(back, f"/inbox?tab={tab}") if back.startswith("/inbox") else f"/inbox?tab={tab}"
        first = picked[0].partition("::")[0] if picked else ""
        query = f"{target}&done={done}&failed={len(errors)}&bulk_action={quote(action or '')}"
        query += f"&bulk_doctype={quote(first)}" if first else ""
        if errors:
            query += f"&result={flash.put(request, [e[:200] for e in errors[:20]])}"
        return redirect(query)

    return await call(run)
