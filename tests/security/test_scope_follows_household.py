"""M3: scope follows the household (issue 12, point 4).

A household of V01 with members, a pregnancy record and applications of every kind moves to V02
(the township clerk edits its village). In the same transaction everything that took its village
from it moves too: V01's clerk then reaches none of it (not by get, list, count or search, and
no full ID number), V02's clerk reaches all of it, with the ID numbers in full. The household
then moves back, and it all comes back.
"""

from __future__ import annotations

from .conftest import CLERK, OTHER_CLERK, TOWNSHIP_CLERK, api_login, village_of

DOCTYPES = [
    "Person",
    "Pregnancy Record",
    "Subsidy Application",
    "Termination Certificate Application",
    "Student Aid Application",
]


def _records(site, household: str) -> dict[str, list[str]]:
    admin = site.session("Administrator")
    found = {}
    for doctype in DOCTYPES:
        rows = admin.get_list(doctype, fields=["name"], filters={"household": household}, limit_page_length=0)
        found[doctype] = [r["name"] for r in rows]
    return found


def _move(site, household: str, village: str) -> None:
    clerk = site.session(TOWNSHIP_CLERK)
    doc = clerk.get("Household", household)
    clerk.save({**doc, "village": village})


def _reaches(client, doctype: str, name: str) -> bool:
    got = client.get(f"/api/resource/{doctype}/{name}")
    listed = client.get(
        f"/api/resource/{doctype}", params={"filters": f'[["name", "=", "{name}"]]', "fields": '["name"]'}
    )
    assert listed.status_code == 200, listed.text
    assert (got.status_code == 200) == bool(listed.json()["data"]), (doctype, name)
    return got.status_code == 200


def _check(app, site, household: str, records: dict[str, list[str]], home: str, away: str) -> None:
    at_home, elsewhere = api_login(app, home), api_login(app, away)
    assert _reaches(at_home, "Household", household) and not _reaches(elsewhere, "Household", household)
    for doctype, names in records.items():
        for name in names:
            assert _reaches(at_home, doctype, name), (home, doctype, name)
            assert not _reaches(elsewhere, doctype, name), (away, doctype, name)
    admin = site.session("Administrator")
    for name in records["Person"]:
        full = admin.get("Person", name)["id_number"]
        if full:
            shown = at_home.get(f"/api/resource/Person/{name}").json()["data"]["id_number"]
            assert shown == full


def test_records_move_with_their_household_and_back(app, site):
    v01, v02 = village_of(site, CLERK), village_of(site, OTHER_CLERK)
    admin = site.session("Administrator")
    aided = {r["household"] for r in admin.get_list("Student Aid Application", fields=["household"])}
    household = sorted(
        r["name"]
        for r in admin.get_list("Household", fields=["name"], filters={"village": v01}, limit_page_length=0)
        if r["name"] in aided
    )[0]
    records = _records(site, household)
    assert all(records.values()), records  # a household with something of every kind
    _check(app, site, household, records, CLERK, OTHER_CLERK)
    _move(site, household, v02)
    try:
        for doctype, names in records.items():
            for name in names:
                assert admin.get(doctype, name)["village"] == v02, (doctype, name)
        _check(app, site, household, records, OTHER_CLERK, CLERK)
    finally:
        _move(site, household, v01)
    _check(app, site, household, records, CLERK, OTHER_CLERK)
    moved = site.db.scalar(
        "SELECT COUNT(*) FROM __audit_log WHERE action = 'scope_moved' AND user = ?", (TOWNSHIP_CLERK,)
    )
    assert moved >= 2 * len(DOCTYPES)
