"""JSON in and out, as Frappe writes it: dates as strings, decimals as numbers."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from fastapi.responses import JSONResponse


def _default(value: Any) -> Any:
    """Frappe's `json_handler`: datetimes in ISO-ish form, decimals as floats, sets as lists."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    as_dict = getattr(value, "as_dict", None)
    if callable(as_dict):
        return as_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


class FrappeJSONResponse(JSONResponse):
    """A JSON response that can carry documents, dates and decimals."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
