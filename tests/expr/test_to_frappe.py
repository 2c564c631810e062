"""Workflow conditions written for Frappe: golden text, and run through Frappe's own safe_eval path."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings

from townflow.expr import ExprError, parse

from .frappe_safe_eval import FakeDatabase, run_condition
from .strategies import CONTEXT, FIELD_TYPES, documents, expressions, normalize, same

FIELDS = {
    "weeks": "Int",
    "reward": "Currency",
    "status": "Select",
    "items": "Table",
    "due": "Date",
    "visited": "Datetime",
    "applicant": "Link",
    "note": "Data",
}
SETTINGS_TYPES = {"health_threshold": "Int", "reward_amount": "Currency", "office": "Data"}
SINGLES = {"Campaign Settings": {"health_threshold": "28", "reward_amount": "1000.0", "office": "乡政府"}}
RECORDS = {
    "Person": [{"name": "P-1", "id_number": "110101", "village": "东村"}],
    "Subsidy Application": [{"name": "S-1", "applicant": "P-1"}, {"name": "S-2", "applicant": "P-1"}],
    "Has Role": [{"name": "HR-1", "parent": "clerk@x", "parenttype": "User", "role": "Township Approver"}],
}
USER = "clerk@x"
SETTINGS = {"health_threshold": 28, "reward_amount": 1000.0, "office": "乡政府"}

DOCS = [
    {"weeks": 30, "reward": 500.0, "status": "待审核", "items": [{"q": 1}], "due": "2024-02-01",
     "visited": "2024-03-01 09:30:00", "applicant": "P-1", "note": "abc"},
    {"weeks": None, "reward": 0.0, "status": "Open", "items": [], "due": None, "visited": None,
     "applicant": "P-9", "note": ""},
    {"weeks": 12, "reward": 2.5, "status": "Approved", "items": [{"q": 1}, {"q": 2}], "due": "2024-03-05",
     "visited": "2023-12-31 23:59:59", "applicant": None, "note": None},
]  # fmt: skip

CONDITIONS = [
    "doc.weeks >= settings.health_threshold",
    "doc.weeks < 20 or doc.weeks is None",
    "1 < doc.weeks <= 30",
    "'Township Approver' in roles and doc.status == '待审核'",
    "'Finance Officer' not in roles",
    "user == 'clerk@x'",
    "doc.reward * 2 > settings.reward_amount / 2",
    "doc.reward + 1 if doc.status != 'Open' else -1",
    "doc.status in ['待审核', 'Approved']",
    "'pen' in doc.status",
    "'b' in doc.note",
    "len(doc.items) >= 1",
    "len(doc.note)",
    "is_set(doc.items) and not is_set(doc.note)",
    "days_between(doc.due, today)",
    "days_between(doc.due, today) > 20",
    "add_days(doc.due, 30) >= today",
    "date(doc.visited) == today",
    "doc.due < today",
    "doc.visited >= '2024-01-01 00:00:00'",
    "now > doc.visited",
    "exists('Person', name=doc.applicant)",
    "exists('Person', name=doc.applicant, village='东村')",
    "count('Subsidy Application', applicant=doc.applicant) < 2",
    "str(doc.weeks) + '周'",
    "str(doc.reward)",
    "str(doc.status)",
    "round(doc.reward / 3, 2)",
    "int(doc.reward) % 7",
    "abs(doc.reward - 100)",
    "min(doc.reward, 100, 3)",
    "max([doc.reward, settings.reward_amount])",
    "float(settings.health_threshold) / 8",
    "settings.office == '乡政府'",
    "doc.items == []",
]


def frappe_form(doc: dict) -> dict:
    """The document as Frappe's as_dict() gives it after load_from_db: dates as date objects."""
    out = dict(doc)
    if out.get("due"):
        out["due"] = dt.date.fromisoformat(out["due"])
    if out.get("visited"):
        out["visited"] = dt.datetime.fromisoformat(out["visited"])
    return out


def runtime_functions():
    def exists(doctype, **filters):
        return any(all(r.get(k) == v for k, v in filters.items()) for r in RECORDS.get(doctype, []))

    def count(doctype, **filters):
        return sum(all(r.get(k) == v for k, v in filters.items()) for r in RECORDS.get(doctype, []))

    return {"exists": exists, "count": count}


def outcome(run):
    try:
        return "ok", run()
    except ExprError as error:
        return "error", error.message
    except Exception as error:  # the Frappe side raises whatever Python raises
        return "error", type(error).__name__


