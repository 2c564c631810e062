"""The benefits' effects and the households' derived values, as pure decisions both runtimes apply.

Eligibility is spec (DocType `rules:` in doctypes/*.yaml); what is here is what an expression
cannot say because it writes another record or counts a household's members:
- a household's children, daughters, type and girl-household flag, from its members registered
  as children (`household_composition`);
- a workflow state entered that changes a registry (`entering_effects`): the one-time reward
  grants the honour household title with its date; a dropout girl's enrolment clears her
  dropped-out record; a birth service certificate gets its validity; an approved quota
  restoration lifts the household's suspension;
- the two-way insurance of an only child falls due for conversion at the conversion age
  (`conversion_due_on`), which the daily tick turns into a task.

Nothing here reads a database: the runtimes read the inputs and write the `FieldUpdate`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from townflow.rules.campaign import FieldUpdate, _as_date, setting
from townflow.rules.derived import derived_values

#: The relationships (to the head of household) of members counted as the household's children.
CHILD_RELATIONSHIPS = ("Daughter", "Son")
#: The fields of Household computed from its members.
DERIVED_HOUSEHOLD_FIELDS = (
    "number_of_children",
    "number_of_daughters",
    "household_type",
    "is_girl_household",
)

HOUSEHOLD = "Household"
PERSON = "Person"
#: DocTypes whose saves and deletions change their household's derived values
MEMBER_DOCTYPES = (PERSON,)
SUBSIDY = "Subsidy Application"
STUDENT_AID = "Student Aid Application"
BIRTH_CERTIFICATE = "Birth Service Certificate"
QUOTA_RESTORATION = "Birth Quota Restoration"
INSURANCE_CONVERSION = "Insurance Conversion"

ONE_TIME_REWARD = "One-time Reward"
ONLY_CHILD_INSURANCE = "Only-child Insurance"
DROPOUT_AID = "Dropout Girl Returning to School"


# --- households -----------------------------------------------------------------------------


def household_type(children: int, daughters: int) -> str:
    """独女户 / 双女户 / 独生子女户（男孩） / 二孩户（有男孩） / 多孩户 / 无子女户."""
    if children == 0:
        return "Childless"
    if children == 1:
        return "One-girl" if daughters == 1 else "One-child"
    if children == 2:
        return "Two-girl" if daughters == 2 else "Two-child"
    return "Multi-child"


def household_composition(members: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A household's derived values from its members (each with `relationship` and `gender`):
    only members registered as a daughter or son of the head count as its children."""
    children = [m for m in members if m.get("relationship") in CHILD_RELATIONSHIPS]
    daughters = sum(1 for m in children if m.get("gender") == "Female")
    values = {
        "number_of_children": len(children),
        "number_of_daughters": daughters,
        "household_type": household_type(len(children), daughters),
    }
    return {**values, **derived_values(HOUSEHOLD, values)}  # 计生女孩户 follows the type


def composition_changes(stored: Mapping[str, Any], members: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The derived values that differ from what the household holds (empty: nothing to write)."""
    derived = household_composition(members)
    return {k: v for k, v in derived.items() if _differs(stored.get(k), v)}


def _differs(old: Any, new: Any) -> bool:
    if isinstance(new, int) and not isinstance(new, bool):
        try:
            return int(old or 0) != new
        except (TypeError, ValueError):
            return True
    return (old or None) != (new or None)


# --- effects of a workflow state entered ----------------------------------------------------


def birth_certificate_validity(issued_on: date, settings: Mapping[str, Any]) -> dict[str, str]:
    """An issued birth service certificate is valid from its day of issue for the policy's days."""
    days = int(setting(settings, "birth_certificate_validity_days", 365))
    return {
        "issued_on": issued_on.isoformat(),
        "valid_until": (issued_on + timedelta(days=days - 1)).isoformat(),
    }


def entering_effects(
    doctype: str, doc: Mapping[str, Any], state: str, on: date, settings: Mapping[str, Any]
) -> list[FieldUpdate]:
    """What a document entering `state` writes: on itself (name None) or on other records."""
    if doctype == SUBSIDY and state == "Approved" and doc.get("benefit_kind") == ONE_TIME_REWARD:
        # 奖励: the one-time reward comes with the title 计划生育光荣户 (its text: Campaign Settings)
        household = doc.get("household")
        title = setting(settings, "honour_household_title", "计划生育光荣户")
        return [
            FieldUpdate(HOUSEHOLD, household, "honour_household", 1),
            FieldUpdate(HOUSEHOLD, household, "honour_granted_on", on.isoformat()),
            FieldUpdate(HOUSEHOLD, household, "honour_title", title),
        ]
    if doctype == STUDENT_AID and state == "Enrolled" and doc.get("aid_kind") == DROPOUT_AID:
        # back at school: the girl is no longer recorded as dropped out
        student = doc.get("student")
        return [
            FieldUpdate(PERSON, student, "dropped_out", 0),
            FieldUpdate(PERSON, student, "dropped_out_on", None),
            FieldUpdate(PERSON, student, "is_in_school", 1),
            FieldUpdate(PERSON, student, "school", doc.get("school")),
            FieldUpdate(PERSON, student, "grade", doc.get("grade")),
        ]
    if doctype == BIRTH_CERTIFICATE and state == "Issued" and not doc.get("valid_until"):
        return [FieldUpdate(doctype, None, k, v) for k, v in birth_certificate_validity(on, settings).items()]
    if doctype == QUOTA_RESTORATION and state == "Approved":
        # lifting a suspension: a township act, with its reason on the restoration record
        household = doc.get("household")
        return [
            FieldUpdate(HOUSEHOLD, household, "birth_quota_status", "Active"),
            FieldUpdate(HOUSEHOLD, household, "quota_restored_on", on.isoformat()),
            FieldUpdate(HOUSEHOLD, household, "quota_restored_by", doc.get("name")),
        ]
    return []


def own_updates(effects: Iterable[FieldUpdate]) -> dict[str, Any]:
    """The effects on the document itself, as field values."""
    return {e.field: e.value for e in effects if e.name is None}


def other_updates(effects: Iterable[FieldUpdate]) -> dict[tuple[str, str], dict[str, Any]]:
    """The effects on other records, grouped per record."""
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for e in effects:
        if e.name:
            grouped.setdefault((e.doctype, e.name), {})[e.field] = e.value
    return grouped


# --- the two-way insurance (两全保险) turned into old-age insurance -------------------------


def conversion_due_on(date_of_birth: Any, settings: Mapping[str, Any]) -> date | None:
    """The day an insured only child reaches the conversion age (Campaign Settings, 14)."""
    born = _as_date(date_of_birth)
    if born is None:
        return None
    age = int(setting(settings, "insurance_conversion_age", 14))
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + age, day=28) + timedelta(days=1)


def conversion_is_due(date_of_birth: Any, settings: Mapping[str, Any], today: date) -> bool:
    due = conversion_due_on(date_of_birth, settings)
    return due is not None and due <= today


def conversion_record(application: Mapping[str, Any], child: Mapping[str, Any], settings) -> dict[str, Any]:
    """The Insurance Conversion task opened for an insured child who reached the conversion age."""
    due = conversion_due_on(child.get("date_of_birth"), settings)
    return {
        "doctype": INSURANCE_CONVERSION,
        "subsidy_application": application["name"],
        "insured_child": child["name"],
        "household": application.get("household"),
        "policy_no": application.get("policy_no"),
        "due_on": due.isoformat() if due else None,
    }
