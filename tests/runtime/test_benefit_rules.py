"""The benefits as the township's report states them (issue 11, point 7), on the real spec: the
honour household title with the one-time reward, the pension increase computed from the pension,
the +10 points for only children of either sex, dropout aid only for girls recorded as dropped
out (and enrolment clears that), and the fee waiver and insurance eligibility rules."""

from __future__ import annotations

import pytest
from workflow_support import EAST, REWARD_TO_APPROVED, act, walk

from townflow.runtime import errors

TO_EDUCATION_APPROVAL = [
    ("clerk.east", "Submit"),
    ("head.east", "Verify"),
    ("approver1", "Forward"),
    ("education", "Approve"),
]


def _admin(wsite):
    return wsite.session("Administrator")


def _set_settings(wsite, **values):
    admin = _admin(wsite)
    admin.save({**admin.get("Campaign Settings", "Campaign Settings"), **values})


def test_approving_the_one_time_reward_grants_the_honour_household_title_with_its_date(wsite, world):
    _set_settings(wsite, honour_household_title="计划生育光荣家庭")
    app = world.reward_application()
    household = _admin(wsite).get("Household", app["household"])
    assert not household["honour_household"]
    walk(wsite, app, REWARD_TO_APPROVED[:-1])
    assert not _admin(wsite).get("Household", app["household"])["honour_household"]  # not yet
    act(wsite, "approver2", app, "Issue Notice")
    granted = _admin(wsite).get("Household", app["household"])
    assert granted["honour_household"] == 1
    assert (
        granted["honour_granted_on"] == "2026-04-01"
    )  # the day of approval (the site's clock, after both notices)
    assert granted["honour_title"] == "计划生育光荣家庭"  # the title as Campaign Settings names it


def _pension_application(wsite, world, amount, pension=3000):
    household = world.household(EAST, only_child_certificate_no="DSZN-001")
    parent = world.person(
        household, relationship="Head", gender="Male", is_retired=1, retired_on="2025-12-01"
    )
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": parent["name"],
            "benefit_kind": "Pension Increase",
            "retired_on": "2025-12-01",
            "monthly_pension": pension,
            "amount": amount,
        }
    )


def test_the_pension_increase_is_the_declared_pension_times_the_policy_percentage(wsite, world):
    with pytest.raises(
        errors.ValidationError, match="monthly pension times the policy percentage"
    ) as refused:
        _pension_application(wsite, world, 900)  # 900 on a 3,000 pension, where 5% is 150
    assert refused.value.fields == ["amount"]
    assert _pension_application(wsite, world, 150)["amount"] == 150
    # the percentage is the one in Campaign Settings: at 6%, 150 is refused and 180 is right
    _set_settings(wsite, pension_increase_percent=6)
    with pytest.raises(errors.ValidationError, match="policy percentage"):
        _pension_application(wsite, world, 150)
    assert _pension_application(wsite, world, 180)["amount"] == 180


def test_the_pension_increase_is_for_retired_only_child_parents(wsite, world):
    household = world.household(EAST)  # no only-child certificate
    parent = world.person(household, relationship="Head", gender="Male")  # not retired
    with pytest.raises(errors.ValidationError) as refused:
        wsite.session("clerk.east").insert(
            {
                "doctype": "Subsidy Application",
                "household": household["name"],
                "applicant": parent["name"],
                "benefit_kind": "Pension Increase",
                "retired_on": "2025-12-01",
                "monthly_pension": 3000,
                "amount": 150,
            }
        )
    assert "only-child parents' certificate" in str(refused.value)
    assert "retired only-child parents" in str(refused.value)


def _bonus(student: dict, registration_no: str, points: int = 10) -> dict:
    """A senior-high admission bonus application for `student`."""
    return {
        "doctype": "Student Aid Application",
        "student": student["name"],
        "guardian_name": "张建国",
        "aid_kind": "Senior High Admission Bonus",
        "academic_year": "2026-2027",
        "school": "邹平一中",
        "grade": "高一",
        "exam_year": 2026,
        "exam_registration_no": registration_no,
        "bonus_points": points,
    }


