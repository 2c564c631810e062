"""townflow.runtime: the embedded engine (SQLite store, documents, permissions, audit).

Public entry points: `Site` (townflow.runtime.site) and its `Session` (townflow.runtime.documents);
errors in townflow.runtime.errors. See docs/architecture.md, section "runtime".
"""

from __future__ import annotations

from typing import Any

__all__ = ["Site"]


def __getattr__(name: str) -> Any:
    """`Site` is imported on first use, so light modules here (db) load without the runtime extra."""
    if name == "Site":
        from townflow.runtime.site import Site

        return Site
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
