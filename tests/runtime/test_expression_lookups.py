"""exists()/count() in rules answer the same for every form of filter value, on the fast path
(plain equalities, SQL remembered per DocType and field names) and the general one."""

from __future__ import annotations

import pytest

from townflow.runtime import expressions
from townflow.runtime.errors import QueryError


@pytest.fixture
def lookups(site, admin, people):
    admin.insert(
        {"doctype": "Person", "household": people["h1"]["name"], "full_name": "钱七", "gender": "Male"}
    )
    admin.db_set("Person", people["p1"]["name"], {"age": 34})
    return people


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"gender": "Female"}, 2),
        ({"gender": "Female", "age": 34}, 1),  # an int on an Int field: plain
        ({"gender": "Female", "age": "34"}, 1),  # a numeric string on an Int field: coerced
        ({"gender": "Female", "age": 34.0}, 1),
        ({"gender": "Male", "age": 0}, 0),  # Frappe: a NULL Int is not 0 for "="
        ({"gender": ""}, 0),  # empty: IS NULL OR = ''
        ({"gender": None}, 0),
        ({"gender": ["Female", "Male"]}, 3),
        ({"gender": ["!=", "Female"]}, 1),
        ({"is_migrant": True}, 0),
        ({"is_migrant": 0}, 3),
    ],
)
def test_count_and_exists_agree_across_value_forms(site, lookups, filters, expected):
    functions = expressions.runtime_functions(site, None)
    assert functions["count"]("Person", **filters) == expected
    assert functions["exists"]("Person", **filters) is (expected > 0)
    assert functions["count"]("Person", **filters) == expected  # again, from the remembered SQL


def test_the_document_being_checked_is_left_out(site, lookups):
    p1 = lookups["p1"]
    current = {"doctype": "Person", "name": p1["name"]}
    functions = expressions.runtime_functions(site, current)
    assert functions["exists"]("Person", name=p1["name"], household=lookups["h1"]["name"]) is False
    assert functions["count"]("Person", household=lookups["h1"]["name"]) == 1
    others = expressions.runtime_functions(site, {"doctype": "Household", "name": p1["name"]})
    assert others["exists"]("Person", name=p1["name"], household=lookups["h1"]["name"]) is True


def test_an_unknown_field_is_refused_on_every_path(site, lookups):
    functions = expressions.runtime_functions(site, None)
    for value in ("x", 1, ""):
        with pytest.raises(QueryError):
            functions["exists"]("Person", no_such_field=value)
