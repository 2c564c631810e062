"""The document form: new, view, save — generated from the effective DocType.

Saving posts the whole form (it works without JavaScript); a refusal from the runtime is shown
on the same form, each message next to the field it names, with the values the user typed kept.
The form also shows the workflow actions the runtime offers now and the document's timeline.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.runtime import workflow as runtime_workflow
from townflow.web.pages import approval_moves_ui, outcome, review
from townflow.web.pages.common import (
    Page,
    PageRoute,
    SessionDep,
    call,
    doctype_from_slug,
    message_of,
    redirect,
    render,
    slug,
)
from townflow.web.pages.connections import connections
from townflow.web.pages.formdata import document_values, field_errors
from townflow.web.pages.inbox_items import money
from townflow.web.pages.layout import Access, build_tabs, display_value, document_access
from townflow.web.pages.printing import is_printable
from townflow.web.pages.timeline import timeline_view

router = APIRouter(route_class=PageRoute)


def child_meta_getter(site: Any):
    def get(doctype: str | None) -> Any:
        return site.metas.get(doctype) if doctype and site.metas.exists(doctype) else None

    return get


def _defaults(meta: Any, site: Any = None, user: str | None = None) -> dict[str, Any]:
    """A new form's values: each field's default, with Frappe's keywords (Today, Now, __user)
    resolved as the runtime resolves them on insert, so a date input is not left empty."""
    doc: dict[str, Any] = {}
    for df in meta.doctype.fields:
        if df.has_value and df.default is not None:
            doc[df.fieldname] = _resolved_default(df.default, site, user)
    return doc


def _user_permission_defaults(meta: Any, ctx: Any) -> dict[str, str]:
    """Frappe's user defaults: a Link the user may fill with exactly one value (a village clerk's
    one village, a facility officer's one facility) starts filled with it."""
    doc: dict[str, str] = {}
    for df in meta.doctype.fields:
        if df.fieldtype != "Link" or df.read_only or df.default is not None:
            continue
        values = {
            up.get("for_value")
            for up in ctx.user_permissions
            if up.get("allow") == df.options
            and (up.get("apply_to_all_doctypes", 1) or up.get("applicable_for") in (None, "", meta.name))
        }
        values.discard(None)
        if len(values) == 1:
            doc[df.fieldname] = values.pop()
    return doc


def _resolved_default(default: Any, site: Any, user: str | None) -> Any:
    if isinstance(default, bool):
        return int(default)
    if not isinstance(default, str) or site is None:
        return default
    keyword = default.lower()
    if keyword == "today":
        return site.now().date().isoformat()
    if keyword == "now":
        return site.now().strftime("%Y-%m-%d %H:%M:%S")
    if default == "__user":
        return user
    return default


