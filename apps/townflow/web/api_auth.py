"""Login, logout and API keys, answered as Frappe answers them.

`POST /api/method/login` (usr, pwd as form fields or JSON) answers
`{"message": "Logged In", "home_page": ..., "full_name": ...}` and sets the `sid` cookie. As on
Frappe, the answer does not hand out the CSRF token: a script's session that never asked for it
may change things without it (frappe-client logs in, then POSTs). A script that wants the token
asks `townflow.api.csrf_token`, and from then on must send it as `X-Frappe-CSRF-Token`, like
every session from the login page (see townflow.web.auth).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from townflow.web import identity
from townflow.web.auth import (
    LoginRequired,
    csrf_token,
    login_user,
    logout_user,
    principal,
    set_session_cookie,
)
from townflow.web.errors import AuthenticationError
from townflow.web.jsonutil import FrappeJSONResponse
from townflow.web.requestdata import form_dict, require
from townflow.web.threads import run_write
from townflow.web.whitelist import Param, whitelisted

router = APIRouter(tags=["auth"])

_LOGIN_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"usr": {"type": "string"}, "pwd": {"type": "string"}},
                "required": ["usr", "pwd"],
            }
        },
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {"usr": {"type": "string"}, "pwd": {"type": "string"}},
                "required": ["usr", "pwd"],
            }
        },
    },
}


@router.post(
    "/api/method/login",
    summary="Log in with user and password; sets the sid cookie",
    openapi_extra={"requestBody": _LOGIN_BODY},
)
async def login(request: Request) -> Response:
    args = await form_dict(request)
    usr, pwd = args.get("usr"), args.get("pwd")
    if not isinstance(usr, str) or not isinstance(pwd, str):
        raise AuthenticationError("Incomplete login details", zh="请输入用户名和密码")
    web_session, info = await run_write(login_user, request, usr, pwd, csrf_required=False)
    settings = request.app.state.settings
    response = FrappeJSONResponse(
        {
            "message": "Logged In",
            "home_page": info.get("home_page") or settings.home_page,
            "full_name": info.get("full_name") or web_session.user,
            "user": web_session.user,
        }
    )
    set_session_cookie(request, response, web_session)
    return response


@router.post("/api/method/logout", summary="End the cookie session")
@router.get("/api/method/logout", summary="End the cookie session", include_in_schema=False)
async def logout(request: Request) -> Response:
    # Logging out needs no CSRF token: the worst a forged logout does is log a user out.
    response = FrappeJSONResponse({})
    logout_user(request, response)
    return response


@router.get("/api/method/frappe.auth.get_logged_user", summary="The signed-in user")
async def get_logged_user(request: Request) -> dict[str, Any]:
    who = await principal(request)
    if who.is_guest:
        raise LoginRequired()
    return {"message": who.user}


@router.get(
    "/api/method/townflow.api.csrf_token",
    summary="This cookie session's CSRF token (from then on, changes must send it)",
)
async def get_csrf_token(request: Request) -> dict[str, Any]:
    who = await principal(request)
    if who.is_guest:
        raise LoginRequired()
    return {"message": csrf_token(request)}


@whitelisted(
    router,
    "frappe.core.doctype.user.user.generate_keys",
    http_methods=("POST",),
    params=[Param("user", required=True, description="the User to give an API key and a new secret")],
    tags=("auth",),
)
def generate_keys(session: Any, args: dict[str, Any]) -> dict[str, str]:
    """Give a user an API key (if none yet) and a new API secret (System Manager only)."""
    user = require(args, "user")
    if not isinstance(user, str):
        user = str(user)
    secret = identity.generate_keys(session, user)
    return {"api_secret": secret}


@router.get("/api/method/ping", summary="Liveness check (no login needed)")
async def ping() -> dict[str, str]:
    return {"message": "pong"}
