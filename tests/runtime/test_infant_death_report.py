"""Infant death reports (婴儿死亡报告, issue 11.4) on the real project: a facility files them for
its own facility; the township sees every report; a village sees its own and no other; the
dates and the birth they refer to are checked."""

from __future__ import annotations

import pytest
import workflow_support as support
from workflow_support import EAST, WEST

from townflow.runtime import errors

ADMIN = "Administrator"
DOCTYPE = "Infant Death Report"


def _report(mother: dict, **values) -> dict:
    return {
        "doctype": DOCTYPE,
        "facility": support.FACILITY,
        "reported_by": "刘医生",
        "mother": mother["name"],
        "infant_sex": "Female",
        "date_of_birth": "2026-01-10",
        "date_of_death": "2026-02-20",
        "place_of_death": "Facility",
        "cause_of_death": "新生儿肺炎",
        **values,
    }


@pytest.fixture
def mothers(world):
    return {
        EAST: world.person(world.household(EAST)),
        WEST: world.person(world.household(WEST), full_name="赵敏"),
    }


def test_the_facility_files_and_the_township_and_own_village_see_it(wsite, mothers):
    facility = wsite.session("facility")
    east = facility.insert(_report(mothers[EAST]))
    west = facility.insert(_report(mothers[WEST], infant_sex="Male"))
    assert (east["village"], east["reported_on"]) == (EAST, "2026-03-02")
    for township in ("tclerk", "approver1", "leader1", "health"):
        names = {r["name"] for r in wsite.session(township).get_list(DOCTYPE)}
        assert names == {east["name"], west["name"]}, township
    for user, own, other in (("clerk.east", east, west), ("head.west", west, east)):
        session = wsite.session(user)
        assert [r["name"] for r in session.get_list(DOCTYPE)] == [own["name"]]
        with pytest.raises(errors.DoesNotExistError):
            session.get(DOCTYPE, other["name"])
    # the cause of death is shown to the village masked (sensitive, permlevel 1)
    assert wsite.session("clerk.east").get(DOCTYPE, east["name"])["cause_of_death"] != "新生儿肺炎"
    assert wsite.session("approver1").get(DOCTYPE, east["name"])["cause_of_death"] == "新生儿肺炎"


def test_only_a_facility_files_and_only_for_itself(wsite, mothers):
    with pytest.raises(errors.PermissionError):
        wsite.session("clerk.east").insert(_report(mothers[EAST]))
    with pytest.raises(errors.PermissionError):
        wsite.session("approver1").insert(_report(mothers[EAST]))
    with pytest.raises((errors.PermissionError, errors.LinkValidationError)):
        wsite.session("facility").insert(_report(mothers[EAST], facility="高新街道计划生育服务站"))
    assert wsite.session(ADMIN).get_count(DOCTYPE) == 0


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"date_of_death": "2026-01-09"}, "date_of_death", "cannot precede the date of birth"),
        (
            {"date_of_birth": "2025-01-10", "date_of_death": "2026-02-20"},
            "date_of_death",
            "before the first birthday",
        ),
        ({"date_of_death": "2026-03-05"}, "date_of_death", "after the day it is reported"),
    ],
    ids=["before-birth", "over-a-year", "after-the-report"],
)
def test_the_dates_are_checked(wsite, mothers, values, field, words):
    with pytest.raises(errors.ValidationError) as refused:
        wsite.session("facility").insert(_report(mothers[EAST], **values))
    assert refused.value.fields == [field]
    assert words in str(refused.value)


def test_the_birth_named_must_be_the_mothers_live_birth_on_that_day(wsite, world, mothers):
    record = world.pregnancy(mothers[EAST])
    clerk = wsite.session("clerk.east")
    fresh = clerk.get("Pregnancy Record", record["name"])
    clerk.save({**fresh, "outcome": "Live Birth", "outcome_date": "2026-01-10", "newborn_sex": "Female"})
    facility = wsite.session("facility")
    with pytest.raises(errors.ValidationError) as refused:
        facility.insert(_report(mothers[EAST], pregnancy_record=record["name"], date_of_birth="2026-01-11"))
    assert refused.value.fields == ["pregnancy_record"]
    with pytest.raises(errors.ValidationError):
        facility.insert(_report(mothers[WEST], pregnancy_record=record["name"]))
    assert (
        facility.insert(_report(mothers[EAST], pregnancy_record=record["name"]))["pregnancy_record"]
        == record["name"]
    )


def test_the_mother_must_be_a_woman(wsite, world):
    father = world.person(world.household(EAST), full_name="张建国", gender="Male", relationship="Head")
    with pytest.raises(errors.ValidationError) as refused:
        wsite.session("facility").insert(_report(father))
    assert refused.value.fields == ["mother"]
