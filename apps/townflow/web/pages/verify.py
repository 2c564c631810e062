"""Certificates anyone can verify, and certificates as PDF (issue 17 point 3).

    /verify                          public (no login): a form for the serial and the code
    /verify/<serial>?code=XXXX-XXXX  public: valid / used / expired / revoked, the serial, the
                                     issuing office, the facility, the validity dates; nothing
                                     personal. An unknown serial and a wrong code answer the same
                                     404 "not found" page. At most VERIFY_PER_MINUTE lookups per
                                     client address a minute (then 429).
    /print/<doctype>/<name>/pdf      the printed certificate or notice as PDF (weasyprint, Debian's
                                     Noto CJK fonts), with the print right
    POST /print/<doctype>/pdf        the list's selection (`names`) as one PDF, one page each

The facts come from townflow.runtime.verify (lookup) and townflow.web.pages.printing (the sheet).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from townflow.rules.cn_text import chinese_date
from townflow.runtime import verify as runtime_verify
from townflow.runtime.errors import ValidationError
from townflow.web.auth import client_address
from townflow.web.pages import printing
from townflow.web.pages.common import (
    STATIC_DIR,
    Page,
    PageRoute,
    SessionDep,
    call,
    doctype_from_slug,
    env,
    render,
    slug,
)
from townflow.web.sessions import LoginRateLimiter

router = APIRouter(route_class=PageRoute)

#: lookups one client address may make a minute (a facility checking papers makes a few)
VERIFY_PER_MINUTE = 30
#: papers in one batch PDF
MAX_BATCH = 200
_LIMITER_KEY = "verify"


def _limiter(request: Request) -> LoginRateLimiter:
    state = request.app.state
    limiter = getattr(state, "verify_limiter", None)
    if limiter is None:
        limiter = LoginRateLimiter(
            max_failures=VERIFY_PER_MINUTE, window_seconds=60.0, max_failures_per_address=VERIFY_PER_MINUTE
        )
        state.verify_limiter = limiter
    return limiter


def _verify_page(page: Page, status: int, **context: Any) -> HTMLResponse:
    response = render(page, "verify.html", status_code=status, **context)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/verify", response_class=HTMLResponse)
async def verify_form(request: Request) -> HTMLResponse:
    serial = request.query_params.get("serial")
    if serial:  # the form was sent: answer as the serial's own page does
        return await verify_serial(request, serial)
    return _verify_page(Page(request), 200, serial="", facts=None, asked=False)


@router.get("/verify/{serial}", response_class=HTMLResponse)
async def verify_serial(request: Request, serial: str) -> HTMLResponse:
    page = Page(request)
    code = request.query_params.get("code") or ""
    if not code.strip():  # scanned without a code, or typed by hand: ask for it
        return _verify_page(page, 200, serial=serial[:64], facts=None, asked=False)
    limiter, address = _limiter(request), client_address(request)
    wait = limiter.retry_after(_LIMITER_KEY, address)
    if wait:
        response = _verify_page(page, 429, serial=serial[:64], facts=None, asked=True, too_many=True)
        response.headers["Retry-After"] = str(wait)
        return response
    limiter.record_failure(_LIMITER_KEY, address)  # every lookup counts
    site = page.site
    facts = await call(runtime_verify.lookup, site, serial, code, site.now().date(), page.lang)
    if facts and page.lang != "en":  # dates as an official paper writes them: 2026年12月7日
        facts = {**facts, **{k: chinese_date(facts[k]) for k in ("valid_from", "valid_until") if facts[k]}}
    return _verify_page(page, 200 if facts else 404, serial=serial[:64], facts=facts, asked=True)


def _pdf(page: Page, sheets: list[dict]) -> bytes:
    """The sheets as one PDF, a page each (weasyprint; fonts from fontconfig: Noto CJK)."""
    from weasyprint import CSS, HTML  # imported on first use: it loads pango

    template = env.get_template("_print_sheet.html")
    body = "".join(
        template.render(page=page, t=page.t, lang=page.lang, slug=slug, **sheet) for sheet in sheets
    )
    html = env.get_template("print_pdf.html").render(lang=page.lang, body=body, title=sheets[0]["title"])
    css = (STATIC_DIR / "print.css").read_text(encoding="utf-8")
    return HTML(string=html, base_url=str(STATIC_DIR)).write_pdf(stylesheets=[CSS(string=css)])


def _refuse_unprintable(page: Page, sheets: list[dict]) -> None:
    waiting = [s["doc"]["name"] for s in sheets if not s["printable"]]
    if waiting:
        names = "、".join(waiting)
        raise ValidationError(
            f"not yet approved or issued, nothing to print: {', '.join(waiting)}",
            f"尚未批准或签发，不能打印：{names}",
        )


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/print/{dt}/{name}/pdf")
async def print_pdf(request: Request, dt: str, name: str, session: SessionDep) -> Response:
    page = Page(request, session)

    def build() -> Response:
        sheet = printing.sheet(page, doctype_from_slug(page.site, dt), name)
        _refuse_unprintable(page, [sheet])
        return _pdf_response(_pdf(page, [sheet]), f"{_ascii(sheet['serial'] or name)}.pdf")

    return await call(build)


@router.post("/print/{dt}/pdf")
async def print_batch_pdf(request: Request, dt: str, session: SessionDep) -> Response:
    page = Page(request, session)
    form = await request.form()
    names = [n for n in form.getlist("names") if isinstance(n, str) and n]
    names = list(dict.fromkeys(names))

    def build() -> Response:
        doctype = doctype_from_slug(page.site, dt)
        if not names:
            raise ValidationError("names: select at least one document", "names：请至少选择一条记录")
        if len(names) > MAX_BATCH:
            raise ValidationError(
                f"names: at most {MAX_BATCH} documents in one PDF, not {len(names)}",
                f"names：一次最多打印 {MAX_BATCH} 份，收到 {len(names)} 份",
            )
        sheets = [printing.sheet(page, doctype, name) for name in names]
        _refuse_unprintable(page, sheets)
        return _pdf_response(_pdf(page, sheets), f"{_ascii(slug(doctype))}-{len(sheets)}.pdf")

    return await call(build)


def _ascii(text: str) -> str:
    return (
        "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in str(text))[:80] or "print"
    )
