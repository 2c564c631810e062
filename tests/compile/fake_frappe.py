"""Just enough of the `frappe` module to run the compiled app's extension code
(care_for_girls.townflow_ext) in-process: frappe.throw raises, the database is a dict of records
that get_all / db.exists filter as Frappe does for the operators the code uses. It is no Frappe:
tests/frappe runs the app on a real bench; this checks the extension code's own decisions."""

from __future__ import annotations

import importlib
import json
import sys
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

APP_ROOT = Path(__file__).resolve().parents[2] / "apps" / "care_for_girls"


class _dict(dict):
    """frappe._dict: attribute access, None for what is missing."""

    __getattr__ = dict.get

    def __setattr__(self, key, value):
        self[key] = value


class ValidationError(Exception):
    pass


class PermissionError(Exception):
    pass


def _matches(value: Any, condition: Any) -> bool:
    if isinstance(condition, list | tuple):
        op, operand = condition[0], condition[1]
        if op == "in":
            return value in operand
        if op == "!=":
            return value != operand
        if value is None:
            return False
        return {"<": value < operand, "<=": value <= operand, ">": value > operand, ">=": value >= operand}[
            op
        ]
    return value == condition


class Database:
    def __init__(self):
        self.records: dict[str, dict[str, dict]] = {}
        self.set_values: list[tuple[str, str, str, Any]] = []

    def add(self, doctype: str, **values) -> None:
        self.records.setdefault(doctype, {})[values["name"]] = values

    def rows(self, doctype: str, filters: dict | None = None) -> list[dict]:
        return [
            r
            for r in self.records.get(doctype, {}).values()
            if all(_matches(r.get(k), v) for k, v in (filters or {}).items())
        ]

    def exists(self, doctype, name=None, *args, **kw):
        return name in self.records.get(doctype, {}) if isinstance(name, str) else None

    def get_value(self, doctype, name, fields="*", as_dict=False):
        return _dict(self.records[doctype][name])

    def count(self, doctype, filters=None):
        return len(self.rows(doctype, filters))

    def set_value(self, doctype, name, field, value=None):
        for key, val in field.items() if isinstance(field, dict) else [(field, value)]:
            self.set_values.append((doctype, name, key, val))
            self.records[doctype][name][key] = val


class Meta:
    def __init__(self, fields: dict[str, dict] | None = None):
        self.fields = fields or {}

    def has_field(self, fieldname: str) -> bool:
        return fieldname in self.fields

    def get_field(self, fieldname: str):
        found = self.fields.get(fieldname)
        return _dict(found) if found is not None else None


class Doc(_dict):
    """A document or child row as the extension code reads it."""

    def __init__(self, doctype: str, **values):
        super().__init__(doctype=doctype, **values)
        object.__setattr__(self, "flags", _dict())
        object.__setattr__(self, "meta", Meta())

    def set(self, key, value):
        self[key] = value

    def as_dict(self, no_default_fields=False):
        return {k: ([r.as_dict() for r in v] if isinstance(v, list) else v) for k, v in self.items()}

    def is_new(self):
        return True

    def get_doc_before_save(self):
        return None


