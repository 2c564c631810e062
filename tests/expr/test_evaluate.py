"""What expressions mean when evaluated: Python semantics, with empty values handled like forms do."""

import pytest

from townflow.expr import ExprError, parse

CONTEXT = {
    "doc": {
        "status": "Open",
        "weeks": 30,
        "amount": 1500.5,
        "empty": None,
        "blank": "",
        "items": [{"qty": 1}, {"qty": 2}],
        "no_items": [],
        "check": 1,
        "posting_date": "2024-02-27",
        "visit_time": "2024-03-01 09:30:00",
    },
    "settings": {"health_threshold": 28, "validity_days": 30},
    "user": "clerk@village.gov",
    "roles": ["Village Clerk", "Township Approver"],
    "today": "2024-03-01",
    "now": "2024-03-01 10:00:00",
}


def value(source, context=CONTEXT, functions=None):
    return parse(source).evaluate(context, functions)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("doc.status == 'Open'", True),
        ("doc.weeks >= settings.health_threshold", True),
        ("'Township Approver' in roles", True),
        ("'Finance Officer' not in roles", True),
        ("user", "clerk@village.gov"),
        ("doc.missing is None", True),
        ("doc.empty is None and doc.blank is not None", True),
        ("doc.check == True", True),
        ("doc.amount * 2", 3001.0),
        ("7 // 2 + 7 % 3 - -1", 5),
        ("-7 // 2", -4),
        ("-7 % 3", 2),
        ("doc.status + '!'", "Open!"),
        ("[1] + [2]", [1, 2]),
        ("(1, 2) == [1, 2]", True),
        ("doc.empty or 'default'", "default"),
        ("doc.status and doc.weeks", 30),
        ("doc.no_items or 'none'", "none"),
        ("not doc.no_items", True),
        ("'yes' if doc.items else 'no'", "yes"),
        ("1 < doc.weeks <= 30", True),
        ("len(doc.items)", 2),
        ("len(doc.empty)", 0),
        ("len('村委会')", 3),
        ("min(doc.weeks, 3, 10)", 3),
        ("max([1, 2.5])", 2.5),
        ("max('a', 'b')", "b"),
        ("int('42') + int(3.9) + int(True)", 46),
        ("float('1.5e2')", 150.0),
        ("str(doc.weeks) + '/' + str(2.0) + '/' + str(doc.empty) + str(0.5)", "30/2/0.5"),
        ("round(2.5)", 2),
        ("round(0.125, 2)", 0.12),
        ("round(2.5, None)", 2),
        ("abs(-3)", 3),
        ("is_set(doc.status)", True),
        ("is_set(doc.blank) or is_set(doc.empty) or is_set(doc.no_items)", False),
        ("is_set(0)", True),
        ("days_between(doc.posting_date, today)", 3),
        ("days_between(today, doc.posting_date)", -3),
        ("days_between(doc.visit_time, today)", 0),
        ("days_between(doc.empty, today)", None),
        ("add_days(doc.posting_date, 3)", "2024-03-01"),
        ("add_days(doc.posting_date, settings.validity_days) > today", True),
        ("date(doc.visit_time) == today", True),
        ("date(doc.blank)", None),
        ("'pen' in doc.status", True),
        ("'x' in doc.empty", False),
    ],
)
def test_evaluates(source, expected):
    result = value(source)
    assert result == expected
    assert type(result) is type(expected) or isinstance(expected, float)


@pytest.mark.parametrize(
    "source",
    [
        "doc.empty < 3",
        "doc.empty >= 3",
        "doc.status > 3",
        "doc.items > 1",
        "doc.empty == 0",
        "doc.blank == None",
        "doc.empty == ''",
        "'1' == 1",
        "3 in doc.status",
        "1 in doc.empty",
    ],
)
def test_empty_values_and_mixed_types_compare_false(source):
    assert value(source) is False


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("doc.empty + 1", "cannot compute an empty value + a number"),
        ("doc.status - 1", "cannot compute a string - a number"),
        ("'ab' * 3", "cannot compute a string * a number"),
        ("1 / 0", "division by zero"),
        ("doc.weeks % 0", "division by zero"),
        ("9007199254740991 + 1", "too large"),
        ("-doc.status", "cannot negate a string"),
        ("int('abc')", "int() cannot read 'abc'"),
        ("int(doc.empty)", "int() cannot read None"),
        ("float('1,5')", "float() cannot read"),
        ("len(3)", "len() needs a string or a list"),
        ("min([])", "min() of an empty list"),
        ("max(1, 'a')", "max() needs all numbers or all strings"),
        ("round('x')", "round() needs a number"),
        ("round(1.5, 11)", "round() takes 0 to 10 digits"),
        ("str(doc.items)", "str() cannot write a list"),
        ("date('01/02/2024')", "needs a date written YYYY-MM-DD"),
        ("date('2024-02-30')", "is not a calendar date"),
        ("add_days(today, 1.5)", "whole number of days"),
        ("add_days('9999-12-31', 1)", "beyond the years"),
        ("exists('Person', name=doc.status)", "exists() is not available here"),
    ],
)
def test_bad_operations_raise_expr_error(source, message):
    with pytest.raises(ExprError) as raised:
        value(source)
    assert message in raised.value.message
    assert raised.value.offset is not None


def test_error_is_positioned_at_the_failing_part():
    with pytest.raises(ExprError) as raised:
        value("doc.weeks > 3 and doc.status - 1 > 0")
    assert raised.value.col == len("doc.weeks > 3 and ") + 1


def test_missing_name_is_reported():
    with pytest.raises(ExprError, match="no value was given for 'settings'"):
        value("settings.x", {"doc": {}})


def test_doc_must_be_a_record():
    with pytest.raises(ExprError, match="doc must be a record"):
        value("doc.x", {"doc": "text"})
    assert value("doc.x", {"doc": None}) is None


def test_runtime_functions_receive_doctype_and_filters():
    calls = []

    def exists(doctype, **filters):
        calls.append((doctype, filters))
        return True

    source = "exists('Person', id_number=doc.status, village='A') and count('Person') == 2"
    assert value(source, functions={"exists": exists, "count": lambda doctype, **f: 2})
    assert calls == [("Person", {"id_number": "Open", "village": "A"})]


def test_failing_runtime_function_becomes_expr_error():
    def broken(doctype, **filters):
        raise RuntimeError("database is gone")

    with pytest.raises(ExprError, match="count\\(\\) failed: database is gone"):
        value("count('Person') > 1", functions={"count": broken})


def test_expressions_are_values():
    assert parse("doc.a == 1") == parse("doc.a == 1")
    assert len({parse("doc.a == 1"), parse("doc.a == 1")}) == 1
    assert repr(parse("doc.a")) == "Expr('doc.a')"
