"""townflow.runtime: the embedded engine (SQLite store, documents, permissions, audit).

Public entry points: `Site` (townflow.runtime.site) and its `Session` (townflow.runtime.documents);
errors in townflow.runtime.errors. See docs/architecture.md, section "runtime".
"""

from townflow.runtime.site import Site

__all__ = ["Site"]
