"""`Expr`: a checked expression that can be evaluated, or written as JavaScript or Frappe Python."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from townflow.expr.closures import Failed, Run, compile_tree
from townflow.expr.errors import ExprError
from townflow.expr.interpreter import Interpreter
from townflow.expr.parser import DEFAULT_RUNTIME_FUNCTIONS, check_source, node_offset

#: What `evaluate` passes as the runtime functions when the caller gives none.
_NO_FUNCTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType({})


class Expr:
    """A parsed, whitelisted expression. Build it with `parse()`; it is immutable and reusable."""

    def __init__(self, source: str, runtime_functions: Iterable[str] = DEFAULT_RUNTIME_FUNCTIONS):
        checked = check_source(source, runtime_functions)
        self.source = source
        self.tree = checked.tree
        self.runtime_functions = frozenset(runtime_functions)
        #: The `doc.<field>` names the expression reads (spec checks they exist).
        self.fields_used: frozenset[str] = checked.fields_used
        #: The `parent.<field>` names (a child row's expression reading its document).
        self.parent_fields_used: frozenset[str] = checked.parent_fields_used
        #: The top-level names it reads (doc, user, roles, today, now, settings).
        self.names_used: frozenset[str] = checked.names_used
        #: The functions it calls (built-in and runtime-provided).
        self.functions_used: frozenset[str] = checked.functions_used
        #: The tree compiled into closures by the first `evaluate` (see townflow.expr.closures).
        self._run: Run | None = None

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

        The tree is compiled into closures on the first call and reused (`interpret` walks the
        tree instead and means exactly the same).
        """
        run = self._run
        if run is None:
            run = self._run = compile_tree(self.tree)
        try:
            return run(context, functions or _NO_FUNCTIONS)
        except Failed as failed:
            offset = node_offset(self.source, failed.node)
            raise ExprError(failed.error.message, offset, self.source) from None

    def interpret(
        self, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None
    ) -> Any:
        """`evaluate` by walking the tree (townflow.expr.interpreter): the reference semantics.

        Kept to prove the compiled closures equal to it (tests/expr/test_closures_match_interpreter.py)
        and to measure them against it (benchmarks/bench_expressions.py); not for the hot path.
        """
        interpreter = Interpreter(context, functions or {})
        try:
            return interpreter.eval(self.tree.body)
        except ExprError as error:
            failed = interpreter.failed_node
            offset = node_offset(self.source, failed) if failed is not None else None
            raise ExprError(error.message, offset, self.source) from None

    def __getstate__(self) -> dict[str, Any]:
        """Closures do not pickle: a copied Expr compiles again on its first `evaluate`."""
        return {**self.__dict__, "_run": None}

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
