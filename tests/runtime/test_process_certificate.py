"""凭证引产 end to end on the real project: village clerk -> village head -> township approver
(-> health -> leaders' countersign above the week threshold) -> Issued with serial and validity
-> the facility's report marks it used; every refusal a wrong role, village or state must get."""

from __future__ import annotations

import pytest
import workflow_support as support
from workflow_support import EAST, act, state

from townflow.runtime import errors, workflow

# the real project's site and people (see workflow_support)


def test_below_the_threshold_the_certificate_is_issued_by_the_township(wsite, world):
    app = world.certificate_application(EAST, weeks=10)
    assert app["workflow_state"] == "Draft"
    act(wsite, "clerk.east", app, "Submit")
    assert state(wsite, app) == "Pending Village Verification"
    act(wsite, "head.east", app, "Verify")
    assert state(wsite, app) == "Pending Township Approval"
    issued = act(wsite, "approver1", app, "Approve")
    assert issued["workflow_state"] == "Issued"
    assert issued["docstatus"] == 1
    assert issued["certificate_status"] == "Unused"
    assert issued["certificate_serial"] == "YC-2026-00001"
    assert (issued["valid_from"], issued["valid_until"]) == ("2026-03-02", "2026-03-31")


def test_above_the_threshold_health_reviews_and_every_leader_countersigns(wsite, world):
    app = world.certificate_application(EAST, weeks=16)
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    act(wsite, "approver1", app, "Approve")
    assert state(wsite, app) == "Pending Health Review"
    # the health department sees it now, routed to it; the finance office has no access at all
    assert wsite.session("health").get(app["doctype"], app["name"])["department"] == "卫生办"
    with pytest.raises(errors.PermissionError):
        wsite.session("finance").get(app["doctype"], app["name"])
    act(wsite, "health", app, "Approve")
    assert state(wsite, app) == "Pending Leader Countersign"
    after_one = act(wsite, "leader1", app, "Countersign")
    assert after_one["workflow_state"] == "Pending Leader Countersign"
    with pytest.raises(errors.ValidationError, match="already approved"):
        act(wsite, "leader1", app, "Countersign")
    issued = act(wsite, "leader2", app, "Countersign")
    assert issued["workflow_state"] == "Issued"
    assert issued["certificate_serial"] == "YC-2026-00001"


def test_one_leader_rejecting_ends_the_countersign(wsite, world):
    app = world.certificate_application(EAST, weeks=20)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    act(wsite, "health", app, "Approve")
    act(wsite, "leader1", app, "Countersign")
    with pytest.raises(errors.MandatoryError, match="comment is required"):
        act(wsite, "leader2", app, "Reject")
    act(wsite, "leader2", app, "Reject", "孕周过大，请补充医学证明")
    assert state(wsite, app) == "Rejected"


def test_wrong_role_wrong_village_and_wrong_state_are_refused(wsite, world):
    app = world.certificate_application(EAST)
    # nobody but the village clerk submits
    with pytest.raises(errors.ValidationError, match="Not a valid Workflow Action"):
        act(wsite, "head.east", app, "Submit")
    act(wsite, "clerk.east", app, "Submit")
    # the head of another village does not even see it
    with pytest.raises(errors.DoesNotExistError):
        act(wsite, "head.west", app, "Verify")
    # a township approver cannot act before the village head
    with pytest.raises(errors.ValidationError, match="Not a valid Workflow Action"):
        act(wsite, "approver1", app, "Approve")
    # the clerk cannot verify her own application
    with pytest.raises(errors.ValidationError, match="Not a valid Workflow Action"):
        act(wsite, "clerk.east", app, "Verify")
    # nor move the state by saving the form
    clerk = wsite.session("clerk.east")
    fresh = clerk.get(app["doctype"], app["name"])
    with pytest.raises(errors.ValidationError, match="transition not allowed"):
        clerk.save({**fresh, "workflow_state": "Issued"})
    assert state(wsite, app) == "Pending Village Verification"


def test_the_village_head_of_the_documents_own_village_gets_the_todo(wsite, world):
    app = world.certificate_application(EAST)
    act(wsite, "clerk.east", app, "Submit")
    todo_users = {
        r["user"]
        for r in workflow.timeline(wsite.session("clerk.east"), app["doctype"], app["name"])["expected"]
    }
    assert todo_users == {"head.east", "deputy.east"}


