"""Group commit: write requests from many threads share one fsync'd COMMIT, each still atomic.

Why: with `synchronous=FULL` every COMMIT waits for the disk (~0.2 ms for a 2-page commit here,
~0.6 ms for the ~40 pages a workflow transition writes), and SQLite holds the write lock during
that wait, so concurrent requests queue behind each other's fsyncs. Here one writer thread takes
the requests waiting in a queue, runs each inside its own SAVEPOINT of one transaction, COMMITs
once, and only then answers every request. So for each request:
- durable: its caller gets the answer only after the COMMIT holding its writes returned;
- atomic: a request that raises is rolled back to its savepoint (nothing half-written) and gets
  its own error; the others in the batch are unaffected;
- serial: requests run one after another on one connection, so a later request sees an earlier
  one's writes exactly as it would after that one's commit (same-document conflicts still raise
  the optimistic-lock error). If the shared COMMIT itself fails, every request in it gets the error.

The web server turns it on for its site (`Site.use_group_commit()`); the workflow actions
(`townflow.runtime.workflow`) then run through `Site.durably`, which hands them to the committer.
Scripts, tests and `townflow tick` leave it off and commit one transaction at a time.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from townflow.runtime.db import Database

T = TypeVar("T")
_STOP = object()


class GroupCommitter:
    def __init__(self, db: Database, max_batch: int = 64):
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="townflow-group-commit", daemon=True)
        self._closed = False
        self.commits = 0  # how many COMMITs served how many requests: batching, measured
        self.requests = 0
        self._thread.start()

    def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` (which writes through `self.db`) in a shared transaction; return once durable."""
        if threading.current_thread() is self._thread:  # a request calling back in: already inside
            return fn()
        if self._closed:
            raise RuntimeError("the group committer is closed")
        future: Future = Future()
        self._queue.put((fn, future))
        return future.result()

    @property
    def waiting(self) -> int:
        """Requests queued and not yet taken by the writer thread."""
        return self._queue.qsize()

    def close(self) -> None:
        """Answer what is queued, then stop the writer thread (and close its connection)."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()

    def _serve(self) -> None:
        # The writer thread's connection stays in the Database's list; Database.close() closes it.
        while True:
            batch, stop = self._next_batch()
            if batch:
                self._commit(batch)
            if stop:
                return

    def _next_batch(self) -> tuple[list[tuple[Callable[[], Any], Future]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        time.sleep(0)  # let the threads just answered (each waits on one request) queue their next
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _commit(self, batch: list[tuple[Callable[[], Any], Future]]) -> None:
        outcomes: list[tuple[Future, bool, Any]] = []
        try:
            with self.db.transaction():
                for fn, future in batch:
                    try:
                        with self.db.transaction():  # this request's SAVEPOINT
                            outcomes.append((future, True, fn()))
                    except Exception as error:  # rolled back to its savepoint; the batch goes on
                        outcomes.append((future, False, error))
        except BaseException as error:  # the COMMIT failed: nothing in this batch is durable
            for _fn, future in batch:
                future.set_exception(error)
            return
        self.commits += 1
        self.requests += len(batch)
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
