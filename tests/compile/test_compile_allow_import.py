"""Frappe's Data Import lists a DocType only when its doctype.json has `allow_import: 1`: the
registers (Household, Person) say so in their spec (`allow_import: true`), nothing else does."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from townflow.compile import build_files
from townflow.spec.models import DocType


@pytest.fixture(scope="module")
def compiled(repo_project) -> dict[str, dict]:
    out = {}
    for path, content in build_files(repo_project).items():
        parts = path.split("/")
        if len(parts) >= 3 and parts[-3] == "doctype" and parts[-1] == f"{parts[-2]}.json":
            doc = json.loads(content)
            out[doc["name"]] = doc
    return out


def test_household_and_person_are_listed_by_frappes_data_import(compiled):
    importable = sorted(name for name, doc in compiled.items() if doc.get("allow_import") == 1)
    assert importable == ["Household", "Person"]
    assert "allow_import" not in compiled["Village"]  # 0 is left out, as Frappe's export does


def test_child_table_cannot_allow_import():
    spec = {
        "name": "Member Row",
        "module": "Care for Girls",
        "label": {"zh": "成员", "en": "Member Row"},
        "istable": True,
        "allow_import": True,
        "fields": [{"fieldname": "x", "fieldtype": "Data", "label": {"zh": "x", "en": "x"}}],
    }
    refused = "'Member Row': a child table or single DocType cannot allow_import"
    with pytest.raises(ValidationError, match=refused):
        DocType.model_validate(spec)
