"""Write an `Expr` as JavaScript for Frappe's `depends_on`, `mandatory_depends_on`, `read_only_depends_on`.

In a Frappe form, `eval:` code sees `doc` (the document object) and `parent`. The other names map to
what the Frappe desk provides:

    user     -> frappe.session.user
    roles    -> frappe.user_roles
    today    -> frappe.datetime.get_today()          ("YYYY-MM-DD", the system time zone)
    now      -> frappe.datetime.now_datetime()       ("YYYY-MM-DD HH:mm:ss")
    settings -> only if the caller says how: `settings=` a dict of values fixed at compile time, or
                a JavaScript expression for an object that holds them at run time
                (e.g. "frappe.boot.campaign_settings"); otherwise ExprError.

`exists()`/`count()` need the database and cannot run in a form: ExprError.

Python and JavaScript differ in truthiness ([] is true in JS), `==` (1 == "1", null vs undefined),
ordering with empty values (null < 3 is true in JS) and arithmetic. Where the types of both sides
make the native JS operator mean the same, it is used; otherwise a small helper from js_helpers.py
is inlined. `field_types` (fieldname -> Frappe fieldtype) lets more comparisons stay native.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from townflow.expr.errors import ExprError
from townflow.expr.js_helpers import prelude

if TYPE_CHECKING:
    from townflow.expr.expression import Expr

ANY = frozenset({"none", "bool", "num", "str", "list", "rec"})
_NUMERIC_TYPES = {"Int", "Float", "Currency", "Percent", "Check", "Rating", "Duration"}
_TABLE_TYPES = {"Table", "Table MultiSelect"}
_TEXT_TYPES = {
    "Data", "Select", "Link", "Dynamic Link", "Date", "Datetime", "Time", "Small Text", "Text",
    "Long Text", "Text Editor", "HTML Editor", "Markdown Editor", "Code", "Attach", "Attach Image",
    "Phone", "Read Only", "Password", "Color", "Barcode", "Signature", "Autocomplete", "JSON",
    "Geolocation", "Icon",
}  # fmt: skip
_NAME_JS = {
    "user": ("frappe.session.user", frozenset({"str"})),
    "roles": ("frappe.user_roles", frozenset({"list"})),
    "today": ("frappe.datetime.get_today()", frozenset({"str"})),
    "now": ("frappe.datetime.now_datetime()", frozenset({"str"})),
}
_FUNCTION_KINDS = {
    "len": {"num"},
    "abs": {"num"},
    "min": {"num", "str"},
    "max": {"num", "str"},
    "int": {"num"},
    "float": {"num"},
    "str": {"str"},
    "round": {"num"},
    "is_set": {"bool"},
    "days_between": {"num", "none"},
    "add_days": {"str", "none"},
    "date": {"str", "none"},
}
_ORDER_HELPERS = {ast.Lt: ("lt", "<"), ast.LtE: ("le", "<="), ast.Gt: ("gt", ">"), ast.GtE: ("ge", ">=")}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}
_JS_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_OBJECT_PROTOTYPE_NAMES = {
    "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
    "toLocaleString", "toString", "valueOf",
}  # fmt: skip


def kinds_of_fieldtype(fieldtype: str | None) -> frozenset[str]:
    """What a form value of this Frappe fieldtype can be (None: unknown, so anything)."""
    if fieldtype in _NUMERIC_TYPES:
        return frozenset({"none", "num"})
    if fieldtype in _TABLE_TYPES:
        return frozenset({"none", "list"})
    if fieldtype in _TEXT_TYPES:
        return frozenset({"none", "str"})
    return ANY


def js_literal(value: Any) -> str:
    """A JSON value written as JavaScript (also used for compile-time settings)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def expr_to_js(
    expr: Expr,
    field_types: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | str | None = None,
) -> str:
    writer = _JsWriter(expr, field_types or {}, settings)
    code, _kinds, _atomic = writer.write(expr.tree.body)
    if not writer.helpers:
        return code
    lines = prelude(writer.helpers)
    return "(() => { " + " ".join(lines) + f" return {code}; }})()"


