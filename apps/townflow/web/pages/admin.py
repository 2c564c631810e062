"""Administration pages for the System Manager: users, customize form, workflow diagram.

Everything is written through the Session as Frappe records — `User` with its `roles` table,
`User Permission` (user, allow, for_value) for villages, departments and facilities, `Custom
Field` and `Property Setter` for form changes — so the runtime's permission check (System
Manager only) and validation apply, and a customization shows on the form at once because the
runtime rebuilds the effective DocType when those records change.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

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
from townflow.web.pages.condition_words import condition_words
from townflow.web.pages.diagram import workflow_svg

router = APIRouter(route_class=PageRoute)

#: User Permission `allow` DocTypes an admin assigns on the user page: form key -> DocType
SCOPES = {"villages": "Village", "departments": "Department", "facilities": "Designated Facility"}
CUSTOM_FIELDTYPES = ("Data", "Int", "Float", "Currency", "Check", "Date", "Select", "Small Text", "Link")
#: field types as a Chinese admin reads them (the stored value stays Frappe's)
FIELDTYPE_WORDS = {
    "Data": ("文本", "Text"),
    "Int": ("整数", "Whole number"),
    "Float": ("小数", "Decimal number"),
    "Currency": ("金额", "Amount"),
    "Percent": ("百分比", "Percent"),
    "Check": ("勾选", "Tick box"),
    "Date": ("日期", "Date"),
    "Datetime": ("日期时间", "Date and time"),
    "Time": ("时间", "Time"),
    "Select": ("下拉选项", "Choice"),
    "Small Text": ("多行文本", "Long text"),
    "Text": ("多行文本", "Long text"),
    "Link": ("关联记录", "Link to a record"),
    "Attach": ("附件", "Attachment"),
    "Attach Image": ("图片", "Image"),
    "Table": ("明细表", "Table"),
    "Section Break": ("分节", "Section"),
    "Password": ("密码", "Password"),
}
EDITABLE_PROPERTIES = ("label", "label_en", "reqd", "hidden", "options")


def _require_admin(session: Any) -> None:
    if not session.has_permission("Custom Field", "write"):
        from townflow.runtime.errors import PermissionError

        raise PermissionError("Only a System Manager may do this", "只有系统管理员可以操作")


def _text(form: Any, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


# -- users ----------------------------------------------------------------------------------


@router.get("/admin/users", response_class=HTMLResponse)
async def users(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        _require_admin(session)
        q = (request.query_params.get("q") or "").strip()[:60]
        or_filters = [["name", "like", f"%{q}%"], ["full_name", "like", f"%{q}%"]] if q else None
        rows = session.get_list(
            "User",
            fields=["name", "full_name", "enabled"],
            or_filters=or_filters,
            order_by="name asc",
            limit_page_length=500,
        )
        return render(page, "admin_users.html", users=rows, q=q)

    return await call(build)


def _scope_choices(session: Any) -> dict[str, list[dict]]:
    out = {}
    for key, doctype in SCOPES.items():
        if session.site.metas.exists(doctype):
            out[key] = session.search_link(doctype, "", page_length=500)
        else:
            out[key] = []
    return out


def _user_scopes(session: Any, user: str) -> dict[str, set[str]]:
    rows = session.get_list(
        "User Permission",
        fields=["name", "allow", "for_value"],
        filters={"user": user},
        limit_page_length=1000,
    )
    return {key: {r["for_value"] for r in rows if r["allow"] == dt} for key, dt in SCOPES.items()}


def _render_user(
    page: Page,
    user_doc: dict,
    scopes: dict[str, set[str]],
    *,
    is_new: bool,
    error: str = "",
    status: int = 200,
    notice: str | None = None,
):
    session = page.session
    role_names = sorted(page.site.project.roles)
    return render(
        page,
        "admin_user.html",
        status_code=status,
        user_doc=user_doc,
        is_new=is_new,
        roles=[{"name": r, "label": page.role_label(r)} for r in role_names],
        user_roles={row.get("role") for row in user_doc.get("roles") or []},
        scope_choices=_scope_choices(session),
        scopes=scopes,
        error=error,
        notice=notice,
    )


@router.get("/admin/users/new", response_class=HTMLResponse)
async def new_user(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        _require_admin(session)
        return _render_user(page, {"enabled": 1, "roles": []}, {k: set() for k in SCOPES}, is_new=True)

    return await call(build)


@router.get("/admin/users/{name}", response_class=HTMLResponse)
async def edit_user(request: Request, name: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        _require_admin(session)
        notice = page.t("saved") if request.query_params.get("saved") else None
        return _render_user(
            page, session.get("User", name), _user_scopes(session, name), is_new=False, notice=notice
        )

    return await call(build)


@router.post("/admin/users/save", response_class=HTMLResponse)
async def save_user(request: Request, session: SessionDep) -> Any:
    page = Page(request, session)
    form = await request.form()
    wanted_roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    wanted = {key: {v for v in form.getlist(key) if isinstance(v, str)} for key in SCOPES}
    email = _text(form, "email")
    is_new = _text(form, "is_new") == "1"

    def save() -> Any:
        _require_admin(session)
        values = {
            "full_name": _text(form, "full_name"),
            "enabled": 1 if form.get("enabled") else 0,
            "roles": [{"role": r} for r in wanted_roles if r in page.site.project.roles],
        }
        password = _text(form, "new_password")
        if password:
            values["new_password"] = password
        problem = _user_problem(page, email, values, wanted, password, is_new)
        if problem:
            doc = {"name": email, "email": email, **values}
            return _render_user(page, doc, wanted, is_new=is_new, error=problem, status=417)
        try:
            with page.site.transaction():
                if is_new:
                    saved = session.insert(
                        {"doctype": "User", "email": email, "first_name": values["full_name"], **values}
                    )
                else:
                    current = session.get("User", email)
                    current.pop("new_password", None)
                    current.pop("api_secret", None)
                    saved = session.save({**current, **values})
                _sync_scopes(session, saved["name"], wanted)
                if password:  # a password the admin hands over is changed at first login, if ticked
                    page.site.users.require_password_change(
                        saved["name"], bool(form.get("must_change_password"))
                    )
        except Exception as exc:
            status = getattr(exc, "http_status", None)
            if not isinstance(status, int) or status not in (409, 417):
                raise
            doc = {"name": email, "email": email, **values}
            return _render_user(
                page, doc, wanted, is_new=is_new, error=message_of(exc, page.lang), status=status
            )
        return redirect(f"/admin/users/{quote(saved['name'])}?saved=1")

    return await call(save)


def _user_problem(
    page: Page, email: str, values: dict, wanted: dict[str, set[str]], password: str, is_new: bool
) -> str:
    """What the user form lacks, in the page's language ("" when nothing): 姓名, a password that
    (a new user needs one; its rule is the User hook's), and the scope every scoped role is bound to."""
    en = page.lang == "en"
    if not values["full_name"]:
        return "Full name is required" if en else "请填写姓名"
    if is_new and not password:
        return "A new user needs a password" if en else "新用户须设置密码"
    scope_keys = {"village": "villages", "department": "departments", "facility": "facilities"}
    for role_name in sorted({r["role"] for r in values["roles"]}):
        role = page.site.project.roles.get(role_name)
        key = scope_keys.get(getattr(role, "scope", "township"))
        if key and not wanted.get(key):
            what = page.t(f"scope_{key}")
            return (
                f"{page.role_label(role_name)} needs {what}"
                if en
                else f"{page.role_label(role_name)}须指定{what}"
            )
    return ""


def _sync_scopes(session: Any, user: str, wanted: dict[str, set[str]]) -> None:
    rows = session.get_list(
        "User Permission",
        fields=["name", "allow", "for_value"],
        filters={"user": user},
        limit_page_length=1000,
    )
    for key, doctype in SCOPES.items():
        have = {r["for_value"]: r["name"] for r in rows if r["allow"] == doctype}
        for value, row_name in have.items():
            if value not in wanted[key]:
                session.delete("User Permission", row_name)
        for value in sorted(wanted[key] - set(have)):
            session.insert({"doctype": "User Permission", "user": user, "allow": doctype, "for_value": value})


# -- customize form -------------------------------------------------------------------------


def _customizable(page: Page) -> list[dict[str, str]]:
    out = []
    for name in page.site.metas.names():
        dt = page.site.metas.get(name).doctype
        if dt.module != "Core" and not dt.issingle:
            out.append({"name": name, "label": page.label(dt.label, name), "slug": slug(name)})
    return sorted(out, key=lambda d: d["label"])


@router.get("/admin/customize", response_class=HTMLResponse)
async def customize_index(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        _require_admin(session)
        return render(page, "admin_customize_index.html", doctypes=_customizable(page))

    return await call(build)


@router.get("/admin/customize/{dt}", response_class=HTMLResponse)
async def customize(request: Request, dt: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        _require_admin(session)
        return _render_customize(page, doctype_from_slug(page.site, dt))

    return await call(build)


def _render_customize(page: Page, doctype: str, error: str = "", status: int = 200) -> HTMLResponse:
    meta = page.site.metas.get(doctype)
    fields = [f for f in meta.doctype.fields if f.fieldtype not in ("Column Break", "Tab Break")]
    return render(
        page,
        "admin_customize.html",
        status_code=status,
        doctype=doctype,
        doctype_label=page.doctype_label(doctype),
        fields=fields,
        fieldtypes=CUSTOM_FIELDTYPES,
        type_words=lambda ft: FIELDTYPE_WORDS.get(ft, (ft, ft))[1 if page.lang == "en" else 0],
        error=error,
        saved=page.request.query_params.get("saved"),
    )


@router.post("/admin/customize/{dt}", response_class=HTMLResponse)
async def customize_save(request: Request, dt: str, session: SessionDep) -> Any:
    page = Page(request, session)
    form = await request.form()

    def save() -> Any:
        _require_admin(session)
        doctype = doctype_from_slug(page.site, dt)
        try:
            with page.site.transaction():
                if _text(form, "op") == "add_field":
                    _add_field(session, doctype, form)
                elif _text(form, "op") == "properties":  # every row of the table, saved together
                    meta = session.site.metas.get(doctype)
                    for df in meta.doctype.fields:
                        if f"label__{df.fieldname}" in form:
                            _set_property(session, doctype, _RowForm(form, df.fieldname))
                else:
                    _set_property(session, doctype, form)
        except Exception as exc:
            status = getattr(exc, "http_status", None)
            if not isinstance(status, int) or status not in (409, 417):
                raise
            return _render_customize(page, doctype, error=message_of(exc, page.lang), status=status)
        return redirect(f"/admin/customize/{slug(doctype)}?saved=1")

    return await call(save)


class _RowForm(dict):
    """One row of the customize table (`label__<fieldname>`, ...) read as the one-row form."""

    def __init__(self, form: Any, fieldname: str):
        super().__init__({"field_name": fieldname})
        suffix = f"__{fieldname}"
        for key, value in form.multi_items():
            if key.endswith(suffix) and isinstance(value, str):
                self[key[: -len(suffix)]] = value


def auto_fieldname(meta: Any, label_en: str) -> str:
    """`custom_<english words>` (Frappe's custom-field prefix), or `custom_field_<n>`, unused in `meta`."""
    words = re.sub(r"[^a-z0-9]+", "_", (label_en or "").lower()).strip("_")[:40]
    base = f"custom_{words}" if words and words[0].isalpha() else "custom_field"
    name, n = base, 1
    while meta.get_field(name) is not None:
        n += 1
        name = f"{base}_{n}"
    return name


def _add_field(session: Any, doctype: str, form: Any) -> None:
    fieldtype = _text(form, "fieldtype") or "Data"
    options = _text(form, "options")
    if not _text(form, "fieldname"):  # the admin names the field in words; the system names it in code
        form = {
            **{k: v for k, v in form.items()},
            "fieldname": auto_fieldname(session.site.metas.get(doctype), _text(form, "label_en")),
        }
    session.insert(
        {
            "doctype": "Custom Field",
            "dt": doctype,
            "label": _text(form, "label"),
            "label_en": _text(form, "label_en") or _text(form, "label"),
            "fieldname": _text(form, "fieldname"),
            "fieldtype": fieldtype if fieldtype in CUSTOM_FIELDTYPES else "Data",
            "insert_after": _text(form, "insert_after") or None,
            "options": options.replace("\r\n", "\n") or None,
            "reqd": 1 if form.get("reqd") else 0,
            "hidden": 1 if form.get("hidden") else 0,
            "in_list_view": 1 if form.get("in_list_view") else 0,
        }
    )


def _set_property(session: Any, doctype: str, form: Any) -> None:
    """One Property Setter per (field, property), updated in place when it exists (as Frappe does)."""
    fieldname = _text(form, "field_name")
    meta = session.site.metas.get(doctype)
    df = meta.get_field(fieldname)
    if df is None:
        from townflow.runtime.errors import ValidationError

        raise ValidationError(f"No field {fieldname}", f"没有字段 {fieldname}")
    wanted = {
        "label": _text(form, "label") or page_label_zh(df),
        "label_en": _text(form, "label_en") or page_label_en(df),
        "reqd": "1" if form.get("reqd") else "0",
        "hidden": "1" if form.get("hidden") else "0",
    }
    if df.fieldtype == "Select" and "options" in form:
        wanted["options"] = _text(form, "options").replace("\r\n", "\n")
    current = {
        "label": page_label_zh(df),
        "label_en": page_label_en(df),
        "reqd": "1" if df.reqd else "0",
        "hidden": "1" if df.hidden else "0",
        "options": "\n".join(c.value for c in df.choices),
    }
    for prop, value in wanted.items():
        if value == current.get(prop):
            continue
        existing = session.get_list(
            "Property Setter",
            fields=["name"],
            filters={"doc_type": doctype, "field_name": fieldname, "property": prop},
            limit_page_length=1,
        )
        property_type = "Check" if prop in ("reqd", "hidden") else ("Text" if prop == "options" else "Data")
        record = {
            "doctype": "Property Setter",
            "doctype_or_field": "DocField",
            "doc_type": doctype,
            "field_name": fieldname,
            "property": prop,
            "property_type": property_type,
            "value": value,
        }
        if existing:
            current_row = session.get("Property Setter", existing[0]["name"])
            session.save({**current_row, **record})
        else:
            session.insert(record)


def page_label_zh(df: Any) -> str:
    return df.label.zh if df.label else df.fieldname


def page_label_en(df: Any) -> str:
    return df.label.en if df.label and df.label.en else page_label_zh(df)


# -- workflow diagram -----------------------------------------------------------------------


@router.get("/admin/workflow/{dt}", response_class=HTMLResponse)
async def workflow_diagram(request: Request, dt: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        doctype = doctype_from_slug(page.site, dt)
        if not session.has_permission(doctype, "read"):
            from townflow.runtime.errors import PermissionError

            raise PermissionError(f"No permission to read {doctype}", "无权查看")
        workflow = page.site.project.workflow_for(doctype)
        if workflow is None:
            from townflow.runtime.errors import DoesNotExistError

            raise DoesNotExistError(f"{doctype} has no workflow", "该单据没有流程")
        svg = workflow_svg(page, workflow)
        workflows = [
            {"doctype": d, "label": page.doctype_label(d), "slug": slug(d)}
            for d in sorted(page.site.project.workflows)
        ]
        return render(
            page,
            "workflow.html",
            doctype=doctype,
            workflow=workflow,
            svg=svg,
            workflows=workflows,
            words=lambda source: condition_words(page.site, doctype, source, page.lang),
        )

    return await call(build)
