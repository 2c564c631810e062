"""Document event hooks: how other runtime modules (the workflow engine, campaign rules) join a write.

    site.hooks.register("Subsidy Application", "validate", check_allow_edit)
    site.hooks.register("*", "on_update", notify)

A callback is `fn(event: DocEvent)`. It runs inside the document's write transaction (raising
rolls the whole write back) and may change `event.doc` in `before_*`/`validate` events. Events,
in Frappe's order: before_insert, validate, before_save, before_submit, before_cancel,
(the row is written), after_insert, on_update, on_submit, on_cancel, on_trash (before delete).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EVENTS = (
    "before_insert",
    "validate",
    "before_save",
    "before_submit",
    "before_cancel",
    "after_insert",
    "on_update",
    "on_submit",
    "on_cancel",
    "on_trash",
)


@dataclass
class DocEvent:
    """What a hook sees: the event, the document (a dict, changeable before the write), the stored
    version before this write (None on insert), and the session doing the write."""

    name: str
    doctype: str
    doc: dict[str, Any]
    old: dict[str, Any] | None
    session: Any
    flags: dict[str, Any] = field(default_factory=dict)


class Hooks:
    def __init__(self) -> None:
        self._callbacks: dict[tuple[str, str], list[Callable[[DocEvent], None]]] = defaultdict(list)

    def register(self, doctype: str, event: str, callback: Callable[[DocEvent], None]) -> None:
        """Call `callback` on `event` for `doctype` ("*" for every DocType)."""
        if event not in EVENTS:
            raise ValueError(f"unknown document event {event!r}; one of {', '.join(EVENTS)}")
        self._callbacks[(doctype, event)].append(callback)

    def run(self, event: str, doctype: str, doc: dict, old: dict | None, session, **flags) -> None:
        for key in ((doctype, event), ("*", event)):
            for callback in self._callbacks.get(key, ()):
                callback(DocEvent(event, doctype, doc, old, session, dict(flags)))