class _JsWriter:
    def __init__(self, expr: Expr, field_types: Mapping[str, str], settings: Mapping[str, Any] | str | None):
        self.expr = expr
        self.field_types = field_types
        self.settings = settings
        self.helpers: set[str] = set()

    def refuse(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, self.expr.node_offset(node), self.expr.source)

    def call(self, helper: str, *args: str) -> tuple[str, bool]:
        self.helpers.add(helper)
        return f"{helper}({', '.join(args)})", True

    def write(self, node: ast.AST) -> tuple[str, frozenset[str], bool]:
        """(code, what kinds of value it yields, whether it needs no parentheses to be an operand)."""
        return getattr(self, f"write_{type(node).__name__}")(node)

    def operand(self, node: ast.AST) -> tuple[str, frozenset[str]]:
        code, kinds, atomic = self.write(node)
        return (code if atomic else f"({code})"), kinds

    def truth(self, node: ast.AST) -> str:
        """`node` as a JS condition with Python's truthiness."""
        code, kinds = self.operand(node)
        if kinds & {"list", "rec"}:
            return self.call("truthy", code)[0]
        return code

    def write_Constant(self, node: ast.Constant) -> tuple[str, frozenset[str], bool]:
        value = node.value
        if value is None:
            return "null", frozenset({"none"}), True
        if isinstance(value, bool):
            return ("true" if value else "false"), frozenset({"bool"}), True
        if isinstance(value, int | float):
            return repr(value), frozenset({"num"}), value >= 0
        return js_literal(value), frozenset({"str"}), True

    def write_Name(self, node: ast.Name) -> tuple[str, frozenset[str], bool]:
        code, kinds = _NAME_JS[node.id]
        return code, kinds, True

    def write_Attribute(self, node: ast.Attribute) -> tuple[str, frozenset[str], bool]:
        owner = node.value.id  # type: ignore[attr-defined]  # the parser allows only names
        field = node.attr
        if owner == "doc":
            return _member("doc", field), kinds_of_fieldtype(self.field_types.get(field)), True
        if owner == "parent":  # Frappe passes a child row's document as `parent` to eval:
            return _member("(parent || {})", field), ANY, True
        if self.settings is None:
            raise self.refuse(
                node,
                f"settings.{field} has no value in a form's depends_on; "
                "pass to_js(settings=...) (values or a JavaScript object)",
            )
        if isinstance(self.settings, str):
            return _member(f"({self.settings} || {{}})", field), ANY, True
        value = self.settings.get(field)
        code, kinds, atomic = (
            self.write_Constant(ast.Constant(value)) if _is_scalar(value) else (js_literal(value), ANY, True)
        )
        return code, kinds, atomic

    def write_Compare(self, node: ast.Compare) -> tuple[str, frozenset[str], bool]:
        parts: list[tuple[str, bool]] = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            parts.append(self.comparison(op, left_node, right_node))
            left_node = right_node
        if len(parts) == 1:
            return parts[0][0], frozenset({"bool"}), parts[0][1]
        joined = " && ".join(code if atomic else f"({code})" for code, atomic in parts)
        return joined, frozenset({"bool"}), False

    def comparison(self, op: ast.cmpop, left_node: ast.AST, right_node: ast.AST) -> tuple[str, bool]:
        """(code, atomic) for one `left op right`."""
        left, left_kinds = self.operand(left_node)
        right, right_kinds = self.operand(right_node)
        if isinstance(op, ast.Is | ast.IsNot):
            return f"{left} {'==' if isinstance(op, ast.Is) else '!='} null", False
        if isinstance(op, ast.Eq | ast.NotEq):
            same, atomic = self.equality(left, left_kinds, left_node, right, right_kinds, right_node)
            if isinstance(op, ast.Eq):
                return same, atomic
            return (f"!{same}" if atomic else f"!({same})"), False
        if isinstance(op, ast.In | ast.NotIn):
            inside = self.membership((left, left_kinds, left_node), (right, right_kinds, right_node))
            return (inside if isinstance(op, ast.In) else f"!{inside}"), isinstance(op, ast.In)
        helper, symbol = _ORDER_HELPERS[type(op)]
        if left_kinds <= {"num"} and right_kinds <= {"num"}:
            return f"{left} {symbol} {right}", False
        plain = _cannot_throw(left_node) and _cannot_throw(right_node)
        if plain and left_kinds <= {"num", "none"} and right_kinds <= {"num", "none"}:
            # Python: an empty value is not ordered (False); JS would read null as 0. Both sides
            # are plain reads, so a guard that skips evaluating one of them changes nothing else.
            guards = [
                f"{code} != null"
                for code, kinds in ((left, left_kinds), (right, right_kinds))
                if "none" in kinds
            ]
            return " && ".join([*guards, f"{left} {symbol} {right}"]), False
        return self.call(helper, left, right)

    def equality(self, left, left_kinds, left_node, right, right_kinds, right_node) -> tuple[str, bool]:
        for node, other in ((right_node, left), (left_node, right)):
            if isinstance(node, ast.Constant) and node.value is None:
                return f"{other} == null", False  # null and undefined alike, as None
        if _plain_literal(right_node, left_kinds) or _plain_literal(left_node, right_kinds):
            return f"{left} === {right}", False
        for scalar in ({"num"}, {"str"}, {"bool"}):
            if left_kinds <= scalar and right_kinds <= scalar:
                return f"{left} === {right}", False
        return self.call("eq", left, right)

    def membership(self, item_part: tuple, container_part: tuple) -> str:
        """`item in container`; `.includes` where it means the same as Python's membership."""
        item, item_kinds, item_node = item_part
        container, container_kinds, container_node = container_part
        if isinstance(container_node, ast.List | ast.Tuple) and container_node.elts:
            constants = [e.value for e in container_node.elts if isinstance(e, ast.Constant)]
            all_text = all(isinstance(c, str) for c in constants)
            all_numbers = all(isinstance(c, int | float) and not isinstance(c, bool) for c in constants)
            if len(constants) == len(container_node.elts) and (
                all_text or (all_numbers and not item_kinds & {"bool"})
            ):
                return f"{container}.includes({item})"
        literal_text = isinstance(item_node, ast.Constant) and isinstance(item_node.value, str)
        if container_kinds == {"list"} and literal_text:
            return f"{container}.includes({item})"  # e.g. "Township Approver" in roles
        return self.call("has", container, item)[0]

    def write_BoolOp(self, node: ast.BoolOp) -> tuple[str, frozenset[str], bool]:
        # Python returns the deciding operand; fold from the right: a and b and c == a and (b and c).
        code, kinds, atomic = self.write(node.values[-1])
        for value_node in reversed(node.values[:-1]):
            first, first_kinds = self.operand(value_node)
            rest = code if atomic else f"({code})"
            if first_kinds & {"list", "rec"}:
                self.helpers.add("truthy")
                if isinstance(node.op, ast.And):
                    code = f"((v) => truthy(v) ? {rest} : v)({first})"
                else:
                    code = f"((v) => truthy(v) ? v : {rest})({first})"
                atomic = True
            else:
                code = f"{first} {'&&' if isinstance(node.op, ast.And) else '||'} {rest}"
                atomic = False
            kinds = kinds | first_kinds
        return code, kinds, atomic

    def write_UnaryOp(self, node: ast.UnaryOp) -> tuple[str, frozenset[str], bool]:
        if isinstance(node.op, ast.Not):
            return f"!{self.truth(node.operand)}", frozenset({"bool"}), False
        operand, kinds = self.operand(node.operand)
        if kinds <= {"num"}:
            return f"{'-' if isinstance(node.op, ast.USub) else '+'}{operand}", frozenset({"num"}), False
        helper = "neg" if isinstance(node.op, ast.USub) else "pos"
        return *self.call(helper, operand)[:1], frozenset({"num"}), True

    def write_BinOp(self, node: ast.BinOp) -> tuple[str, frozenset[str], bool]:
        left, left_kinds = self.operand(node.left)
        right, right_kinds = self.operand(node.right)
        op = _ARITH[type(node.op)]
        kinds = set()
        if left_kinds & {"num", "bool"} and right_kinds & {"num", "bool"}:
            kinds.add("num")
        if op == "+":
            kinds |= left_kinds & right_kinds & {"str", "list"}
        code, _ = self.call("arith", js_literal(op), left, right)
        return code, frozenset(kinds), True

    def write_IfExp(self, node: ast.IfExp) -> tuple[str, frozenset[str], bool]:
        test = self.truth(node.test)
        body, body_kinds = self.operand(node.body)
        orelse, else_kinds = self.operand(node.orelse)
        return f"{test} ? {body} : {orelse}", body_kinds | else_kinds, False

    def write_List(self, node: ast.List | ast.Tuple) -> tuple[str, frozenset[str], bool]:
        items = [self.write(element)[0] for element in node.elts]
        return f"[{', '.join(items)}]", frozenset({"list"}), True

    write_Tuple = write_List

    def write_Call(self, node: ast.Call) -> tuple[str, frozenset[str], bool]:
        name = node.func.id  # type: ignore[attr-defined]  # the parser allows only names
        if name not in _FUNCTION_KINDS:
            raise self.refuse(node, f"{name}() needs the database and cannot run in a form's depends_on")
        args = [self.write(arg)[0] for arg in node.args]
        code, _ = self.call(name, *args)
        return code, frozenset(_FUNCTION_KINDS[name]), True


def _member(owner: str, field: str) -> str:
    access = f"{owner}.{field}" if _JS_IDENTIFIER.fullmatch(field) else f"{owner}[{js_literal(field)}]"
    if field in _OBJECT_PROTOTYPE_NAMES:  # doc.constructor must not read Object.prototype
        return f"(Object.prototype.hasOwnProperty.call({owner}, {js_literal(field)}) ? {access} : null)"
    return access


def _cannot_throw(node: ast.AST) -> bool:
    """Plain reads and literals: skipping their evaluation (a null guard) changes nothing."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, int | float)
    return isinstance(node, ast.Constant | ast.Name | ast.Attribute)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def _plain_literal(node: ast.AST, other_kinds: frozenset[str]) -> bool:
    """True if `other === node` means Python's `other == node`: a string, or a number vs no booleans."""
    if not isinstance(node, ast.Constant) or node.value is None or isinstance(node.value, bool):
        return False
    return isinstance(node.value, str) or not other_kinds & {"bool"}
