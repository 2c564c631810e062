"""Who is calling: cookie sessions, API tokens, CSRF — one place for the API and the pages.

Frappe's rules, kept here:
- `Authorization: token <api_key>:<api_secret>` (or `Basic base64(key:secret)`) authenticates a
  script for one request; a wrong key or secret is a 401 `AuthenticationError`.
- A `sid` cookie (HttpOnly, SameSite=Lax) names a server-side session.
- A state-changing request (POST, PUT, PATCH, DELETE) authenticated by cookie must carry the
  session's CSRF token, in the `X-Frappe-CSRF-Token` header or a `csrf_token` form field;
  Frappe answers a missing or wrong token with 400 `CSRFTokenError`. As on Frappe, this holds
  for sessions from the login page and for every session that was handed its token (a page
  rendered for it, `townflow.api.csrf_token`); a session from `/api/method/login` that never saw
  its token (frappe-client's login-then-POST) needs none: the cookie is SameSite=Lax, so a
  cross-site form or script cannot send it with a POST. Token-authenticated requests need none
  either: a cross-site page cannot make a browser send an Authorization header.
- A guest reaching something that needs a user gets 403 `PermissionError` (`LoginRequired`,
  which the pages turn into a redirect to the login page).

For the pages (Jinja2): `csrf_token(request)` for a hidden field or a meta tag,
`current_session` / `current_user` as FastAPI dependencies, `login_user` / `logout_user` for
the login form. None of this adds rules: permissions are the runtime's.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request, Response

from townflow.web import identity
from townflow.web.errors import AuthenticationError, CSRFTokenError, PermissionError, TooManyRequestsError
from townflow.web.requestdata import body_dict, cached, form_dict
from townflow.web.sessions import WebSession
from townflow.web.threads import note_request, run_read, run_write

SID_COOKIE = "sid"
CSRF_HEADER = "X-Frappe-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
GUEST = "Guest"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(PermissionError):
    """A guest asked for something that needs a user (Frappe: 403 `PermissionError`)."""

    def __init__(self) -> None:
        super().__init__("Not permitted: please log in", zh="无权访问：请先登录")


class PasswordChangeRequired(PermissionError):
    """A user whose password is a temporary one an admin set may do nothing but change it."""

    def __init__(self) -> None:
        super().__init__(
            "Change your temporary password first (/change-password)",
            zh="请先修改初始密码（/change-password）",
        )


#: WebSession.data key: this session's user logged in with a temporary password.
MUST_CHANGE = "must_change_password"


@dataclass(frozen=True)
class Principal:
    user: str
    via: Literal["cookie", "token", "guest"]
    web_session: WebSession | None = None

    @property
    def is_guest(self) -> bool:
        return self.user == GUEST


def _state(request: Request) -> Any:
    return request.app.state


async def principal(request: Request) -> Principal:
    """The caller of this request, resolved once and cached on the request."""
    known = cached(request, "principal")
    if known is not None:
        return known
    note_request(request)  # a POST's runtime calls then wait in the write threads (web.threads)
    found = await _resolve(request)
    request.state.principal = found
    return found


async def _resolve(request: Request) -> Principal:
    header = request.headers.get("authorization")
    if header:
        key, secret = _parse_authorization(header)
        user = await run_read(identity.user_for_api_key, _state(request).site, key, secret)
        if not user:
            raise AuthenticationError("Invalid API key or secret", zh="API 密钥无效")
        return Principal(user, "token")
    sid = request.cookies.get(SID_COOKIE)
    if not sid:
        return Principal(GUEST, "guest")
    state = _state(request)
    # Two indexed reads (~20 us) run here, on the event loop: a hop to the thread pool costs more
    # than they do. The rare writes (moving the idle deadline on, ending a disabled user's
    # sessions) wait for their fsync on a pool thread, never on the loop.
    web_session = state.sessions.get(sid, touch=False)
    if web_session is None:
        return Principal(GUEST, "guest")
    # A user disabled (or deleted) by an admin loses her open sessions at once, as on Frappe.
    if not identity.is_enabled(state.site, web_session.user):
        await run_write(state.sessions.delete_user, web_session.user)
        return Principal(GUEST, "guest")
    if state.sessions.touch_due(web_session):
        await run_write(state.sessions.touch, web_session)
    return Principal(web_session.user, "cookie", web_session)


def _parse_authorization(header: str) -> tuple[str, str]:
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "basic":
        try:
            credentials = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationError(
                "Failed to decode token, please provide a valid base64-encoded token.",
                zh="无法解析凭据",
            ) from None
    elif scheme.lower() != "token":
        raise AuthenticationError(
            "Unsupported Authorization scheme; use 'token key:secret'", zh="不支持的认证方式"
        )
    key, sep, secret = credentials.partition(":")
    if not sep or not key or not secret:
        raise AuthenticationError("Malformed token; expected api_key:api_secret", zh="凭据格式错误")
    return key, secret


async def check_csrf(request: Request, who: Principal) -> None:
    """Refuse a cookie-authenticated change that lacks this session's CSRF token."""
    if request.method not in UNSAFE_METHODS or who.via != "cookie" or who.web_session is None:
        return
    if not who.web_session.csrf_required:
        return  # an API login that was never handed its token (see the module's docstring)
    sent = request.headers.get(CSRF_HEADER)
    args = await form_dict(request)
    args.pop(CSRF_FORM_FIELD, None)  # never a document field
    if not sent:
        # The form field counts only in the body: a token in the URL lands in logs, history and
        # Referer headers, so a URL carrying one must not be enough to change anything.
        sent = (await body_dict(request)).get(CSRF_FORM_FIELD)
    if not isinstance(sent, str) or not secrets.compare_digest(sent, who.web_session.csrf_token):
        raise CSRFTokenError("Invalid Request: CSRF token missing or wrong", zh="请求无效：缺少 CSRF 令牌")


