"""The login form and logout, using the same login function (rate limit, argon2) as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.web import auth
from townflow.web.pages.common import Page, PageRoute, call, message_of, redirect, render, safe_next

router = APIRouter(route_class=PageRoute)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Any:
    who = await auth.principal(request)
    target = safe_next(request.query_params.get("next"))
    if not who.is_guest:
        return redirect(target)
    return render(Page(request), "login.html", next=target, error=None, usr="")


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Any:
    form = await request.form()
    usr = form.get("usr") if isinstance(form.get("usr"), str) else ""
    pwd = form.get("pwd") if isinstance(form.get("pwd"), str) else ""
    target = safe_next(form.get("next") if isinstance(form.get("next"), str) else None)
    page = Page(request)
    try:
        web_session, _ = await call(auth.login_user, request, usr, pwd)
    except Exception as exc:
        status = getattr(exc, "http_status", None)
        if status not in (401, 429):
            raise
        return render(
            page, "login.html", status_code=status, next=target, error=message_of(exc, page.lang), usr=usr
        )
    # a temporary password an admin set is changed before anything else
    response = redirect("/change-password" if web_session.data.get(auth.MUST_CHANGE) else target)
    auth.set_session_cookie(request, response, web_session)
    return response


@router.post("/logout")
async def logout(request: Request) -> Any:
    who = await auth.principal(request)
    await auth.check_csrf(request, who)
    response = redirect("/login")
    auth.logout_user(request, response)
    return response