def test_the_admission_bonus_goes_to_only_children_of_either_sex(wsite, world):
    clerk = wsite.session("clerk.east")
    for gender in ("Male", "Female"):
        household = world.household(EAST, children=())
        student = world.child(household, gender, is_only_child=1)
        app = clerk.insert(_bonus(student, f"ZK2026-{gender}"))
        assert app["student_gender"] == gender
    # a boy with a sibling is not an only child: refused
    household = world.household(EAST, children=("Female",))
    brother = world.child(household, "Male")
    with pytest.raises(errors.ValidationError, match="for only children"):
        clerk.insert(_bonus(brother, "ZK2026-0002"))


def test_the_bonus_points_are_the_policys(wsite, world):
    household = world.household(EAST, children=())
    student = world.child(household, "Male", is_only_child=1)
    doc = _bonus(student, "ZK2026-0003", points=20)
    with pytest.raises(errors.ValidationError, match="bonus points must be the policy") as refused:
        wsite.session("clerk.east").insert(doc)
    assert refused.value.fields == ["bonus_points"]
    _set_settings(wsite, admission_bonus_points=20)
    assert wsite.session("clerk.east").insert(doc)["bonus_points"] == 20


def test_university_aid_stays_for_girls(wsite, world):
    with pytest.raises(errors.ValidationError, match="for girls") as refused:
        world.student_aid(gender="Male")
    assert refused.value.fields == ["student"]


def _dropout_aid(wsite, student):
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Student Aid Application",
            "student": student["name"],
            "guardian_name": "张建国",
            "aid_kind": "Dropout Girl Returning to School",
            "academic_year": "2026-2027",
            "school": "高新中学",
            "grade": "初二",
            "amount": 800,
            "dropped_out_on": "2025-11-01",
            "dropout_reason": "家庭困难",
        }
    )


def test_dropout_aid_needs_the_girl_recorded_as_dropped_out_and_enrolment_clears_it(wsite, world):
    household = world.household(EAST, children=())
    girl = world.child(household, "Female")
    with pytest.raises(errors.ValidationError, match="recorded as dropped out") as refused:
        _dropout_aid(wsite, girl)
    assert refused.value.fields == ["student"]
    clerk = wsite.session("clerk.east")
    clerk.save({**clerk.get("Person", girl["name"]), "dropped_out": 1, "dropped_out_on": "2025-11-01"})
    app = _dropout_aid(wsite, girl)
    walk(wsite, app, TO_EDUCATION_APPROVAL)
    officer = wsite.session("education")
    officer.save({**officer.get(app["doctype"], app["name"]), "enrolled_on": "2026-03-02"})
    assert act(wsite, "education", app, "Confirm Enrolment")["workflow_state"] == "Enrolled"
    back = _admin(wsite).get("Person", girl["name"])
    assert (back["dropped_out"], back["dropped_out_on"], back["is_in_school"]) == (0, None, 1)
    assert (back["school"], back["grade"]) == ("高新中学", "初二")


def _fee_waiver(wsite, household, applicant, amount):
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": applicant["name"],
            "benefit_kind": "Fee Waiver",
            "hospital_name": "县人民医院",
            "treatment_date": "2026-02-20",
            "registration_fee": 10,
            "treatment_fees": 2000,
            "amount": amount,
        }
    )


def test_the_fee_waiver_is_the_registration_fee_plus_the_policy_share_of_treatment(wsite, world):
    household = world.household(EAST)
    person = world.person(household, relationship="Head")
    with pytest.raises(errors.ValidationError, match="cannot exceed the registration fee") as refused:
        _fee_waiver(wsite, household, person, 300)  # 10 + 10% of 2,000 = 210
    assert refused.value.fields == ["amount"]
    assert _fee_waiver(wsite, household, person, 210)["amount"] == 210
    _set_settings(wsite, hospital_fee_waiver_percent=20)
    assert _fee_waiver(wsite, household, person, 300)["amount"] == 300


def test_the_fee_waiver_is_for_girl_and_only_child_households(wsite, world):
    household = world.household(EAST, children=("Female", "Male"))  # two children with a boy
    person = world.person(household, relationship="Head")
    with pytest.raises(errors.ValidationError, match="girl and only-child households"):
        _fee_waiver(wsite, household, person, 100)


def test_the_insured_child_must_be_the_households_only_child(wsite, world):
    household = world.household(EAST, children=(), only_child_certificate_no="DSZN-002")
    parent = world.person(household, relationship="Head", gender="Male")
    child = world.child(household, "Male", is_only_child=0)
    doc = {
        "doctype": "Subsidy Application",
        "household": household["name"],
        "applicant": parent["name"],
        "benefit_kind": "Only-child Insurance",
        "insured_child": child["name"],
        "amount": 300,
    }
    clerk = wsite.session("clerk.east")
    with pytest.raises(errors.ValidationError, match="only child") as refused:
        clerk.insert(doc)
    assert refused.value.fields == ["insured_child"]
    clerk.save({**clerk.get("Person", child["name"]), "is_only_child": 1})
    assert clerk.insert(doc)["insured_child"] == child["name"]


