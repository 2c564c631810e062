"""Random expressions and documents for the property tests that compare the translations.

Documents hold what forms hold: None, booleans, numbers, text (with dates, Chinese and an emoji),
lists and child rows; typed fields (FIELD_TYPES) hold only values of their Frappe fieldtype.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

FIELD_TYPES = {"n": "Int", "c": "Check", "x": "Float", "s": "Data", "d": "Date", "items": "Table"}
UNTYPED_FIELDS = ["a", "b"]
SETTINGS = {"limit": 28, "label": "村", "rate": 0.5, "empty": None}
CONTEXT = {
    "user": "clerk@village.gov",
    "roles": ["Village Clerk", "Township Approver"],
    "today": "2024-03-01",
    "now": "2024-03-01 10:00:00",
    "settings": SETTINGS,
}

texts = st.sampled_from(
    ["", "a", "b", "ab", "Open", "村委会", "10", "9", " 12 ", "1.5", "-3", "1e3", "\U0001f600", "\uff5e",
     "True", "None", "2024-02-28", "2024-02-29", "2024-03-01 09:30:00", "2023-02-29", "abc"]
)  # fmt: skip
numbers = st.one_of(
    st.integers(-1000, 1000),
    st.sampled_from([0.5, 2.5, -2.5, 0.125, 2.675, 1e-7, 1.5e-5, 0.1, 1 / 3, 1e16, 123.456, -0.0, 1e300]),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
# Literals in the source stay within +-(2**53 - 1), as the parser requires; documents may hold more.
literal_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), numbers.filter(lambda v: abs(v) < 1e15), texts
)
values = st.one_of(
    scalars, st.lists(scalars, max_size=3), st.lists(st.fixed_dictionaries({"q": scalars}), max_size=2)
)


@st.composite
def documents(draw):
    typed = {
        "n": st.one_of(st.none(), st.integers(-50, 50)),
        "c": st.sampled_from([0, 1]),
        "x": st.one_of(st.none(), numbers),
        "s": st.one_of(st.none(), texts),
        "d": st.one_of(st.none(), st.just(""), st.sampled_from(["2024-01-31", "2024-02-29", "2000-12-31"])),
        "items": st.lists(st.fixed_dictionaries({"q": st.integers(0, 3)}), max_size=2),
    }
    doc = {}
    for name, strategy in typed.items():
        if draw(st.booleans()) or name == "items":
            doc[name] = draw(strategy)
    for name in UNTYPED_FIELDS:
        if draw(st.integers(0, 4)):
            doc[name] = draw(values)
    return doc


def literal(value) -> str:
    if isinstance(value, float):
        text = repr(value)
        return f"({text})" if value < 0 or text.startswith("-") else text
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return f"({value})"
    return repr(value)


atoms = st.one_of(
    st.sampled_from([f"doc.{name}" for name in [*FIELD_TYPES, *UNTYPED_FIELDS, "missing"]]),
    st.sampled_from(["user", "roles", "today", "now", "settings.limit", "settings.label", "settings.rate"]),
    literal_scalars.map(literal),
)

UNARY_FUNCTIONS = ["len", "abs", "int", "float", "str", "round", "is_set", "date", "min", "max"]
BINARY_FUNCTIONS = ["days_between", "add_days", "round", "min", "max"]


def extend(inner):
    binary = st.tuples(
        inner,
        st.sampled_from(
            ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or", "+", "-", "*", "/", "//", "%"]
        ),
        inner,
    ).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})")
    return st.one_of(
        binary,
        binary,
        inner.map(lambda e: f"not ({e})"),
        inner.map(lambda e: f"-({e})"),
        inner.map(lambda e: f"({e}) is None"),
        inner.map(lambda e: f"({e}) is not None"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]}) if ({t[1]}) else ({t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]}) < ({t[1]}) <= ({t[2]})"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.tuples(st.sampled_from(UNARY_FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(BINARY_FUNCTIONS), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(
            inner, st.lists(st.sampled_from(["'a'", "'Open'", "1", "2.5"]), min_size=1, max_size=3)
        ).map(lambda t: f"({t[0]}) in [{', '.join(t[1])}]"),
    )


expressions = st.recursive(atoms, extend, max_leaves=8)


def normalize(value):
    """Python results in the shape the node side sends back (JSON, infinities marked)."""
    if isinstance(value, float) and math.isinf(value):
        return {"$inf": 1 if value > 0 else -1}
    if isinstance(value, list | tuple):
        return [normalize(item) for item in value]
    if isinstance(value, dict):
        return {key: normalize(item) for key, item in value.items()}
    return value


def same(left, right) -> bool:
    """Equal values of the same JSON kind (True is not 1 here, unlike Python's ==)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right
