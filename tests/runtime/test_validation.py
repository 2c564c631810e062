"""Validation: every offending field named at once, in both languages, and nothing written."""

from __future__ import annotations

import pytest

from townflow.rules.masking import mask
from townflow.rules.validators import cn_id_number, cn_mobile, id_number_check_char
from townflow.runtime.errors import LinkValidationError, MandatoryError, ValidationError


def test_one_error_names_every_bad_field(admin, people):
    bad = {
        "doctype": "Person",
        "household": people["h1"]["name"],
        "gender": "Unknown",
        "age": "old",
        "id_number": "110105194912310021",
        "mobile": "12345",
        "born_on": "2026-02-30",
        "postcode": "abc",
        "is_migrant": 1,
    }
    with pytest.raises(ValidationError) as err:
        admin.insert(bad)
    assert set(err.value.fields) == {
        "full_name",
        "gender",
        "age",
        "id_number",
        "mobile",
        "born_on",
        "postcode",
        "registered_residence",
    }
    assert err.value.http_status == 417
    by_field = {m.field: m for m in err.value.messages}
    assert "mandatory" in by_field["full_name"].en and "必填" in by_field["full_name"].zh
    assert "check digit" in by_field["id_number"].en
    assert admin.get_count("Person") == 2  # nothing written


def test_missing_values_alone_are_a_mandatory_error(admin):
    with pytest.raises(MandatoryError) as err:
        admin.insert({"doctype": "Household"})
    assert err.value.fields == ["village", "head_name"]
    assert err.value.exc_type == "MandatoryError"


def test_link_must_exist(admin):
    with pytest.raises(LinkValidationError) as err:
        admin.insert({"doctype": "Household", "village": "Nowhere", "head_name": "x"})
    assert err.value.fields == ["village"]


def test_min_max_and_non_negative(admin, people):
    with pytest.raises(ValidationError) as err:
        admin.insert({"doctype": "Household", "village": "V1", "head_name": "x", "members": -1})
    assert err.value.fields == ["members"]
    with pytest.raises(ValidationError) as err:
        admin.insert({"doctype": "Application", "household": people["h1"]["name"], "amount": 5001})
    assert err.value.fields == ["amount"]


def test_unique_is_checked_across_documents(admin, people):
    with pytest.raises(ValidationError) as err:
        admin.insert(
            {
                "doctype": "Person",
                "household": people["h2"]["name"],
                "full_name": "copy",
                "gender": "Male",
                "id_number": "11010519491231002x",  # lower-case x is the same number
            }
        )
    assert err.value.fields == ["id_number"]
    assert err.value.exc_type == "UniqueValidationError"


def test_length_is_checked(admin):
    with pytest.raises(ValidationError) as err:
        admin.insert({"doctype": "Village", "village_name": "V9", "code": "123456"})
    assert err.value.fields == ["code"]


def test_child_rows_are_validated_and_named_by_row(admin, people):
    with pytest.raises(ValidationError) as err:
        admin.insert(
            {
                "doctype": "Application",
                "household": people["h1"]["name"],
                "items": [{"item": "ok"}, {"qty": "x"}],
            }
        )
    assert set(err.value.fields) == {"items[2].item", "items[2].qty"}


def test_rule_with_exists_ignores_the_document_itself(admin, people):
    hh = people["h1"]["name"]
    first = admin.insert({"doctype": "Application", "household": hh, "kind": "One-time", "amount": 1000})
    first["amount"] = 900
    admin.save(first)  # the rule must not see the document being saved as its own duplicate
    with pytest.raises(ValidationError) as err:
        admin.insert({"doctype": "Application", "household": hh, "kind": "One-time", "amount": 1000})
    assert err.value.fields == ["kind"]
    assert "once" in str(err.value)
    admin.insert({"doctype": "Application", "household": people["h2"]["name"], "kind": "One-time"})


def test_select_accepts_only_its_options_and_dates_are_normalized(admin, people):
    p = admin.insert(
        {
            "doctype": "Person",
            "household": people["h1"]["name"],
            "full_name": "李娜",
            "gender": "Female",
            "born_on": "2001-02-03",
            "is_migrant": "true",
            "registered_residence": "邹平县",
        }
    )
    assert (p["born_on"], p["is_migrant"]) == ("2001-02-03", 1)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("440524188001010014", False),  # born before 1900
        ("110105194912310021", False),  # wrong check digit
        ("11010519491331002X", False),  # month 13
        ("1101051949123100", False),
        ("", False),
    ],
)
def test_id_number_validator(value, ok):
    assert (cn_id_number(value) is None) is ok


def test_id_number_check_char_covers_x():
    assert id_number_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "ok"), [("13812345678", True), ("19912345678", True), ("12812345678", False)]
)
def test_mobile_validator(value, ok):
    assert (cn_mobile(value) is None) is ok


def test_masks():
    assert mask("370102199001011234", "id_number") == "******************"
    assert mask("13812345678", "phone") == "138****5678"
    assert mask("anything", "full") == "****"
    assert mask(None, "phone") is None
