"""The audit log: append-only, hash-chained, verifiable.

Every write (insert, update, delete, submit, cancel), every workflow transition (the workflow
engine calls `record`), every permission denial and every read of a sensitive field in full is a
row of `__audit_log`. Each row's `hash` is SHA-256 over the previous row's hash and the row's own
content, so changing, inserting or deleting any row breaks the chain from that row on;
`verify()` (and `townflow audit verify --site DIR`) reports the first broken row.
Triggers refuse UPDATE and DELETE through SQL, so only someone editing the file can tamper, and
then the chain shows it.

Rows are written in the caller's transaction: an insert that rolls back leaves no audit row
claiming it happened. Denials are the exception: they are written again after the rollback
(`Database.after_rollback`), because the refusal did happen.

A bulk import writes its rows in batches (`buffered`): inside one transaction the rows are
collected as they are recorded, a failed row's own rows dropped with it (`discard_failed`), and
the chain is worked out and written in one statement before the transaction commits — the same
rows, in the same order, hashed the same way as one at a time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from townflow.runtime.db import Database
from townflow.runtime.store import timestamp

GENESIS = "0" * 64

SCHEMA = [
    # ids are given explicitly (last + 1) and rows are never deleted, so no AUTOINCREMENT: it would
    # rewrite sqlite_sequence, one more page, on every fsync'd commit.
    "CREATE TABLE IF NOT EXISTS __audit_log (id INTEGER PRIMARY KEY, ts TEXT NOT NULL, "
    "user TEXT, action TEXT NOT NULL, ref_doctype TEXT, ref_name TEXT, data TEXT, "
    "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idx_audit_ref ON __audit_log (ref_doctype, ref_name)",
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON __audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON __audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]

#: The actions this module and the workflow engine write.
ACTIONS = (
    "insert",
    "update",
    "delete",
    "submit",
    "cancel",
    "transition",
    "denied",
    "unique_probe",
    "sensitive_read",
    "login",
    "login_failed",
)


#: json.dumps with options builds a new JSONEncoder per call; these give the same text, built once.
_CONTENT = json.JSONEncoder(ensure_ascii=False)
_PAYLOAD = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def row_hash(
    prev_hash: str, row_id: int, ts: str, user, action, ref_doctype, ref_name, data, key: bytes | None = None
) -> str:
    """SHA-256 over the previous hash and the row; keyed (HMAC-SHA256) when the site has an audit
    key (townflow.runtime.audit_key), so that no one without the key can recompute the chain."""
    content = _CONTENT.encode([row_id, ts, user, action, ref_doctype, ref_name, data])
    message = (prev_hash + "\n" + content).encode()
    if key is not None:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def stored_row_hash(prev_hash: str, r, key: bytes | None = None) -> str:
    """`row_hash` of a row as read from `__audit_log`."""
    values = (r["id"], r["ts"], r["user"], r["action"], r["ref_doctype"], r["ref_name"], r["data"])
    return row_hash(prev_hash, *values, key)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    first_broken_id: int | None = None
    reason: str = ""
    head_hash: str = GENESIS  # the last row's hash: keep it elsewhere to detect a cut-off tail


class AuditLog:
    def __init__(self, db: Database, now, key: bytes | None = None, keyed_from: int = 1):
        self.db = db
        self.now = now
        #: the HMAC key (townflow.runtime.audit_key) and the first row id written with it
        self.key = key
        self.keyed_from = keyed_from
        #: per thread: the rows a `buffered` batch has recorded and not yet written
        self._local = threading.local()

    def use_key(self, key: bytes, keyed_from: int) -> None:
        self.key, self.keyed_from = key, keyed_from

    def next_id(self) -> int:
        return int(self.db.scalar("SELECT COALESCE(MAX(id), 0) FROM __audit_log") or 0) + 1

    def _key_for(self, row_id: int) -> bytes | None:
        return self.key if self.key is not None and row_id >= self.keyed_from else None

    def ensure_schema(self) -> None:
        with self.db.transaction():
            for statement in SCHEMA:
                self.db.execute(statement)

    def record(
        self,
        action: str,
        user: str | None,
        ref_doctype: str | None = None,
        ref_name: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        """Append one row in the current transaction (or its own); returns the row id.

        Inside the caller's transaction no savepoint is opened: the SELECT changes nothing and the
        INSERT is one statement, which SQLite applies whole or not at all, so a savepoint around
        them would have nothing to roll back (and cost two statements per workflow transition)."""
        pending = getattr(self._local, "pending", None)
        if pending is not None and self.db.in_transaction:
            payload = _PAYLOAD.encode(data) if data else None
            pending.append(
                (self.db.depth, timestamp(self.now()), user, action, ref_doctype, ref_name, payload)
            )
            return 0  # its id is given when the batch is written (`flush`)
        if self.db.in_transaction:
            return self._append(action, user, ref_doctype, ref_name, data)
        with self.db.transaction():
            return self._append(action, user, ref_doctype, ref_name, data)

    @contextmanager
    def buffered(self) -> Iterator[None]:
        """Inside the caller's transaction: this thread's rows are collected, then written
        together (`flush`) when the block ends without an error; on an error they are dropped
        (the transaction rolls back with them). Rows of denials written again after a rollback
        (`record_kept`) are written after the block, as without it."""
        if not self.db.in_transaction:
            raise RuntimeError("AuditLog.buffered needs an open transaction")
        self._local.pending = []
        self._local.depth = self.db.depth
        try:
            yield
            self.flush()
        finally:
            self._local.pending = None

    def mark(self) -> int:
        """Where the rows of the next operation of a `buffered` batch start (see `discard_failed`)."""
        pending = getattr(self._local, "pending", None)
        return len(pending) if pending is not None else 0

    def discard_failed(self, mark: int) -> None:
        """An operation of a `buffered` batch failed and its savepoint was rolled back: drop the
        rows it recorded inside that savepoint (since `mark`), keep those written again at the
        batch's own level after the rollback (a denial: `record_kept`)."""
        pending = getattr(self._local, "pending", None)
        if pending is not None:
            level = self._local.depth
            pending[mark:] = [row for row in pending[mark:] if row[0] <= level]

    def flush(self) -> None:
        """Write the rows a `buffered` batch has collected, chained after the last stored row."""
        pending = getattr(self._local, "pending", None)
        if not pending:
            return
        last = self.db.fetchone("SELECT id, hash FROM __audit_log ORDER BY id DESC LIMIT 1")
        prev_hash = last["hash"] if last else GENESIS
        row_id = last["id"] if last else 0
        rows = []
        for _depth, ts, user, action, ref_doctype, ref_name, payload in pending:
            row_id += 1
            digest = row_hash(
                prev_hash, row_id, ts, user, action, ref_doctype, ref_name, payload, self._key_for(row_id)
            )
            rows.append((row_id, ts, user, action, ref_doctype, ref_name, payload, prev_hash, digest))
            prev_hash = digest
        self.db.conn.executemany(
            "INSERT INTO __audit_log (id, ts, user, action, ref_doctype, ref_name, data, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        pending.clear()

    def _append(self, action, user, ref_doctype, ref_name, data) -> int:
        # The last hash is read, not remembered: the site's file is shared with other processes
        # (the web server, `townflow tick`), whose rows only the database knows about.
        last = self.db.fetchone("SELECT id, hash FROM __audit_log ORDER BY id DESC LIMIT 1")
        prev_hash = last["hash"] if last else GENESIS
        row_id = (last["id"] if last else 0) + 1
        ts = timestamp(self.now())
        payload = _PAYLOAD.encode(data) if data else None
        digest = row_hash(
            prev_hash, row_id, ts, user, action, ref_doctype, ref_name, payload, self._key_for(row_id)
        )
        self.db.execute(
            "INSERT INTO __audit_log (id, ts, user, action, ref_doctype, ref_name, data, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row_id, ts, user, action, ref_doctype, ref_name, payload, prev_hash, digest),
        )
        return row_id

    def record_denial(self, user: str, ref_doctype: str, ref_name: str | None, ptype: str) -> None:
        """A refused operation: kept even when the surrounding transaction rolls back."""
        self.record_kept("denied", user, ref_doctype, ref_name, {"ptype": ptype})

    def record_kept(self, action: str, user, ref_doctype=None, ref_name=None, data=None) -> None:
        """A row for something that happened even if the surrounding transaction rolls back (a
        refusal, a probe): written now, and again after a rollback."""

        def write() -> None:
            self.record(action, user, ref_doctype, ref_name, data)

        write()
        if self.db.in_transaction:
            self.db.after_rollback(write)

    def entries(
        self, ref_doctype: str | None = None, ref_name: str | None = None, limit: int = 100
    ) -> list[dict]:
        """Newest first, optionally for one document."""
        sql = "SELECT * FROM __audit_log"
        params: list = []
        if ref_doctype:
            sql += " WHERE ref_doctype = ?" + (" AND ref_name = ?" if ref_name else "")
            params = [ref_doctype] + ([ref_name] if ref_name else [])
        rows = self.db.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, int(limit)))
        return [{**dict(r), "data": json.loads(r["data"]) if r["data"] else None} for r in rows]

    def verify(self, expect: tuple[int, str] | None = None) -> VerifyResult:
        """Walk the chain from the first row; report the first row whose hash does not follow.

        A chain checks itself but cannot tell that its newest rows were cut off. `expect`
        (row id, hash), a head recorded earlier outside the database, closes that gap: the row
        must still be there with that hash.
        """
        prev_hash = GENESIS
        expected_id = 1
        count = 0
        for r in self.db.fetchall("SELECT * FROM __audit_log ORDER BY id"):
            count += 1
            if r["id"] != expected_id:
                return VerifyResult(False, count, r["id"], f"row {expected_id} is missing")
            if r["prev_hash"] != prev_hash:
                return VerifyResult(False, count, r["id"], "prev_hash does not match the previous row")
            digest = stored_row_hash(prev_hash, r, self._key_for(r["id"]))
            if digest != r["hash"]:
                return VerifyResult(False, count, r["id"], "the row's content does not match its hash")
            if expect is not None and r["id"] == expect[0] and r["hash"] != expect[1]:
                return VerifyResult(False, count, r["id"], "the row differs from the recorded head")
            prev_hash = r["hash"]
            expected_id += 1
        if expect is not None and expect[0] >= expected_id:
            return VerifyResult(False, count, expected_id, f"rows from {expected_id} on are missing")
        return VerifyResult(True, count, head_hash=prev_hash)
