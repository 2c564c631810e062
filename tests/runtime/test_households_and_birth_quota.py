"""Households derive what they can (issue 11, point 8) and the birth quota is honoured (point 3):
the birth service certificate (生育服务证) workflow, refused while the quota is suspended, named
by pregnancy records, and the township's logged act that lifts a suspension."""

from __future__ import annotations

import pytest
from workflow_support import EAST, WEST, act, state, walk

from townflow.runtime import errors, workflow

TO_ISSUED = [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]


def _admin(wsite):
    return wsite.session("Administrator")


# --- households -----------------------------------------------------------------------------


def test_the_household_type_and_counts_follow_the_members_registered_as_children(wsite, world):
    household = world.household(EAST, children=())
    assert (household["household_type"], household["number_of_children"]) == ("Childless", 0)
    daughter = world.child(household, "Female")
    stored = _admin(wsite).get("Household", household["name"])
    assert (stored["household_type"], stored["is_girl_household"]) == ("One-girl", 1)
    son = world.child(household, "Male")
    stored = _admin(wsite).get("Household", household["name"])
    assert stored["household_type"] == "Two-child"
    assert (stored["number_of_children"], stored["number_of_daughters"], stored["is_girl_household"]) == (
        2,
        1,
        0,
    )
    world.child(household, "Female")
    assert _admin(wsite).get("Household", household["name"])["household_type"] == "Multi-child"
    # a member removed, or no longer registered as a child, is counted out again
    _admin(wsite).delete("Person", son["name"])
    assert _admin(wsite).get("Household", household["name"])["household_type"] == "Two-girl"
    clerk = wsite.session("clerk.east")
    clerk.save({**clerk.get("Person", daughter["name"]), "relationship": "Other"})
    assert _admin(wsite).get("Household", household["name"])["household_type"] == "One-girl"


def test_what_the_form_says_does_not_override_the_members(wsite, world):
    household = world.household(EAST, children=("Male",))  # a one-child (boy) household
    clerk = wsite.session("clerk.east")
    saved = clerk.save(
        {**household, "household_type": "One-girl", "is_girl_household": 1, "number_of_daughters": 1}
    )
    assert (saved["household_type"], saved["is_girl_household"], saved["number_of_daughters"]) == (
        "One-child",
        0,
        0,
    )


def test_a_person_moving_to_another_household_is_counted_in_the_new_one_only(wsite, world):
    first = world.household(EAST, children=("Female",))
    second = world.household(EAST, children=())
    girl = wsite.session("clerk.east").get_list(
        "Person", fields=["name"], filters={"household": first["name"]}
    )
    clerk = wsite.session("clerk.east")
    clerk.save({**clerk.get("Person", girl[0]["name"]), "household": second["name"]})
    assert _admin(wsite).get("Household", first["name"])["household_type"] == "Childless"
    assert _admin(wsite).get("Household", second["name"])["household_type"] == "One-girl"


def test_a_son_registered_as_a_daughter_is_refused(wsite, world):
    household = world.household(EAST, children=())
    with pytest.raises(errors.ValidationError, match="disagree") as refused:
        world.person(household, gender="Male", relationship="Daughter")
    assert set(refused.value.fields) == {"relationship", "gender"}


def test_a_one_girl_household_that_gets_a_son_loses_the_girl_household_benefits(wsite, world):
    household = world.household(EAST)  # one daughter: a one-girl household
    app = world.reward_application(household)
    act(wsite, "clerk.east", app, "Submit")
    world.child(household, "Male")  # a son is born and registered
    with pytest.raises(errors.ValidationError, match="girl households only"):
        act(wsite, "head.east", app, "Verify")  # eligibility reads the computed type at every step
    assert state(wsite, app) == "Pending Village Verification"


# --- birth service certificates (生育服务证) -------------------------------------------------


def _certificate_application(wsite, world, household=None):
    household = household or world.household(EAST)
    mother = world.person(household)  # the head's wife
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Birth Service Certificate",
            "household": household["name"],
            "mother": mother["name"],
            "father_name": "张建国",
            "child_order": "Second Child",
            "reason": "符合生育二孩政策",
        }
    )