def render_form(
    page: Page,
    doctype: str,
    doc: dict[str, Any],
    access: Access,
    *,
    is_new: bool,
    errors: dict[str, list[str]] | None = None,
    general_errors: list[str] | None = None,
    status_code: int = 200,
    notice: str | None = None,
    heading: str = "save_failed",
    next_todo: dict[str, str] | None = None,
    editing: bool = False,
) -> HTMLResponse:
    site = page.site
    meta = site.metas.get(doctype)
    reviewing = False
    transitions: list[dict] = []
    timeline = None
    delegates: list[dict] = []
    delegate_none = False
    can_withdraw = False
    workflow = site.project.workflow_for(doctype)
    if not is_new and workflow is not None and workflow.is_active:
        from townflow.web.pages.actions import delegate_candidates, delegation_unavailable, offered

        transitions = offered(
            runtime_workflow.get_transitions(page.session, {"doctype": doctype, "name": doc["name"]}),
            doc.get("owner"),
            page.user,
        )
        timeline = timeline_view(page, doctype, doc)
        delegates = delegate_candidates(page.session, doctype, doc["name"])
        delegate_none = not delegates and delegation_unavailable(
            page.session, doctype, doc["name"], workflow, doc.get(workflow.workflow_state_field)
        )
        withdraw = workflow.withdraw
        can_withdraw = bool(
            withdraw
            and withdraw.enabled
            and doc.get("owner") == page.user
            and int(doc.get("docstatus") or 0) == 0
            and doc.get(workflow.workflow_state_field) not in (withdraw.to_state, None)
        )
    if not is_new and timeline is None:
        timeline = timeline_view(page, doctype, doc)
    delegation = review.delegation(page, doctype, doc) if not is_new and workflow is not None else None
    if delegation and delegation["mine"]:  # handed over: the task has left me until I take it back
        transitions, delegates, delegate_none = [], [], False
    # An approver (someone else's document, an action or a 转交 of mine on it) reads a summary;
    # editing it is a deliberate 修改 (?edit=1), limited to what the state's allow_edit gives.
    can_modify = access.can_edit
    if not is_new and workflow is not None and (transitions or delegates or delegate_none or delegation):
        reviewing = doc.get("owner") != page.user and not editing and not errors
    shown_access = review.read_only(access) if reviewing else access
    tabs = build_tabs(page, meta, doc, shown_access, errors, child_meta_getter(site))
    state_field = workflow.workflow_state_field if workflow else None
    return render(
        page,
        "form.html",
        status_code=status_code,
        doctype=doctype,
        meta=meta,
        doc=doc,
        tabs=tabs,
        access=shown_access,
        is_new=is_new,
        reviewing=reviewing,
        can_modify=can_modify and reviewing,
        editing=editing,
        summary=review.summary(page, meta, doc) if reviewing else [],
        attachments=review.attachments(page, meta, doc, access) if not is_new else [],
        returned=review.returned(page, doctype, doc) if not is_new and workflow is not None else None,
        delegation=delegation,
        general_errors=general_errors or [],
        error_heading=page.t(heading) if (errors or general_errors) else "",
        transitions=transitions,
        timeline=timeline,
        workflow=workflow,
        state=doc.get(state_field) if state_field else None,
        notice=notice,
        next_todo=next_todo,
        confirm_amount=money(doc.get("amount")) if doc.get("amount") and meta.get_field("amount") else "",
        notice_inbox=bool(notice and workflow is not None and notice != page.t("saved")),
        delegates=delegates,
        delegate_none=delegate_none,
        moves=approval_moves_ui.context(page, doctype, doc, workflow) if not is_new else None,
        can_withdraw=can_withdraw,
        display=lambda df, value: (
            page.state_label(doctype, value)
            if df.fieldname == state_field
            else display_value(page, df, value)
        ),
        printable=is_printable(doctype, doc),
        submit_ops=[] if is_new else _submit_ops(page, meta, doc, workflow),
        connections=[] if is_new else connections(page, meta, doc),
    )


def _submit_ops(page: Page, meta: Any, doc: dict, workflow: Any) -> list[str]:
    """Submit / cancel for a submittable DocType that no workflow drives (as Frappe's form
    offers them): without these a Disbursement or Termination Report could never take effect."""
    if not meta.doctype.is_submittable or (workflow is not None and workflow.is_active):
        return []
    perms, ctx = page.site.perms, page.session.ctx
    docstatus = int(doc.get("docstatus") or 0)
    if docstatus == 0 and perms.has(meta, ctx, "submit"):
        return ["submit"]
    if docstatus == 1 and perms.has(meta, ctx, "cancel"):
        return ["cancel"]
    return []