def test_the_applicant_must_belong_to_the_household(wsite, world):
    household = world.household(EAST)
    stranger = world.person(world.household(EAST, head_name="李四"), relationship="Head")
    with pytest.raises(errors.ValidationError, match="must belong to the household") as refused:
        wsite.session("clerk.east").insert(
            {
                "doctype": "Subsidy Application",
                "household": household["name"],
                "applicant": stranger["name"],
                "benefit_kind": "One-time Reward",
                "amount": 1000,
                "one_girl_pledge": 1,
                "pledge_signed_on": "2026-02-01",
            }
        )
    assert "applicant" in refused.value.fields


@pytest.mark.parametrize(
    ("children", "entitled", "pledge"),
    [(("Female", "Female"), 1, 1), (("Female",), 0, 1), (("Female",), 1, 0)],
    ids=["two-girl household", "not entitled to a second child", "no pledge"],
)
def test_the_one_time_reward_is_for_one_girl_households_entitled_to_a_second_child_who_pledge(
    wsite, world, children, entitled, pledge
):
    household = world.household(EAST, children=children, second_child_entitled=entitled)
    head = world.person(household, relationship="Head")
    with pytest.raises(errors.ValidationError, match="needs all three"):
        wsite.session("clerk.east").insert(
            {
                "doctype": "Subsidy Application",
                "household": household["name"],
                "applicant": head["name"],
                "benefit_kind": "One-time Reward",
                "amount": 1000,
                "one_girl_pledge": pledge,
                "pledge_signed_on": "2026-02-01",
            }
        )


def _only_child_bonus(wsite, student, **values):
    return wsite.session("clerk.east").insert(
        {
            "doctype": "Student Aid Application",
            "student": student["name"],
            "guardian_name": "张建国",
            "aid_kind": "Senior High Admission Bonus",
            "academic_year": "2026-2027",
            "school": "邹平一中",
            "grade": "高一",
            "exam_year": 2026,
            "exam_registration_no": "ZK2026-0100",
            "bonus_points": 10,
            **values,
        }
    )


def test_the_admission_bonus_is_granted_once(wsite, world):
    student = world.child(world.household(EAST, children=()), "Male", is_only_child=1)
    first = _only_child_bonus(wsite, student)
    second = _only_child_bonus(wsite, student, academic_year="2027-2028")  # filed while the first is a draft
    walk(wsite, first, TO_EDUCATION_APPROVAL)
    with pytest.raises(errors.ValidationError, match="granted once") as refused:
        act(wsite, "clerk.east", second, "Submit")
    assert refused.value.fields == ["aid_kind"]


def test_university_aid_is_once_an_academic_year_and_has_an_amount(wsite, world):
    with pytest.raises(errors.ValidationError, match="Enter the amount of aid") as refused:
        world.student_aid(amount=0)
    assert "amount" in refused.value.fields
    first = world.student_aid()
    student = _admin(wsite).get("Person", first["student"])
    walk(wsite, first, TO_EDUCATION_APPROVAL)
    again = {k: v for k, v in first.items() if k not in ("name", "workflow_state", "department")}
    with pytest.raises(errors.ValidationError, match="already been funded this academic year"):
        wsite.session("clerk.east").insert({**again, "student": student["name"]})
    next_year = wsite.session("clerk.east").insert({**again, "academic_year": "2026-2027"})
    assert next_year["academic_year"] == "2026-2027"


def test_a_person_is_born_in_the_past_and_not_both_in_school_and_dropped_out(wsite, world):
    household = world.household(EAST, children=())
    with pytest.raises(errors.ValidationError, match="cannot be in the future") as refused:
        world.child(household, "Female", date_of_birth="2026-03-03")
    assert refused.value.fields == ["date_of_birth"]
    with pytest.raises(errors.ValidationError, match="both in school and dropped out") as refused:
        world.child(household, "Female", is_in_school=1, school="高新中学", dropped_out=1)
    assert set(refused.value.fields) == {"is_in_school", "dropped_out"}
