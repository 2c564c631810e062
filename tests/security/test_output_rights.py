"""L4 and L1: print, export and report are rights of their own; a write's answer is a read.

The print page used to need only read: a Township Clerk (read, report; no print) printed
approval notices. Every print, export and report path now asks the one check
(`Session.require_output` -> `Permissions.output_allowed`). And an insert or save answers the
document, sensitive fields in full for a role that reads them: that answer is audited as a
sensitive read, naming who wrote (issue 12, points 5 and 7).
"""

from __future__ import annotations

import pytest

from townflow.runtime.errors import PermissionError

from .conftest import CLERK, HEAD, OTHER_CLERK, TOWNSHIP_CLERK, api_login, one, page_login, village_of

NOTICE = "Subsidy Application"


def test_printing_needs_the_print_right(app, site):
    application = one(site, NOTICE, village=village_of(site, CLERK), docstatus=1)["name"]
    path = f"/print/subsidy-application/{application}"
    assert page_login(app, CLERK).get(path).status_code in (200, 409)  # Village Clerk: print
    assert page_login(app, TOWNSHIP_CLERK).get(path).status_code == 403  # read and report only
    assert page_login(app, OTHER_CLERK).get(path).status_code == 404  # not even readable
    denied = site.db.scalar(
        "SELECT COUNT(*) FROM __audit_log WHERE action = 'denied' AND user = ? AND ref_name = ? "
        "AND data LIKE '%print%'",
        (TOWNSHIP_CLERK, application),
    )
    assert denied >= 1


def test_export_and_report_lists_need_their_rights(site):
    township = site.session(TOWNSHIP_CLERK)  # Subsidy Application: read, report; no export
    assert township.get_list(NOTICE, fields=["name"], ptype="report")
    with pytest.raises(PermissionError):
        township.get_list(NOTICE, fields=["name"], ptype="export")
    head = site.session(HEAD)  # read, print; no report
    with pytest.raises(PermissionError):
        head.get_list(NOTICE, fields=["name"], ptype="report")
    assert site.session("approver@demo").get_list(NOTICE, fields=["name"], ptype="export")


def _sensitive_reads(site, user: str, name: str) -> int:
    return site.db.scalar(
        "SELECT COUNT(*) FROM __audit_log WHERE action = 'sensitive_read' AND user = ? AND ref_name = ?",
        (user, name),
    )


def test_a_write_that_echoes_an_id_number_is_audited(app, site):
    clerk = api_login(app, CLERK)
    person = one(
        site, "Person", ["name", "id_number"], village=village_of(site, CLERK), id_number=["is", "set"]
    )
    before = _sensitive_reads(site, CLERK, person["name"])
    answer = clerk.put(f"/api/resource/Person/{person['name']}", json={"current_address": "一组 8 号"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["id_number"] == person["id_number"]  # the clerk reads it in full
    assert _sensitive_reads(site, CLERK, person["name"]) == before + 1
