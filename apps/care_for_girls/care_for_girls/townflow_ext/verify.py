"""Certificates anyone can verify, in the Frappe app (issue 17 point 3); the decisions are
townflow.rules.verify, shared with the embedded runtime.

- `care_for_girls_verify_box(doc)`: a Jinja method (hooks `jinja`) the Print Formats call: the
  issuing office, the seal's side (Campaign Settings), and for an issued paper its verification
  code, the URL of /verify/<serial> and that URL's QR code (segno, inline SVG).
- `public_context(serial, code)`: what the guest page www/verify shows: the status, serial,
  office, facility and validity, or "not found" alike for an unknown serial and a wrong code;
  at most VERIFY_PER_MINUTE lookups per client address a minute (frappe.cache counter).
- `download_pdf(doctype, names)`: one PDF of the selected documents' Print Format, rendered by
  weasyprint (Debian's Noto CJK fonts), each document through frappe's print permission.

The secret is the site's encryption key (frappe.utils.password.get_encryption_key).
"""

from __future__ import annotations

import json
from typing import Any

import frappe

from townflow.rules import verify as rules

from . import spec

VERIFY_PER_MINUTE = 30
MAX_BATCH = 200


def _secret() -> bytes:
    from frappe.utils.password import get_encryption_key

    return get_encryption_key().encode("utf-8")


def _township_full_name() -> str:
    rows = frappe.get_all("Township", fields=["township_name", "full_name"], limit=1)
    return (rows[0].get("full_name") or rows[0].get("township_name")) if rows else ""


def _office() -> str:
    return rules.office_name(spec.settings(), _township_full_name(), "zh")


def care_for_girls_verify_box(doc: Any) -> dict[str, Any]:
    """The Print Format's verification box for `doc` (empty code before the paper is issued)."""
    settings = spec.settings()
    box: dict[str, Any] = {
        "office": _office(),
        "seal_position": rules.seal_position(settings),
        "code": "",
        "url": "",
        "svg": "",
    }
    verifiable = rules.VERIFIABLE.get(doc.doctype)
    serial = doc.get(verifiable.serial) if verifiable else None
    if not serial or int(doc.get("docstatus") or 0) != 1:
        return box
    code = rules.verification_code(_secret(), str(serial))
    base = str(settings.get("verify_base_url") or "").strip() or frappe.utils.get_url()
    url = rules.verify_url(base, str(serial), code)
    box.update(code=rules.printed_code(code), url=url, svg=rules.qr_svg(url))
    return box


def _throttled() -> bool:
    address = getattr(frappe.local, "request_ip", None) or "unknown"
    key = f"care_for_girls:verify:{address}"
    cache = frappe.cache()
    count = cache.incrby(key, 1)
    if count == 1:
        cache.expire(key, 60)
    return count > VERIFY_PER_MINUTE


def _find(serial: str) -> tuple[str, dict] | None:
    for doctype, verifiable in rules.VERIFIABLE.items():
        if not frappe.db.exists("DocType", doctype):
            continue
        rows = frappe.get_all(doctype, filters={verifiable.serial: serial}, fields=["*"], limit=1)
        if rows:
            return doctype, dict(rows[0])
    return None


def lookup(serial: Any, code: Any) -> dict[str, Any] | None:
    """The public facts of the paper, or None ("not found")."""
    serial = serial.strip()[:64] if isinstance(serial, str) else ""
    matches = rules.code_matches(_secret(), serial, code)  # computed for every serial alike
    found = _find(serial) if serial else None
    if found is None or not matches:
        return None
    doctype, doc = found
    today = frappe.utils.getdate()
    return rules.public_facts(doctype, doc, today, _office())


_LABELS = {
    "valid": "有效 Valid",
    "used": "已使用 Used",
    "expired": "已过期 Expired",
    "revoked": "已撤销 Revoked",
}


def public_context(serial: Any, code: Any) -> dict[str, Any]:
    """The guest page's context; sets the HTTP status (404 not found, 429 throttled)."""
    serial_text = serial[:64] if isinstance(serial, str) else ""
    if not serial_text or not (isinstance(code, str) and code.strip()):
        return {"serial": serial_text, "facts": None, "asked": False}
    if _throttled():
        frappe.local.response["http_status_code"] = 429
        return {"serial": serial_text, "facts": None, "asked": True, "too_many": True}
    facts = lookup(serial_text, code)
    if facts is None:
        frappe.local.response["http_status_code"] = 404
        return {"serial": serial_text, "facts": None, "asked": True}
    return {"serial": serial_text, "facts": facts, "asked": True, "status_label": _LABELS[facts["status"]]}


def print_format_name(doctype: str) -> str:
    """The standard Print Format `townflow build` writes for a verifiable DocType."""
    return f"{doctype} Print"


@frappe.whitelist()
def download_pdf(doctype: str, names: Any) -> None:
    """The selected documents' Print Format as one PDF (weasyprint), a page each; every
    document is checked for the print right first."""
    from weasyprint import HTML  # loads pango: only when a PDF is asked for

    if doctype not in rules.VERIFIABLE:
        frappe.throw(f"doctype: {doctype} has no certificate or notice to print", frappe.ValidationError)
    if isinstance(names, str):
        names = json.loads(names) if names.strip().startswith("[") else [names]
    names = [n for n in dict.fromkeys(names or []) if isinstance(n, str) and n]
    if not names or len(names) > MAX_BATCH:
        frappe.throw(f"names: select 1 to {MAX_BATCH} documents, not {len(names)}", frappe.ValidationError)
    pages = []
    for name in names:
        doc = frappe.get_doc(doctype, name)
        doc.check_permission("print")
        pages.append(frappe.get_print(doctype, name, print_format=print_format_name(doctype), doc=doc))
    style = ".tf-page { break-after: page; } .tf-page:last-child { break-after: auto; }"
    body = "".join(f'<div class="tf-page">{page}</div>' for page in pages)
    html = f'<html><head><meta charset="utf-8"><style>{style}</style></head><body>{body}</body></html>'
    frappe.local.response.filename = f"{doctype.replace(' ', '-').lower()}-{len(pages)}.pdf"
    frappe.local.response.filecontent = HTML(string=html, base_url=frappe.utils.get_url()).write_pdf()
    frappe.local.response.type = "pdf"
