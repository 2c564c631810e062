"""M1: a masked ID number cannot be rebuilt from what the role reads (issue 12, point 2).

An 18-character resident ID number is region code + date of birth + three sequence digits (the
last odd for men, even for women) + a check character. The attacker here is generous to herself:
she knows the region codes of the record's village (a clerk learns them from every number she
files), tries every date she can read on the record and on the linked person (or every date since
1900 when none is shown), and the gender's parity. For every
masked ID number every role reads, at least two numbers must fit what she sees.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from townflow.rules.validators import id_number_check_char

ROLE_USERS = [
    "head.v01@demo",
    "township.clerk@demo",
    "leader1@demo",
    "civil@demo",
    "education@demo",
    "finance@demo",
    "hr@demo",
    "facility@demo",
]


def _regions(site, village: str | None) -> set[str]:
    sql = 'SELECT DISTINCT substr(id_number, 1, 6) AS r FROM "tabPerson" WHERE id_number IS NOT NULL'
    rows = site.db.fetchall(sql + (" AND village = ?" if village else ""), (village,) if village else ())
    return {r["r"] for r in rows}


def _dates(doc: dict) -> set[date]:
    found = set()
    for value in doc.values():
        if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
            try:
                found.add(date.fromisoformat(value[:10]))
            except ValueError:
                continue
    return found


def _candidates(masked: str, regions: set[str], dates: set[date] | None, gender: str | None) -> int:
    """How many valid ID numbers fit `masked` (stops counting at 2)."""
    days = dates or {
        date(1900, 1, 1) + timedelta(days=i) for i in range((date.today() - date(1900, 1, 1)).days)
    }
    count = 0
    for region in sorted(regions):
        for born in sorted(days):
            for seq in range(1000):
                if (gender == "Female" and seq % 2) or (gender == "Male" and not seq % 2):
                    continue
                first17 = f"{region}{born:%Y%m%d}{seq:03d}"
                number = first17 + id_number_check_char(first17)
                if all(m == "*" or m == c for m, c in zip(masked, number, strict=True)):
                    count += 1
                    if count >= 2:
                        return count
    return count


def _masked_id_fields(site, session, meta) -> list[str]:
    levels = site.perms.readable_levels(meta, session.ctx)
    return [
        f.fieldname
        for f in meta.value_fields
        if f.sensitive and f.mask == "id_number" and f.permlevel not in levels and 0 in levels
    ]


@pytest.mark.parametrize("user", ROLE_USERS)
def test_no_masked_id_number_can_be_rebuilt(site, user):
    session = site.session(user)
    checked = 0
    for meta in site.metas.all():
        if meta.istable or meta.issingle or not site.perms.has(meta, session.ctx, "read"):
            continue
        fields = _masked_id_fields(site, session, meta)
        if not fields:
            continue
        for row in session.get_list(meta.name, fields=["name"], limit_page_length=0)[:40]:
            doc = session.get(meta.name, row["name"])
            seen = _dates(doc)
            gender = doc.get("gender") or doc.get("student_gender")
            for f in meta.value_fields:  # what the role reads of the linked person too
                if f.fieldtype == "Link" and f.options == "Person" and doc.get(f.fieldname):
                    if not session.can_see(site.metas.get("Person"), doc[f.fieldname]):
                        continue
                    person = session.get("Person", doc[f.fieldname])
                    seen |= _dates(person)
                    gender = gender or person.get("gender")
            for fieldname in fields:
                masked = doc.get(fieldname)
                if not masked:
                    continue
                assert "*" in masked, (user, meta.name, fieldname)
                checked += 1
                regions = _regions(site, doc.get("village"))
                assert _candidates(masked, regions, seen or None, gender) >= 2, (user, meta.name, doc["name"])
    if user == "head.v01@demo":
        assert checked > 10  # the village head reads her village's persons with masked numbers
