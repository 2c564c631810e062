"""流动人口 pages: hand a person over to another village (转出), confirm receipt (转入), and the
liaison letter (联系函) for a woman who moved out of the township.

    /migrants/<person>/handover          the handover form (GET) and its filing (POST)
    /migrants/handover/<name>            the handover as the receiving clerk sees it; POST confirms
    /migrants/<person>/liaison-letter    a printable letter to the family-planning office where she lives

Every rule is the runtime's (townflow.runtime.migrants): these pages only collect and show.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.runtime import migrants
from townflow.runtime.errors import ValidationError
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, message_of, redirect, render
from townflow.web.pages.monitoring_text import text

router = APIRouter(route_class=PageRoute)


def _m(page: Page):
    return lambda key, **kw: text(key, page.lang, **kw)


def _form_value(form: Any, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


@router.get("/migrants/{person}/handover", response_class=HTMLResponse)
async def handover_form(request: Request, person: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        doc = session.get("Person", person)
        return render(page, "migrant_handover.html", doc=doc, handover=None, errors=[], values={}, m=_m(page))

    return await call(build)


@router.post("/migrants/{person}/handover", response_class=HTMLResponse)
async def file_handover(request: Request, person: str, session: SessionDep) -> Any:
    page = Page(request, session)
    form = await request.form()
    values = {"to_household": _form_value(form, "to_household"), "reason": _form_value(form, "reason")}

    def run() -> Any:
        try:
            handover = migrants.request_handover(session, person, values["to_household"], values["reason"])
        except ValidationError as exc:
            doc = session.get("Person", person)
            errors = [message_of(exc, page.lang)]
            context = {"doc": doc, "handover": None, "errors": errors, "values": values, "m": _m(page)}
            return render(page, "migrant_handover.html", status_code=417, **context)
        return redirect(f"/app/person/{quote(person)}?handover={quote(handover['name'])}")

    return await call(run)


@router.get("/migrants/handover/{name}", response_class=HTMLResponse)
async def handover_page(request: Request, name: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        handover = session.get(migrants.HANDOVER, name)
        may_confirm = handover.get("status") == migrants.PENDING and migrants.receives(session, handover)
        return render(
            page,
            "migrant_handover.html",
            doc=None,
            handover=handover,
            may_confirm=may_confirm,
            errors=[],
            values={},
            confirmed=request.query_params.get("confirmed"),
            m=_m(page),
        )

    return await call(build)


@router.post("/migrants/handover/{name}", response_class=HTMLResponse)
async def confirm(request: Request, name: str, session: SessionDep) -> Any:
    def run() -> Any:
        migrants.confirm_handover(session, name)
        return redirect(f"/migrants/handover/{quote(name)}?confirmed=1")

    return await call(run)


@router.get("/migrants/{person}/liaison-letter", response_class=HTMLResponse)
async def liaison_letter(request: Request, person: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        doc = session.get("Person", person)
        if not (doc.get("is_migrant") and doc.get("migrant_direction") == "Outflow"):
            raise ValidationError(
                "A liaison letter is for a person registered as outflow", "联系函仅用于流出人员"
            )
        records = session.get_list(
            "Pregnancy Record",
            fields=["name", "outcome", "registered_on"],
            filters={"person": person},
            order_by="registered_on desc",
            limit_page_length=5,
        )
        ongoing = any(r.get("outcome") == "Ongoing" for r in records)
        return render(
            page,
            "liaison_letter.html",
            doc=doc,
            ongoing=ongoing,
            today=session.site.now().date(),
            contraception=_choice_label(page, "contraception_method", doc.get("contraception_method")),
            m=_m(page),
        )

    return await call(build)


def _choice_label(page: Page, fieldname: str, value: str | None) -> str:
    if not value:
        return ""
    field = page.site.metas.get("Person").get_field(fieldname)
    found = next((c for c in (field.choices or []) if c.value == value), None) if field else None
    return (found.zh or value) if found and page.lang != "en" else value
