"""Printable documents: the termination certificate, and approval notices for subsidies and student aid.

A print exists once the document is approved (submitted by the workflow): a certificate also
needs the serial number the runtime gives it on issue; a notice shows its approval_notice_serial,
or the document's own gap-free number when none was set. Before that the print page says so.
The body lists the document's fields as the user may read them (masked values stay masked),
without the fields marked `print_hide` or hidden by their depends_on.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.expr import ExprError, parse
from townflow.rules import verify as verify_rules
from townflow.rules.cn_text import chinese_date
from townflow.runtime import verify as runtime_verify
from townflow.web.pages import print_body
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, doctype_from_slug, render

router = APIRouter(route_class=PageRoute)

#: DocType -> (title key in i18n, serial field)
PRINTS: dict[str, tuple[str, str]] = {
    "Termination Certificate Application": ("certificate_title", "certificate_serial"),
    "Subsidy Application": ("notice_title", "approval_notice_serial"),
    "Student Aid Application": ("notice_title", "approval_notice_serial"),
    "Birth Service Certificate": ("birth_certificate_title", "certificate_no"),
}


def is_printable(doctype: str, doc: dict) -> bool:
    """Approved or issued: the document is submitted (docstatus 1). A certificate also needs its serial."""
    spec = PRINTS.get(doctype)
    if not spec or int(doc.get("docstatus") or 0) != 1:
        return False
    return bool(doc.get(spec[1])) or spec[0] == "notice_title"  # a notice may print its own number


def _shown(source: str, doc: dict, page: Page) -> bool:
    """A field's depends_on, read as the form reads it: a field hidden on the form is not printed."""
    try:
        return bool(
            parse(source).evaluate(
                {
                    "doc": doc,
                    "settings": page.site.settings(),
                    "user": page.user,
                    "roles": sorted(page.roles),
                    "today": "",
                    "now": "",
                }
            )
        )
    except ExprError:
        return True


def serial_of(doctype: str, doc: dict) -> str:
    """The notice's serial field when the runtime set one, else the document's own gap-free number."""
    spec = PRINTS.get(doctype)
    return str((doc.get(spec[1]) if spec else None) or doc.get("name") or "")


def _date(page: Page, value: object) -> str:
    if not value:
        return ""
    return chinese_date(str(value)[:10]) if page.lang != "en" else str(value)[:10]


def verify_box(page: Page, doctype: str, doc: dict, printable: bool) -> dict[str, str] | None:
    """The QR code and verification code of a printed certificate or notice (issue 17 point 3):
    the QR holds `<base>/verify/<serial>?code=<code>`, base = Campaign Settings' verify_base_url,
    else the address this site was reached at."""
    spec = verify_rules.VERIFIABLE.get(doctype)
    serial = doc.get(spec.serial) if spec else None
    if not printable or not serial:
        return None
    code = runtime_verify.code_for(page.site, str(serial))
    base = str(page.site.settings().get("verify_base_url") or "").strip() or str(page.request.base_url)
    url = verify_rules.verify_url(base, str(serial), code)
    return {"code": verify_rules.printed_code(code), "url": url, "svg": verify_rules.qr_svg(url)}


def sheet(page: Page, doctype: str, name: str) -> dict:
    """What one printed certificate or notice shows (the print right checked, L4)."""
    session = page.session
    session.require_output(doctype, "print", name)  # the print right, not just read (L4)
    doc = session.get(doctype, name)
    meta = session.meta(doctype)
    title_key = PRINTS.get(doctype, ("notice_title", ""))[0]
    printable = is_printable(doctype, doc)
    printed = print_body.rows(page, meta, doc, lambda source: _shown(source, doc, page))
    workflow = page.site.project.workflow_for(doctype)
    state = doc.get(workflow.workflow_state_field) if workflow else None
    return {
        "doctype": doctype,
        "doc": doc,
        "title": page.t(title_key),
        "doctype_label": page.doctype_label(doctype),
        "serial": serial_of(doctype, doc),
        "lines": print_body.paired(printed),
        "printable": printable,
        "state_label": page.state_label(doctype, state),
        "office": print_body.office_name(page.site, page.lang),
        "issued_on": _date(page, doc.get("valid_from") or doc.get("issued_on") or doc.get("modified")),
        "valid_until": _date(page, doc.get("valid_until")),
        "verify": verify_box(page, doctype, doc, printable),
        "seal_position": verify_rules.seal_position(page.site.settings()),
    }


@router.get("/print/{dt}/{name}", response_class=HTMLResponse)
async def print_view(request: Request, dt: str, name: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        context = sheet(page, doctype_from_slug(page.site, dt), name)
        return render(page, "print.html", status_code=200 if context["printable"] else 409, **context)

    return await call(build)
