"""Flags that follow from other fields, derived rather than typed (issue 18 point 2), shared by
both runtimes: a household is a 计生女孩户 exactly when its 家庭类别 is 独女户 or 双女户."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GIRL_HOUSEHOLD_TYPES = ("One-girl", "Two-girl")

#: DocType -> field -> function of the document giving the field's value
DERIVED: dict[str, dict[str, Any]] = {
    "Household": {"is_girl_household": lambda doc: int(doc.get("household_type") in GIRL_HOUSEHOLD_TYPES)},
}


def derived_values(doctype: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The derived fields of `doc` with the values they must have."""
    return {field: rule(doc) for field, rule in DERIVED.get(doctype, {}).items()}
