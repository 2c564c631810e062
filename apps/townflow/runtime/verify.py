"""Public verification of printed certificates and notices in the embedded runtime (issue 17 point 3).

- `code_for(site, serial)`: the verification code printed beside the serial (townflow.rules.verify).
- `lookup(site, serial, code, today)`: the public facts of the paper, or None ("not found") for
  an unknown serial, a paper never issued, or a wrong code. The code is checked the same way
  whether the serial exists or not (the HMAC is computed and compared in constant time either way),
  so the answer's timing says nothing about which serials exist.

The secret is `<site>/verify.key` (32 random bytes, hex, mode 0600), made on first use; a site
that loses it reprints its papers' codes (the serials stay).
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from townflow.rules import verify as rules
from townflow.runtime.db import quote

KEY_FILE = "verify.key"


def secret(site: Any) -> bytes:
    cached = getattr(site, "_verify_secret", None)
    if cached is not None:
        return cached
    path = Path(site.path) / KEY_FILE
    try:
        value = bytes.fromhex(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            value = bytes.fromhex(path.read_text(encoding="utf-8").strip())
        else:
            value = secrets.token_bytes(32)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(value.hex())
    site._verify_secret = value
    return value


def code_for(site: Any, serial: str) -> str:
    return rules.verification_code(secret(site), serial)


def township_full_name(site: Any) -> str:
    if not site.metas.exists("Township"):
        return ""
    row = site.db.fetchone('SELECT township_name, full_name FROM "tabTownship" ORDER BY name LIMIT 1')
    return (row["full_name"] or row["township_name"]) if row else ""


def office(site: Any, lang: str = "zh") -> str:
    return rules.office_name(site.settings(), township_full_name(site), lang)


def find(site: Any, serial: str) -> tuple[str, dict] | None:
    """The issued document whose serial is `serial` (serial fields are unique, so indexed).
    Every register is asked, found or not, so the time taken does not tell which one holds it."""
    found = None
    for doctype, spec in rules.VERIFIABLE.items():
        if not site.metas.exists(doctype):
            continue
        meta = site.metas.get(doctype)
        if spec.serial not in meta.column_set:
            continue
        row = site.db.fetchone(f"SELECT * FROM {meta.table} WHERE {quote(spec.serial)} = ?", (serial,))
        if row is not None and found is None:
            found = doctype, dict(row)
    return found


def _facility_name(site: Any, doctype: str, doc: dict) -> str | None:
    spec = rules.VERIFIABLE[doctype]
    if not spec.facility or not doc.get(spec.facility) or not site.metas.exists("Designated Facility"):
        return None
    row = site.db.fetchone(
        'SELECT facility_name FROM "tabDesignated Facility" WHERE name = ?', (doc[spec.facility],)
    )
    return row["facility_name"] if row and row["facility_name"] else None


def lookup(site: Any, serial: Any, code: Any, today: date, lang: str = "zh") -> dict[str, Any] | None:
    """The public facts of the paper numbered `serial` whose code is `code`, else None."""
    serial = serial.strip()[:64] if isinstance(serial, str) else ""
    matches = rules.code_matches(secret(site), serial, code)  # computed for every serial alike
    found = find(site, serial) if serial else None
    if found is None or not matches:
        return None
    doctype, doc = found
    return rules.public_facts(doctype, doc, today, office(site, lang), _facility_name(site, doctype, doc))
