"""No field may record fetal sex, however an admin adds it (issue 11.2): a Custom Field named,
labelled or with options that denote it is refused, and so is a Property Setter relabelling a
field into one; the newborn's sex after birth stays allowed."""

from __future__ import annotations

import pytest

from townflow.runtime.errors import ValidationError

ADMIN = "Administrator"


def _custom(dt: str, fieldname: str, label: str, fieldtype: str = "Data", options: str | None = None) -> dict:
    return {
        "doctype": "Custom Field",
        "dt": dt,
        "fieldname": fieldname,
        "label": label,
        "label_en": label,
        "fieldtype": fieldtype,
        "options": options,
    }


@pytest.mark.parametrize(
    "field",
    [
        _custom("Ultrasound Exam", "fetal_sex", "结果"),
        _custom("Ultrasound Exam", "result_2", "胎儿性别"),
        _custom("Pregnancy Record", "fetus_gender", "Fetus Gender"),
        _custom("Household", "scan_result", "B超结果", "Select", "男胎\n女胎"),
        _custom("Pregnancy Follow Up Visit", "sex", "性别", "Select", "Male\nFemale"),
    ],
    ids=["name", "label", "english", "options", "sex-on-a-pregnancy-form"],
)
def test_a_custom_field_denoting_fetal_sex_is_refused(wsite, field):
    admin = wsite.session(ADMIN)
    with pytest.raises(ValidationError) as refused:
        admin.insert(field)
    assert refused.value.fields == ["fieldname"]
    assert "no form may record fetal sex" in str(refused.value)
    assert admin.get_count("Custom Field") == 0
    assert wsite.meta(field["dt"]).field(field["fieldname"]) is None


def test_relabelling_a_field_into_fetal_sex_is_refused(wsite):
    admin = wsite.session(ADMIN)
    setter = {
        "doctype": "Property Setter",
        "doctype_or_field": "DocField",
        "doc_type": "Ultrasound Exam",
        "field_name": "findings",
        "property": "label",
        "property_type": "Data",
        "value": "胎儿性别",
    }
    with pytest.raises(ValidationError) as refused:
        admin.insert(setter)
    assert "no form may record fetal sex" in str(refused.value)
    with pytest.raises(ValidationError):
        options = {"property": "options", "property_type": "Text", "value": "男胎\n女胎"}
        admin.insert({**setter, "doc_type": "Pregnancy Record", "field_name": "newborn_sex", **options})
    assert wsite.meta("Ultrasound Exam").field("findings").label.zh == "检查所见"
    # a harmless relabel, and a field after birth, still work
    admin.insert({**setter, "value": "超声所见"})
    assert wsite.meta("Ultrasound Exam").field("findings").label.zh == "超声所见"
    admin.insert(
        {
            **setter,
            "doc_type": "Pregnancy Record",
            "field_name": "newborn_sex",
            "value": "新生儿性别（出生后）",
        }
    )
    admin.insert(_custom("Person", "nickname", "小名"))
