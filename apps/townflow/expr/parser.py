"""Parse an expression with `ast` and refuse everything outside a small whitelist.

The source is only ever handed to `ast.parse(..., mode="eval")`; nothing is compiled or executed.
Every node of the tree is checked against the whitelist below, so a refused construct is named
together with its position, e.g. ``1:1: calls to __import__ are not allowed``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from townflow.expr.errors import ExprError
from townflow.expr.values import MAX_SAFE_NUMBER

#: Spec expressions are one-liners; the limits keep hostile input from exhausting the recursion.
MAX_SOURCE_LENGTH = 4000
MAX_DEPTH = 60
#: Names an expression may read; the caller supplies their values.
ALLOWED_NAMES = frozenset({"doc", "parent", "user", "roles", "today", "now", "settings"})
#: Names read only through one level of attribute access (`doc.<field>`, `settings.<field>`, and
#: `parent.<field>`: in a child row's expression `doc` is the row and `parent` its document).
RECORD_NAMES = frozenset({"doc", "parent", "settings"})
#: Built-in functions and how many positional arguments each takes (min, max).
BUILTIN_ARITY: dict[str, tuple[int, int]] = {
    "len": (1, 1),
    "abs": (1, 1),
    "min": (1, 99),
    "max": (1, 99),
    "int": (1, 1),
    "float": (1, 1),
    "str": (1, 1),
    "round": (1, 2),
    "is_set": (1, 1),
    "days_between": (2, 2),
    "add_days": (2, 2),
    "date": (1, 1),
}
#: Functions the runtime passes to `evaluate` (they need the database): `exists(doctype, **filters)`.
DEFAULT_RUNTIME_FUNCTIONS = frozenset({"exists", "count"})

_COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
_UNARY_OPS = (ast.Not, ast.USub, ast.UAdd)

_REFUSED: dict[type, str] = {
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.JoinedStr: "f-strings are not allowed; join strings with +",
    ast.FormattedValue: "f-strings are not allowed; join strings with +",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Subscript: "subscripts ([...]) are not allowed; read fields as doc.<field>",
    ast.Slice: "slices are not allowed",
    ast.Dict: "dict literals are not allowed",
    ast.Set: "set literals are not allowed; use a list [...]",
    ast.Starred: "* unpacking is not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


class ParsedTree:
    """The checked tree plus what it reads: the result of `check_source`."""

    def __init__(
        self,
        tree: ast.Expression,
        fields: set[str],
        names: set[str],
        functions: set[str],
        parent_fields: set[str] = frozenset(),
    ):
        self.tree = tree
        self.fields_used = frozenset(fields)
        self.parent_fields_used = frozenset(parent_fields)
        self.names_used = frozenset(names)
        self.functions_used = frozenset(functions)


def check_source(source: str, runtime_functions: Iterable[str] = DEFAULT_RUNTIME_FUNCTIONS) -> ParsedTree:
    """Parse `source` and check every node; raise ExprError naming the first refused construct."""
    if not isinstance(source, str):
        raise ExprError("an expression must be a string")
    stripped = source.lstrip()
    shift = len(source) - len(stripped)
    if not stripped.strip():
        raise ExprError("the expression is empty", 0, source)
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExprError(f"the expression is longer than {MAX_SOURCE_LENGTH} characters", 0, source)
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        offset = _syntax_error_offset(stripped, error)
        message = error.msg or "invalid syntax"
        raise ExprError(f"syntax error: {message}", offset + shift, source) from None
    except (RecursionError, MemoryError):
        raise ExprError(f"the expression is nested more than {MAX_DEPTH} levels deep", 0, source) from None
    _check_depth(tree, stripped, shift, source)
    checker = _Checker(stripped, frozenset(runtime_functions))
    try:
        checker.visit(tree.body)
    except ExprError as error:
        raise ExprError(error.message, (error.offset or 0) + shift, source) from None
    return ParsedTree(tree, checker.fields, checker.names, checker.functions, checker.parent_fields)


def _check_depth(tree: ast.Expression, text: str, shift: int, source: str) -> None:
    """Refuse deep nesting before anything recursive walks the tree (iteratively, so it cannot fail)."""
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            offset = _Checker(text, frozenset()).offset(node)
            raise ExprError(
                f"the expression is nested more than {MAX_DEPTH} levels deep", offset + shift, source
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def node_offset(source: str, node: ast.AST) -> int:
    """Character offset of `node` in `source` (ast counts columns in UTF-8 bytes, after lstrip)."""
    stripped = source.lstrip()
    return len(source) - len(stripped) + _Checker(stripped, frozenset()).offset(node)


def _syntax_error_offset(text: str, error: SyntaxError) -> int:
    line = max(error.lineno or 1, 1)
    col = max((error.offset or 1) - 1, 0)
    starts = _line_starts(text)
    start = starts[min(line, len(starts)) - 1]
    return min(start + col, len(text))


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


class _Checker:
    """Walks the tree once, refusing what is not whitelisted and collecting names, fields, calls."""

    def __init__(self, text: str, runtime_functions: frozenset[str]):
        self.text = text
        self.lines = text.split("\n")
        self.starts = _line_starts(text)
        self.runtime_functions = runtime_functions
        self.fields: set[str] = set()
        self.parent_fields: set[str] = set()
        self.names: set[str] = set()
        self.functions: set[str] = set()

    def offset(self, node: ast.AST) -> int:
        """Character offset of `node` (ast counts columns in UTF-8 bytes)."""
        line = getattr(node, "lineno", 1)
        col_bytes = getattr(node, "col_offset", 0)
        prefix = self.lines[line - 1].encode("utf-8")[:col_bytes].decode("utf-8", errors="ignore")
        return self.starts[line - 1] + len(prefix)

    def refuse(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, self.offset(node), self.text)

    def visit(self, node: ast.AST) -> None:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            message = _REFUSED.get(type(node), f"{type(node).__name__} expressions are not allowed")
            raise self.refuse(node, message)
        method(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if node.value is not None and not isinstance(node.value, str | int | float):
            raise self.refuse(node, f"{type(node.value).__name__} literals are not allowed")
        if isinstance(node.value, int | float) and not abs(node.value) <= MAX_SAFE_NUMBER:
            # Beyond this, JavaScript numbers lose precision and the two runtimes would disagree.
            raise self.refuse(node, "numbers beyond +-(2**53 - 1) are not allowed")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in ALLOWED_NAMES and node.id not in RECORD_NAMES:
            self.names.add(node.id)
            return
        if node.id in RECORD_NAMES:
            raise self.refuse(node, f"{node.id} must be read field by field: {node.id}.<field>")
        if node.id in BUILTIN_ARITY or node.id in self.runtime_functions:
            raise self.refuse(node, f"{node.id} is a function: call it, {node.id}(...)")
        allowed = ", ".join(sorted(ALLOWED_NAMES))
        raise self.refuse(node, f"unknown name {node.id!r}; the names are {allowed}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            raise self.refuse(node, f"attribute {node.attr!r} is not allowed (names starting with _)")
        owner = node.value
        if not (isinstance(owner, ast.Name) and owner.id in RECORD_NAMES):
            raise self.refuse(node, "only doc.<field>, parent.<field> and settings.<field> may use a dot")
        self.names.add(owner.id)
        if owner.id == "doc":
            self.fields.add(node.attr)
        elif owner.id == "parent":
            self.parent_fields.add(node.attr)

    def visit_Compare(self, node: ast.Compare) -> None:
        self.visit(node.left)
        for op, right in zip(node.ops, node.comparators, strict=True):
            if not isinstance(op, _COMPARE_OPS):  # pragma: no cover - every ast cmpop is listed
                raise self.refuse(node, f"operator {type(op).__name__} is not allowed")
            if isinstance(op, ast.Is | ast.IsNot) and not (
                isinstance(right, ast.Constant) and right.value is None
            ):
                raise self.refuse(right, "'is' only compares with None: x is None, x is not None")
            self.visit(right)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        for value in node.values:
            self.visit(value)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, _UNARY_OPS):
            raise self.refuse(node, "operator ~ is not allowed")
        self.visit(node.operand)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not isinstance(node.op, _BIN_OPS):
            symbol = {ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>"}.get(
                type(node.op), type(node.op).__name__
            )
            raise self.refuse(node, f"operator {symbol} is not allowed; use + - * / // %")
        self.visit(node.left)
        self.visit(node.right)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.visit(node.test)
        self.visit(node.body)
        self.visit(node.orelse)

    def visit_List(self, node: ast.List | ast.Tuple) -> None:
        for element in node.elts:
            self.visit(element)

    visit_Tuple = visit_List

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Name):
            raise self.refuse(node, "only the listed functions may be called, by name")
        name = func.id
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, "* unpacking is not allowed")
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.refuse(keyword, "** unpacking is not allowed")
        if name in BUILTIN_ARITY:
            self._check_builtin_call(node, name)
        elif name in self.runtime_functions:
            self._check_runtime_call(node, name)
        else:
            known = ", ".join(sorted(set(BUILTIN_ARITY) | self.runtime_functions))
            raise self.refuse(node, f"calls to {name} are not allowed; the functions are {known}")
        self.functions.add(name)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def _check_builtin_call(self, node: ast.Call, name: str) -> None:
        low, high = BUILTIN_ARITY[name]
        if node.keywords:
            raise self.refuse(node.keywords[0], f"{name}() takes no keyword arguments")
        count = len(node.args)
        if not low <= count <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise self.refuse(node, f"{name}() takes {wanted} argument(s), got {count}")

    def _check_runtime_call(self, node: ast.Call, name: str) -> None:
        if len(node.args) != 1:
            usage = f"{name}('DocType', field=value)"
            raise self.refuse(node, f"{name}() takes the doctype then filters: {usage}")
        doctype = node.args[0]
        if not (isinstance(doctype, ast.Constant) and isinstance(doctype.value, str)):
            raise self.refuse(doctype, f"the doctype of {name}() must be a quoted name")
        seen: set[str] = set()
        for keyword in node.keywords:
            if keyword.arg in seen:  # pragma: no cover - Python's parser already refuses this
                raise self.refuse(keyword, f"filter {keyword.arg} given twice")
            if keyword.arg is not None and keyword.arg.startswith("_"):
                raise self.refuse(keyword, f"filter {keyword.arg!r} is not allowed (names starting with _)")
            seen.add(keyword.arg or "")
