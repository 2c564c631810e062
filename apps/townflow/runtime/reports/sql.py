"""Report conditions (townflow.expr) as parameterized SQL, where the meaning is certainly the same.

Only a small, checked subset is translated: `doc.<column> <op> <constant>` (==, !=, <, <=, >,
>=, in, not in), `and`/`or`/`not`, a column's truthiness, and `is_set(doc.<column>)`; a constant
is any part that reads no `doc` (literals, `today`, `add_days(today, -5479)`,
`settings.<field>`), evaluated by the expression language itself and bound as a parameter.
Each form keeps `townflow.expr.values`' meaning for empty values (a NULL equals nothing, is
ordered before nothing, and is not set): a comparison with NULL is NULL, which WHERE and CASE
WHEN take as false — as Python's False — and only a `not` needs COALESCE(..., 0) to turn it
into true. Plain `col = ?` comparisons let SQLite use the DocTypes' indexes. Anything else
answers None and the caller evaluates the expression in Python over the rows instead: a report
is never wrong, only slower.
Column names come from the meta (whitelisted), never from the expression text.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from townflow.expr import ExprError, parse
from townflow.runtime.query import NUMERIC_TYPES

#: column name -> (SQL for it, its Frappe fieldtype), or None when the column is not a plain field
ColumnSQL = Callable[[str], tuple[str, str] | None]

_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in"}
_OPS[ast.NotIn] = "not in"
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Untranslatable(Exception):
    pass


def _reads_doc(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "doc" for n in ast.walk(node))


class _Translator:
    def __init__(self, source: str, column_sql: ColumnSQL, context: Mapping[str, Any]):
        self.source = source
        self.column_sql = column_sql
        self.context = context
        self.params: list[Any] = []

    def constant(self, node: ast.AST) -> Any:
        text = ast.get_source_segment(self.source, node)
        if text is None:
            raise _Untranslatable
        try:
            return parse(text, runtime_functions=()).evaluate(self.context)
        except ExprError:
            raise _Untranslatable from None

    def column(self, node: ast.AST) -> tuple[str, str]:
        if not (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "doc"
        ):
            raise _Untranslatable
        found = self.column_sql(node.attr)
        if found is None:
            raise _Untranslatable
        return found

    def bind(self, value: Any, fieldtype: str) -> str:
        numeric = fieldtype in NUMERIC_TYPES
        if isinstance(value, bool):
            value = int(value)
        if numeric != (isinstance(value, int | float)):  # expr compares numbers with numbers only
            raise _Untranslatable
        self.params.append(value)
        return "?"

    def sql(self, node: ast.AST) -> str:
        if isinstance(node, ast.BoolOp):
            joiner = " AND " if isinstance(node.op, ast.And) else " OR "
            return "(" + joiner.join(self.sql(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"(NOT COALESCE({self.sql(node.operand)}, 0))"
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self.compare(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "is_set":
            if len(node.args) != 1 or node.keywords:
                raise _Untranslatable
            col, _ = self.column(node.args[0])
            return f"({col} IS NOT NULL AND {col} != '')"
        if isinstance(node, ast.Attribute):
            col, fieldtype = self.column(node)
            empty = "0" if fieldtype in NUMERIC_TYPES else "''"
            return f"({col} != {empty})"
        raise _Untranslatable

    def compare(self, node: ast.Compare) -> str:
        op = _OPS.get(type(node.ops[0]))
        if op is None:
            raise _Untranslatable
        left, right = node.left, node.comparators[0]
        if op in ("in", "not in"):
            if _reads_doc(right):
                raise _Untranslatable
            col, fieldtype = self.column(left)
            values = self.constant(right)
            if not isinstance(values, list | tuple) or any(v is None for v in values):
                raise _Untranslatable
            if not values:
                return "0" if op == "in" else "1"
            marks = ", ".join(self.bind(v, fieldtype) for v in values)
            if op == "in":
                return f"({col} IN ({marks}))"
            return f"(NOT COALESCE({col} IN ({marks}), 0))"
        if _reads_doc(left) and not _reads_doc(right):
            column_node, constant_node = left, right
        elif _reads_doc(right) and not _reads_doc(left):
            column_node, constant_node, op = right, left, _FLIP[op]
        else:
            raise _Untranslatable
        col, fieldtype = self.column(column_node)
        value = self.constant(constant_node)
        if value is None:
            if op == "==":
                return f"({col} IS NULL)"
            if op == "!=":
                return f"({col} IS NOT NULL)"
            return "0"
        mark = self.bind(value, fieldtype)
        if op == "==":
            return f"({col} = {mark})"
        if op == "!=":
            return f"(NOT COALESCE({col} = {mark}, 0))"
        return f"({col} {op} {mark})"


def condition_sql(
    source: str | None, column_sql: ColumnSQL, context: Mapping[str, Any]
) -> tuple[str, list[Any]] | None:
    """(SQL, params) meaning the same as the expression `source` over a row, or None."""
    if not source:
        return "1", []
    expr = parse(source, runtime_functions=())
    translator = _Translator(source, column_sql, context)
    try:
        sql = translator.sql(expr.tree.body)
    except _Untranslatable:
        return None
    return sql, translator.params