def test_the_township_approves_and_numbers_the_certificate_with_its_validity(wsite, world):
    app = _certificate_application(wsite, world)
    act(wsite, "clerk.east", app, "Submit")
    # the village head of the household's village verifies, not another village's
    with pytest.raises((errors.PermissionError, errors.DoesNotExistError, errors.ValidationError)):
        act(wsite, "head.west", app, "Verify")
    act(wsite, "head.east", app, "Verify")
    assert state(wsite, app) == "Pending Township Approval"
    with pytest.raises(errors.ValidationError, match="Not a valid Workflow Action"):
        act(wsite, "head.east", app, "Approve")
    issued = act(wsite, "approver1", app, "Approve")
    assert (issued["workflow_state"], issued["docstatus"]) == ("Issued", 1)
    assert issued["certificate_no"] == "SYZ-2026-00001"
    assert (issued["issued_on"], issued["valid_until"]) == ("2026-03-02", "2027-03-01")  # 365 days
    second = walk(wsite, _certificate_application(wsite, world), TO_ISSUED)
    assert second["certificate_no"] == "SYZ-2026-00002"


def test_the_validity_is_the_one_in_campaign_settings(wsite, world):
    admin = _admin(wsite)
    admin.save(
        {**admin.get("Campaign Settings", "Campaign Settings"), "birth_certificate_validity_days": 180}
    )
    issued = walk(wsite, _certificate_application(wsite, world), TO_ISSUED)
    assert issued["valid_until"] == "2026-08-28"


def _suspend(wsite, household):
    """A termination without a certificate, as the facility reports it: the quota is suspended."""
    person = wsite.session("Administrator").get_list(
        "Person", fields=["name"], filters={"household": household["name"], "relationship": "Spouse"}
    )[0]
    facility = wsite.session("facility")
    report = facility.insert(
        {
            "doctype": "Termination Report",
            "facility": "高新街道卫生院",
            "person": person["name"],
            "operation_date": wsite.now().date().isoformat(),
            "procedure": "Medical Abortion",
            "gestational_weeks": 10,
            "surgeon": "刘医生",
            "reason": "未持证",
            "maternal_condition": "Good",
        }
    )
    facility.submit(report)
    assert _admin(wsite).get("Household", household["name"])["birth_quota_status"] == "Suspended"


def test_no_certificate_for_a_household_whose_quota_is_suspended(wsite, world):
    household = world.household(EAST)
    pending = _certificate_application(wsite, world, household)
    act(wsite, "clerk.east", pending, "Submit")
    _suspend(wsite, household)
    # neither a new application nor the one already under way goes through
    with pytest.raises(errors.ValidationError, match="birth quota is suspended") as refused:
        _certificate_application(wsite, world, household)
    assert refused.value.fields == ["household"]
    with pytest.raises(errors.ValidationError, match="birth quota is suspended"):
        act(wsite, "head.east", pending, "Verify")
    assert state(wsite, pending) == "Pending Village Verification"


def _pregnancy(wsite, world, household, certificate_no):
    mother = world.person(household, full_name="王丽")
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Pregnancy Record",
            "person": mother["name"],
            "responsible_visitor": "王敏",
            "registered_on": "2026-03-02",
            "lmp_date": "2026-01-10",
            "outcome": "Ongoing",
            "birth_service_certificate_no": certificate_no,
        }
    )


def test_a_pregnancy_records_certificate_number_names_a_valid_certificate_of_its_household(wsite, world):
    household = world.household(EAST)
    issued = walk(wsite, _certificate_application(wsite, world, household), TO_ISSUED)
    with pytest.raises(errors.ValidationError, match="birth service certificate number") as refused:
        _pregnancy(wsite, world, household, "SYZ-2026-09999")  # no such certificate
    assert refused.value.fields == ["birth_service_certificate_no"]
    other = world.household(EAST, head_name="李四")
    with pytest.raises(errors.ValidationError, match="birth service certificate number"):
        _pregnancy(wsite, world, other, issued["certificate_no"])  # another household's
    pending = _certificate_application(wsite, world, household)
    with pytest.raises(errors.ValidationError, match="birth service certificate number"):
        _pregnancy(wsite, world, household, pending["certificate_no"] or "SYSQ-PENDING")
    record = _pregnancy(wsite, world, household, issued["certificate_no"])
    assert record["birth_service_certificate_no"] == "SYZ-2026-00001"
    # a revoked certificate is no longer valid
    act(wsite, "approver1", issued, "Revoke", "当事人放弃生育")
    with pytest.raises(errors.ValidationError, match="birth service certificate number"):
        _pregnancy(wsite, world, household, issued["certificate_no"])


