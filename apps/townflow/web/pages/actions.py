"""Workflow actions taken from a page: approve/reject (any transition), return, withdraw, delegate, comment.

One POST route per document; `op` says which runtime call to make. The runtime decides whether
the user may (role, scope, state, self-approval, required comment, stale copy); a refusal is
shown on the document's form with the runtime's own message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.runtime import workflow as runtime_workflow
from townflow.runtime import workflow_io, workflow_reclaim
from townflow.runtime import workflow_store as store
from townflow.web.pages import approval_moves_ui, outcome
from townflow.web.pages.common import (
    Page,
    PageRoute,
    SessionDep,
    call,
    doctype_from_slug,
    message_of,
    redirect,
    safe_next,
    slug,
)
from townflow.web.pages.formdata import field_errors
from townflow.web.pages.forms import render_form
from townflow.web.pages.layout import document_access

router = APIRouter(route_class=PageRoute)

OPS = (
    "apply",
    "return",
    "withdraw",
    "delegate",
    "reclaim",
    "comment",
    "submit",
    "cancel",
    *approval_moves_ui.OPS,
)


def _text(form: Any, key: str) -> str | None:
    value = form.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def take_action(session: Any, doctype: str, name: str, form: Any) -> str:
    """Make the runtime call the form asks for; answers the op done."""
    op = _text(form, "op") or "apply"
    doc: dict[str, Any] = {"doctype": doctype, "name": name}
    modified = _text(form, "modified")
    if modified:
        doc["modified"] = modified
    comment = _text(form, "comment")
    if op == "apply":
        runtime_workflow.apply_workflow(session, doc, _text(form, "action") or "", comment)
    elif op == "return":
        target = _text(form, "to_state") or ""
        runtime_workflow.return_to(session, doc, target, comment)
    elif op == "withdraw":
        runtime_workflow.withdraw(session, doc, comment)
    elif op == "delegate":
        runtime_workflow.delegate(session, doc, _text(form, "to_user") or "", comment)
    elif op == "reclaim":  # 收回 what I handed over, until the delegate acts
        workflow_reclaim.reclaim(session, doc, comment)
    elif op in approval_moves_ui.OPS:  # 加签, remove an added signer, an added signer's answer
        approval_moves_ui.take(session, doc, op, form, comment)
    elif op == "comment":
        runtime_workflow.add_comment(session, doc, comment or "")
    elif op == "submit":  # a submittable DocType without a workflow (Disbursement, Termination Report)
        session.submit(doc, check_modified="modified" in doc)
    elif op == "cancel":
        session.cancel(doctype, name, modified)
    else:
        from townflow.runtime.errors import ValidationError

        raise ValidationError(f"Unknown operation {op}", f"未知操作 {op}")
    return op


@router.post("/app/{dt}/{name}/action", response_class=HTMLResponse)
async def document_action(request: Request, dt: str, name: str, session: SessionDep) -> Any:
    page = Page(request, session)
    doctype = doctype_from_slug(page.site, dt)
    form = await request.form()
    own = f"/app/{slug(doctype)}/{quote(name)}"
    back = safe_next(_text(form, "next"), own)

    def act() -> Any:
        try:
            op = take_action(session, doctype, name, form)
        except Exception as exc:
            status = getattr(exc, "http_status", None)
            if not isinstance(status, int) or status in (401, 403, 404) or status >= 500:
                raise
            doc = session.get(doctype, name)
            access = document_access(page.site, session, doctype, doc)
            errors, _general = field_errors(exc, page.lang)
            general = [message_of(exc, page.lang)]
            if any(access.field_editable(df) for df in _fields_named(page, doctype, errors)):
                general.append(page.t("save_then_act"))  # 确认入学 needs 入学日期 saved first
            return render_form(
                page,
                doctype,
                doc,
                access,
                is_new=False,
                errors=errors,
                general_errors=general,
                heading="action_failed",
                status_code=status,
            )
        if back == own:
            return redirect(f"{own}?{outcome.acted_query(op, _text(form, 'action'))}")
        if back.startswith("/inbox"):  # one click from the inbox: the inbox says what it did
            acted = outcome.acted_query(op, _text(form, "action"))
            joiner = "&" if "?" in back else "?"
            return redirect(f"{back}{joiner}acted_doc={quote(doctype + '::' + name)}&{acted}")
        return redirect(back)

    return await call(act)


def _fields_named(page: Page, doctype: str, errors: dict[str, list[str]]) -> list[Any]:
    meta = page.site.metas.get(doctype)
    return [df for df in (meta.get_field(name) for name in errors) if df is not None]


def delegate_candidates(session: Any, doctype: str, name: str) -> list[dict[str, str]]:
    """Colleagues who hold my role on this step and reach the document (the runtime's resolver)."""
    site = session.site
    user = session.ctx.user
    open_todos = store.open_todos(site.db, doctype, name)
    todo = workflow_io.my_todo(session, open_todos)
    if todo is None or not todo.get("role"):
        return []
    assigned = {t["user"] for t in open_todos} | {user}
    loaded = workflow_io.load(session, {"doctype": doctype, "name": name}, check_modified=False)
    role = todo["role"]
    kind = workflow_io.role_scope(session, role)
    value = workflow_io.scope_value(session, loaded, loaded.row, kind)
    names = [u for u in workflow_io.users_with_role(session, role, kind, value, doctype) if u not in assigned]
    if not names:
        return []
    full = {}
    for other in names:
        row = site.db.fetchone('SELECT full_name FROM "tabUser" WHERE name = ?', (other,))
        full[other] = (row["full_name"] if row else None) or other
    return [{"user": n, "label": f"{full.get(n, n)} ({n})"} for n in names]


def delegation_unavailable(session: Any, doctype: str, name: str, workflow: Any, state: str | None) -> bool:
    """My step allows 转交 but no colleague holds the role here: the form says so, instead of the
    inbox's "退回 / 转交…" leading to a form with no way to delegate and no word why."""
    found = workflow.state(state or "") if workflow is not None else None
    if found is None or found.step is None or not found.step.allow_delegate:
        return False
    return workflow_io.my_todo(session, store.open_todos(session.site.db, doctype, name)) is not None


def offered(transitions: list[dict], owner: str | None, user: str | None) -> list[dict]:
    """The transitions to show as buttons: Frappe's desk hides those the owner may not take on
    their own document (allow_self_approval off); apply_workflow would refuse them anyway."""
    if user == "Administrator":
        return transitions
    return [t for t in transitions if t.get("allow_self_approval", 1) or owner != user]
