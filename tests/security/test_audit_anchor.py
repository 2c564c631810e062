"""L7: the audit chain is anchored outside the database (issue 12, point 10).

Someone who can write `site.sqlite` drops the append-only triggers, rewrites an old row (who
approved a certificate) and recomputes every later hash, as the chain's formula is public.
Without the key kept outside the database (townflow.runtime.audit_key) the recomputed chain does
not match, and `townflow audit verify` reports the rewritten row.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from townflow.cli import main
from townflow.runtime.audit import GENESIS, stored_row_hash
from townflow.runtime.site import DB_FILENAME, Site
from townflow.spec import load_project
from townflow.web.demo import load_demo

from .conftest import ADMIN_PASSWORD, ROOT


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anchor") / "site"
    site = Site.open(folder, load_project(ROOT), admin_password=ADMIN_PASSWORD)
    load_demo(site, out=io.StringIO())
    site.close()
    return folder


@pytest.fixture
def site_dir(demo_site, tmp_path):
    """A copy of the demo site (database and key file) for one test to tamper with."""
    return Path(shutil.copytree(demo_site, tmp_path / "site"))


def _rewrite_and_rehash(folder, row_id: int, user: str) -> None:
    """The attacker's edit: change one row, then recompute every hash from it to the head."""
    conn = sqlite3.connect(folder / DB_FILENAME)
    conn.row_factory = sqlite3.Row
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE __audit_log SET user = ? WHERE id = ?", (user, row_id))
    prev = GENESIS
    for r in conn.execute("SELECT * FROM __audit_log ORDER BY id").fetchall():
        if r["id"] >= row_id:
            digest = stored_row_hash(prev, r)  # the public formula, without the key
            conn.execute(
                "UPDATE __audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, r["id"])
            )
            prev = digest
        else:
            prev = r["hash"]
    conn.commit()
    conn.close()


def test_a_rewritten_and_rehashed_chain_is_detected(site_dir, capsys):
    assert main(["audit", "verify", "--site", str(site_dir)]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(site_dir / DB_FILENAME)
    target = conn.execute(
        "SELECT id FROM __audit_log WHERE action = 'transition' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    conn.close()
    _rewrite_and_rehash(site_dir, target, "someone.else@demo")
    assert main(["audit", "verify", "--site", str(site_dir)]) == 1
    assert f"broken at row {target}" in capsys.readouterr().out


def test_verify_refuses_without_the_key(site_dir, capsys):
    (site_dir / "audit.key").rename(site_dir.parent / "elsewhere.key")
    assert main(["audit", "verify", "--site", str(site_dir)]) == 1
    assert "no audit key" in capsys.readouterr().out


def test_the_key_file_is_private_and_not_in_the_database(site_dir):
    key_file = site_dir / "audit.key"
    assert key_file.stat().st_mode & 0o077 == 0
    key_text = key_file.read_text()
    conn = sqlite3.connect(site_dir / DB_FILENAME)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert json.loads(key_text)["key"] not in dump
