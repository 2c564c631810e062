"""The parser accepts the language and refuses everything else, naming the problem and position."""

import pytest

from townflow.expr import ExprError, parse


@pytest.mark.parametrize(
    "source",
    [
        "doc.status == 'Open'",
        "doc.weeks >= settings.health_threshold",
        "'Township Approver' in roles and user != doc.owner",
        "doc.amount is None or doc.amount < 0",
        "doc.amount is not None",
        "not is_set(doc.reject_reason)",
        "days_between(doc.posting_date, today) > 30",
        "add_days(doc.issue_date, settings.validity_days) >= today",
        "doc.status in ('Open', 'Pending') and doc.kind not in ['A']",
        "(doc.a + doc.b) * 2 - 1 / 4 // 1 % 3 > -doc.c",
        "'x' if doc.flag else 'y'",
        "len(doc.items) > 0 and min(doc.a, doc.b, 3) < max([1, 2])",
        "round(float(doc.a), 2) == abs(int('3'))",
        "str(doc.count) + ' items'",
        "date(doc.when) == today",
        "exists('Person', id_number=doc.id_number, village=doc.village)",
        "count('Subsidy Application', applicant=doc.applicant) < 2",
        "1 < doc.a <= 10",
        "  doc.a == 1",
        "(doc.a\n == 1)",
        "now > '2024-01-01 00:00:00'",
    ],
)
def test_accepts_the_language(source):
    assert parse(source).source == source


def test_reports_what_an_expression_reads():
    expr = parse("doc.weeks >= settings.threshold and exists('Person', name=doc.person) or user == 'x'")
    assert expr.fields_used == frozenset({"weeks", "person"})
    assert expr.names_used == frozenset({"doc", "settings", "user"})
    assert expr.functions_used == frozenset({"exists"})


@pytest.mark.parametrize(
    ("source", "message", "col"),
    [
        ("__import__('os')", "calls to __import__ are not allowed", 1),
        ("doc.__class__", "attribute '__class__' is not allowed", 1),
        ("doc.a == doc._private", "attribute '_private' is not allowed", 10),
        ("lambda: 1", "lambda is not allowed", 1),
        ("[x for x in roles]", "comprehensions are not allowed", 1),
        ("len(r for r in roles)", "generator expressions are not allowed", 4),
        ("f'{doc.a}'", "f-strings are not allowed", 1),
        ("(x := 1)", "assignment expressions (:=) are not allowed", 2),
        ("roles[0]", "subscripts ([...]) are not allowed", 1),
        ("doc['a']", "subscripts ([...]) are not allowed", 1),
        ("doc.a.b", "only doc.<field>, parent.<field> and settings.<field> may use a dot", 1),
        ("user.name", "only doc.<field>, parent.<field> and settings.<field> may use a dot", 1),
        ("doc.a.__globals__", "attribute '__globals__' is not allowed", 1),
        ("os.system('ls')", "only the listed functions may be called", 1),
        ("open('/etc/passwd')", "calls to open are not allowed", 1),
        ("eval('1')", "calls to eval are not allowed", 1),
        ("frappe.db.sql('x')", "only the listed functions may be called", 1),
        ("x == 1", "unknown name 'x'", 1),
        ("doc", "doc must be read field by field", 1),
        ("len", "len is a function", 1),
        ("{'a': 1}", "dict literals are not allowed", 1),
        ("{1, 2}", "set literals are not allowed", 1),
        ("2 ** 1000000", "operator ** is not allowed", 1),
        ("~doc.a", "operator ~ is not allowed", 1),
        ("doc.a is 1", "'is' only compares with None", 10),
        ("b'x'", "bytes literals are not allowed", 1),
        ("1j", "complex literals are not allowed", 1),
        ("len(*roles)", "* unpacking is not allowed", 5),
        ("exists('Person', **doc.a)", "** unpacking is not allowed", 18),
        ("len(doc.a, doc.b)", "len() takes 1 argument(s), got 2", 1),
        ("len(x=doc.a)", "len() takes no keyword arguments", 5),
        ("exists(doc.doctype)", "the doctype of exists() must be a quoted name", 8),
        ("exists('A', 'B')", "exists() takes the doctype then filters", 1),
        ("doc.a == 1; import os", "syntax error", 11),
        ("doc.a ==", "syntax error", None),
        ("", "the expression is empty", 1),
        ("doc.a == 9007199254740993", "numbers beyond +-(2**53 - 1) are not allowed", 10),
        ("doc.a < 1e999", "numbers beyond +-(2**53 - 1) are not allowed", 9),
        ("doc.a if doc.b", "syntax error", None),
    ],
)
def test_refuses_with_message_and_position(source, message, col):
    with pytest.raises(ExprError) as raised:
        parse(source)
    assert message in raised.value.message
    assert raised.value.offset is not None
    if col is not None:
        assert raised.value.col == col, str(raised.value)
    assert str(raised.value).startswith(f"{raised.value.line}:{raised.value.col}: ")


def test_positions_count_characters_not_bytes():
    with pytest.raises(ExprError) as raised:
        parse("doc.名称 == '村委会' and doc.__dict__")
    assert raised.value.col == len("doc.名称 == '村委会' and ") + 1


def test_positions_account_for_leading_space_and_lines():
    with pytest.raises(ExprError) as raised:
        parse("  (doc.a ==\n   doc.__x)")
    assert (raised.value.line, raised.value.col) == (2, 4)
    assert raised.value.offset == len("  (doc.a ==\n   ")


def test_runtime_function_names_are_a_parameter():
    assert parse("lookup('Village', name=doc.village)", runtime_functions={"lookup"})
    with pytest.raises(ExprError, match="calls to exists are not allowed"):
        parse("exists('Village')", runtime_functions={"lookup"})


@pytest.mark.parametrize(
    "source",
    [
        "1" + "+1" * 5000,
        "-" * 100000 + "1",
        "not " * 5000 + "doc.a",
        "[" * 150 + "]" * 150,
        "doc.a == 1 and " * 300 + "True",
    ],
)
def test_hostile_sizes_are_refused_cleanly(source):
    with pytest.raises(ExprError) as raised:
        parse(source)
    assert "longer than" in raised.value.message or "nested more than" in raised.value.message


def test_long_flat_conditions_are_fine():
    source = " and ".join(f"doc.f{i} == {i}" for i in range(100))
    expr = parse(source)
    assert expr.evaluate({"doc": {f"f{i}": i for i in range(100)}}) is True
    assert len(expr.fields_used) == 100
