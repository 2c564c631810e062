"""Each operator of the language as one two-argument function, chosen once per node.

`townflow.expr.values` says what the operators mean and the interpreter calls it with the
operator's symbol (`values.arithmetic("+", a, b)`), deciding which operator it is on every
evaluation. The compiled closures pick the function here once instead. Each gives exactly what the
interpreter gives: the comparisons are `interpreter.compare` per operator, and the arithmetic
computes plain numbers (exact int or float, not bool) directly and hands every other case - strings,
lists, empty values, division by zero, a result beyond +-(2**53 - 1) - to `values.arithmetic`,
which gives the value or raises the same ExprError as for the interpreter.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from townflow.expr import values
from townflow.expr.interpreter import ARITH_OPS

Operator = Callable[[Any, Any], Any]

_NUMBER = (int, float)  # values.is_number: bool is an int
_PLAIN_NUMBER = frozenset({int, float})
_MAX = values.MAX_SAFE_NUMBER


def _not_equal(left: Any, right: Any) -> bool:
    return not values.equal(left, right)


def _in(left: Any, right: Any) -> bool:
    return values.contains(right, left)


def _not_in(left: Any, right: Any) -> bool:
    return not values.contains(right, left)


def _is_none(left: Any, right: Any) -> bool:
    return left is None


def _is_not_none(left: Any, right: Any) -> bool:
    return left is not None


def _ordering(compare: Operator) -> Operator:
    def test(left: Any, right: Any) -> bool:  # values.ordered
        if (isinstance(left, _NUMBER) and isinstance(right, _NUMBER)) or (
            isinstance(left, str) and isinstance(right, str)
        ):
            return compare(left, right)
        return False

    return test


#: `left <op> right` for each comparison operator: what `interpreter.compare(op, left, right)` gives.
COMPARISONS: dict[type, Operator] = {
    ast.Eq: values.equal,
    ast.NotEq: _not_equal,
    ast.In: _in,
    ast.NotIn: _not_in,
    ast.Is: _is_none,
    ast.IsNot: _is_not_none,
    ast.Lt: _ordering(operator.lt),
    ast.LtE: _ordering(operator.le),
    ast.Gt: _ordering(operator.gt),
    ast.GtE: _ordering(operator.ge),
}


def _sum_like(symbol: str, compute: Operator) -> Operator:
    """+ - *: computed directly for two plain numbers whose result is in range."""

    def apply(left: Any, right: Any) -> Any:
        if type(left) in _PLAIN_NUMBER and type(right) in _PLAIN_NUMBER:
            result = compute(left, right)
            if abs(result) <= _MAX:
                return result
        return values.arithmetic(symbol, left, right)

    return apply


def _division_like(symbol: str, compute: Operator) -> Operator:
    """/ // %: as `_sum_like`, when the divisor is not zero."""

    def apply(left: Any, right: Any) -> Any:
        if type(left) in _PLAIN_NUMBER and type(right) in _PLAIN_NUMBER and right != 0:
            result = compute(left, right)
            if abs(result) <= _MAX:
                return result
        return values.arithmetic(symbol, left, right)

    return apply


_COMPUTE: dict[type, Operator] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
#: `left <op> right` for each arithmetic operator: what `values.arithmetic(symbol, left, right)` gives.
ARITHMETIC: dict[type, Operator] = {
    op: (_division_like if op in (ast.Div, ast.FloorDiv, ast.Mod) else _sum_like)(ARITH_OPS[op], compute)
    for op, compute in _COMPUTE.items()
}
