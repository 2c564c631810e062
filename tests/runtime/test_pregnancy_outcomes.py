"""Every pregnancy has an outcome and every report date is checked (issue 11.4, 11.6), on the real
project: a submitted termination report closes its pregnancy record in the same transaction; a
procedure dated after the filing or before the certificate's issue is refused; a report filed
after the certificate expired, for an operation inside its validity, is flagged for the township."""

from __future__ import annotations

from datetime import timedelta

import pregnancy_support as ps
import pytest
import workflow_support as support
from workflow_support import EAST

from townflow.runtime import errors

ADMIN = "Administrator"


def issue(wsite, world):
    return ps.issue(wsite, world, weeks=10)


def report(wsite, certificate=None, person=None, operation_date=None, submit=True, **values):
    """The facility's report of a procedure (today unless `operation_date`), submitted."""
    if person:
        values["person"] = person["name"]
    if operation_date:
        values["operation_date"] = operation_date
    facility = wsite.session("facility")
    draft = facility.insert(ps.termination_report(wsite, certificate, **values))
    return facility.submit(draft) if submit else draft


def test_a_termination_report_closes_the_certificates_pregnancy_record(wsite, world, wclock):
    cert = issue(wsite, world)
    wclock.advance(days=2)
    done = report(wsite, cert)
    assert done["pregnancy_record"] == cert["pregnancy_record"]  # taken from the certificate
    record = wsite.session(ADMIN).get("Pregnancy Record", cert["pregnancy_record"])
    assert record["outcome"] == "Termination"
    assert record["outcome_date"] == done["operation_date"]
    assert record["outcome_reason"] == "避孕失败，本人自愿"
    assert record["outcome_facility"] == support.FACILITY
    assert (record["termination_report"], record["termination_certificate"]) == (done["name"], cert["name"])


def test_a_report_without_a_certificate_closes_the_womans_ongoing_record(wsite, world):
    person = world.person(world.household(EAST))
    record = world.pregnancy(person)
    done = report(wsite, person=person)
    closed = wsite.session(ADMIN).get("Pregnancy Record", record["name"])
    assert (closed["outcome"], closed["termination_report"]) == ("Termination", done["name"])
    assert done["birth_quota_suspended"]  # and the quota rule still holds


def test_closing_the_record_is_part_of_the_submission(wsite, world):
    """A failure after the record is closed rolls the submission back: the record stays Ongoing."""
    cert = issue(wsite, world)
    draft = report(wsite, cert, submit=False)

    def broken(event):
        raise errors.ValidationError("disk full", "磁盘已满")

    wsite.hooks.register("Termination Report", "on_submit", broken)
    facility = wsite.session("facility")
    with pytest.raises(errors.ValidationError, match="disk full"):
        facility.submit(facility.get("Termination Report", draft["name"]))
    record = wsite.session(ADMIN).get("Pregnancy Record", cert["pregnancy_record"])
    assert record["outcome"] == "Ongoing"
    assert wsite.session(ADMIN).get("Termination Report", draft["name"])["docstatus"] == 0


def test_a_live_birth_records_the_newborns_sex_with_the_date_of_birth(wsite, world):
    record = world.pregnancy(world.person(world.household(EAST)))
    clerk = wsite.session("clerk.east")
    fresh = clerk.get("Pregnancy Record", record["name"])
    with pytest.raises(errors.MandatoryError) as refused:
        clerk.save({**fresh, "outcome": "Live Birth", "outcome_date": "2026-02-28"})
    assert refused.value.fields == ["newborn_sex"]
    born = clerk.save(
        {**fresh, "outcome": "Live Birth", "outcome_date": "2026-02-28", "newborn_sex": "Female"}
    )
    assert (born["outcome_date"], born["newborn_sex"]) == ("2026-02-28", "Female")


def test_a_procedure_dated_after_the_filing_is_refused(wsite, world):
    person = world.person(world.household(EAST))
    tomorrow = (wsite.now().date() + timedelta(days=1)).isoformat()
    with pytest.raises(errors.ValidationError) as refused:
        report(wsite, person=person, operation_date=tomorrow)
    assert "operation_date" in refused.value.fields
    assert "after the day the report is filed" in str(refused.value)


