"""A bulk import writes each batch's audit rows together (AuditLog.buffered): one row per record
written, none for a failed row, a refused row's denial kept, and the hash chain still verifies."""

from __future__ import annotations

import contextlib
import io
from csv import writer

from townflow.dataio.importer import import_file


def _csv(path, header, rows):
    buffer = io.StringIO()
    writer(buffer).writerows([header, *rows])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _audit(site, since: int) -> list[tuple]:
    rows = site.db.fetchall(
        "SELECT id, user, action, ref_doctype, ref_name FROM __audit_log WHERE id > ? ORDER BY id", (since,)
    )
    return [tuple(r) for r in rows]


def test_batch_audit_rows_chain_and_keep_denials(site, people, tmp_path):
    clerk = site.session("clerk1")
    before = site.db.scalar("SELECT MAX(id) FROM __audit_log")
    source = _csv(
        tmp_path / "h.csv",
        ["village", "head_name", "members"],
        [["V1", "甲", "1"], ["V2", "乙", "1"], ["V1", "丙", "-3"], ["V1", "丁", "2"]],
    )
    result = import_file(clerk, "Household", source)
    assert len(result.inserted) == 2 and [f.line for f in result.failed] == [3, 4]  # 乙, 丙
    stored = site.db.fetchall('SELECT name, head_name FROM "tabHousehold"')
    heads = {r["head_name"]: r["name"] for r in stored}
    rows = _audit(site, before)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        # 乙 (a village not hers: no such Village for her) and 丙 (a negative count) fail: no row
        ("clerk1", "insert", "Household"),
        ("clerk1", "insert", "Household"),
    ]
    assert [rows[0][4], rows[1][4]] == [heads["甲"], heads["丁"]]
    assert [r[0] for r in rows] == [before + 1, before + 2]  # ids follow on, no gap
    assert site.audit.verify().ok
    # rows recorded one at a time afterwards chain on from the batch's
    site.session("Administrator").insert({"doctype": "Household", "village": "V1", "head_name": "戊"})
    assert site.audit.verify().ok and _audit(site, before + 2)[0][2] == "insert"


class _Refused(Exception):
    pass


def _operations(site, buffered: bool) -> list[tuple]:
    """A batch of three operations, the second refused inside its savepoint (its insert row
    undone, its denial kept), as the importer runs them; the audit rows it leaves."""
    audit, db = site.audit, site.db
    before = db.scalar("SELECT MAX(id) FROM __audit_log")
    with db.transaction(), audit.buffered() if buffered else contextlib.nullcontext():
        audit.record("insert", "u", "Household", "a", {"fields": ["x"]})
        mark = audit.mark()
        try:
            with db.transaction():
                audit.record("insert", "u", "Household", "b")
                audit.record_denial("u", "Household", "b", "create")
                raise _Refused
        except _Refused:
            audit.discard_failed(mark)
        audit.record("insert", "u", "Household", "c")
    return [
        (r["action"], r["ref_name"], r["data"])
        for r in audit.entries("Household", limit=10)
        if r["id"] > before
    ][::-1]


def test_buffered_rows_are_the_rows_written_one_at_a_time(site):
    one_at_a_time = _operations(site, buffered=False)
    assert one_at_a_time == [
        ("insert", "a", {"fields": ["x"]}),
        ("denied", "b", {"ptype": "create"}),
        ("insert", "c", None),
    ]
    assert _operations(site, buffered=True) == one_at_a_time
    assert site.audit.verify().ok