async def current_user(request: Request) -> str:
    """Dependency: the signed-in user's name (CSRF checked); a guest gets `LoginRequired`."""
    who = await principal(request)
    if who.is_guest:
        raise LoginRequired()
    if who.web_session is not None and who.web_session.data.get(MUST_CHANGE):
        raise PasswordChangeRequired()
    await check_csrf(request, who)
    return who.user


async def current_session(request: Request) -> Any:
    """Dependency: the runtime `Session` of the signed-in user; every rule is applied in it."""
    user = await current_user(request)
    session = cached(request, "runtime_session")
    if session is None:
        # reads only (the user's roles and permissions, ~35 us): on the loop, not worth a thread hop
        session = _state(request).site.session(user)
        request.state.runtime_session = session
    return session


#: `session: SessionDep` in a route signature gives the runtime Session of the signed-in user.
SessionDep = Annotated[Any, Depends(current_session)]
#: `user: UserDep` gives the signed-in user's name (CSRF checked for changes).
UserDep = Annotated[str, Depends(current_user)]


def csrf_token(request: Request) -> str:
    """The CSRF token for forms and scripts of this page ("" for guests and token callers).
    Handing it out makes the session send it from then on (Frappe's rule)."""
    who = cached(request, "principal")
    if who is None:
        web_session = _state(request).sessions.get(request.cookies.get(SID_COOKIE))
    else:
        web_session = who.web_session
    if web_session is None:
        return ""
    if not web_session.csrf_required:
        web_session.csrf_required = True
        _state(request).sessions.save(web_session)  # for this session's next requests, on any worker
    return web_session.csrf_token


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_user(
    request: Request, usr: str, pwd: str, *, csrf_required: bool = True
) -> tuple[WebSession, dict[str, Any]]:
    """Check the password (rate limited) and start a session; answers it and the user's info.
    `csrf_required=False` (the API login) starts a session that needs no CSRF token until it is
    handed one.

    The caller sets the cookie on its response with `set_session_cookie`.
    Runs the password check in the calling thread: call it from a threadpool (argon2 is slow on
    purpose). Raises `TooManyRequestsError` (429) after too many failures for this user and
    address, `AuthenticationError` (401) for a wrong user or password.
    """
    state = _state(request)
    address = client_address(request)
    usr = (usr or "").strip()
    wait = state.login_limiter.retry_after(usr, address)
    if wait:
        err = TooManyRequestsError(
            f"Too many failed logins; try again in {wait} seconds", zh=f"登录失败次数过多，请 {wait} 秒后再试"
        )
        err.retry_after = wait
        raise err
    if not usr or not pwd:
        raise AuthenticationError("Incomplete login details", zh="请输入用户名和密码")
    user = identity.check_password(state.site, usr, pwd)
    if not user:
        state.login_limiter.record_failure(usr, address)
        raise AuthenticationError("Invalid login credentials", zh="用户名或密码错误")
    state.login_limiter.record_success(usr, address)
    must_change = state.site.users.must_change_password(user)
    web_session = state.sessions.create(
        user, csrf_required=csrf_required, data={MUST_CHANGE: True} if must_change else None
    )
    return web_session, identity.user_info(state.site, user)


def set_session_cookie(request: Request, response: Response, web_session: WebSession) -> None:
    settings = _state(request).settings
    response.set_cookie(
        SID_COOKIE,
        web_session.sid,
        max_age=int(settings.session_ttl_seconds),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def logout_user(request: Request, response: Response) -> None:
    """End the session named by the cookie (if any) and clear the cookie."""
    _state(request).sessions.delete(request.cookies.get(SID_COOKIE))
    response.delete_cookie(SID_COOKIE, path="/", httponly=True, samesite="lax")
