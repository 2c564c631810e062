"""The FastAPI application for one site: `create_app(site)`.

Layout of the app (each a router or installer in its own module):
- `api_auth`      login, logout, logged user, CSRF token, API keys (Frappe's method names)
- `api_resource`  `/api/resource/<DocType>[/<name>]` (Frappe's v1 REST)
- `api_methods`   `/api/method/frappe.*` workflow and count calls, `/api/method/townflow.api.*`
- `api_v2`        `/api/v2/document|doctype|method/...` (Frappe 15's v2), answered by the above
- `pages`         the HTML pages (`townflow.web.pages.install(app)`), included when present

Shared state on `app.state`: `site` (the runtime `Site`), `settings` (`WebSettings`),
`sessions` (`SessionStore`), `login_limiter` (`LoginRateLimiter`). Pages use the same auth
dependencies (`townflow.web.auth.current_session`, `csrf_token`) as the API.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from fastapi import FastAPI

from townflow.web import api_auth, api_methods, api_monitoring, api_reports, api_resource, storage_errors
from townflow.web.api_v2 import ApiV2Middleware
from townflow.web.errors import UnexpectedErrorMiddleware, install_error_handlers
from townflow.web.jsonutil import FrappeJSONResponse
from townflow.web.limits import BodySizeLimitMiddleware
from townflow.web.openapi import install_openapi
from townflow.web.security import SecurityHeadersMiddleware, WebSettings
from townflow.web.sessions import LoginRateLimiter, SessionStore

log = logging.getLogger("townflow.web")

#: Module that, when importable, adds the HTML pages: it must offer `install(app)`.
PAGES_MODULE = "townflow.web.pages"


def create_app(site: Any, *, settings: WebSettings | None = None, pages: bool = True) -> FastAPI:
    """Build the web app serving `site` (a `townflow.runtime.Site`).

    `pages=False` serves the REST API only (used by API tests and schemathesis).
    """
    settings = settings or WebSettings()
    app = FastAPI(
        title="townflow",
        version="0.1.0",
        description=(
            "Frappe-compatible REST API of a townflow site: `/api/resource/<DocType>`, "
            "`/api/method/frappe.*` and `/api/method/townflow.api.*`. Authenticate with "
            "`Authorization: token <api_key>:<api_secret>` or a `sid` cookie from "
            "`/api/method/login` (then send `X-Frappe-CSRF-Token` on changes)."
        ),
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        default_response_class=FrappeJSONResponse,
    )
    app.state.site = site
    # concurrent writes share fsync'd COMMITs, each still atomic and answered once durable
    site.use_group_commit()
    app.state.settings = settings
    app.state.sessions = SessionStore(ttl_seconds=settings.session_ttl_seconds)
    app.state.login_limiter = LoginRateLimiter(
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
        max_failures_per_address=settings.login_max_failures_per_address,
    )
    _end_sessions_on_password_change(site, app.state.sessions)
    install_error_handlers(app)
    storage_errors.install(app)  # a full or read-only disk: 503 "storage unavailable"
    app.add_middleware(UnexpectedErrorMiddleware)  # inner: its 500 answers get the headers below
    app.add_middleware(ApiV2Middleware)  # /api/v2/... answered by the v1 routes, in v2's shape
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)  # outermost
    app.include_router(api_auth.router)
    app.include_router(api_methods.router)
    app.include_router(api_monitoring.router)  # townflow.api.followups, request/confirm_handover
    app.include_router(api_resource.router)
    app.include_router(api_reports.router)
    from townflow.web import api_dataio  # frappe.desk.reportview.export_query (issue 15)

    app.include_router(api_dataio.router)
    from townflow.web import api_notice  # townflow.api.settle_objection (公示, issue 17)

    app.include_router(api_notice.router)
    if pages:
        _install_pages(app)
    install_openapi(app)
    return app


def _end_sessions_on_password_change(site: Any, sessions: SessionStore) -> None:
    """A new password set on a User (an admin resetting a phished account) ends that user's open
    sessions, as Frappe does, so whoever logged in with the old password is logged out."""

    def on_password_change(event: Any) -> None:
        if event.old is not None and event.doc.get("new_password") not in (None, "", "*****"):
            sessions.delete_user(event.doc.get("name"))

    site.hooks.register("User", "before_save", on_password_change)


def _install_pages(app: FastAPI) -> None:
    try:
        module = importlib.import_module(PAGES_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == PAGES_MODULE:
            log.info("no %s module: serving the REST API only", PAGES_MODULE)
            return
        raise
    install = getattr(module, "install", None)
    if install is None:
        log.warning("%s has no install(app): pages not served", PAGES_MODULE)
        return
    install(app)
