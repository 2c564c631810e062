"""Property: `Expr.evaluate` (the tree compiled into closures) means exactly what the interpreter means.

`Expr.interpret` walks the tree node by node (townflow.expr.interpreter, the reference); `evaluate`
runs closures compiled once per expression (townflow.expr.closures). For random expressions,
documents, contexts and runtime functions, both must give the identical value (same types, same
-0.0, same list shapes) or the identical error (type, message and position), and call the runtime
functions with the same arguments in the same order.
"""

from __future__ import annotations

from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from townflow.expr import ExprError, parse

from .strategies import CONTEXT, atoms, documents, expressions, extend, values


def extra_shapes(inner):
    """Shapes the shared strategies leave out: runtime calls, n-ary and/or, unary +, tuples."""
    keyword = st.sampled_from(["household", "benefit_kind", "workflow_state"])
    return st.one_of(
        st.tuples(st.sampled_from(["exists", "count"]), st.lists(st.tuples(keyword, inner), max_size=2)).map(
            lambda t: (
                f"{t[0]}('Subsidy Application'" + "".join(f", {k}=({v})" for k, v in dict(t[1]).items()) + ")"
            )
        ),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=3, max_size=4)).map(
            lambda t: f" {t[0]} ".join(f"({item})" for item in t[1])
        ),
        inner.map(lambda e: f"+({e})"),
        st.lists(inner, max_size=3).map(lambda items: "(" + "".join(f"{item}, " for item in items) + ")"),
        st.tuples(
            inner, st.sampled_from(["==", "!="]), st.sampled_from(["'Open'", "'a'", "''", "'村委会'"])
        ).map(lambda t: f"({t[0]}) {t[1]} {t[2]}"),
        st.tuples(
            inner,
            st.sampled_from(["in", "not in"]),
            st.sampled_from(["['a', 'Open']", "('a', 1, None)", "[]"]),
        ).map(lambda t: f"({t[0]}) {t[1]} {t[2]}"),
        st.tuples(inner, inner, inner, inner).map(lambda t: f"({t[0]}) == ({t[1]}) != ({t[2]}) in ({t[3]})"),
    )


OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or", "+", "-", "*", "/", "//", "%"]
small_expressions = st.one_of(
    atoms, extend(atoms), st.sampled_from(["0", "0.0", "(-0.0)", "9007199254740991"])
)
#: One operator over small operands: every operator meets zeros, empty values, text and big numbers.
operations = st.one_of(
    st.tuples(small_expressions, st.sampled_from(OPERATORS), small_expressions).map(
        lambda t: f"({t[0]}) {t[1]} ({t[2]})"
    ),
    st.tuples(st.sampled_from(["-", "+", "not "]), small_expressions).map(lambda t: f"{t[0]}({t[1]})"),
)
all_expressions = st.one_of(
    operations,
    expressions,
    st.recursive(atoms, lambda inner: st.one_of(extend(inner), extra_shapes(inner)), max_leaves=10),
)


@st.composite
def contexts(draw):
    """The usual names, sometimes with one missing, or with `doc` not a dict (a Mapping, a value)."""
    context = {**CONTEXT, "doc": draw(documents())}
    shape = draw(st.sampled_from(["dict", "dict", "dict", "mapping", "value", "missing"]))
    if shape == "mapping":
        context["doc"] = MappingProxyType(context["doc"])
    elif shape == "value":
        context["doc"] = draw(values)
    elif shape == "missing":
        del context[draw(st.sampled_from(sorted(context)))]
    return context


class RuntimeFunctions:
    """exists/count that answer from their arguments, or fail, and record every call."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
        self.calls: list[tuple] = []

    def functions(self):
        if self.behaviour == "none":
            return None
        return {"exists": self.exists, "count": self.count}

    def _answer(self, name, doctype, filters):
        self.calls.append((name, doctype, repr(sorted(filters.items()))))
        if self.behaviour == "raise":
            raise LookupError(f"no table for {doctype}")
        if self.behaviour == "refuse":
            raise ExprError(f"{doctype} may not be read")
        return len(filters)

    def exists(self, doctype, **filters):
        return self._answer("exists", doctype, filters) % 2 == 1

    def count(self, doctype, **filters):
        return self._answer("count", doctype, filters)


def outcome(run, context, functions):
    try:
        return ("value", repr(run(context, functions.functions())), functions.calls)
    except ExprError as error:
        return ("ExprError", error.message, error.offset, str(error), functions.calls)
    except Exception as error:  # any other failure must be the same failure too
        return (type(error).__name__, str(error), functions.calls)


@settings(max_examples=3000, deadline=None)
@given(
    source=all_expressions,
    context=contexts(),
    behaviour=st.sampled_from(["answer", "answer", "raise", "refuse", "none"]),
)
def test_compiled_evaluation_is_the_interpreter(source, context, behaviour):
    expr = parse(source)
    interpreted = outcome(expr.interpret, context, RuntimeFunctions(behaviour))
    compiled = outcome(expr.evaluate, context, RuntimeFunctions(behaviour))
    assert compiled == interpreted, source
    again = outcome(expr.evaluate, context, RuntimeFunctions(behaviour))  # the cached closures
    assert again == interpreted, source


#: Orders of evaluation a user sees through which error comes first.
TRICKY_SOURCES = [
    "exists('Subsidy Application', household=(1 + doc.s))",  # no exists(): that error, not the filter's
    "count('Subsidy Application', household=(-doc.s), benefit_kind=len(doc.n))",
    "count('Subsidy Application', household=doc.s) + (1 + doc.s)",
    "(1 + doc.s) if doc.missing else (2 + doc.s)",
    "doc.s == 'Open' != (1 + doc.s)",
    "doc.s in ['a', 'Open'] and doc.s not in ('a', None, 1) or -doc.s",
    "round(doc.n, doc.s) is None",
]
TRICKY_DOCUMENTS = [{"s": "Open", "n": 2}, {"s": None}, {"s": 3, "n": "x"}, {}]


def test_tricky_orders_of_evaluation_agree():
    for source in TRICKY_SOURCES:
        expr = parse(source)
        for doc in TRICKY_DOCUMENTS:
            for behaviour in ["answer", "raise", "refuse", "none"]:
                context = {**CONTEXT, "doc": doc}
                interpreted = outcome(expr.interpret, context, RuntimeFunctions(behaviour))
                compiled = outcome(expr.evaluate, context, RuntimeFunctions(behaviour))
                assert compiled == interpreted, (source, doc, behaviour)


def test_an_error_names_the_innermost_failing_operation():
    expr = parse("doc.ok and (1 + doc.text) > 2")
    context = {**CONTEXT, "doc": {"ok": True, "text": "x"}}
    for run in (expr.evaluate, expr.interpret):
        try:
            run(context)
        except ExprError as error:
            assert (error.message, error.col) == ("cannot compute a number + a string", 13)
        else:
            raise AssertionError("1 + 'x' must fail")
