"""The fetal-sex rule (townflow.rules.fetal_sex): every pattern, and the phrases the campaign's
ban names, on fields and in free text; newborn sex after birth and the ban's own wording pass."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from townflow.rules import fetal_sex
from townflow.spec.models import Label


def _field(fieldname: str, fieldtype: str = "Small Text", zh: str = "检查所见", en: str = "Findings"):
    return SimpleNamespace(fieldname=fieldname, fieldtype=fieldtype, label=Label(zh=zh, en=en))


FIELDS = [_field("findings"), _field("patient_name", "Data", "受检者姓名", "Patient Name")]


@pytest.mark.parametrize("pattern", fetal_sex.TEXT_PATTERNS, ids=lambda p: p.name)
def test_every_text_pattern_refuses_its_example(pattern):
    assert pattern.regex.search(pattern.example)
    assert fetal_sex.first_match([pattern], pattern.example)
    refusals = fetal_sex.text_problems("Ultrasound Exam", FIELDS, {"findings": pattern.example})
    assert [r.field for r in refusals] == ["findings"]


@pytest.mark.parametrize(
    "pattern", fetal_sex.NAME_PATTERNS + fetal_sex.SEX_FIELD_PATTERNS, ids=lambda p: p.name
)
def test_every_name_pattern_matches_its_example(pattern):
    assert pattern.regex.search(pattern.example)


#: What a clerk or an operator might write that states a fetal sex: each is refused.
STATED = [
    "胎儿性别：男",
    "胎儿性别女",
    "胎儿的性别为女",
    "胎儿为男性",
    "胎儿是女孩",
    "B超提示男胎",
    "疑似女胎",
    "医生说是个男孩",
    "是个女孩",
    "怀的是男孩",
    "是男宝",
    "Fetal sex: male",
    "fetal gender female",
    "the sex of the fetus was told to the family",
    "a female fetus",
    "operator said it's a boy",
    "Its a girl",
    "unborn baby's sex noted",
    "未见异常胎儿性别女",
    "不是男孩，是女孩",
]
#: Findings that are fine: the ban itself, the woman's pregnancy order, a newborn after birth.
FINE = [
    "孕16周，胎心正常，羊水适量",
    "已告知严禁鉴定胎儿性别",
    "未透露胎儿性别",
    "胎儿性别未告知孕妇",
    "Fetal sex neither identified nor disclosed",
    "no fetal sex determination",
    "妇女胎次：2",
    "单胎，头位",
    "",
    None,
]


@pytest.mark.parametrize("text", STATED)
def test_free_text_stating_a_fetal_sex_is_refused_naming_the_field(text):
    for doctype in ("Ultrasound Exam", "Pregnancy Follow Up Visit"):
        [refusal] = fetal_sex.text_problems(doctype, FIELDS, {"findings": text, "patient_name": "王芳"})
        assert refusal.field == "findings"
        assert refusal.en.startswith("Findings states a fetal sex")
        assert refusal.zh.startswith("检查所见不得记录胎儿性别")


@pytest.mark.parametrize("text", FINE)
def test_findings_that_state_no_fetal_sex_pass(text):
    assert fetal_sex.text_problems("Ultrasound Exam", FIELDS, {"findings": text}) == []


def test_free_text_is_checked_on_the_findings_forms_only():
    assert fetal_sex.text_problems("Person", FIELDS, {"findings": "是个男孩"}) == []
    # a number or a Check field is not free text
    check = _field("confirmed", "Check")
    assert fetal_sex.text_problems("Ultrasound Exam", [check], {"confirmed": "男胎"}) == []


@pytest.mark.parametrize(
    ("doctype", "fieldname", "labels", "options"),
    [
        ("Household", "fetal_sex", ["性别"], None),
        ("Household", "foetus_gender", [], None),
        ("Household", "sex_of_the_fetus", [], None),
        ("Household", "taier_xingbie", [], None),
        ("Household", "result", ["胎儿性别"], None),
        ("Household", "result", ["Result", "Fetal Sex"], None),
        ("Household", "result", ["结果"], "男胎\n女胎"),
        ("Household", "result", ["结果"], [{"value": "Male fetus", "zh": "男"}]),
        # on a pregnancy form any sex or gender field is the fetus's
        ("Ultrasound Exam", "gender", ["结果"], None),
        ("Ultrasound Exam", "result", ["性别"], "Male\nFemale"),
        ("Pregnancy Follow Up Visit", "baby_sex", [], None),
        ("Termination Report", "result", ["Sex"], None),
        ("Pregnancy Record", "sex", ["性别"], None),
    ],
)
def test_a_field_denoting_fetal_sex_is_refused(doctype, fieldname, labels, options):
    refusal = fetal_sex.field_problem(doctype, fieldname, labels, options)
    assert refusal is not None and refusal.field == fieldname
    assert "no form may record fetal sex" in refusal.en and "不得记录胎儿性别" in refusal.zh


@pytest.mark.parametrize(
    ("doctype", "fieldname", "labels", "options"),
    [
        ("Pregnancy Record", "newborn_sex", ["新生儿性别", "Newborn's Sex"], "Female\nMale"),
        ("Person", "gender", ["性别", "Gender"], "Female\nMale"),
        ("Ultrasound Exam", "no_sex_identification", ["确认未鉴定、未透露胎儿性别"], None),
        ("Ultrasound Machine", "sign_posted", ["已设置“严禁鉴定胎儿性别”醒目标志"], None),
        ("Ultrasound Exam", "findings", ["检查所见", "Findings"], None),
    ],
)
def test_newborn_sex_and_the_bans_own_fields_are_allowed(doctype, fieldname, labels, options):
    assert fetal_sex.field_problem(doctype, fieldname, labels, options) is None
