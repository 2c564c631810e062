"""Golden JavaScript for Frappe's depends_on, and what cannot be written as JavaScript."""

import pytest

from townflow.expr import ExprError, parse

TYPES = {"status": "Select", "weeks": "Int", "reward": "Currency", "items": "Table", "due": "Date"}


@pytest.mark.parametrize(
    ("source", "js"),
    [
        ("doc.status == 'Open'", 'doc.status === "Open"'),
        ("doc.status != '待审核'", '!(doc.status === "待审核")'),
        ("doc.status in ['Open', 'Pending']", '["Open", "Pending"].includes(doc.status)'),
        ("doc.status not in ('Open',)", '!["Open"].includes(doc.status)'),
        ("doc.weeks >= 28", "doc.weeks != null && doc.weeks >= 28"),
        ("doc.reward is None", "doc.reward == null"),
        (
            "doc.reward is not None and doc.weeks > 0",
            "(doc.reward != null) && (doc.weeks != null && doc.weeks > 0)",
        ),
        ("doc.status == None", "doc.status == null"),
        ("'Township Approver' in roles", 'frappe.user_roles.includes("Township Approver")'),
        ("user == 'Administrator'", 'frappe.session.user === "Administrator"'),
        ("doc.status == 'A' or doc.status == 'B'", '(doc.status === "A") || (doc.status === "B")'),
        ("not doc.status", "!doc.status"),
        ("'x' if doc.status else 'y'", 'doc.status ? "x" : "y"'),
        ("doc.weeks == 3", "doc.weeks === 3"),
        ("-3 < doc.weeks", "doc.weeks != null && (-3) < doc.weeks"),
        ("-doc.weeks < 0", "neg(doc.weeks) < 0"),
    ],
)
def test_golden_javascript(source, js):
    code = parse(source).to_js(field_types=TYPES)
    if code.startswith("(() => {"):  # helpers inlined: compare the returned expression
        code = code.rsplit(" return ", 1)[1].removesuffix("; })()")
    assert code == js


def test_helpers_are_inlined_only_when_needed():
    js = parse("doc.items and doc.due < today").to_js(field_types=TYPES)
    assert js.startswith("(() => { const ")
    assert js.endswith(
        "return ((v) => truthy(v) ? lt(doc.due, frappe.datetime.get_today()) : v)(doc.items); })()"
    )
    assert "const truthy = " in js and "const lt = " in js
    assert "const eq" not in js and "const arith" not in js


def test_untyped_fields_use_python_equality():
    js = parse("doc.anything == 1").to_js()
    assert js.endswith("return eq(doc.anything, 1); })()")


def test_settings_as_compile_time_values_or_a_runtime_object():
    expr = parse("doc.weeks >= settings.health_threshold")
    assert expr.to_js(TYPES, settings={"health_threshold": 28}) == "doc.weeks != null && doc.weeks >= 28"
    runtime = expr.to_js(TYPES, settings="frappe.boot.campaign_settings")
    assert "(frappe.boot.campaign_settings || {}).health_threshold" in runtime


def test_settings_without_a_source_is_refused():
    with pytest.raises(ExprError) as raised:
        parse("doc.weeks >= settings.health_threshold").to_js(TYPES)
    assert "settings.health_threshold has no value in a form's depends_on" in raised.value.message
    assert raised.value.col == len("doc.weeks >= ") + 1


def test_database_functions_are_refused():
    with pytest.raises(ExprError) as raised:
        parse("doc.weeks > 1 and exists('Person', name=doc.person)").to_js()
    assert "exists() needs the database" in raised.value.message
    assert raised.value.col == len("doc.weeks > 1 and ") + 1


def test_object_prototype_names_do_not_leak():
    js = parse("doc.constructor is None").to_js()
    assert "hasOwnProperty" in js
