"""townflow.expr: the one safe expression language for conditions and depends_on.

A Python-syntax subset, parsed with `ast` and checked against a whitelist, never eval'ed:

    >>> expr = parse("doc.weeks >= settings.health_threshold and 'Township Approver' in roles")
    >>> sorted(expr.fields_used)
    ['weeks']
    >>> expr.evaluate({"doc": {"weeks": 30}, "settings": {"health_threshold": 28},
    ...                "roles": ["Township Approver"]})
    True

The same expression becomes JavaScript for Frappe's depends_on (`Expr.to_js()`) and Python for a
Frappe Workflow Transition condition (`Expr.to_frappe_python()`). What each operator means for
empty values and mixed types is documented in `townflow.expr.values`.
"""

from townflow.expr.errors import ExprError
from townflow.expr.expression import Expr, parse
from townflow.expr.parser import ALLOWED_NAMES, BUILTIN_ARITY, DEFAULT_RUNTIME_FUNCTIONS

BUILTIN_FUNCTION_NAMES = frozenset(BUILTIN_ARITY)

__all__ = [
    "ALLOWED_NAMES",
    "BUILTIN_FUNCTION_NAMES",
    "DEFAULT_RUNTIME_FUNCTIONS",
    "Expr",
    "ExprError",
    "parse",
]
