"""Off the event loop: reads and writes each in their own share of threads.

The runtime is synchronous SQLite, so a request's runtime call runs in a worker thread. A write
(insert, save, workflow step, session touch, login) spends most of its time in that thread
waiting: its work runs on the group committer's thread, and the caller waits for the batch's
fsync. With one pool for both, fifty clients taking workflow steps held all of anyio's 40
threads waiting on the committer, and a read queued for a thread behind them: a read waited for
a writer (measured: list of 20 beside 50 writing clients, p50 38 ms, p95 139 ms).

So writes take their threads from their own limiter (`run_write`), sized to let a full batch of
the committer (64 requests) wait at once, and reads keep anyio's default limiter
(`run_read`, what `run_in_threadpool` and FastAPI's sync endpoints use): a read never waits for
a thread a writer holds.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from starlette.requests import Request

T = TypeVar("T")

#: threads writes may hold at once (the group committer takes batches of up to 64)
WRITE_THREADS = 64
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: the HTTP method of the request this task serves (`note_request`), for `run_here`
_method: ContextVar[str] = ContextVar("townflow_request_method", default="GET")
#: one limiter per event loop, as anyio keeps its default one (tests run several loops)
_write_limiter: RunVar[anyio.CapacityLimiter] = RunVar("townflow_write_limiter")


def _writes() -> anyio.CapacityLimiter:
    try:
        return _write_limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(WRITE_THREADS)
        _write_limiter.set(limiter)
        return limiter


async def run_read(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a read in the read threads (anyio's default limiter)."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


async def run_write(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a write (or anything that waits for a durable commit) in the write threads."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=_writes())


def note_request(request: Request) -> None:
    """Remember the request's method for `run_here` (called once per request, by auth.principal)."""
    _method.set(request.method)


async def run_here(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """As `run_for`, for code that has no request at hand (the pages' `call`): the method noted
    for this request picks the threads."""
    if _method.get() in _SAFE_METHODS:
        return await run_read(fn, *args, **kwargs)
    return await run_write(fn, *args, **kwargs)


async def run_for(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A GET (or HEAD) reads, anything else may write: the request's method picks the threads."""
    if request.method in _SAFE_METHODS:
        return await run_read(fn, *args, **kwargs)
    return await run_write(fn, *args, **kwargs)


async def run_durably(site: Any, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a write on the site's group committer and await its durable answer on the event loop:
    no thread waits for the batch's fsync. `fn` runs on the committer's thread inside its own
    SAVEPOINT of the shared transaction, exactly as the `@durable` writes it calls would; without
    a committer (scripts, some tests) it runs in a write thread."""
    committer = getattr(site, "committer", None)
    if committer is None:
        return await run_write(fn, *args, **kwargs)
    return await asyncio.wrap_future(committer.submit(functools.partial(fn, *args, **kwargs)))
