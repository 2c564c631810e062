"""Certificates and notices anyone can verify (issue 17 point 3): the pure part both runtimes share.

A printed termination certificate (引产凭证), birth service certificate (生育服务证) or approval
notice (审批通知书) carries its serial, a short verification code and a QR code of
`<base>/verify/<serial>?code=<code>`. The public page at that address says only:

- the status: valid (有效), used (已使用), expired (已过期) or revoked (已撤销);
- the serial, the issuing office, the facility (a certificate's designated facility), the
  validity dates.

Nothing personal (no name, ID number, village or amount). An unknown serial and a wrong code get
the same "not found" answer, so the page cannot be used to list serials: the code is an HMAC of
the serial under the site's secret (the embedded site's `verify.key`, the Frappe site's
encryption key), 8 characters of Crockford base32 (no I, L, O, U), printed as `XXXX-XXXX`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

#: Crockford's base32: no I, L, O or U, so a code read off paper is typed without confusion
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
STATUSES = ("valid", "used", "expired", "revoked")

#: what the public page may show, and nothing else
PUBLIC_KEYS = ("status", "serial", "kind", "office", "facility", "valid_from", "valid_until")


@dataclass(frozen=True)
class Verifiable:
    """Where a DocType keeps what its verification page shows."""

    doctype: str
    kind: str  # certificate / birth_certificate / notice
    serial: str
    valid_from: str | None = None
    valid_until: str | None = None
    facility: str | None = None
    #: workflow states that mean the paper was used / revoked / expired
    used_states: tuple[str, ...] = ()
    revoked_states: tuple[str, ...] = ("Revoked",)
    expired_states: tuple[str, ...] = ("Expired",)
    #: the field holding a certificate's own status (Unused / Used / Expired / Revoked), if any
    status_field: str | None = None


VERIFIABLE: dict[str, Verifiable] = {
    v.doctype: v
    for v in (
        Verifiable(
            "Termination Certificate Application",
            "certificate",
            serial="certificate_serial",
            valid_from="valid_from",
            valid_until="valid_until",
            facility="facility",
            used_states=("Used",),
            status_field="certificate_status",
        ),
        Verifiable(
            "Birth Service Certificate",
            "birth_certificate",
            serial="certificate_no",
            valid_from="issued_on",
            valid_until="valid_until",
        ),
        Verifiable(
            "Subsidy Application",
            "notice",
            serial="approval_notice_serial",
            facility="surgery_facility",
            used_states=("Disbursed", "Granted"),
        ),
        Verifiable(
            "Student Aid Application",
            "notice",
            serial="approval_notice_serial",
            used_states=("Paid", "Enrolled"),
        ),
    )
}

_STATUS_OF_FIELD = {"Unused": "valid", "Used": "used", "Expired": "expired", "Revoked": "revoked"}


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def status(
    doctype: str, doc: Mapping[str, Any], today: date, state_field: str = "workflow_state"
) -> str | None:
    """The paper's status on `today`, or None when it was never issued (a draft, a rejected
    application, a serial-less document: the page answers "not found")."""
    spec = VERIFIABLE.get(doctype)
    if spec is None or not doc.get(spec.serial):
        return None
    docstatus = int(doc.get("docstatus") or 0)
    if docstatus == 2:
        return "revoked"  # cancelled
    if docstatus != 1:
        return None
    state = doc.get(state_field)
    if spec.status_field and doc.get(spec.status_field) in _STATUS_OF_FIELD:
        found = _STATUS_OF_FIELD[doc[spec.status_field]]
    elif state in spec.revoked_states:
        found = "revoked"
    elif state in spec.used_states:
        found = "used"
    elif state in spec.expired_states:
        found = "expired"
    else:
        found = "valid"
    until = _as_date(doc.get(spec.valid_until)) if spec.valid_until else None
    if found == "valid" and until is not None and until < today:
        return "expired"  # past its last day, before `tick` moved it
    return found


def verification_code(secret: bytes, serial: str) -> str:
    """The code printed beside the serial: 8 base32 characters of HMAC-SHA256(secret, serial)."""
    digest = hmac.new(secret, serial.encode("utf-8"), hashlib.sha256).digest()
    number = int.from_bytes(digest[:5], "big")  # 40 bits = 8 characters of 5 bits
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def normalize_code(text: Any) -> str:
    """What the user typed, as a code: upper case, separators dropped, O->0, I/L->1 (Crockford)."""
    if not isinstance(text, str):
        return ""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))[:32]


def code_matches(secret: bytes, serial: str, given: Any) -> bool:
    """Constant-time comparison of the typed code with the serial's code."""
    expected = verification_code(secret, serial)
    return hmac.compare_digest(expected.encode(), normalize_code(given).encode())


def printed_code(code: str) -> str:
    """`7KQ2M9XD` -> `7KQ2-M9XD`."""
    return f"{code[:4]}-{code[4:]}"


def verify_path(serial: str, code: str) -> str:
    return f"/verify/{quote(serial, safe='')}?code={code}"


def verify_url(base_url: str, serial: str, code: str) -> str:
    """What the QR code holds: the public page of this serial with its code."""
    return base_url.rstrip("/") + verify_path(serial, code)


def public_facts(
    doctype: str, doc: Mapping[str, Any], today: date, office: str, facility_name: str | None = None
) -> dict[str, Any] | None:
    """Everything the public page shows, and nothing else; None for "not found"."""
    spec = VERIFIABLE.get(doctype)
    found = status(doctype, doc, today) if spec else None
    if spec is None or found is None:
        return None
    facility = facility_name or (doc.get(spec.facility) if spec.facility else None)
    return {
        "status": found,
        "serial": str(doc.get(spec.serial)),
        "kind": spec.kind,
        "office": office,
        "facility": facility or "",
        "valid_from": str(doc.get(spec.valid_from) or "")[:10] if spec.valid_from else "",
        "valid_until": str(doc.get(spec.valid_until) or "")[:10] if spec.valid_until else "",
    }


def qr_svg(payload: str, scale: int = 3) -> str:
    """The QR code of `payload` as an inline SVG (segno, error correction M)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make_qr(payload, error="m").save(out, kind="svg", scale=scale, xmldecl=False, svgns=True, border=2)
    return out.getvalue().decode("utf-8")


def office_name(settings: Mapping[str, Any], township_full_name: str = "", lang: str = "zh") -> str:
    """The issuing office printed on the paper and shown on the page: Campaign Settings'
    print_township_name, else the Township record's full name, + its family-planning office."""
    township = str(settings.get("print_township_name") or township_full_name or "").strip()
    if lang == "en":
        return f"{township} Family Planning Office".strip()
    return f"{township}计划生育办公室" if township else "计划生育办公室"


#: Campaign Settings' seal_position -> the print's CSS class (seal-right / seal-centre / seal-left)
SEAL_POSITIONS = {"Bottom Right": "right", "Bottom Centre": "centre", "Bottom Left": "left"}


def seal_position(settings: Mapping[str, Any]) -> str:
    return SEAL_POSITIONS.get(str(settings.get("seal_position") or ""), "right")
