"""Naming series under concurrency: many threads inserting at once get gap-free, unique numbers."""

from __future__ import annotations

import threading

from site_support import make_user

from townflow.runtime.naming import amended_name


def test_threads_get_gap_free_unique_series_numbers(site):
    make_user(site, "clerk", ["Village Clerk"], Village=["V1"])
    names: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        session = site.session("clerk")
        try:
            for i in range(n):
                doc = session.insert({"doctype": "Household", "village": "V1", "head_name": f"h{i}"})
                with lock:
                    names.append(doc["name"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(15,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(names) == [f"HH-{i:05d}" for i in range(1, 91)]
    assert site.db.scalar('SELECT current FROM "tabSeries" WHERE name = ?', ("HH-",)) == 90
    assert site.audit.verify().ok  # the audit chain stays one chain under concurrent writers


def test_series_by_year_prefix_and_format_counter(admin, people):
    app = admin.insert({"doctype": "Application", "household": people["h1"]["name"]})
    assert app["name"] == "APP-2026-00001"
    assert people["p2"]["name"] == "PER-2026-0002"


def test_amended_names():
    assert amended_name("APP-1", None) == "APP-1-1"
    assert amended_name("APP-1-1", "APP-1") == "APP-1-2"


def test_autoincrement_hash_and_prompt_rules(tmp_path, project):
    from site_support import dt, f

    from townflow.runtime import Site
    from townflow.spec.models import DocPerm

    perms = [DocPerm(role="System Manager", read=True, write=True, create=True)]
    project.doctypes["Counter"] = dt("Counter", [f("label")], perms, autoname="autoincrement")
    project.doctypes["Token"] = dt("Token", [f("label")], perms, autoname="hash")
    project.doctypes["Named"] = dt("Named", [f("label")], perms, autoname="prompt")
    site = Site.open(tmp_path / "naming", project, admin_password="x")
    admin = site.session("Administrator")
    assert [admin.insert({"doctype": "Counter"})["name"] for _ in range(3)] == ["1", "2", "3"]
    token = admin.insert({"doctype": "Token"})["name"]
    assert len(token) == 10 and token != admin.insert({"doctype": "Token"})["name"]
    assert admin.insert({"doctype": "Named", "name": "chosen"})["name"] == "chosen"
    site.close()
