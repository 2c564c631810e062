"""The reference interpreter: walks the checked `ast` tree node by node.

`Expr.evaluate` runs the closures of `townflow.expr.closures` instead, which are several times
cheaper (a workflow transition evaluates about nine expressions). This walker stays as the plain
statement of what an expression means: `Expr.interpret` runs it, and the property test
tests/expr/test_closures_match_interpreter.py proves the closures give the same value or the same
error for random expressions and documents. Change the two together.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from townflow.expr import values
from townflow.expr.errors import ExprError

ORDER_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
ARITH_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}


class Interpreter:
    """One evaluation: the names, the runtime functions and, after an ExprError, where it failed."""

    def __init__(
        self,
        context: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
    ):
        self.context = context
        self.functions = functions
        #: The innermost node whose evaluation failed, to position the error.
        self.failed_node: ast.AST | None = None

    def eval(self, node: ast.AST) -> Any:
        try:
            return getattr(self, f"eval_{type(node).__name__}")(node)
        except ExprError:
            if self.failed_node is None:
                self.failed_node = node
            raise

    def eval_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def eval_Name(self, node: ast.Name) -> Any:
        if node.id not in self.context:
            raise ExprError(f"no value was given for {node.id!r}")
        return self.context[node.id]

    def eval_Attribute(self, node: ast.Attribute) -> Any:
        owner_name = node.value.id  # type: ignore[attr-defined]  # the parser allows only names
        if owner_name not in self.context:
            raise ExprError(f"no value was given for {owner_name!r}")
        owner = self.context[owner_name]
        if owner is None:
            return None
        if isinstance(owner, Mapping):
            return owner.get(node.attr)
        raise ExprError(f"{owner_name} must be a record (a dict), not {values.type_name(owner)}")

    def eval_Compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node)
            if not compare(op, left, right):
                return False
            left = right
        return True

    def eval_BoolOp(self, node: ast.BoolOp) -> Any:
        value = None
        for value_node in node.values:
            value = self.eval(value_node)
            if isinstance(node.op, ast.And) and not values.truthy(value):
                return value
            if isinstance(node.op, ast.Or) and values.truthy(value):
                return value
        return value

    def eval_UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not values.truthy(operand)
        if isinstance(node.op, ast.USub):
            return values.negate(operand)
        return values.plus(operand)

    def eval_BinOp(self, node: ast.BinOp) -> Any:
        left = self.eval(node.left)
        right = self.eval(node.right)
        return values.arithmetic(ARITH_OPS[type(node.op)], left, right)

    def eval_IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if values.truthy(self.eval(node.test)) else self.eval(node.orelse)

    def eval_List(self, node: ast.List | ast.Tuple) -> list[Any]:
        return [self.eval(element) for element in node.elts]

    eval_Tuple = eval_List

    def eval_Call(self, node: ast.Call) -> Any:
        name = node.func.id  # type: ignore[attr-defined]  # the parser allows only names
        args = [self.eval(arg) for arg in node.args]
        if name in values.BUILTIN_FUNCTIONS:
            return values.BUILTIN_FUNCTIONS[name](*args)
        function = self.functions.get(name)
        if function is None:
            raise ExprError(f"{name}() is not available here")
        kwargs = {keyword.arg: self.eval(keyword.value) for keyword in node.keywords}
        try:
            return function(*args, **kwargs)
        except ExprError:
            raise
        except Exception as error:  # a runtime function failing is reported, not a traceback
            raise ExprError(f"{name}() failed: {error}") from error


def compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    if isinstance(op, ast.Eq):
        return values.equal(left, right)
    if isinstance(op, ast.NotEq):
        return not values.equal(left, right)
    if isinstance(op, ast.In):
        return values.contains(right, left)
    if isinstance(op, ast.NotIn):
        return not values.contains(right, left)
    if isinstance(op, ast.Is):
        return left is None
    if isinstance(op, ast.IsNot):
        return left is not None
    return values.ordered(ORDER_OPS[type(op)], left, right)
