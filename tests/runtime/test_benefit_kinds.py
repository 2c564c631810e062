"""The benefits and departments the report names beyond the first six kinds (issue 11, point 10),
written in the spec only: each kind's eligibility, the department its application is routed to,
and that department's role — whose officers alone see and approve it."""

from __future__ import annotations

import pytest
from workflow_support import EAST, act, pass_notice, state

from townflow.runtime import errors

#: kind -> (the state it is routed to, department, officer, extra fields)
ROUTES = {
    "Industry and Commerce Priority": (
        "Pending Industry and Commerce Review",
        "工商所",
        "commerce",
        {"business_name": "农家早餐铺", "priority_item": "Market Stall", "amount": 0},
    ),
    "Tax Reduction Priority": (
        "Pending Tax Review",
        "税务所",
        "tax",
        {"business_name": "农家早餐铺", "tax_item": "增值税", "amount": 0},
    ),
    "Student Loan": (
        "Pending Finance Review",
        "财政所",
        "finance",
        {"school_name": "山东大学", "amount": 6000},
    ),
    "Only-child Family Reward": (
        "Pending Family Planning Office Review",
        "计生办",
        "fpo",
        {"benefit_year": 2026, "amount": 120},
    ),
    "Free Health Check": (
        "Pending Family Planning Office Review",
        "计生办",
        "fpo",
        {"benefit_year": 2026, "amount": 0},
    ),
    "Free Family-planning Surgery": (
        "Pending Health Review",
        "卫生办",
        "health",
        {"surgery_kind": "IUD Insertion", "surgery_facility": "高新街道卫生院", "amount": 0},
    ),
}
OFFICERS = {"commerce", "tax", "finance", "fpo", "health", "civil", "education", "hr"}


def _application(wsite, world, kind, household=None, **values):
    household = household or world.household(EAST, only_child_certificate_no="DSZN-010")
    head = world.person(household, relationship="Head", gender="Male", marital_status="Married")
    extra = dict(ROUTES[kind][3])
    if kind == "Student Loan":
        student = world.child(household, "Female", full_name="张大学", is_in_school=1, school="山东大学")
        extra["student"] = student["name"]
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": head["name"],
            "benefit_kind": kind,
            **extra,
            **values,
        }
    )


@pytest.mark.parametrize("kind", sorted(ROUTES))
def test_each_kind_is_routed_to_its_department_whose_officers_alone_approve_it(wsite, world, kind):
    target, department, officer, _ = ROUTES[kind]
    app = _application(wsite, world, kind)
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    pass_notice(wsite, "head.east", app)
    routed = act(wsite, "approver1", app, "Forward")
    assert (routed["workflow_state"], routed["department"]) == (target, department)
    for other in OFFICERS - {officer}:
        with pytest.raises((errors.DoesNotExistError, errors.PermissionError)):
            wsite.session(other).get(app["doctype"], app["name"])
    act(wsite, officer, app, "Approve")
    pass_notice(wsite, "approver1", app)
    approved = act(wsite, "approver2", app, "Issue Notice")
    assert approved["workflow_state"] == "Approved"
    closing = "Confirm Granted" if not approved["amount"] else None
    if closing:  # a benefit in kind: nothing to pay, finance confirms it was granted
        assert act(wsite, "finance", app, closing)["workflow_state"] == "Granted"


def test_business_and_loan_priorities_are_for_girl_households(wsite, world):
    boys = world.household(EAST, children=("Male",))
    for kind in ("Industry and Commerce Priority", "Tax Reduction Priority"):
        with pytest.raises(errors.ValidationError, match="girl households only"):
            _application(wsite, world, kind, household=boys)


def test_a_student_loan_is_for_a_child_of_the_household_in_school(wsite, world):
    household = world.household(EAST)
    head = world.person(household, relationship="Head", gender="Male")
    not_in_school = world.child(household, "Female", full_name="张二")
    with pytest.raises(errors.ValidationError, match="in school") as refused:
        wsite.session("clerk.east").insert(
            {
                "doctype": "Subsidy Application",
                "household": household["name"],
                "applicant": head["name"],
                "benefit_kind": "Student Loan",
                "student": not_in_school["name"],
                "school_name": "山东大学",
                "amount": 6000,
            }
        )
    assert "student" in refused.value.fields


def test_the_only_child_family_reward_needs_the_certificate_and_comes_once_a_year(wsite, world):
    without = world.household(EAST)
    with pytest.raises(errors.ValidationError, match="only-child parents' certificate"):
        _application(wsite, world, "Only-child Family Reward", household=without)
    household = world.household(EAST, only_child_certificate_no="DSZN-011")
    _application(wsite, world, "Only-child Family Reward", household=household)
    with pytest.raises(errors.ValidationError, match="this year's only-child family reward"):
        _application(wsite, world, "Only-child Family Reward", household=household)
    assert _application(wsite, world, "Only-child Family Reward", household=household, benefit_year=2027)


def test_the_free_health_check_is_once_a_year_per_person(wsite, world):
    household = world.household(EAST)
    first = _application(wsite, world, "Free Health Check", household=household)
    with pytest.raises(errors.ValidationError, match="once a year per person"):
        wsite.session("clerk.east").insert({**first, "name": None, "workflow_state": None})
    boys = world.household(EAST, children=("Male", "Male"))  # neither girls nor a certificate
    with pytest.raises(errors.ValidationError, match="girl and only-child households"):
        _application(wsite, world, "Free Health Check", household=boys)


def test_free_surgery_is_for_rural_married_couples(wsite, world):
    urban = world.household(EAST, residence_type="Urban")
    with pytest.raises(errors.ValidationError, match="rural married couples"):
        _application(wsite, world, "Free Family-planning Surgery", household=urban)
    app = _application(wsite, world, "Free Family-planning Surgery")
    assert state(wsite, app) == "Draft"


def test_benefits_in_kind_carry_no_amount(wsite, world):
    with pytest.raises(errors.ValidationError, match="its amount is 0") as refused:
        _application(wsite, world, "Free Health Check", amount=300)
    assert refused.value.fields == ["amount"]
