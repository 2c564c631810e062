"""Compile a checked expression tree, once, into nested Python closures.

`Expr.evaluate` runs on the hot path of every save and workflow transition (about nine
expressions per transition). Walking the `ast` tree costs a method lookup by name and an
exception frame per node on every evaluation; here that work is done once per expression: each
node becomes a closure `run(context, functions)` that calls its children's closures directly,
with its operator, constants and function already chosen. No Python source is generated and
nothing is `eval`ed, `exec`ed or `compile`d: the closures are fixed code, parameterised by the
checked tree.

The meaning is exactly that of `townflow.expr.interpreter` (the reference, proven equal by
tests/expr/test_closures_match_interpreter.py): the same `values` functions, children evaluated in
the same order, and an ExprError positioned at the innermost node it passed through. A closure
turns an ExprError raised by its own operation into `Failed(error, node)`; `Failed` is not an
ExprError, so enclosing closures let it through untouched and `Expr.evaluate` positions the
message at that node. The shortcuts for common shapes (`doc.f == "text"`, `doc.f in [...]`) take
them only for exact `str` values, for which they give what `values.equal`/`values.contains` give.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from townflow.expr import values
from townflow.expr.errors import ExprError
from townflow.expr.operators import ARITHMETIC, COMPARISONS

#: A compiled node: `run(context, functions)` gives the node's value or raises `Failed`.
Run = Callable[[Mapping[str, Any], Mapping[str, Callable[..., Any]]], Any]


class Failed(Exception):
    """An ExprError and the innermost node it was raised at (to position the message)."""

    def __init__(self, error: ExprError, node: ast.AST):
        super().__init__(error.message)
        self.error = error
        self.node = node


def compile_tree(tree: ast.Expression) -> Run:
    """The closure for a tree checked by `townflow.expr.parser.check_source`."""
    return _compile(tree.body)


def _compile(node: ast.AST) -> Run:
    return _COMPILERS[type(node)](node)


def _constant(node: ast.Constant) -> Run:
    value = node.value

    def run(context, functions):
        return value

    return run


def _name(node: ast.Name) -> Run:
    name = node.id

    def run(context, functions):
        try:
            if name not in context:
                raise ExprError(f"no value was given for {name!r}")
            return context[name]
        except ExprError as error:
            raise Failed(error, node) from None

    return run


def _attribute(node: ast.Attribute) -> Run:
    owner_name = node.value.id  # type: ignore[attr-defined]  # the parser allows only names
    field = node.attr

    def run(context, functions):
        try:
            if owner_name not in context:
                raise ExprError(f"no value was given for {owner_name!r}")
            owner = context[owner_name]
            if type(owner) is dict:  # the usual record; a Mapping, so the same as below
                return owner.get(field)
            if owner is None:
                return None
            if isinstance(owner, Mapping):
                return owner.get(field)
            raise ExprError(f"{owner_name} must be a record (a dict), not {values.type_name(owner)}")
        except ExprError as error:
            raise Failed(error, node) from None

    return run


def _compare(node: ast.Compare) -> Run:
    if len(node.ops) == 1:
        return _single_compare(node, node.ops[0], node.comparators[0])
    left_run = _compile(node.left)
    steps = [
        (COMPARISONS[type(op)], _compile(right)) for op, right in zip(node.ops, node.comparators, strict=True)
    ]

    def run(context, functions):
        left = left_run(context, functions)
        try:
            for test, right_run in steps:
                right = right_run(context, functions)
                if not test(left, right):
                    return False
                left = right
            return True
        except ExprError as error:
            raise Failed(error, node) from None

    return run


def _single_compare(node: ast.Compare, op: ast.cmpop, right_node: ast.expr) -> Run:
    left_run = _compile(node.left)
    if isinstance(op, ast.Is | ast.IsNot):  # the parser allows only `is None`, `is not None`
        if isinstance(op, ast.Is):

            def run_is_none(context, functions):
                return left_run(context, functions) is None

            return run_is_none

        def run_is_not_none(context, functions):
            return left_run(context, functions) is not None

        return run_is_not_none
    if isinstance(op, ast.Eq | ast.NotEq) and _is_str_constant(right_node):
        return _equal_text(node, left_run, right_node.value, isinstance(op, ast.NotEq))  # type: ignore[attr-defined]
    if isinstance(op, ast.In | ast.NotIn) and _is_constant_list(right_node):
        items = tuple(element.value for element in right_node.elts)  # type: ignore[attr-defined]
        return _in_constants(node, left_run, items, isinstance(op, ast.NotIn))
    test = COMPARISONS[type(op)]
    right_run = _compile(right_node)

    def run(context, functions):
        left = left_run(context, functions)
        right = right_run(context, functions)
        try:
            return bool(test(left, right))
        except ExprError as error:
            raise Failed(error, node) from None

    return run


def _is_str_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is str


def _is_constant_list(node: ast.AST) -> bool:
    return isinstance(node, ast.List | ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts)


def _equal_text(node: ast.Compare, left_run: Run, text: str, negate: bool) -> Run:
    """`x == "text"` / `x != "text"`: for an exact str x, values.equal is plain ==."""

    def run(context, functions):
        left = left_run(context, functions)
        try:
            same = left == text if type(left) is str else values.equal(left, text)
        except ExprError as error:
            raise Failed(error, node) from None
        return not same if negate else bool(same)

    return run


def _in_constants(node: ast.Compare, left_run: Run, items: tuple[Any, ...], negate: bool) -> Run:
    """`x in [constants]`: for an exact str x among only str constants, a set lookup."""
    texts = frozenset(items) if all(type(item) is str for item in items) else None

    def run(context, functions):
        left = left_run(context, functions)
        try:
            # values.contains treats a tuple as the list literal it stands for
            found = left in texts if texts is not None and type(left) is str else values.contains(items, left)
        except ExprError as error:
            raise Failed(error, node) from None
        return not found if negate else bool(found)

    return run


# --- the other operators --------------------------------------------------------------------------


def _bool_op(node: ast.BoolOp) -> Run:
    runs = [_compile(value) for value in node.values]
    is_and = isinstance(node.op, ast.And)
    if len(runs) == 2:
        first, second = runs
        if is_and:

            def run_and(context, functions):
                value = first(context, functions)
                return second(context, functions) if value else value

            return run_and

        def run_or(context, functions):
            value = first(context, functions)
            return value if value else second(context, functions)

        return run_or

    def run(context, functions):
        value = None
        for value_run in runs:
            value = value_run(context, functions)
            if is_and and not value:
                return value
            if not is_and and value:
                return value
        return value

    return run


def _unary_op(node: ast.UnaryOp) -> Run:
    operand_run = _compile(node.operand)
    if isinstance(node.op, ast.Not):

        def run_not(context, functions):
            return not operand_run(context, functions)

        return run_not
    apply = values.negate if isinstance(node.op, ast.USub) else values.plus

    def run(context, functions):
        operand = operand_run(context, functions)
        try:
            return apply(operand)
        except ExprError as error:
            raise Failed(error, node) from None

    return run


def _bin_op(node: ast.BinOp) -> Run:
    left_run, right_run = _compile(node.left), _compile(node.right)
    arithmetic = ARITHMETIC[type(node.op)]

    def run(context, functions):
        left = left_run(context, functions)
        right = right_run(context, functions)
        try:
            return arithmetic(left, right)
        except ExprError as error:
            raise Failed(error, node) from None

    return run


def _if_exp(node: ast.IfExp) -> Run:
    test_run, body_run, orelse_run = _compile(node.test), _compile(node.body), _compile(node.orelse)

    def run(context, functions):
        return (
            body_run(context, functions) if test_run(context, functions) else orelse_run(context, functions)
        )

    return run


def _list(node: ast.List | ast.Tuple) -> Run:
    if all(isinstance(element, ast.Constant) for element in node.elts):
        items = tuple(element.value for element in node.elts)  # type: ignore[attr-defined]

        def run_constants(context, functions):
            return list(items)  # a new list each time, as the interpreter builds one

        return run_constants
    runs = [_compile(element) for element in node.elts]

    def run(context, functions):
        return [element_run(context, functions) for element_run in runs]

    return run


def _call(node: ast.Call) -> Run:
    name = node.func.id  # type: ignore[attr-defined]  # the parser allows only names
    arg_runs = [_compile(arg) for arg in node.args]
    if name in values.BUILTIN_FUNCTIONS:
        return _builtin_call(node, values.BUILTIN_FUNCTIONS[name], arg_runs)
    keyword_runs = [(keyword.arg, _compile(keyword.value)) for keyword in node.keywords]
    if all(isinstance(arg, ast.Constant) for arg in node.args):  # the quoted doctype, always
        args = tuple(arg.value for arg in node.args)  # type: ignore[attr-defined]
        return _runtime_call(node, name, args, keyword_runs)

    def run(context, functions):
        args = [arg_run(context, functions) for arg_run in arg_runs]
        return _invoke(node, name, args, keyword_runs, context, functions)

    return run


def _runtime_call(
    node: ast.Call, name: str, args: tuple[Any, ...], keyword_runs: list[tuple[str, Run]]
) -> Run:
    """`exists("DocType", field=value, ...)`: the positional arguments are constants, given as they are."""

    def run(context, functions):
        return _invoke(node, name, args, keyword_runs, context, functions)

    return run


def _invoke(node: ast.Call, name: str, args, keyword_runs: list[tuple[str, Run]], context, functions) -> Any:
    """Call the runtime function `name` (checked before its keyword values are evaluated)."""
    function = functions.get(name)
    if function is None:
        raise Failed(ExprError(f"{name}() is not available here"), node)
    kwargs = {keyword: value_run(context, functions) for keyword, value_run in keyword_runs}
    try:
        return function(*args, **kwargs)
    except ExprError as error:
        raise Failed(error, node) from None
    except Exception as error:  # a runtime function failing is reported, not a traceback
        raise Failed(ExprError(f"{name}() failed: {error}"), node) from error


def _builtin_call(node: ast.Call, function: Callable[..., Any], arg_runs: list[Run]) -> Run:
    if len(arg_runs) == 1:
        (arg_run,) = arg_runs

        def run_one(context, functions):
            arg = arg_run(context, functions)
            try:
                return function(arg)
            except ExprError as error:
                raise Failed(error, node) from None

        return run_one

    def run(context, functions):
        args = [arg_run(context, functions) for arg_run in arg_runs]
        try:
            return function(*args)
        except ExprError as error:
            raise Failed(error, node) from None

    return run


_COMPILERS: dict[type, Callable[[Any], Run]] = {
    ast.Constant: _constant,
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.Compare: _compare,
    ast.BoolOp: _bool_op,
    ast.UnaryOp: _unary_op,
    ast.BinOp: _bin_op,
    ast.IfExp: _if_exp,
    ast.List: _list,
    ast.Tuple: _list,
    ast.Call: _call,
}