def test_a_stale_copy_conflicts_and_changes_nothing(wsite, world):
    app = world.certificate_application(EAST)
    clerk = wsite.session("clerk.east")
    stale = clerk.get(app["doctype"], app["name"])
    workflow.apply_workflow(clerk, stale, "Submit")
    head = wsite.session("head.east")
    with pytest.raises(errors.TimestampMismatchError):
        workflow.apply_workflow(head, stale, "Verify")
    assert state(wsite, app) == "Pending Village Verification"


def test_the_facility_sees_the_certificate_once_issued_not_the_application(wsite, world):
    """The Facility Officer's rows name the workflow states Issued and later (spec
    workflow_states): the chosen facility learns nothing of an application in progress."""
    app = world.certificate_application(EAST, weeks=10)
    facility = wsite.session("facility")
    for user, action in [(None, None), ("clerk.east", "Submit"), ("head.east", "Verify")]:
        if user:
            act(wsite, user, app, action)
        with pytest.raises(errors.DoesNotExistError):
            facility.get(app["doctype"], app["name"])
        assert facility.get_count(app["doctype"], {"name": app["name"]}) == 0
    act(wsite, "approver1", app, "Approve")
    issued = facility.get(app["doctype"], app["name"])
    assert issued["workflow_state"] == "Issued"
    assert issued["reason"] == "避孕失败，本人自愿申请"  # permlevel 1, once issued
    assert [r["name"] for r in facility.get_list(app["doctype"], filters={"name": app["name"]})] == [
        app["name"]
    ]


def issue(wsite, world, village=EAST):
    app = world.certificate_application(village, weeks=10)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    return wsite.session("Administrator").get(app["doctype"], app["name"])


def report(wsite, certificate=None, person=None):
    doc = {
        "doctype": "Termination Report",
        "facility": support.FACILITY,
        "operation_date": wsite.now().date().isoformat(),
        "procedure": "Medical Abortion",
        "gestational_weeks": 10,
        "surgeon": "刘医生",
        "reason": "凭证引产",
        "maternal_condition": "Good",
    }
    if certificate:
        doc["certificate"] = certificate["name"]
    if person:
        doc["person"] = person["name"]
    facility = wsite.session("facility")
    return facility.submit(facility.insert(doc))


def test_a_report_with_a_valid_certificate_uses_it(wsite, world, wclock):
    cert = issue(wsite, world)
    wclock.advance(days=3)
    done = report(wsite, cert)
    assert done["certificate_check"] == "Valid Certificate"
    assert not done["birth_quota_suspended"]
    used = wsite.session("Administrator").get(cert["doctype"], cert["name"])
    assert (used["workflow_state"], used["certificate_status"]) == ("Used", "Used")
    assert used["termination_report"] == done["name"]


def test_a_report_without_a_certificate_suspends_the_households_birth_quota(wsite, world):
    household = world.household(EAST)
    person = world.person(household)
    done = report(wsite, person=person)
    assert done["certificate_check"] == "No Certificate"
    assert done["birth_quota_suspended"]
    stored = wsite.session("Administrator").get("Household", household["name"])
    assert stored["birth_quota_status"] == "Suspended"
    assert stored["quota_suspended_by"] == done["name"]


def test_unused_certificates_expire_on_tick_once(wsite, world, wclock):
    cert = issue(wsite, world)
    wclock.advance(days=29)
    assert wsite.tick(wclock.now)["expired"] == 0
    wclock.advance(days=2)
    assert wsite.tick(wclock.now)["expired"] == 1
    assert wsite.tick(wclock.now)["expired"] == 0
    expired = wsite.session("Administrator").get(cert["doctype"], cert["name"])
    assert (expired["workflow_state"], expired["certificate_status"]) == ("Expired", "Expired")


def test_serial_numbers_follow_each_other(wsite, world):
    first, second = issue(wsite, world), issue(wsite, world)
    assert [first["certificate_serial"], second["certificate_serial"]] == ["YC-2026-00001", "YC-2026-00002"]
