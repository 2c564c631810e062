"""Report conditions translated to SQL mean what the expression means in Python, empty values
included: each expression is evaluated both ways over the same rows."""

from __future__ import annotations

import sqlite3

import pytest

from townflow.expr import parse
from townflow.runtime.reports.sql import condition_sql

ROWS = [
    {"sex": "Male", "n": 2, "day": "2025-05-01", "flag": 1},
    {"sex": "Female", "n": 0, "day": "2026-01-15", "flag": 0},
    {"sex": None, "n": None, "day": None, "flag": None},
    {"sex": "", "n": 3, "day": "", "flag": 1},
]
TYPES = {"sex": "Data", "n": "Int", "day": "Date", "flag": "Check"}
CONTEXT = {"today": "2026-03-02", "settings": {"limit": 2}, "now": "", "user": "", "roles": []}


@pytest.mark.parametrize(
    "source",
    [
        'doc.sex == "Male"',
        'doc.sex != "Male"',
        'not doc.sex == "Male"',
        'doc.sex in ["Male", "Female"]',
        'doc.sex not in ["Male"]',
        "doc.n > 1",
        "doc.n <= settings.limit",
        "not doc.n > 1",
        "doc.day < today",
        "doc.day >= add_days(today, -400)",
        "is_set(doc.day)",
        "not is_set(doc.sex)",
        "doc.flag",
        "not doc.flag",
        "doc.flag == 1 and doc.n > 1",
        'doc.flag == 1 or doc.sex == "Female"',
        'not (doc.n > 1 and doc.sex == "Male")',
        "doc.sex == None",
        "2 < doc.n",
    ],
)
def test_sql_means_what_the_expression_means(source):
    found = condition_sql(source, lambda c: (c, TYPES[c]) if c in TYPES else None, CONTEXT)
    assert found is not None, f"{source} should translate"
    sql, params = found
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (i INTEGER, sex TEXT, n INTEGER, day TEXT, flag INTEGER)")
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [(i, *r.values()) for i, r in enumerate(ROWS)])
    in_sql = {i for (i,) in db.execute(f"SELECT i FROM t WHERE {sql}", params)}  # noqa: S608
    expr = parse(source, runtime_functions=())
    in_python = {i for i, row in enumerate(ROWS) if expr.evaluate({**CONTEXT, "doc": row})}
    assert in_sql == in_python


@pytest.mark.parametrize("source", ["len(doc.sex) > 2", "doc.n + 1 > 2", 'doc.n == "2"', "doc.other == 1"])
def test_what_cannot_be_said_exactly_in_sql_is_left_to_python(source):
    assert condition_sql(source, lambda c: (c, TYPES[c]) if c in TYPES else None, CONTEXT) is None
