"""Python literals written the way `ruff format` leaves them, for the generated hooks.py.

A container that fits on its line is written inline; a longer one is expanded one item per line
with a trailing comma (ruff's "magic trailing comma" keeps it expanded). Strings are
double-quoted. The output is stable under `ruff format` and deterministic.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

INDENT = "    "
#: Below the repository's line length (110), leaving room for the key and the trailing comma.
WIDTH = 100


def width(text: str) -> int:
    """Display width as ruff measures line length: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_inline(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def literal(value: Any, level: int = 0, prefix_len: int = 0) -> str:
    """`value` as source at nesting `level`; `prefix_len` is what precedes it on its line."""
    flat = _inline(value)
    if not isinstance(value, dict | list | tuple) or not value:
        return flat
    if len(INDENT * level) + prefix_len + width(flat) + 1 <= WIDTH:
        return flat
    pad = INDENT * (level + 1)
    end = INDENT * level
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = _inline(k) + ": "
            items.append(f"{pad}{key}{literal(v, level + 1, len(key))},")
        return "{\n" + "\n".join(items) + "\n" + end + "}"
    items = [f"{pad}{literal(v, level + 1)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + end + "]"


def assignment(name: str, value: Any) -> str:
    return f"{name} = {literal(value, 0, len(name) + 3)}\n"