@router.get("/app/{dt}/new", response_class=HTMLResponse)
async def new_form(request: Request, dt: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    doctype = doctype_from_slug(page.site, dt)

    def build() -> HTMLResponse:
        meta = page.site.metas.get(doctype)
        access = document_access(page.site, session, doctype, None)
        if not access.can_edit:
            from townflow.runtime.errors import PermissionError

            raise PermissionError(
                f"Not permitted to create {doctype}", f"无权新建{page.doctype_label(doctype)}"
            )
        doc = {**_user_permission_defaults(meta, session.ctx), **_defaults(meta, page.site, page.user)}
        for key, value in request.query_params.items():
            df = meta.get_field(key)
            if df is not None and df.has_value:
                doc[key] = value
        return render_form(page, doctype, doc, access, is_new=True)

    return await call(build)


@router.post("/app/{dt}/new", response_class=HTMLResponse)
async def create(request: Request, dt: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    doctype = doctype_from_slug(page.site, dt)
    items = list((await request.form()).multi_items())

    def save() -> Any:
        meta = page.site.metas.get(doctype)
        access = document_access(page.site, session, doctype, None)
        values = document_values(items, meta, access, child_meta_getter(page.site))
        try:
            saved = session.insert({**values, "doctype": doctype})
        except Exception as exc:
            if not _is_user_error(exc):
                raise
            errors, general = field_errors(exc, page.lang)
            return render_form(
                page,
                doctype,
                {**_defaults(meta, page.site, page.user), **values},
                access,
                is_new=True,
                errors=errors,
                general_errors=general,
                status_code=exc.http_status,
            )
        return redirect(f"/app/{slug(doctype)}/{saved['name']}?saved=1")

    return await call(save)


@router.get("/app/{dt}/{name}", response_class=HTMLResponse)
async def view_form(request: Request, dt: str, name: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    doctype = doctype_from_slug(page.site, dt)

    def build() -> HTMLResponse:
        doc = session.get(doctype, name)
        access = document_access(page.site, session, doctype, doc)
        # Notices are the server's own words only: a `?msg=` text would let any link speak for the site.
        notice = page.t("saved") if request.query_params.get("saved") else None
        following = None
        acted = request.query_params.get("acted")
        if acted:
            notice = outcome.result_notice(page, doctype, doc, acted, request.query_params.get("action"))
            if request.query_params.get("saved") and notice:
                notice = page.t("saved_and_acted", what=notice)
            following = outcome.next_todo(page, exclude=(doctype, doc["name"])) if notice else None
        editing = request.query_params.get("edit") == "1"
        return render_form(
            page, doctype, doc, access, is_new=False, notice=notice, next_todo=following, editing=editing
        )

    return await call(build)


@router.post("/app/{dt}/{name}", response_class=HTMLResponse)
async def save_form(request: Request, dt: str, name: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    doctype = doctype_from_slug(page.site, dt)
    form = await request.form()
    items = list(form.multi_items())
    modified = form.get("modified")
    then = _then_action(items)

    def save() -> Any:
        current = session.get(doctype, name)
        meta = page.site.metas.get(doctype)
        access = document_access(page.site, session, doctype, current)
        values = document_values(items, meta, access, child_meta_getter(page.site))
        doc = {**current, **values, "doctype": doctype, "name": current["name"]}
        if isinstance(modified, str) and modified:
            doc["modified"] = modified
        try:
            if then is None:
                session.save(doc)
            else:  # the changes and the action pressed with them: one transaction, both or neither
                from townflow.web.pages.actions import take_action

                def both() -> None:
                    with page.site.transaction():
                        saved = session.save(doc)
                        take_action(session, doctype, name, {**then, "modified": saved.get("modified", "")})

                page.site.durably(both)  # one durable COMMIT (the group committer's, on the server)
        except Exception as exc:
            if not _is_user_error(exc):
                raise
            errors, general = field_errors(exc, page.lang)
            if getattr(exc, "exc_type", "") == "TimestampMismatchError" or (then is not None and not errors):
                general = [message_of(exc, page.lang)]
            return render_form(
                page,
                doctype,
                doc,
                access,
                is_new=False,
                errors=errors,
                general_errors=general,
                status_code=exc.http_status,
                heading="action_failed" if then is not None else "save_failed",
            )
        if then is not None:
            query = outcome.acted_query(then.get("op") or "apply", then.get("action"))
            return redirect(f"/app/{slug(doctype)}/{quote(name)}?saved=1&{query}")
        return redirect(f"/app/{slug(doctype)}/{name}?saved=1")

    return await call(save)


def _then_action(items: list[tuple[str, Any]]) -> dict[str, str] | None:
    """The workflow action sent together with the form's changes (`then_op`, `then_action`, ...)."""
    then = {k[5:]: v for k, v in items if isinstance(v, str) and k.startswith("then_")}
    if not then.get("op") and not then.get("action"):
        return None
    then.setdefault("op", "apply")
    return then


def _is_user_error(exc: Exception) -> bool:
    """A refusal the user can act on (validation, conflict), shown on the form, not an error page."""
    status = getattr(exc, "http_status", None)
    return isinstance(status, int) and status in (409, 417)
