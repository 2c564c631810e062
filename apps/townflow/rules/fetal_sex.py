"""Fetal sex is never recorded (关爱女孩行动: identifying the sex of a fetus is forbidden).

The one rule, with every pattern kept here, used wherever a field or a value can come from:
`townflow check` (spec fields), the embedded runtime (Custom Field and Property Setter writes,
free text on save), the compiled Frappe app (the same, as doc_events) and `townflow pull`.

- `field_problem(doctype, fieldname, labels, options)`: a field whose name, label or Select
  options denote fetal sex is refused. On a pregnancy form (`PREGNANCY_DOCTYPES`) any sex or
  gender field is the fetus's, except the ones `ALLOWED_FIELDS` names (the newborn's sex, recorded
  after birth).
- `text_problems(doctype, fields, values)`: on the forms where findings are written
  (`FREE_TEXT_DOCTYPES`), free text that states a fetal sex is refused, naming the field and the
  words found.

Each pattern carries an example it must match; tests/rules/test_fetal_sex.py checks every one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Where findings are written in free text: what is written there is checked too.
FREE_TEXT_DOCTYPES = frozenset({"Ultrasound Exam", "Pregnancy Follow Up Visit"})
#: Forms about a pregnancy: a sex or gender field on them can only be the fetus's.
PREGNANCY_DOCTYPES = FREE_TEXT_DOCTYPES | {
    "Pregnancy Record",
    "Termination Certificate Application",
    "Termination Report",
    "Drug Dispensing Record",
}
#: (DocType, fieldname) allowed by name: the newborn's sex, recorded after a live birth, and the
#: operators' confirmation that fetal sex was neither identified nor disclosed.
ALLOWED_FIELDS = frozenset(
    {("Pregnancy Record", "newborn_sex"), ("Ultrasound Exam", "no_sex_identification")}
)
#: Field types whose values are free text (checked on FREE_TEXT_DOCTYPES).
FREE_TEXT_TYPES = frozenset({"Data", "Small Text", "Text", "Long Text", "Text Editor", "Markdown Editor"})


@dataclass(frozen=True)
class Pattern:
    """A way of naming or stating a fetal sex, with an example it matches. A pattern that only
    names the subject (`negatable`: "胎儿性别", "fetal sex") does not match where the text forbids
    or denies it ("严禁鉴定胎儿性别", "fetal sex neither identified nor disclosed"); one that states
    a sex ("男胎", "是个女孩") always matches."""

    name: str
    regex: re.Pattern[str]
    example: str
    negatable: bool = False


def _p(name: str, regex: str, example: str, negatable: bool = False) -> Pattern:
    return Pattern(name, re.compile(regex, re.IGNORECASE), example, negatable)


#: A prohibition or denial just before a named subject: 严禁鉴定 / 未透露 / not disclose / no.
NEGATION_BEFORE = re.compile(
    r"(?:严禁|禁止|不得|不准|不许|未|没有|勿|拒绝|\b(?:no|not|never|neither|nor|without|forbid\w*|prohibit\w*)\b)"
    r"[^，。；,.;!?！？\n]{0,12}$",
    re.IGNORECASE,
)
#: ... or just after it: 胎儿性别未告知 / fetal sex neither identified nor disclosed.
NEGATION_AFTER = re.compile(
    r"^[\s:：]*(?:(?:is|was|were)\s+)?(?:未|不得|严禁|禁止|没有|\b(?:not|never|neither|no)\b)", re.IGNORECASE
)

#: Words that name or state a fetal sex, in labels, options and free text.
TEXT_PATTERNS: tuple[Pattern, ...] = (
    _p("胎儿性别：男/女", r"胎儿?的?性[别別]\s*[:：为是]?\s*[男女]", "胎儿性别：女"),
    _p(
        "fetal sex: male/female",
        r"\b(?:fetal|foetal|fetus|foetus)(?:'s)?\s+(?:sex|gender)\s*(?:is|:|=)?\s*(?:male|female|boy|girl|m|f)\b",
        "fetal sex is female",
    ),
    _p("胎儿性别", r"胎儿?的?性[别別]", "胎儿性别待查", negatable=True),
    _p("胎儿为男/女", r"胎儿(?:为|是|系)?(?:男|女)(?:性|孩|婴)?", "胎儿为男性"),
    # not 妇女胎次 (a woman's pregnancy order) nor 男女胎数
    _p("男胎/女胎", r"(?<!妇)[男女]胎(?![次数龄])", "B超提示男胎"),
    _p("是个男孩/女孩", r"是(?:一?个)?(?:男|女)(?:孩|娃|宝|婴)", "医生说是个男孩"),
    _p(
        "fetal sex",
        r"\b(?:fetal|foetal|fetus|foetus)(?:'s)?\s+(?:sex|gender)\b",
        "Fetal sex: female",
        negatable=True,
    ),
    _p(
        "sex of the fetus",
        r"\b(?:sex|gender)\s+of\s+(?:the\s+)?(?:fetus|foetus|unborn)",
        "sex of the fetus",
        negatable=True,
    ),
    _p("male/female fetus", r"\b(?:male|female)\s+(?:fetus|foetus)\b", "a male fetus"),
    _p("it's a boy/girl", r"\bit(?:'|’)?s\s+an?\s+(?:boy|girl)\b", "the scan says it's a girl"),
    _p(
        "unborn baby's sex",
        r"\bunborn\s+(?:baby|child)(?:'s)?\s+(?:sex|gender)\b",
        "unborn baby's sex",
        negatable=True,
    ),
)
#: Field names (snake_case) that name a fetal sex.
NAME_PATTERNS: tuple[Pattern, ...] = (
    _p(
        "fetal_sex",
        r"(?:fetal|fetus|foetal|foetus|unborn|baby)_?(?:sex|gender)|(?:sex|gender)_of_(?:the_)?(?:fetus|foetus)",
        "fetal_sex",
    ),
    _p("taier_xingbie", r"tai_?er_?xing_?bie", "taier_xingbie"),
)
#: Names and labels of a sex or gender field: the fetus's on a pregnancy form.
SEX_FIELD_PATTERNS: tuple[Pattern, ...] = (
    _p("sex/gender name", r"(?:^|_)(?:sex|gender|xingbie)(?:_|$)", "gender"),
    _p("性别", r"性[别別]", "性别"),
    _p("sex/gender label", r"\b(?:sex|gender)\b", "Sex"),
)


def _negated(text: str, found: re.Match[str]) -> bool:
    return bool(NEGATION_BEFORE.search(text[: found.start()]) or NEGATION_AFTER.search(text[found.end() :]))


def first_match(patterns: Iterable[Pattern], text: Any) -> str | None:
    """The words of `text` the first matching pattern found (a negatable one only where the text
    does not forbid or deny it), or None."""
    if not isinstance(text, str) or not text:
        return None
    for pattern in patterns:
        for found in pattern.regex.finditer(text):
            if not (pattern.negatable and _negated(text, found)):
                return found.group(0)
    return None


@dataclass(frozen=True)
class Refusal:
    """Why a field or a value is refused: the field it concerns and the message in both languages."""

    field: str
    en: str
    zh: str

    def __str__(self) -> str:
        return f"{self.en} / {self.zh}"


def _option_texts(options: Any) -> list[str]:
    if isinstance(options, str):
        return [o for o in options.split("\n") if o.strip()]
    texts: list[str] = []
    for option in options or ():
        if isinstance(option, Mapping):
            texts.extend(str(v) for v in option.values() if v)
        elif hasattr(option, "value"):
            texts.extend(str(v) for v in (option.value, getattr(option, "zh", None)) if v)
        else:
            texts.append(str(option))
    return texts


def field_problem(
    doctype: str, fieldname: str, labels: Iterable[Any] = (), options: Any = None
) -> Refusal | None:
    """Why a field (declared in the spec, added as a Custom Field, or changed by a Property
    Setter) may not exist: its name, a label or an option denotes fetal sex. None if it may."""
    texts = [t for t in labels if isinstance(t, str) and t]
    found = first_match(NAME_PATTERNS, fieldname or "")
    for text in (*texts, *_option_texts(options)):
        found = found or first_match(TEXT_PATTERNS, text)
    if found is None and doctype in PREGNANCY_DOCTYPES and (doctype, fieldname) not in ALLOWED_FIELDS:
        found = first_match(SEX_FIELD_PATTERNS[:1], fieldname or "") or next(
            (m for t in texts if (m := first_match(SEX_FIELD_PATTERNS[1:], t))), None
        )
    if found is None:
        return None
    return Refusal(
        fieldname,
        f"{doctype}.{fieldname}: no form may record fetal sex ({found!r}); "
        "the campaign forbids identifying it",
        f"{doctype}.{fieldname}：任何表单不得记录胎儿性别（“{found}”），关爱女孩行动严禁鉴定胎儿性别",
    )


def text_problems(doctype: str, fields: Iterable[Any], values: Mapping[str, Any]) -> list[Refusal]:
    """The free-text values of a document of `doctype` that state a fetal sex, one Refusal per
    field. `fields` are its DocFields (spec or custom: fieldname, fieldtype, label)."""
    if doctype not in FREE_TEXT_DOCTYPES:
        return []
    refusals = []
    for f in fields:
        if f.fieldtype not in FREE_TEXT_TYPES:
            continue
        found = first_match(TEXT_PATTERNS, values.get(f.fieldname))
        if found is None:
            continue
        label_en = f.label.en if f.label else f.fieldname
        label_zh = f.label.zh if f.label else f.fieldname
        refusals.append(
            Refusal(
                f.fieldname,
                f"{label_en} states a fetal sex ({found!r}): fetal sex is never recorded",
                f"{label_zh}不得记录胎儿性别（“{found}”）",
            )
        )
    return refusals
