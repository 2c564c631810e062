"""Run a workflow condition the way Frappe v15 does, with RestrictedPython and a stand-in `frappe`.

Mirrors `frappe.safe_eval` and `get_workflow_safe_globals` (frappe/utils/safe_exec.py,
frappe/model/workflow.py at v15.44): NFKC normalisation, the walrus ban, `__builtins__ = {}` plus
int/float/long/round, the attribute and item guards, and compile_restricted with Frappe's policy.
Only the `frappe` API behind it (database, clock) is a small in-memory stand-in.
"""

from __future__ import annotations

import ast
import datetime as dt
import types
import unicodedata

import RestrictedPython.Guards
from RestrictedPython import compile_restricted
from RestrictedPython.transformer import RestrictingNodeTransformer

UNSAFE_ATTRIBUTES = {
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_origin", "cr_await", "ag_code",
    "ag_frame", "tb_frame", "tb_next", "format", "format_map", "f_back", "f_builtins", "f_code",
    "f_globals", "f_locals", "f_trace",
}  # fmt: skip


class FrappeTransformer(RestrictingNodeTransformer):
    def check_name(self, node, name, *args, **kwargs):
        if name == "_dict":
            return None
        return super().check_name(node, name, *args, **kwargs)


def _get_attr_for_eval(obj, name, default=None):
    if isinstance(name, str) and name in UNSAFE_ATTRIBUTES:
        raise SyntaxError(f"{name} is an unsafe attribute")
    if isinstance(obj, types.ModuleType | types.CodeType | types.TracebackType | types.FrameType):
        raise SyntaxError(f"Reading {obj} attributes is not allowed")
    if name.startswith("_"):
        raise AttributeError(f'"{name}" is an invalid attribute name because it starts with "_"')
    return getattr(obj, name)


def _getitem(obj, key):
    if isinstance(key, str) and key.startswith("_"):
        raise SyntaxError("Key starts with _")
    return obj[key]


WHITELISTED_SAFE_EVAL_GLOBALS = {
    "int": int,
    "float": float,
    "long": int,
    "round": round,
    "_getattr_": _get_attr_for_eval,
    "_getitem_": _getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": RestrictedPython.Guards.guarded_iter_unpack_sequence,
}


def safe_eval(code, eval_globals=None, eval_locals=None):
    code = unicodedata.normalize("NFKC", code)
    for node in ast.walk(ast.parse(code, mode="eval")):
        if isinstance(node, ast.NamedExpr):
            raise SyntaxError("Operation not allowed")
    eval_globals = eval_globals or {}
    eval_globals["__builtins__"] = {}
    eval_globals.update(WHITELISTED_SAFE_EVAL_GLOBALS)
    compiled = compile_restricted(code, filename="<safe_eval>", policy=FrappeTransformer, mode="eval")
    return eval(compiled, eval_globals, eval_locals)  # noqa: S307 - this is what Frappe does


class _dict(dict):  # frappe._dict
    __getattr__ = dict.get


class FakeDatabase:
    """frappe.db.get_value over in-memory records; Single doctypes hold text, as tabSingles does."""

    def __init__(self, records: dict[str, list[dict]], singles: dict[str, dict[str, str]]):
        self.records = records
        self.singles = singles
        self.calls: list[tuple] = []

    def get_value(self, doctype, filters=None, fieldname="name", order_by="modified", **kwargs):
        self.calls.append((doctype, filters, fieldname, order_by))
        if filters is None:
            return self.singles.get(doctype, {}).get(fieldname)
        rows = [r for r in self.records.get(doctype, []) if all(r.get(k) == v for k, v in filters.items())]
        if fieldname == "count(name)":
            return len(rows)
        return rows[0][fieldname] if rows else None

    def get_list(self, *args, **kwargs):  # pragma: no cover - present in Frappe's globals, unused
        raise NotImplementedError


def get_datetime(value=None):
    """frappe.utils.get_datetime for the values conditions see."""
    if value is None:
        return NOW
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f")
    except ValueError:
        return dt.datetime.fromisoformat(value)


def add_to_date(date, days=0, as_string=False, **kwargs):
    """frappe.utils.add_to_date for a date and whole days."""
    result = date + dt.timedelta(days=days)
    return result.strftime("%Y-%m-%d") if as_string else result


NOW = dt.datetime(2024, 3, 1, 10, 0, 0)


def workflow_globals(user: str, database: FakeDatabase) -> dict:
    """get_workflow_safe_globals() with the stand-in API."""
    return {
        "frappe": _dict(
            db=_dict(get_value=database.get_value, get_list=database.get_list),
            session=_dict(user=user),
            utils=_dict(
                now_datetime=lambda: NOW,
                add_to_date=add_to_date,
                get_datetime=get_datetime,
                now=lambda: NOW.strftime("%Y-%m-%d %H:%M:%S.%f"),
            ),
        )
    }


def run_condition(condition: str, doc: dict, user: str, database: FakeDatabase):
    """is_transition_condition_satisfied: safe_eval(condition, globals, dict(doc=doc.as_dict()))."""
    return safe_eval(condition, workflow_globals(user, database), {"doc": _dict(doc)})