def test_a_procedure_dated_before_the_certificate_was_issued_is_refused(wsite, world, wclock):
    cert = issue(wsite, world)  # issued 2026-03-02
    wclock.advance(days=1)
    with pytest.raises(errors.ValidationError) as refused:
        report(wsite, cert, operation_date="2026-03-01")
    assert refused.value.fields == ["operation_date"]
    assert "before the certificate was issued" in str(refused.value)
    assert report(wsite, cert, operation_date="2026-03-02")["certificate_check"] == "Valid Certificate"


def test_a_report_filed_after_expiry_for_an_operation_in_time_is_flagged_for_the_township(
    wsite, world, wclock
):
    cert = issue(wsite, world)  # valid 2026-03-02 .. 2026-03-31
    wclock.advance(days=35)
    assert wsite.tick(wclock.now)["expired"] == 1
    late = report(wsite, cert, operation_date="2026-03-20")
    assert late["filed_after_expiry"] == 1
    assert late["certificate_check"] == "Valid Certificate"
    assert not late["birth_quota_suspended"]  # not treated as a termination without a certificate
    # the township sees it in its list, filtered on the flag
    flagged = wsite.session("approver1").get_list(
        "Termination Report", fields=["name", "filed_after_expiry"], filters={"filed_after_expiry": 1}
    )
    assert [r["name"] for r in flagged] == [late["name"]]
    # ... and in every Township Approver's inbox (抄送), not in anyone else's
    from townflow.runtime import inbox

    for user, copied in (("approver1", True), ("approver2", True), ("tclerk", False), ("clerk.east", False)):
        page = inbox.inbox(wsite.session(user), tab="cc", doctype="Termination Report", limit_page_length=50)
        names = [(i["reference_name"], i["workflow_state"]) for i in page["items"]]
        assert names == ([(late["name"], "Filed After Expiry")] if copied else []), user
    on_time = report(wsite, issue(wsite, world), operation_date=wsite.now().date().isoformat())
    assert on_time["filed_after_expiry"] == 0
    page = inbox.inbox(
        wsite.session("approver1"), tab="cc", doctype="Termination Report", limit_page_length=50
    )
    assert on_time["name"] not in [i["reference_name"] for i in page["items"]]


def test_an_operation_after_the_validity_is_still_without_a_valid_certificate(wsite, world, wclock):
    cert = issue(wsite, world)
    wclock.advance(days=35)
    done = report(wsite, cert, operation_date=wsite.now().date().isoformat())
    assert (done["certificate_check"], done["filed_after_expiry"]) == ("Invalid Certificate", 0)
    assert done["birth_quota_suspended"]


def test_a_termination_report_closes_the_records_open_visit_work(wsite, world, wclock):
    """The pregnancy's visit to-dos (townflow.runtime.monitoring) end with it."""
    from townflow.runtime import inbox

    def work(user: str) -> list[str]:
        page = inbox.inbox(wsite.session(user), tab="todo", doctype="Pregnancy Record", limit_page_length=100)
        return [i["reference_name"] for i in page["items"]]

    person = world.person(world.household(EAST))
    record = world.pregnancy(person)
    wclock.advance(days=40)
    wsite.tick(wclock.now)
    assert record["name"] in work("clerk.east")
    report(wsite, person=person)
    assert record["name"] not in work("clerk.east") and record["name"] not in work("tclerk")


def test_the_filing_date_is_the_day_of_filing_not_what_the_facility_sends(wsite, world, wclock):
    cert = issue(wsite, world)  # valid 2026-03-02 .. 2026-03-31
    wclock.advance(days=35)
    late = report(wsite, cert, operation_date="2026-03-20", reported_on="2026-03-25")
    assert late["reported_on"] == "2026-04-06"
    assert late["filed_after_expiry"] == 1


def test_the_township_opens_the_late_report_from_its_inbox_page(wsite, world, wclock):
    from fastapi.testclient import TestClient

    from townflow.web.app import create_app

    cert = issue(wsite, world)
    wclock.advance(days=35)
    late = report(wsite, cert, operation_date="2026-03-20")
    wsite.users.set_password("approver1", "review-pass")
    client = TestClient(create_app(wsite))
    login = client.post("/login", data={"usr": "approver1", "pwd": "review-pass"}, follow_redirects=False)
    assert login.status_code == 303
    page = client.get("/inbox?tab=cc")
    assert page.status_code == 200
    assert f"/app/termination-report/{late['name']}" in page.text
    assert client.get(f"/app/termination-report/{late['name']}").status_code == 200