def _restoration(wsite, household, reason="经核实，该户终止妊娠已于事前获批，属登记错误"):
    return wsite.session("tclerk").insert(
        {"doctype": "Birth Quota Restoration", "household": household["name"], "reason": reason}
    )


def test_lifting_a_suspension_is_a_township_act_with_a_reason_and_is_logged(wsite, world):
    household = world.household(EAST)
    world.person(household)
    with pytest.raises(errors.ValidationError, match="not suspended"):
        _restoration(wsite, household)  # nothing to lift
    _suspend(wsite, household)
    # the household's quota cannot be set back by hand: the field is the system's
    clerk = wsite.session("clerk.east")
    saved = clerk.save({**clerk.get("Household", household["name"]), "birth_quota_status": "Active"})
    assert saved["birth_quota_status"] == "Suspended"
    # village staff cannot propose it; a reason is required
    with pytest.raises(errors.PermissionError):
        clerk.insert(
            {"doctype": "Birth Quota Restoration", "household": household["name"], "reason": "请恢复"}
        )
    with pytest.raises(errors.ValidationError) as missing:
        _restoration(wsite, household, reason="")
    assert "reason" in missing.value.fields
    decision = _restoration(wsite, household)
    act(wsite, "tclerk", decision, "Submit")
    with pytest.raises(errors.MandatoryError, match="comment is required"):
        act(wsite, "approver1", decision, "Approve")
    act(wsite, "approver1", decision, "Approve", "同意恢复生育指标")
    stored = _admin(wsite).get("Household", household["name"])
    assert stored["birth_quota_status"] == "Active"
    assert (stored["quota_restored_on"], stored["quota_restored_by"]) == ("2026-03-02", decision["name"])
    # logged: the decision's timeline, the household's version history and the audit chain
    history = workflow.timeline(wsite.session("approver1"), decision["doctype"], decision["name"])
    assert [(a["action"], a["user"]) for a in history["actions"]][-2:] == [
        ("Submit", "tclerk"),
        ("Approve", "approver1"),
    ]
    changes = [v["data"] for v in _admin(wsite).versions("Household", household["name"])]
    assert any(["birth_quota_status", "Suspended", "Active"] in d["changed"] for d in changes)
    assert wsite.audit.verify().ok
    # and a certificate can be issued again
    issued = walk(wsite, _certificate_application(wsite, world, household), TO_ISSUED)
    assert issued["workflow_state"] == "Issued"


def test_the_west_clerk_does_not_see_the_east_certificates(wsite, world):
    app = _certificate_application(wsite, world)
    with pytest.raises(errors.DoesNotExistError):
        wsite.session("clerk.west").get(app["doctype"], app["name"])
    assert WEST != EAST


def test_the_mother_is_a_woman_of_the_household(wsite, world):
    household = world.household(EAST)
    stranger = world.person(world.household(EAST, head_name="李四"))
    with pytest.raises(errors.ValidationError, match="woman of the household") as refused:
        wsite.session("clerk.east").insert(
            {
                "doctype": "Birth Service Certificate",
                "household": household["name"],
                "mother": stranger["name"],
                "father_name": "张建国",
                "child_order": "Second Child",
            }
        )
    assert refused.value.fields == ["mother"]


def test_a_restoration_gives_a_real_reason(wsite, world):
    household = world.household(EAST)
    world.person(household)
    _suspend(wsite, household)
    with pytest.raises(errors.ValidationError, match="Give the reason") as refused:
        _restoration(wsite, household, reason="恢复")
    assert refused.value.fields == ["reason"]
