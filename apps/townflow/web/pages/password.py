"""/change-password: a user sets their own password; one who logged in with a temporary password
an admin set (issue 18 point 10) is sent here first and can use nothing else until done.

The password rule is the runtime's User hook (rules/passwords.py), the same for every path; the
hook also clears the "must change" mark once the user sets a password of their own.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.web import auth
from townflow.web.pages.common import Page, PageRoute, call, message_of, redirect, render

router = APIRouter(route_class=PageRoute)


@router.get("/change-password", response_class=HTMLResponse)
async def change_password_form(request: Request) -> Any:
    who = await auth.principal(request)
    if who.is_guest or who.web_session is None:
        return redirect("/login?next=/change-password")
    forced = bool(who.web_session.data.get(auth.MUST_CHANGE))
    return render(Page(request), "change_password.html", forced=forced, error=None)


@router.post("/change-password", response_class=HTMLResponse)
async def change_password_submit(request: Request) -> Any:
    who = await auth.principal(request)
    if who.is_guest or who.web_session is None:
        return redirect("/login?next=/change-password")
    await auth.check_csrf(request, who)
    form = await request.form()
    new = form.get("new_password") if isinstance(form.get("new_password"), str) else ""
    again = form.get("confirm_password") if isinstance(form.get("confirm_password"), str) else ""
    page = Page(request)
    forced = bool(who.web_session.data.get(auth.MUST_CHANGE))

    def refuse(key_or_text: str, status: int = 417, *, key: bool = True) -> Any:
        error = page.t(key_or_text) if key else key_or_text
        return render(page, "change_password.html", status_code=status, forced=forced, error=error)

    if new != again:
        return refuse("passwords_differ")
    site = request.app.state.site
    if forced and await call(_same_as_current, site, who.user, new):
        return refuse("same_password")
    try:
        await call(_set_own_password, site, who.user, new)
    except Exception as exc:
        if getattr(exc, "http_status", None) != 417:
            raise
        return refuse(message_of(exc, page.lang), key=False)
    # setting a password ends the user's sessions (as Frappe does): start a fresh one
    web_session = request.app.state.sessions.create(who.user)
    response = redirect("/app")
    auth.set_session_cookie(request, response, web_session)
    return response


def _same_as_current(site: Any, user: str, password: str) -> bool:
    return site.users.password_matches(user, password)


def _set_own_password(site: Any, user: str, password: str) -> None:
    # a user may set their own password, as Frappe's update_password allows; the User hook
    # applies the rule and clears the temporary-password mark
    own = site.session(user, ignore_permissions=True)
    with site.transaction():
        current = own.get("User", user)
        current.pop("api_secret", None)
        own.save({**current, "new_password": password})
