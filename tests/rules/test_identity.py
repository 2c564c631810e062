"""The date of birth and gender an ID number gives: filled in, and a contradiction refused."""

from __future__ import annotations

from townflow.rules.identity import fill_from_id_number, id_number_disagreements, id_number_facts
from townflow.rules.validators import id_number_check_char


def _id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


DAUGHTER = _id("42010120080305002")  # born 2008-03-05, 17th digit 2: female
SON = _id("42010119900101001")  # born 1990-01-01, 17th digit 1: male


def test_facts_from_a_valid_number() -> None:
    assert id_number_facts(DAUGHTER) == {"date_of_birth": "2008-03-05", "gender": "Female"}
    assert id_number_facts(SON) == {"date_of_birth": "1990-01-01", "gender": "Male"}
    wrong_check = DAUGHTER[:17] + ("0" if DAUGHTER[17] != "0" else "1")
    assert id_number_facts(wrong_check) is None
    assert id_number_facts("123") is None
    assert id_number_facts(None) is None


def test_only_empty_fields_are_filled() -> None:
    assert fill_from_id_number({"id_number": DAUGHTER}) == {"date_of_birth": "2008-03-05", "gender": "Female"}
    assert fill_from_id_number({"id_number": DAUGHTER, "gender": "Female"}) == {"date_of_birth": "2008-03-05"}


def test_a_daughter_saved_as_male_with_another_birthday_is_refused_on_both_fields() -> None:
    found = id_number_disagreements({"id_number": DAUGHTER, "gender": "Male", "date_of_birth": "2008-05-03"})
    fields = {field: zh for field, _en, zh in found}
    assert set(fields) == {"gender", "date_of_birth"}
    assert "2008年3月5日" in fields["date_of_birth"]
    assert "女" in fields["gender"]
    assert (
        id_number_disagreements({"id_number": DAUGHTER, "gender": "Female", "date_of_birth": "2008-03-05"})
        == []
    )


def test_girl_household_follows_the_household_type() -> None:
    from townflow.rules.derived import derived_values

    assert derived_values("Household", {"household_type": "One-girl"}) == {"is_girl_household": 1}
    assert derived_values("Household", {"household_type": "Two-girl", "is_girl_household": 0}) == {
        "is_girl_household": 1
    }
    assert derived_values("Household", {"household_type": "One-child", "is_girl_household": 1}) == {
        "is_girl_household": 0
    }
    assert derived_values("Person", {"household_type": "One-girl"}) == {}
