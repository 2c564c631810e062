"""`Expr`: a checked expression that can be evaluated, or written as JavaScript or Frappe Python."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from townflow.expr import values
from townflow.expr.errors import ExprError
from townflow.expr.parser import DEFAULT_RUNTIME_FUNCTIONS, check_source, node_offset

_ORDER_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}


class Expr:
    """A parsed, whitelisted expression. Build it with `parse()`; it is immutable and reusable."""

    def __init__(self, source: str, runtime_functions: Iterable[str] = DEFAULT_RUNTIME_FUNCTIONS):
        checked = check_source(source, runtime_functions)
        self.source = source
        self.tree = checked.tree
        self.runtime_functions = frozenset(runtime_functions)
        #: The `doc.<field>` names the expression reads (spec checks they exist).
        self.fields_used: frozenset[str] = checked.fields_used
        #: The top-level names it reads (doc, user, roles, today, now, settings).
        self.names_used: frozenset[str] = checked.names_used
        #: The functions it calls (built-in and runtime-provided).
        self.functions_used: frozenset[str] = checked.functions_used

    def __repr__(self) -> str:
        return f"Expr({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Expr)
            and other.source == self.source
            and other.runtime_functions == self.runtime_functions
        )

    def __hash__(self) -> int:
        return hash((self.source, self.runtime_functions))

    def evaluate(
        self, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None
    ) -> Any:
        """The value of the expression; see `townflow.expr.values` for what each operator means.

        `context` maps the names the expression reads; `doc` and `settings` are dicts (a missing key
        reads as None). `functions` supplies the runtime functions such as `exists` and `count`.
        Raises ExprError, positioned in the source, for a missing name or a failing operation.
        """
        evaluator = _Evaluator(context, functions or {})
        try:
            return evaluator.eval(self.tree.body)
        except ExprError as error:
            failed = evaluator.failed_node
            offset = node_offset(self.source, failed) if failed is not None else None
            raise ExprError(error.message, offset, self.source) from None

    def to_js(
        self, field_types: Mapping[str, str] | None = None, settings: Mapping[str, Any] | str | None = None
    ) -> str:
        """JavaScript for Frappe's `depends_on` family (write it as "eval:" + this)."""
        from townflow.expr.to_js import expr_to_js

        return expr_to_js(self, field_types, settings)

    def to_frappe_python(
        self,
        field_types: Mapping[str, str] | None = None,
        settings_types: Mapping[str, str] | None = None,
        settings_doctype: str = "Campaign Settings",
    ) -> str:
        """Python for a Frappe Workflow Transition `condition` (run by frappe.safe_eval).

        `field_types`/`settings_types` map fieldnames to Frappe fieldtypes: dates are read as ISO
        text and numeric settings cast from the text Frappe stores for Single doctypes.
        """
        from townflow.expr.to_frappe import expr_to_frappe_python

        return expr_to_frappe_python(self, field_types, settings_types, settings_doctype)

    def node_offset(self, node: ast.AST) -> int:
        """Character offset of `node` in `self.source` (for error messages of the translators)."""
        return node_offset(self.source, node)


def parse(source: str, runtime_functions: Iterable[str] = DEFAULT_RUNTIME_FUNCTIONS) -> Expr:
    """Parse and check `source`; raise ExprError (with `.message` and `.offset`) if it is refused."""
    return Expr(source, runtime_functions)


class _Evaluator:
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
            if not _compare(op, left, right):
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
        return values.arithmetic(_ARITH_OPS[type(node.op)], left, right)

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


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
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
    return values.ordered(_ORDER_OPS[type(op)], left, right)
