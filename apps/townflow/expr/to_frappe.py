"""Write an `Expr` as Python for a Frappe Workflow Transition `condition`.

Frappe v15 runs a condition as (frappe/model/workflow.py, frappe/utils/safe_exec.py)

    frappe.safe_eval(condition, get_workflow_safe_globals(), dict(doc=doc.as_dict()))

so the code sees only: `doc` (a frappe._dict of the saved document: dates are datetime.date,
child tables lists of dicts), `frappe.db.get_value`, `frappe.db.get_list`, `frappe.session`,
`frappe.utils.now_datetime/add_to_date/get_datetime/now`, and the builtins `int`, `float`, `round`
(no `len`, `str`, `min`, ...). The code is compiled by RestrictedPython after NFKC normalisation, so
string literals are written with ASCII escapes. The translation:

    doc.f (Date)        -> the ISO string of the date; (Datetime) "YYYY-MM-DD HH:MM:SS"
    user                -> frappe.session.user
    today / now         -> frappe.utils.now_datetime() formatted as ISO text
    'R' in roles        -> what frappe.permissions.get_roles gives (it is not in the globals)
    settings.x          -> frappe.db.get_value(<settings doctype>, None, "x"), cast by its fieldtype
                           (Singles store text) when `settings_types` says it
    exists(dt, **f)     -> frappe.db.get_value(dt, {f}, "name", order_by=None) is not None
    count(dt, **f)      -> frappe.db.get_value(dt, {f}, "count(name)", order_by=None)
    len, abs, min, max, str, is_set, date, days_between, add_days -> inline lambdas

Differences that remain, for ill-typed expressions only: ordering a number with a string (or `in`
on a non-string) raises in Frappe where `evaluate` gives False, integers are not limited to 2**53,
and str() of a number that may also be text writes 2.0 as "2.0". `townflow check` types fields.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import TYPE_CHECKING

from townflow.expr.errors import ExprError
from townflow.expr.to_js import kinds_of_fieldtype

if TYPE_CHECKING:
    from townflow.expr.expression import Expr

_DICT_ATTRIBUTES = frozenset(dir(dict))
_ORDER = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}
_CASTS = {"Int": "int(float(v))", "Check": "int(float(v))", "Float": "float(v)", "Currency": "float(v)",
          "Percent": "float(v)"}  # fmt: skip
# Not strftime: with `__builtins__ = {}` it fails on Python 3.11 (it imports `time` from the caller).
_TODAY = "frappe.utils.now_datetime().date().isoformat()"
_NOW = "frappe.utils.now_datetime().isoformat(' ', 'seconds')"
_AS_DATE = "frappe.utils.get_datetime({}).date()"
_EMPTY = "{0} is None or {0} == ''"
# frappe.permissions.get_roles: Guest has only Guest; Administrator every Role; others their Has Role
# rows (without the automatic roles) plus All, Guest and, for system users, Desk User.
_HAS_ROLE = (
    "(r == 'Guest') if u == 'Guest' or not u"
    " else (frappe.db.get_value('Role', {'name': r}, 'name') is not None) if u == 'Administrator'"
    " else (r in ('All', 'Guest')"
    " or (r == 'Desk User' and frappe.db.get_value('User', u, 'user_type') == 'System User')"
    " or (r not in ('Guest', 'All', 'Desk User', 'Administrator') and frappe.db.get_value("
    "'Has Role', {'parent': u, 'parenttype': 'User', 'role': r}, 'name') is not None))"
)


def py_literal(value: object) -> str:
    """A literal that survives Frappe's NFKC normalisation unchanged (non-ASCII as escapes)."""
    return ascii(value)


def expr_to_frappe_python(
    expr: Expr,
    field_types: Mapping[str, str] | None = None,
    settings_types: Mapping[str, str] | None = None,
    settings_doctype: str = "Campaign Settings",
) -> str:
    writer = _FrappeWriter(expr, field_types or {}, settings_types or {}, settings_doctype)
    return writer.write(expr.tree.body)[0]


