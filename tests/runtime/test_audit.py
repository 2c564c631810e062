"""The audit log: every write leaves a row, rows chain by hash, tampering is found and located."""

from __future__ import annotations

import sqlite3

import pytest

from townflow.cli import main
from townflow.runtime.site import DB_FILENAME


def actions(site, doctype, name):
    return [e["action"] for e in reversed(site.audit.entries(doctype, name))]


def test_writes_are_logged_in_order(admin, people):
    h = admin.insert({"doctype": "Household", "village": "V1", "head_name": "x"})
    h = admin.save({**h, "head_name": "y"})
    admin.delete("Household", h["name"])
    assert actions(admin.site, "Household", h["name"]) == ["insert", "update", "delete"]
    update = next(e for e in admin.site.audit.entries("Household", h["name"]) if e["action"] == "update")
    assert update["data"] == {"fields": ["head_name"]} and update["user"] == "Administrator"


def test_a_rolled_back_write_leaves_no_audit_row(admin):
    before = admin.site.audit.verify().rows
    with pytest.raises(Exception, match="mandatory"):
        admin.insert({"doctype": "Household", "village": "V1"})
    assert admin.site.audit.verify().rows == before


def test_sql_cannot_update_or_delete_audit_rows(site, people):
    with pytest.raises(sqlite3.IntegrityError):
        site.db.execute("UPDATE __audit_log SET user = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError):
        site.db.execute("DELETE FROM __audit_log")


def _tamper(site_dir, sql: str) -> None:
    conn = sqlite3.connect(site_dir / DB_FILENAME)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_verify_finds_the_first_changed_row(site, people, tmp_path, capsys):
    assert site.audit.verify().ok
    assert main(["audit", "verify", "--site", str(tmp_path / "site")]) == 0
    assert "audit chain intact" in capsys.readouterr().out
    total = site.audit.verify().rows
    site.close()
    _tamper(tmp_path / "site", "UPDATE __audit_log SET user = 'intruder' WHERE id = 5")
    assert main(["audit", "verify", "--site", str(tmp_path / "site")]) == 1
    assert "broken at row 5" in capsys.readouterr().out
    assert total > 5


def test_verify_finds_a_deleted_row(site, people, tmp_path):
    site.close()
    _tamper(tmp_path / "site", "DELETE FROM __audit_log WHERE id = 3")
    from townflow.runtime import audit_key
    from townflow.runtime.audit import AuditLog
    from townflow.runtime.db import Database

    anchor = audit_key.load(tmp_path / "site")
    db = Database(tmp_path / "site" / DB_FILENAME)
    result = AuditLog(db, None, key=anchor.key, keyed_from=anchor.keyed_from).verify()
    db.close()
    assert (result.ok, result.first_broken_id) == (False, 4)


def test_transitions_recorded_by_the_workflow_engine_join_the_chain(site, people):
    with site.transaction():
        site.audit.record("transition", "clerk1", "Household", people["h1"]["name"], {"from": "A", "to": "B"})
    assert site.audit.entries("Household", people["h1"]["name"])[0]["data"] == {"from": "A", "to": "B"}
    assert site.audit.verify().ok


def test_a_recorded_head_detects_a_cut_off_tail(site, people, tmp_path, capsys):
    result = site.audit.verify()
    head = f"{result.rows}:{result.head_hash}"
    site.close()
    folder = str(tmp_path / "site")
    assert main(["audit", "verify", "--site", folder, "--expect-head", head]) == 0
    assert head in capsys.readouterr().out
    _tamper(tmp_path / "site", f"DELETE FROM __audit_log WHERE id >= {result.rows - 1}")  # noqa: S608
    assert main(["audit", "verify", "--site", folder]) == 0  # the chain alone cannot tell
    assert main(["audit", "verify", "--site", folder, "--expect-head", head]) == 1
    assert f"broken at row {result.rows - 1}" in capsys.readouterr().out


def test_backup_is_a_consistent_copy_whose_chain_verifies(site, people, tmp_path):
    copy = tmp_path / "backups" / "site.sqlite"
    assert main(["backup", "--site", str(tmp_path / "site"), "--to", str(copy)]) == 0
    assert main(["backup", "--site", str(tmp_path / "site"), "--to", str(copy)]) == 2  # never overwrites
    conn = sqlite3.connect(copy)
    assert conn.execute('SELECT COUNT(*) FROM "tabHousehold"').fetchone()[0] == 2
    conn.close()
    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / DB_FILENAME).write_bytes(copy.read_bytes())
    assert main(["audit", "verify", "--site", str(restored)]) == 1  # the chain's key is not in the copy
    # the audit key is backed up on its own (townflow.runtime.audit_key), and restored beside it
    (restored / "audit.key").write_bytes((tmp_path / "site" / "audit.key").read_bytes())
    assert main(["audit", "verify", "--site", str(restored)]) == 0
