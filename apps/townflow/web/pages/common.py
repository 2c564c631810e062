"""What every page shares: the templates, the language, who is asking, and error pages.

Pages are ordinary FastAPI routes using `PageRoute`, which turns the errors the runtime and the
auth layer raise into what a person in a browser expects: a guest is sent to the login page, a
record the user may not see is a "not found" page with status 404, a refusal is a 403 page. The
JSON error answers of the REST API stay untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote as urlquote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from townflow.web import auth
from townflow.web.i18n import LANG_COOKIE, label_text, pick_language, translate
from townflow.web.threads import run_here

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: Autoescape on for every template: values typed by users are shown, never interpreted.
env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(["html", "svg"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def slug(doctype: str) -> str:
    """The URL form of a DocType name (as in Frappe's desk): "Subsidy Application" -> subsidy-application."""
    return doctype.strip().lower().replace(" ", "-")


def doctype_from_slug(site: Any, value: str) -> str:
    """The DocType a slug names; an unknown slug is a 404 like any unknown record."""
    from townflow.runtime.errors import DoesNotExistError

    for name in site.metas.names():
        if slug(name) == value:
            return name
    raise DoesNotExistError(f"DocType {value} not found", f"单据类型 {value} 不存在")


def lang_of(request: Request) -> str:
    cached = getattr(request.state, "lang", None)
    if cached is None:
        cached = pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
        request.state.lang = cached
    return cached


class Page:
    """The per-request facts a template needs: language, user, CSRF token, helpers."""

    def __init__(self, request: Request, session: Any = None):
        self.request = request
        self.session = session
        self.lang = lang_of(request)
        self.site = request.app.state.site

    @property
    def user(self) -> str | None:
        return self.session.ctx.user if self.session is not None else None

    @property
    def roles(self) -> frozenset[str]:
        return self.session.ctx.roles if self.session is not None else frozenset()

    def t(self, key: str, **kwargs: Any) -> str:
        return translate(key, self.lang, **kwargs)

    def label(self, label: Any, fallback: str = "") -> str:
        return label_text(label, self.lang, fallback)

    def doctype_label(self, doctype: str) -> str:
        try:
            return self.label(self.site.metas.get(doctype).doctype.label, doctype)
        except Exception:
            return doctype

    def role_label(self, role: str) -> str:
        found = self.site.project.roles.get(role)
        return self.label(found.label, role) if found else role

    def state_label(self, doctype: str, state: str | None) -> str:
        wf = self.site.project.workflow_for(doctype)
        found = wf.state(state) if wf and state else None
        return self.label(found.label, state or "") if found else (state or "")

    def state_style(self, doctype: str, state: str | None) -> str:
        wf = self.site.project.workflow_for(doctype)
        found = wf.state(state) if wf and state else None
        return (found.style or "").lower() if found else ""

    def action_label(self, doctype: str, action: str) -> str:
        wf = self.site.project.workflow_for(doctype)
        found = next((a for a in wf.actions if a.action == action), None) if wf else None
        return self.label(found.label, action) if found else action

    def csrf(self) -> str:
        return auth.csrf_token(self.request)

    def url_lang(self, lang: str) -> str:
        """This page's URL with `lang` switched."""
        params = dict(self.request.query_params)
        params["lang"] = lang
        query = "&".join(f"{urlquote(k)}={urlquote(str(v))}" for k, v in params.items())
        return f"{self.request.url.path}?{query}"


def render(page: Page, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = env.get_template(template).render(page=page, t=page.t, lang=page.lang, slug=slug, **context)
    return HTMLResponse(html, status_code=status_code)


async def page_session(request: Request) -> Any:
    """Dependency: the runtime Session of the signed-in user (CSRF checked on POST)."""
    return await auth.current_session(request)


SessionDep = Annotated[Any, Depends(page_session)]


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking runtime call off the event loop: a GET's in the read threads, a POST's in
    the write threads (townflow.web.threads), so a page's write never holds a read's thread."""
    return await run_here(fn, *args, **kwargs)


_ERROR_PAGES = {
    404: ("not_found_title", "not_found"),
    403: ("forbidden_title", None),
    400: ("bad_request_title", None),
}


def error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    page = Page(request, getattr(request.state, "runtime_session", None))
    title_key, text_key = _ERROR_PAGES.get(status, ("error_title", None))
    text = page.t(text_key) if text_key else (message or "")
    return render(page, "error.html", status_code=status, title=page.t(title_key), message=text)


def message_of(exc: Exception, lang: str) -> str:
    """The error's message in the UI language (the runtime's errors carry zh and en)."""
    if lang == "zh":
        zh = getattr(exc, "zh", None)
        if isinstance(zh, str) and zh:
            return zh
        messages = getattr(exc, "messages", None)
        if messages:
            return "；".join(m.zh for m in messages)
    return str(exc)


class PageRoute(APIRoute):
    """A route answering HTML: errors become pages, a guest is sent to log in, `?lang=` is remembered."""

    def get_route_handler(self) -> Callable:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except auth.PasswordChangeRequired:
                response = RedirectResponse("/change-password", status_code=303)
            except auth.LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                # the chosen ?lang= reaches the login page too (it is remembered below)
                response = RedirectResponse(f"/login?next={urlquote(target, safe='')}", status_code=303)
            except Exception as exc:
                status = getattr(exc, "http_status", None)
                if not isinstance(status, int) or status >= 500:
                    raise
                response = error_page(request, status, message_of(exc, lang_of(request)))
            chosen = request.query_params.get("lang")
            if chosen in ("zh", "en") and request.cookies.get(LANG_COOKIE) != chosen:
                response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax", path="/")
            return response

        return handler


_SAFE_NEXT = re.compile(r"^/[A-Za-z0-9/_\-.%?=&]*$")


def safe_next(target: str | None, default: str = "/app") -> str:
    """Only same-site paths are followed after login (no open redirect to another host)."""
    if target and _SAFE_NEXT.match(target) and not target.startswith("//"):
        return target
    return default


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
