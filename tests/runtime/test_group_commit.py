"""Group commit: requests from many threads share a COMMIT, yet each is atomic and answered only
once durable — a failing request leaves nothing behind and does not undo its batch neighbours."""

from __future__ import annotations

import errno
import os
import sqlite3
import struct
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from workflow_support import EAST, act, race, state

from townflow.runtime import errors, wal, workflow
from townflow.runtime.group_commit import GroupCommitter
from townflow.runtime.wal import BackgroundCheckpointer


def audit_actions(site) -> list[str]:
    return [action for action, _user in committed_audit(site)]


def audit_users(site) -> list[str]:
    return [user for _action, user in committed_audit(site)]


def committed_audit(site) -> list[tuple[str, str]]:
    """(action, user) of every audit entry, read through a separate connection: only what is
    committed."""
    conn = sqlite3.connect(site.db.path)
    try:
        return conn.execute("SELECT action, user FROM __audit_log ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_failing_request_is_rolled_back_alone_and_the_others_are_durable(wsite):
    committer = GroupCommitter(wsite.db)
    hold, held = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> str:  # keeps the writer busy so the next two are queued into one batch
        held.set()
        hold.wait(5)
        wsite.audit.record("login", "first")
        return "first"

    def failing() -> str:
        wsite.audit.record("login", "half-written")
        raise errors.ValidationError("refused", "拒绝")

    def second() -> str:
        wsite.audit.record("login", "second")
        return "second"

    def call(label, fn) -> None:
        try:
            outcomes[label] = committer.run(fn)
        except errors.ValidationError as error:
            outcomes[label] = error

    threads = [threading.Thread(target=call, args=("first", first))]
    threads[0].start()
    held.wait(5)
    for label, fn in (("failing", failing), ("second", second)):
        t = threading.Thread(target=call, args=(label, fn))
        t.start()
        threads.append(t)
    for _ in range(500):  # both queued behind the first (bounded: a broken queue fails, not hangs)
        if committer.waiting == 2:
            break
        threading.Event().wait(0.01)
    assert committer.waiting == 2
    hold.set()
    for t in threads:
        t.join()
    committer.close()

    assert outcomes["first"] == "first" and outcomes["second"] == "second"
    assert isinstance(outcomes["failing"], errors.ValidationError)
    users = [r["user"] for r in wsite.audit.entries(limit=5)]
    assert "half-written" not in users and {"first", "second"} <= set(users)
    assert audit_actions(wsite).count("login") >= 2
    assert committer.requests == 3 and committer.commits == 2  # failing + second shared a COMMIT
    assert wsite.audit.verify().ok


def test_concurrent_verifications_through_group_commit_happen_once(wsite, world):
    docs = [world.certificate_application(EAST) for _ in range(6)]
    for doc in docs:
        act(wsite, "clerk.east", doc, "Submit")
    committer = GroupCommitter(wsite.db)
    users = ["head.east", "deputy.east"] * 2
    outcomes = race(wsite, users, docs, "Verify", through=committer.run)
    committer.close()

    assert outcomes == {"done": len(docs), "conflict": len(docs) * (len(users) - 1)}
    assert {state(wsite, d) for d in docs} == {"Pending Township Approval"}
    assert wsite.audit.verify().ok


def test_a_closed_committer_refuses_new_requests(wsite):
    committer = GroupCommitter(wsite.db)
    assert committer.run(lambda: 42) == 42
    committer.close()
    with pytest.raises(RuntimeError):
        committer.run(lambda: 1)


def test_workflow_actions_share_the_sites_group_commit_when_it_is_on(wsite, world):
    docs = [world.certificate_application(EAST) for _ in range(6)]
    for doc in docs:
        act(wsite, "clerk.east", doc, "Submit")
    wsite.use_group_commit()  # what the web server does
    users = ["head.east", "deputy.east"] * 2
    outcomes = race(wsite, users, docs, "Verify")  # the plain API, no committer in sight

    committer = wsite.committer
    assert outcomes == {"done": len(docs), "conflict": len(docs) * (len(users) - 1)}
    assert committer.requests == len(docs) * len(users)  # every action went through it
    assert committer.commits <= committer.requests
    conn = sqlite3.connect(wsite.db.path)  # committed, as another process sees it
    try:
        sql = 'SELECT name, workflow_state FROM "tabTermination Certificate Application"'
        stored = dict(conn.execute(sql))
    finally:
        conn.close()
    states = {stored[d["name"]] for d in docs}
    assert states == {"Pending Township Approval"}
    assert wsite.audit.verify().ok


def test_an_action_inside_an_open_transaction_stays_in_it(wsite, world):
    doc = world.certificate_application(EAST)
    act(wsite, "clerk.east", doc, "Submit")
    wsite.use_group_commit()
    head = wsite.session("head.east")
    with pytest.raises(RuntimeError), wsite.db.transaction():
        workflow.apply_workflow(head, head.get(doc["doctype"], doc["name"]), "Verify")
        assert state(wsite, doc) == "Pending Township Approval"  # on this thread's connection
        raise RuntimeError("the caller's write fails after the action")
    # counted before reading the state back: that read, outside any transaction, shows sensitive
    # fields to the Administrator and so sends its audit row through the committer
    assert wsite.committer.requests == 0
    assert state(wsite, doc) == "Pending Village Verification"  # rolled back with its caller


def test_a_caller_is_answered_only_after_the_wal_is_flushed(wsite, monkeypatch):
    flushing, release = threading.Event(), threading.Event()
    real_fdatasync = os.fdatasync

    def slow_fdatasync(fd: int) -> None:  # a disk that takes its time
        flushing.set()
        release.wait(5)
        real_fdatasync(fd)

    monkeypatch.setattr(wal.os, "fdatasync", slow_fdatasync)
    committer = GroupCommitter(wsite.db)
    answers: list[str] = []
    caller = threading.Thread(target=lambda: answers.append(committer.run(lambda: record(wsite, "a"))))
    caller.start()
    assert flushing.wait(5)
    assert "a" in audit_users(wsite)  # committed, visible to another connection ...
    assert answers == []  # ... but not yet answered: the flush has not returned
    release.set()
    caller.join(5)
    committer.close()
    assert answers == ["a"] and committer.flushes >= 1


def test_a_failed_flush_is_the_callers_error_and_the_next_request_goes_on(wsite, monkeypatch):
    def failing_fdatasync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    committer = GroupCommitter(wsite.db)
    monkeypatch.setattr(wal.os, "fdatasync", failing_fdatasync)
    with pytest.raises(OSError) as refused:
        committer.run(lambda: record(wsite, "unflushed"))
    assert refused.value.errno == errno.EIO  # never told "done" for a write the disk refused
    monkeypatch.undo()
    assert committer.run(lambda: record(wsite, "flushed")) == "flushed"
    committer.close()
    assert "flushed" in audit_users(wsite)


def test_the_wal_starts_over_under_steady_writes(wsite):
    starts = wal_starts(wsite)
    checkpoints = BackgroundCheckpointer(wsite.db, every=4, restart_frames=64)
    committer = GroupCommitter(wsite.db, checkpoints=checkpoints)

    def write(worker: int) -> None:  # eight callers keep the writer busy: no idle moment
        for i in range(60):
            committer.run(lambda i=i: record(wsite, f"steady.{worker}.{i}"))

    workers = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    committer.close()

    assert checkpoints.passes > 0
    # eight callers writing at once: the WAL starts over again and again instead of growing
    assert wal_starts(wsite) - starts >= 2
    assert {f"steady.{w}.{i}" for w in range(8) for i in range(60)} <= set(audit_users(wsite))
    assert wsite.audit.verify().ok


def test_the_writer_finishes_a_checkpoint_itself_once_the_wal_is_long(wsite):
    # restart_frames=1: after every background pass the writer copies the rest itself
    starts = wal_starts(wsite)
    checkpoints = BackgroundCheckpointer(wsite.db, every=4, restart_frames=1)
    committer = GroupCommitter(wsite.db, checkpoints=checkpoints)
    for i in range(100):
        committer.run(lambda i=i: record(wsite, f"finish.{i}"))
    committer.close()

    assert checkpoints.finishes > 0
    assert wal_starts(wsite) > starts
    assert {f"finish.{i}" for i in range(100)} <= set(audit_users(wsite))
    assert wsite.audit.verify().ok


def record(site, user: str) -> str:
    site.audit.record("login", user)
    return user


def wal_starts(site) -> int:
    """How many times the WAL has started over: its header's checkpoint sequence number (SQLite's
    WAL format: bytes 12-15, big-endian, one more at every restart)."""
    header = Path(f"{site.db.path}-wal").read_bytes()[:32]
    return struct.unpack(">I", header[12:16])[0] if len(header) == 32 else 0


def test_session_writes_go_through_the_group_commit_and_a_refused_one_leaves_nothing(wsite, world):
    wsite.use_group_commit()
    household = world.household(EAST, children=())  # the clerk's insert, as the web server runs it
    clerk = wsite.session("clerk.east")
    saved = clerk.save({**household, "address": "东关村二组"})
    assert wsite.committer.requests == 2

    with pytest.raises(errors.ValidationError) as refused:  # a head's name is mandatory
        clerk.insert({**{k: v for k, v in household.items() if k != "name"}, "head_name": ""})
    assert refused.value.fields == ["head_name"]
    with pytest.raises(errors.DoesNotExistError):  # to another village's clerk it does not exist
        wsite.session("clerk.west").save({**saved, "address": "西关村"})

    conn = sqlite3.connect(wsite.db.path)  # committed, as another process sees it
    try:
        rows = conn.execute('SELECT name, address FROM "tabHousehold" WHERE village = ?', (EAST,))
        stored = dict(rows.fetchall())
    finally:
        conn.close()
    assert stored == {household["name"]: "东关村二组"}
    assert wsite.committer.requests == 4
    assert "denied" in audit_actions(wsite)  # the refusal is on record, durably
    assert wsite.audit.verify().ok


def test_a_failing_checkpoint_does_not_stop_the_writes(wsite, monkeypatch):
    real_checkpoint = wal._checkpoint
    failed: list[int] = []

    def checkpoint_failing_twice(conn):  # e.g. a full disk, for a moment
        if len(failed) < 2:
            failed.append(1)
            raise sqlite3.OperationalError("database or disk is full")
        return real_checkpoint(conn)

    monkeypatch.setattr(wal, "_checkpoint", checkpoint_failing_twice)
    starts = wal_starts(wsite)
    checkpoints = BackgroundCheckpointer(wsite.db, every=2, restart_frames=1)
    committer = GroupCommitter(wsite.db, checkpoints=checkpoints)
    for i in range(60):
        assert committer.run(lambda i=i: record(wsite, f"after.{i}")) == f"after.{i}"
    committer.close()

    assert len(failed) == 2 and checkpoints.passes > 0  # it went on checkpointing afterwards
    assert {f"after.{i}" for i in range(60)} <= set(audit_users(wsite))
    assert wal_starts(wsite) > starts


def test_a_request_that_slips_in_while_closing_is_refused_not_left_waiting(wsite):
    committer = GroupCommitter(wsite.db)
    hold, held = threading.Event(), threading.Event()

    def slow() -> str:
        held.set()
        hold.wait(5)
        return record(wsite, "slow")

    first = threading.Thread(target=committer.run, args=(slow,))
    first.start()
    held.wait(5)
    closing = threading.Thread(target=committer.close)
    closing.start()
    for _ in range(500):  # close() has queued its stop behind the running request
        if committer.waiting == 1:
            break
        threading.Event().wait(0.01)
    # a caller that passed the closed check just before close() began queues after the stop
    late: Future = Future()
    committer._queue.put((lambda: record(wsite, "late"), late))
    hold.set()
    first.join(5)
    closing.join(5)

    with pytest.raises(RuntimeError):
        late.result(timeout=5)
    assert "slow" in audit_users(wsite) and "late" not in audit_users(wsite)