@pytest.mark.parametrize("source", CONDITIONS)
@pytest.mark.parametrize("doc_index", range(len(DOCS)))
def test_frappe_condition_agrees_with_evaluate(source, doc_index):
    doc = DOCS[doc_index]
    expr = parse(source)
    code = expr.to_frappe_python(FIELDS, SETTINGS_TYPES)
    context = {"doc": doc, "user": USER, "roles": ["Township Approver"], "today": "2024-03-01",
               "now": "2024-03-01 10:00:00", "settings": SETTINGS}  # fmt: skip
    expected = outcome(lambda: expr.evaluate(context, runtime_functions()))
    database = FakeDatabase(RECORDS, SINGLES)
    got = outcome(lambda: run_condition(code, frappe_form(doc), USER, database))
    if expected[0] == "error":
        assert got[0] == "error", f"{source}: evaluate failed, Frappe gave {got}\n{code}"
    else:
        assert got == expected and type(got[1]) is type(expected[1]), f"{source}\n{code}"


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("doc.status == '待审核'", "doc.status == '\\u5f85\\u5ba1\\u6838'"),
        ("doc.weeks >= 28", "doc.weeks is not None and doc.weeks >= 28"),
        (
            "doc.weeks is None or doc.reward > 1",
            "(doc.weeks is None) or (doc.reward is not None and doc.reward > 1)",
        ),
        ("user == 'Administrator'", "frappe.session.user == 'Administrator'"),
        ("doc.items", "doc.get('items')"),
        (
            "exists('Person', id_number=doc.applicant)",
            "frappe.db.get_value('Person', {'id_number': doc.applicant}, 'name', order_by=None) is not None",
        ),
        (
            "count('Person') > 1",
            "frappe.db.get_value('Person', {}, 'count(name)', order_by=None) > 1",
        ),
        ("settings.office", "frappe.db.get_value('Campaign Settings', None, 'office')"),
        ("doc.status in ['A', 'B']", "doc.status in ['A', 'B']"),
    ],
)
def test_golden_frappe_python(source, python):
    assert parse(source).to_frappe_python(FIELDS, SETTINGS_TYPES) == python


def test_numeric_settings_are_cast_from_singles_text():
    code = parse("settings.health_threshold").to_frappe_python(settings_types=SETTINGS_TYPES)
    assert code == (
        "(lambda v: None if v is None else int(float(v)))"
        "(frappe.db.get_value('Campaign Settings', None, 'health_threshold'))"
    )


def test_settings_doctype_is_a_parameter():
    code = parse("settings.x").to_frappe_python(settings_doctype="Office Settings")
    assert code == "frappe.db.get_value('Office Settings', None, 'x')"


@pytest.mark.parametrize(
    ("source", "message", "col"),
    [
        ("len(roles) > 1", "roles can only be tested as 'Role' in roles", 5),
        ("doc.a > 1 and min(doc.items) > 0", "min()/max() of a list value cannot be written for Frappe", 15),
        ("lookup('X')", "lookup() cannot be written as a Frappe workflow condition", 1),
    ],
)
def test_what_frappe_cannot_express_is_refused(source, message, col):
    with pytest.raises(ExprError) as raised:
        parse(source, runtime_functions={"exists", "count", "lookup"}).to_frappe_python()
    assert message in raised.value.message
    assert raised.value.col == col


# --- property: random expressions over random documents -----------------------------------------

PROPERTY_SETTINGS_TYPES = {"limit": "Int", "label": "Data", "rate": "Float"}
PROPERTY_SINGLES = {"Campaign Settings": {"limit": "28", "label": "村", "rate": "0.5"}}
PROPERTY_RECORDS = {
    "Has Role": [
        {"name": f"HR-{i}", "parent": CONTEXT["user"], "parenttype": "User", "role": role}
        for i, role in enumerate(CONTEXT["roles"])
    ]
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=expressions, doc=documents())
def test_frappe_condition_never_contradicts_evaluate(source, doc):
    """Same value when both succeed, and Frappe fails only where the expression is ill-typed.

    Allowed, as documented in to_frappe.py: Frappe raising TypeError where evaluate gives a value
    (ordering a number with text, `in` on a number). Where evaluate refuses the input (ExprError),
    Frappe may refuse it too or be lenient (add_days(d, False), numbers beyond 2**53).
    """
    if doc.get("d") == "":
        doc["d"] = None  # Frappe stores an empty Date as NULL
    expr = parse(source)
    try:
        code = expr.to_frappe_python(FIELD_TYPES, PROPERTY_SETTINGS_TYPES)
    except ExprError:
        return  # refused with a message: tested above
    frappe_doc = dict(doc)
    if frappe_doc.get("d"):
        frappe_doc["d"] = dt.date.fromisoformat(frappe_doc["d"])
    database = FakeDatabase(PROPERTY_RECORDS, PROPERTY_SINGLES)
    expected = outcome(lambda: expr.evaluate({**CONTEXT, "doc": doc}))
    got = outcome(lambda: run_condition(code, frappe_doc, CONTEXT["user"], database))
    if expected[0] == "ok" and got[0] == "ok":
        assert same(normalize(expected[1]), normalize(got[1])), (
            f"{source} on {doc}: {expected} vs {got}\n{code}"
        )
    elif expected[0] == "ok":
        assert got == ("error", "TypeError"), f"{source} on {doc}: Frappe failed with {got}\n{code}"
