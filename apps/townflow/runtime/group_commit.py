"""Group commit: write requests from many threads share one fsync'd COMMIT, each still atomic.

Why: with `synchronous=FULL` every COMMIT waits for the disk (~0.3 ms here for the ~30 pages a
workflow transition writes), and SQLite holds the write lock during that wait, so concurrent
requests queue behind each other's fsyncs. Here one writer thread takes the requests waiting in a
queue, runs each inside its own SAVEPOINT of one transaction, COMMITs once, and only then answers
every request. So for each request:
- durable: its caller gets the answer only after the COMMIT holding its writes reached the disk;
- atomic: a request that raises is rolled back to its savepoint (nothing half-written) and gets
  its own error; the others in the batch are unaffected;
- serial: requests run one after another on one connection, so a later request sees an earlier
  one's writes exactly as it would after that one's commit (same-document conflicts still raise
  the optimistic-lock error). If the shared COMMIT itself fails, every request in it gets the error.

Pipelined: on a `synchronous=FULL` site the writer's connection COMMITs with `synchronous=NORMAL`
(the WAL frames are written, not yet flushed) and hands the batch to a second thread, which calls
`fdatasync` on the WAL file and only then answers the batch's callers. Meanwhile the writer
already runs the next batch: one batch's CPU work overlaps the disk wait of the one before, and
one fdatasync covers every batch committed before it started. NORMAL keeps the database
consistent across a power cut (SQLite's guarantee for WAL mode); the fdatasync makes each answered
request durable. As in InnoDB's group commit, other connections may read a batch in the ~0.3 ms
between its COMMIT and its fdatasync; a power cut in that window loses the batch, and none of its
callers was told it succeeded. Checkpoints run beside the writer (`runtime.wal`).

The web server turns it on for its site (`Site.use_group_commit()`); the Session writes and the
workflow actions (`@durable`, runtime.durable) then run through `Site.durably`, which hands them
to the committer.
Scripts, tests and `townflow tick` leave it off and commit one transaction at a time.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from townflow.runtime.db import Database
from townflow.runtime.wal import BackgroundCheckpointer, WalFile

T = TypeVar("T")
_STOP = object()
log = logging.getLogger("townflow.runtime")
Request = tuple[Callable[[], Any], Future]
Outcome = tuple[Future, bool, Any]  # the caller's future, succeeded?, its result or its error


class GroupCommitter:
    def __init__(self, db: Database, max_batch: int = 64, checkpoints: BackgroundCheckpointer | None = None):
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._committed: queue.SimpleQueue = queue.SimpleQueue()  # batches waiting for the flush
        # The WAL is flushed here only where the site asks for a flush at every commit.
        self._wal = WalFile(db) if db.synchronous in {"FULL", "EXTRA"} else None
        self.checkpoints = checkpoints or BackgroundCheckpointer(db)
        self._thread = threading.Thread(target=self._serve, name="townflow-group-commit", daemon=True)
        self._flusher = threading.Thread(target=self._answer, name="townflow-group-flush", daemon=True)
        self._closed = False
        self.commits = 0  # how many COMMITs served how many requests: batching, measured
        self.requests = 0
        self.flushes = 0  # fdatasyncs of the WAL; one may cover several COMMITs
        self._flusher.start()
        self._thread.start()

    def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` (which writes through `self.db`) in a shared transaction; return once durable."""
        if threading.current_thread() is self._thread:  # a request calling back in: already inside
            return fn()
        return self.submit(fn).result()

    def submit(self, fn: Callable[[], T]) -> Future:
        """Queue `fn` as `run` does without waiting: the future gets its result (or its error) once
        the COMMIT holding its writes is durable. The web server awaits it on its event loop, so
        a write holds no thread while it waits."""
        if self._closed:
            raise RuntimeError("the group committer is closed")
        future: Future = Future()
        self._queue.put((fn, future))
        return future

    @property
    def waiting(self) -> int:
        """Requests queued and not yet taken by the writer thread."""
        return self._queue.qsize()

    def close(self) -> None:
        """Answer what is queued, then stop the threads (the writer's connection stays in the
        Database's list; Database.close() closes it)."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()
            self._flusher.join()
            self.checkpoints.close()
            if self._wal is not None:
                self._wal.close()

    # -- the writer thread -----------------------------------------------------------------

    def _serve(self) -> None:
        conn = self.db.conn
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the background checkpointer's job
        conn.execute("PRAGMA temp_store=MEMORY")  # each request's SAVEPOINT journal: ~0.1 ms less
        if self._wal is not None:
            conn.execute("PRAGMA synchronous=NORMAL")  # the flusher's fdatasync makes it durable
        try:
            while True:
                batch, stop = self._next_batch()
                if batch:
                    self._commit(batch)
                if stop:
                    return
        finally:
            self._committed.put(_STOP)
            self._refuse_late_requests()

    def _refuse_late_requests(self) -> None:
        """A request queued after close() began (it passed the `_closed` check just before) is
        refused rather than left waiting for a writer that has stopped."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                item[1].set_exception(RuntimeError("the group committer is closed"))

    def _next_batch(self) -> tuple[list[Request], bool]:
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

    def _commit(self, batch: list[Request]) -> None:
        outcomes: list[Outcome] = []
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
        self._committed.put(outcomes)
        try:
            self.checkpoints.committed(len(batch), self.db.conn)
        except Exception:  # the batch is committed and handed on; the writer must keep serving
            log.exception("checkpoint after a group commit failed")

    # -- the flusher thread ----------------------------------------------------------------

    def _answer(self) -> None:
        """Flush the WAL once for every batch committed so far, then answer their callers."""
        while True:
            pending = [self._committed.get()]
            while True:
                try:
                    pending.append(self._committed.get_nowait())
                except queue.Empty:
                    break
            batches = [item for item in pending if item is not _STOP]
            if batches:
                self._flush_and_answer(batches)
            if len(batches) < len(pending):
                return

    def _flush_and_answer(self, batches: list[list[Outcome]]) -> None:
        try:
            if self._wal is not None:
                self._wal.flush()
                self.flushes += 1
        except Exception as error:  # the disk refused: none of these writes may be called durable
            for outcomes in batches:
                for future, _ok, _value in outcomes:
                    future.set_exception(error)
            return
        for outcomes in batches:
            for future, ok, value in outcomes:
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
