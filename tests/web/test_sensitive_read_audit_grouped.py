"""A read that shows a sensitive field in full is audited through the server's group committer:
readers at once share fsync'd COMMITs, and each reader gets its answer only once its own audit
row is committed (another connection, as after a crash and restart, already sees it)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

from townflow.demodata.people import households_for_village
from townflow.runtime.site import Site
from townflow.spec.project import load_project

from .conftest import ADMIN_PASSWORD, ROOT

READERS = 6
READS_EACH = 5


def _people(site: Site) -> list[str]:
    admin = site.session("Administrator")
    village = site.db.scalar('SELECT name FROM "tabVillage" ORDER BY name LIMIT 1')
    names = []
    with site.transaction():
        for family in households_for_village(1, READERS, today=date(2026, 6, 1)):
            household = admin.insert(
                {
                    "doctype": "Household",
                    "village": village,
                    "head_name": family.members[0].full_name,
                    "residence_type": "Rural",
                    "address": "一组",
                    "income_status": "Normal",
                }
            )
            head = family.members[0]
            person = admin.insert(
                {
                    "doctype": "Person",
                    "household": household["name"],
                    "full_name": head.full_name,
                    "gender": head.gender,
                    "date_of_birth": head.date_of_birth.isoformat(),
                    "relationship": "Head",
                    "id_number": head.id_number,
                }
            )
            names.append(person["name"])
    return names


def test_concurrent_sensitive_reads_are_each_audited_before_the_answer(tmp_path):
    site = Site.open(tmp_path / "site", load_project(ROOT), admin_password=ADMIN_PASSWORD)
    try:
        people = _people(site)
        site.use_group_commit()  # as `townflow serve` runs it
        committer = site.committer
        before = committer.requests
        seen: dict[str, list[int]] = {}
        failures: list[BaseException] = []
        barrier = threading.Barrier(READERS)

        def reader(person: str) -> None:
            try:
                session = site.session("Administrator")
                other = sqlite3.connect(site.db.path)  # not this process's writer: sees commits only

                def audited() -> int:
                    return other.execute(
                        "SELECT COUNT(*) FROM __audit_log WHERE action = 'sensitive_read' AND ref_name = ?",
                        (person,),
                    ).fetchone()[0]

                already = audited()  # the insert's answer showed the number to its writer once
                counts = []
                barrier.wait()
                for _ in range(READS_EACH):
                    doc = session.get("Person", person)
                    assert len(doc["id_number"]) == 18  # shown in full, so audited
                    counts.append(audited() - already)
                other.close()
                seen[person] = counts
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)

        threads = [threading.Thread(target=reader, args=(p,)) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        # each answer came after its own row was committed: 1, 2, 3, ... rows when it arrived
        assert seen == {p: list(range(1, READS_EACH + 1)) for p in people}
        assert committer.requests - before == READERS * READS_EACH
    finally:
        site.close()