def install(monkeypatch, *, lang: str = "en", today: str = "2026-03-02") -> ModuleType:
    """Put the fake frappe in sys.modules and import the app's townflow_ext afresh."""
    frappe = ModuleType("frappe")
    frappe._dict = _dict
    frappe.ValidationError = ValidationError
    frappe.PermissionError = PermissionError
    frappe.MandatoryError = type("MandatoryError", (ValidationError,), {})
    frappe.TimestampMismatchError = type("TimestampMismatchError", (ValidationError,), {})

    def throw(message, exc=ValidationError, title=None):
        raise exc(message)

    frappe.throw = throw
    frappe.local = _dict(lang=lang)
    frappe.session = _dict(user="facility@demo")
    frappe.flags = _dict()
    frappe.get_roles = lambda user=None: ["Facility Officer"]
    frappe.parse_json = lambda text: json.loads(text) if isinstance(text, str) else text
    frappe.as_json = lambda obj: json.dumps(obj, default=str, ensure_ascii=False)
    frappe.db = Database()
    frappe.get_all = lambda doctype, filters=None, limit=None, pluck=None, fields=None: [
        r[pluck] if pluck else r for r in frappe.db.rows(doctype, filters)
    ][: limit or None]
    frappe.metas = {}
    frappe.get_meta = lambda doctype: frappe.metas.get(doctype, Meta())
    frappe.get_cached_doc = lambda doctype: Doc(doctype)

    def whitelist(*_args, **options):
        def mark(fn):
            fn.whitelisted = options  # what the compile tests check: allow_guest, methods
            return fn

        return mark

    frappe.whitelist = whitelist
    frappe.DoesNotExistError = type("DoesNotExistError", (ValidationError,), {})
    frappe.RateLimitExceededError = type("RateLimitExceededError", (ValidationError,), {})
    rate_limiter = ModuleType("frappe.rate_limiter")
    hits: dict[tuple[str, str], int] = {}

    def rate_limit(key=None, limit=5, seconds=86400, methods="ALL", ip_based=True):
        """Frappe's counter per method and request address (redis there, a dict here)."""

        def decorate(fn):
            def wrapper(*args, **kwargs):
                identity = (fn.__name__, frappe.local.request_ip or "")
                hits[identity] = hits.get(identity, 0) + 1
                if hits[identity] > limit:
                    raise frappe.RateLimitExceededError(
                        "You hit the rate limit because of too many requests."
                    )
                return fn(*args, **kwargs)

            wrapper.rate_limit = {"limit": limit, "seconds": seconds}
            wrapper.__name__ = fn.__name__
            return wrapper

        return decorate

    rate_limiter.rate_limit = rate_limit
    frappe.rate_limiter = rate_limiter
    utils = ModuleType("frappe.utils")
    utils.nowdate = lambda: today
    utils.now_datetime = lambda: datetime.fromisoformat(f"{today} 09:00:00")
    utils.getdate = lambda value=None: date.fromisoformat(str(value or today)[:10])
    utils.get_datetime = lambda value=None: (
        datetime.fromisoformat(str(value)) if value else utils.now_datetime()
    )
    utils.cint = lambda v: int(v or 0)
    model = ModuleType("frappe.model")
    workflow = ModuleType("frappe.model.workflow")
    workflow.WorkflowPermissionError = type("WorkflowPermissionError", (ValidationError,), {})
    workflow.WorkflowTransitionError = type("WorkflowTransitionError", (ValidationError,), {})
    naming = ModuleType("frappe.model.naming")
    series: dict[str, int] = {}

    def getseries(key: str, digits: int) -> str:
        series[key] = series.get(key, 0) + 1
        return f"{series[key]:0{digits}d}"

    naming.getseries = getseries
    frappe.utils, frappe.model, model.workflow, model.naming = utils, model, workflow, naming
    model.__path__ = []  # a package, so `from frappe.model.naming import ...` finds its submodules
    for name, module in {
        "frappe": frappe,
        "frappe.utils": utils,
        "frappe.model": model,
        "frappe.model.workflow": workflow,
        "frappe.model.naming": naming,
        "frappe.rate_limiter": rate_limiter,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.syspath_prepend(str(APP_ROOT))
    for name in [m for m in sys.modules if m == "care_for_girls" or m.startswith("care_for_girls.")]:
        monkeypatch.delitem(sys.modules, name)
    importlib.invalidate_caches()
    return frappe


def uninstall() -> None:
    """Forget the app modules imported over the fake (monkeypatch restores frappe itself)."""
    for name in [m for m in sys.modules if m == "care_for_girls" or m.startswith("care_for_girls.")]:
        sys.modules.pop(name, None)
