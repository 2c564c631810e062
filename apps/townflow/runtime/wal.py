"""The write-ahead log seen from the group committer: flushing it, and checkpointing it off the
writer's thread.

SQLite in WAL mode appends each COMMIT to the `-wal` file; a checkpoint copies those pages into
the database file (an fsync of the WAL, random writes, an fsync of the database), after which the
next writer may start the WAL over from its beginning. By default the committing connection runs
that checkpoint itself every 1,000 pages, so one request in ~30 waits several milliseconds for
it. The group committer instead:
- flushes the WAL itself (`WalFile.flush`), after the COMMIT, on another thread;
- leaves the bulk of each checkpoint to a thread with its own connection
  (`BackgroundCheckpointer`), which never holds the write lock, so the writer keeps committing;
- finishes the last few frames itself now and then (a small, quick checkpoint), because the WAL
  only starts over once every frame in it has been copied, which a checkpoint running beside a
  busy writer never sees.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading

from townflow.runtime.db import BUSY_TIMEOUT_MS, Database

log = logging.getLogger("townflow.runtime")


class WalFile:
    """The site's `-wal` file, opened read-only for `fdatasync` (Linux flushes a file's dirty pages
    through any descriptor of it). Reopened if SQLite replaced the file since."""

    def __init__(self, db: Database):
        self.path = f"{db.path}-wal"
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None

    def flush(self) -> None:
        stat = os.stat(self.path)
        if self._fd is None or (stat.st_dev, stat.st_ino) != self._identity:
            self.close()
            self._fd = os.open(self.path, os.O_RDONLY)
            opened = os.fstat(self._fd)
            self._identity = (opened.st_dev, opened.st_ino)
            # a WAL file created since the last flush must still be there after a power cut, as
            # SQLite itself makes sure with its first sync of a new journal
            folder = os.open(os.path.dirname(self.path) or ".", os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        (getattr(os, "fdatasync", None) or os.fsync)(self._fd)  # macOS has fsync only

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class BackgroundCheckpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on its own thread after every `every` committed
    requests; the writer calls `committed()` after each COMMIT on its connection, which must have
    `wal_autocheckpoint=0`.

    `restart_frames`: once the WAL holds that many frames (4,096 pages = 16 MB), the writer copies
    the frames appended since the last background pass itself, so its next write starts the WAL
    over instead of growing it."""

    def __init__(self, db: Database, every: int = 32, restart_frames: int = 4096):
        self.db = db
        self.every = every
        self.restart_frames = restart_frames
        self.passes = 0  # background checkpoints run
        self.finishes = 0  # small checkpoints run by the writer so the WAL can start over
        self.failures = 0  # background passes that raised (logged): the next one tries again
        self._wal_frames = 0  # the WAL's length at the last checkpoint, in frames
        self._since = 0  # requests committed since the last background pass was asked for
        self._busy = False
        self._stopping = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._serve, name="townflow-checkpoint", daemon=True)
        self._thread.start()

    def committed(self, requests: int, conn: sqlite3.Connection) -> None:
        """After a COMMIT of `requests` requests on the writer's connection `conn`."""
        self._since += requests
        if self._busy:
            return
        if self._wal_frames >= self.restart_frames:
            self._wal_frames = 0
            with contextlib.suppress(sqlite3.Error):  # a refused checkpoint is retried by the next pass
                _checkpoint(conn)  # all copied: the next write starts the WAL over
                self.finishes += 1
        elif self._since >= self.every:
            self._since = 0
            with self._wake:
                self._busy = True
                self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()

    def _serve(self) -> None:
        conn = sqlite3.connect(self.db.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute(f"PRAGMA synchronous={self.db.synchronous}")
            while True:
                with self._wake:
                    while not self._busy and not self._stopping:
                        self._wake.wait()
                    if self._stopping:
                        return
                try:
                    self._wal_frames = _checkpoint(conn)
                    self.passes += 1
                except sqlite3.Error:  # e.g. the disk is full: the writer goes on, the next pass retries
                    self.failures += 1
                    log.exception("background checkpoint of %s failed", self.db.path)
                finally:
                    self._busy = False
        finally:
            conn.close()


def _checkpoint(conn: sqlite3.Connection) -> int:
    """A PASSIVE checkpoint: copies what it can without waiting for anyone. Returns the WAL's
    length in frames (-1 if another checkpoint was running)."""
    return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
