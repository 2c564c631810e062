"""`@durable`: a Session write (insert, save, submit, cancel, amend, delete, db_set) or a workflow
action is one atomic write, answered once it is on disk.

It runs through the site's group committer when one is on (the web server: concurrent writes
share fsync'd COMMITs, see runtime.group_commit), else on the caller's thread in its own
transaction. A caller already inside a transaction keeps the write in it (`Site.durably`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def durable(write: Callable[..., T]) -> Callable[..., T]:
    """Decorate a function or method whose first argument is a Session."""

    @functools.wraps(write)
    def run(session, *args, **kwargs) -> T:
        return session.site.durably(lambda: write(session, *args, **kwargs))

    return run
