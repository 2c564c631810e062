"""get_list filters against a plain-Python reading of Frappe's semantics, on generated data."""

from __future__ import annotations

import fnmatch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VALUES = st.one_of(st.none(), st.sampled_from(["", "a", "b", "ab"]))
AMOUNTS = st.sampled_from([0, 1000, 2500, 5000])
STORED_AMOUNTS = st.one_of(st.none(), AMOUNTS)
OPS = ["=", "!=", "<", ">", "<=", ">=", "like", "not like", "in", "not in", "is", "between"]


def matches(row: dict, field: str, op: str, value) -> bool:
    """Frappe's reading: NULL compares as its fallback (0 for numbers, '' for text), except that
    `= x`, `like x` and `in [...]` with non-empty values never match NULL."""
    v = row[field]
    empty = v is None or v == ""
    if op == "is":
        return (not empty) if value == "set" else empty
    if op == "=" and value in (None, ""):
        return empty
    if op in ("=", "like") and v is None and value not in (None, ""):
        return False
    if op == "in" and v is None:
        return "" in value
    fallback = 0 if field == "amount" else ""
    v = fallback if v is None else v
    if op == "=":
        return v == value
    if op == "!=":
        return v != value
    if op == "in":
        return v in value
    if op == "not in":
        return v not in value
    if op in ("like", "not like"):
        hit = fnmatch.fnmatchcase(str(v), value.replace("%", "*"))
        return hit if op == "like" else not hit
    if op == "between":
        return value[0] <= v <= value[1]
    return {"<": v < value, ">": v > value, "<=": v <= value, ">=": v >= value}[op]


def filter_strategy():
    remark = st.tuples(st.just("remark"), st.sampled_from(OPS), st.sampled_from(["", "a", "b", "%a%", "a%"]))
    amount = st.tuples(st.just("amount"), st.sampled_from(["=", "!=", "<", ">", "<=", ">="]), AMOUNTS)

    def fix(t):
        field, op, value = t
        if op == "is":
            return field, op, "set" if value in ("a", "%a%") else "not set"
        if op in ("in", "not in"):
            return field, op, [value] if field == "amount" else (["a", "ab"] if value != "" else ["", "b"])
        if op == "between":
            return field, op, ["a", "b"]
        if op in ("like", "not like") and field == "amount":
            return field, "=", value
        return field, op, value

    return st.lists(st.one_of(remark, amount).map(fix), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(VALUES, STORED_AMOUNTS), min_size=1, max_size=8), filters=filter_strategy())
def test_filters_agree_with_frappe_semantics(admin, people, rows, filters):
    db = admin.site.db
    with admin.site.transaction():
        db.execute("DELETE FROM tabApplication")
        for i, (remark, amount) in enumerate(rows):
            db.execute(
                "INSERT INTO tabApplication (name, owner, creation, modified, modified_by, docstatus, idx, "
                "household, remark, amount) VALUES (?, 'x', '', ?, 'x', 0, 0, ?, ?, ?)",
                (f"A{i}", f"2026-01-01 00:00:{i:02d}", people["h1"]["name"], remark, amount),
            )
    stored = [
        {"name": f"A{i}", "remark": r, "amount": None if a is None else float(a)}
        for i, (r, a) in enumerate(rows)
    ]
    want = sorted(r["name"] for r in stored if all(matches(r, *flt) for flt in filters))
    got = sorted(
        r["name"]
        for r in admin.get_list("Application", filters=[list(x) for x in filters], limit_page_length=0)
    )
    assert got == want