class _FrappeWriter:
    def __init__(self, expr: Expr, field_types, settings_types, settings_doctype: str):
        self.expr = expr
        self.field_types = field_types
        self.settings_types = settings_types
        self.settings_doctype = settings_doctype

    def refuse(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, self.expr.node_offset(node), self.expr.source)

    def write(self, node: ast.AST) -> tuple[str, frozenset[str], bool]:
        """(code, kinds of value, simple): simple code is cheap and pure, so it may be repeated."""
        return getattr(self, f"write_{type(node).__name__}")(node)

    def operand(self, node: ast.AST) -> tuple[str, frozenset[str], bool]:
        code, kinds, simple = self.write(node)
        return (code if simple else f"({code})"), kinds, simple

    def write_Constant(self, node: ast.Constant):
        value = node.value
        kinds = {type(None): "none", bool: "bool", str: "str"}.get(type(value), "num")
        return py_literal(value), frozenset({kinds}), True

    def write_Name(self, node: ast.Name):
        if node.id == "user":
            return "frappe.session.user", frozenset({"str"}), True
        if node.id == "today":
            return _TODAY, frozenset({"str"}), True
        if node.id == "now":
            return _NOW, frozenset({"str"}), True
        raise self.refuse(node, "roles can only be tested as 'Role' in roles in a Frappe workflow condition")

    def write_Attribute(self, node: ast.Attribute):
        owner = node.value.id  # type: ignore[attr-defined]  # the parser allows only names
        field = node.attr
        if owner == "parent":
            raise self.refuse(
                node, "parent.<field> is for a child row's rules; a workflow condition has no parent"
            )
        if owner == "settings":
            read = f"frappe.db.get_value({py_literal(self.settings_doctype)}, None, {py_literal(field)})"
            fieldtype = self.settings_types.get(field)
            if fieldtype in _CASTS:
                return (
                    f"(lambda v: None if v is None else {_CASTS[fieldtype]})({read})",
                    frozenset({"none", "num"}),
                    False,
                )
            return read, kinds_of_fieldtype(fieldtype), False
        read = f"doc.get({py_literal(field)})" if field in _DICT_ATTRIBUTES else f"doc.{field}"
        fieldtype = self.field_types.get(field)
        if fieldtype == "Date":
            return (
                f"(lambda v: {_AS_DATE.format('v')}.isoformat() if v else None)({read})",
                frozenset({"none", "str"}),
                False,
            )
        if fieldtype == "Datetime":
            text = "frappe.utils.get_datetime(v).isoformat(' ', 'seconds')"
            return f"(lambda v: {text} if v else None)({read})", frozenset({"none", "str"}), False
        return read, kinds_of_fieldtype(fieldtype), True

    def write_Compare(self, node: ast.Compare):
        parts = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            parts.append(self.comparison(op, left_node, right_node))
            left_node = right_node
        if len(parts) == 1:
            return parts[0], frozenset({"bool"}), False
        return " and ".join(f"({part})" for part in parts), frozenset({"bool"}), False

    def comparison(self, op: ast.cmpop, left_node: ast.AST, right_node: ast.AST) -> str:
        if (
            isinstance(op, ast.In | ast.NotIn)
            and isinstance(right_node, ast.Name)
            and right_node.id == "roles"
        ):
            return self.role_test(left_node, negate=isinstance(op, ast.NotIn))
        left, left_kinds, left_simple = self.operand(left_node)
        right, right_kinds, right_simple = self.operand(right_node)
        if isinstance(op, ast.Is | ast.IsNot):
            if not isinstance(left_node, ast.Attribute | ast.Name | ast.Call):
                # Python folds constants and warns on `<literal> is None`; `==` means the same here.
                return f"{left} {'==' if isinstance(op, ast.Is) else '!='} None"
            return f"{left} {'is' if isinstance(op, ast.Is) else 'is not'} None"
        if isinstance(op, ast.Eq | ast.NotEq):
            return f"{left} {'==' if isinstance(op, ast.Eq) else '!='} {right}"
        if isinstance(op, ast.In | ast.NotIn):
            if "none" not in right_kinds:
                return f"{left} {'in' if isinstance(op, ast.In) else 'not in'} {right}"
            if right_simple:
                test = f"{right} is not None and {left} in {right}"
            else:
                test = f"(lambda a, b: b is not None and a in b)({left}, {right})"
            return test if isinstance(op, ast.In) else f"not ({test})"
        symbol = _ORDER[type(op)]
        # Python raises comparing None; the language says an empty value is not ordered (False).
        if "none" not in left_kinds and "none" not in right_kinds:
            return f"{left} {symbol} {right}"
        if left_simple and right_simple:
            guards = [f"{code} is not None" for code, kinds in ((left, left_kinds), (right, right_kinds))
                      if "none" in kinds]  # fmt: skip
            return " and ".join([*guards, f"{left} {symbol} {right}"])
        return f"(lambda a, b: a is not None and b is not None and a {symbol} b)({left}, {right})"

    def role_test(self, role_node: ast.AST, negate: bool) -> str:
        """`role in roles` as frappe.permissions.get_roles decides it (get_roles is not in the globals)."""
        role = self.write(role_node)[0]
        has_role = f"(lambda r, u: {_HAS_ROLE})({role}, frappe.session.user)"
        return f"not {has_role}" if negate else has_role

    def write_BoolOp(self, node: ast.BoolOp):
        parts = [self.operand(value) for value in node.values]
        joiner = " and " if isinstance(node.op, ast.And) else " or "
        return joiner.join(code for code, _, _ in parts), frozenset().union(*(k for _, k, _ in parts)), False

    def write_UnaryOp(self, node: ast.UnaryOp):
        operand = self.operand(node.operand)[0]
        if isinstance(node.op, ast.Not):
            return f"not {operand}", frozenset({"bool"}), False
        return f"{'-' if isinstance(node.op, ast.USub) else '+'}{operand}", frozenset({"num"}), False

    def write_BinOp(self, node: ast.BinOp):
        op = _ARITH[type(node.op)]
        left, left_kinds, _ = self.operand(node.left)
        right, right_kinds, _ = self.operand(node.right)
        # `*` repeats and `%` formats text in Python; the language allows only numbers there.
        if op in ("*", "%") and left_kinds & {"str", "list"}:
            left = f"({left} + 0)"
        if op == "*" and right_kinds & {"str", "list"}:
            right = f"({right} + 0)"
        kinds = {"num"} if op != "+" else ({"num"} | (left_kinds & right_kinds & {"str", "list"}))
        return f"{left} {op} {right}", frozenset(kinds), False

    def write_IfExp(self, node: ast.IfExp):
        body, body_kinds, _ = self.operand(node.body)
        test = self.operand(node.test)[0]
        orelse, else_kinds, _ = self.operand(node.orelse)
        return f"{body} if {test} else {orelse}", body_kinds | else_kinds, False

    def write_List(self, node: ast.List | ast.Tuple):
        return "[" + ", ".join(self.write(e)[0] for e in node.elts) + "]", frozenset({"list"}), True

    write_Tuple = write_List

    def write_Call(self, node: ast.Call):
        name = node.func.id  # type: ignore[attr-defined]  # the parser allows only names
        method = getattr(self, f"call_{name}", None)
        if method is None:
            raise self.refuse(node, f"{name}() cannot be written as a Frappe workflow condition")
        return method(node)

    def args(self, node: ast.Call) -> list[str]:
        return [self.write(arg)[0] for arg in node.args]

    def call_int(self, node):
        return f"int({self.args(node)[0]})", frozenset({"num"}), True

    def call_float(self, node):
        return f"float({self.args(node)[0]})", frozenset({"num"}), True

    def call_round(self, node):
        return f"round({', '.join(self.args(node))})", frozenset({"num"}), True

    def call_len(self, node):
        (value,) = self.args(node)
        return f"[1 for v in (({value}) or [])].count(1)", frozenset({"num"}), False

    def call_abs(self, node):
        (value,) = self.args(node)
        return f"(lambda v: -v if v < 0 else v + 0)({value})", frozenset({"num"}), False

    def call_min(self, node):
        return self._extreme(node, "<")

    def call_max(self, node):
        return self._extreme(node, ">")

    def _extreme(self, node: ast.Call, symbol: str):
        items = node.args
        if len(items) == 1:
            if not isinstance(items[0], ast.List | ast.Tuple) or not items[0].elts:
                raise self.refuse(
                    node, "min()/max() of a list value cannot be written for Frappe; list the values"
                )
            items = items[0].elts
        code = self.write(items[0])[0]
        for item in items[1:]:
            code = f"(lambda a, b: b if b {symbol} a else a)({code}, {self.write(item)[0]})"
        return code, frozenset({"num", "str"}), False

    def call_str(self, node):
        value, kinds, _ = self.write(node.args[0])
        numeric = kinds <= {"num", "none"}  # whole numbers without ".0", as evaluate() writes them
        text = '"%d" % v if v == v // 1 else "%r" % (v,)' if numeric else '"%s" % (v,)'
        return f'(lambda v: "" if v is None else {text})({value})', frozenset({"str"}), False

    def call_is_set(self, node):
        (value,) = self.args(node)
        return f"(lambda v: not (v is None or v == '' or v == []))({value})", frozenset({"bool"}), False

    def call_date(self, node):
        (value,) = self.args(node)
        body = f"None if {_EMPTY.format('v')} else {_AS_DATE.format('v')}.isoformat()"
        return f"(lambda v: {body})({value})", frozenset({"str", "none"}), False

    def call_days_between(self, node):
        start, end = self.args(node)
        empty = f"{_EMPTY.format('a')} or {_EMPTY.format('b')}"
        body = f"None if {empty} else ({_AS_DATE.format('b')} - {_AS_DATE.format('a')}).days"
        return f"(lambda a, b: {body})({start}, {end})", frozenset({"num", "none"}), False

    def call_add_days(self, node):
        day, count = self.args(node)
        added = f"frappe.utils.add_to_date({_AS_DATE.format('d')}, days=n, as_string=True)"
        return (
            f"(lambda d, n: None if {_EMPTY.format('d')} else {added})({day}, {count})",
            frozenset({"str", "none"}),
            False,
        )

    def call_exists(self, node):
        return f"{self._db_value(node, 'name')} is not None", frozenset({"bool"}), False

    def call_count(self, node):
        return self._db_value(node, "count(name)"), frozenset({"num"}), True

    def _db_value(self, node: ast.Call, column: str) -> str:
        doctype = self.write(node.args[0])[0]
        filters = ", ".join(f"{py_literal(k.arg)}: {self.write(k.value)[0]}" for k in node.keywords)
        return f"frappe.db.get_value({doctype}, {{{filters}}}, {py_literal(column)}, order_by=None)"
