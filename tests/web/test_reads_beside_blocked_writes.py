"""A read is never kept waiting by writers: while the group committer is held up and more
writes are waiting for it than the server has read threads (anyio's default: 40), a GET still
answers at once; once the committer goes on, every waiting write is answered and stored. The
writes come through the REST API, then through the pages' form (a POST of /app/village/new)."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from townflow.runtime.site import Site
from townflow.spec.project import load_project
from townflow.web.app import create_app

from .conftest import ADMIN_PASSWORD, ROOT
from .test_pages_support import csrf

WRITERS = 45  # more than anyio's 40 default threads, which reads and writes used to share
WAIT = 60  # seconds: only a hung server gets near this


@pytest.mark.parametrize("through", ["api", "page"])
def test_a_read_answers_while_more_writes_than_threads_wait_for_the_committer(tmp_path, through):
    site = Site.open(tmp_path / "site", load_project(ROOT), admin_password=ADMIN_PASSWORD)
    app = create_app(site, pages=through == "page")
    township = site.db.scalar('SELECT name FROM "tabTownship" ORDER BY name LIMIT 1')
    held, release = threading.Event(), threading.Event()
    try:
        with TestClient(app) as client:
            login = client.post("/api/method/login", data={"usr": "Administrator", "pwd": ADMIN_PASSWORD})
            assert login.status_code == 200
            token = csrf(client) if through == "page" else ""

            def hold_the_committer() -> None:
                held.set()
                release.wait(WAIT)

            holder = threading.Thread(target=site.durably, args=(hold_the_committer,))
            holder.start()
            assert held.wait(WAIT)
            answers: dict[int, int] = {}

            def write(i: int) -> None:
                village = {
                    "village_name": f"测试村{i:02d}",
                    "township": township,
                    "village_code": f"T{i:03d}",
                }
                if through == "api":
                    answer = client.post("/api/resource/Village", json=village)
                else:
                    answer = client.post(
                        "/app/village/new", data={"csrf_token": token, **village}, follow_redirects=False
                    )
                answers[i] = answer.status_code

            writers = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
            for w in writers:
                w.start()
            for _ in range(WAIT * 100):  # until every write is handed to the committer
                if site.committer.waiting == WRITERS:
                    break
                release.wait(0.01)
            assert site.committer.waiting == WRITERS
            read: dict[str, object] = {}
            reader = threading.Thread(
                target=lambda: read.update(
                    answer=client.get("/api/resource/Township", params={"fields": '["name"]'})
                )
            )
            reader.start()
            reader.join(WAIT)
            assert not reader.is_alive(), "the read waited for the writers"
            assert read["answer"].status_code == 200
            assert read["answer"].json()["data"] == [{"name": township}]
            assert answers == {}  # the writes were still waiting while the read was answered
            release.set()
            holder.join(WAIT)
            for w in writers:
                w.join(WAIT)
            assert answers == {i: 200 if through == "api" else 303 for i in range(WRITERS)}
            stored = site.db.scalar(
                'SELECT COUNT(*) FROM "tabVillage" WHERE village_name LIKE ?', ("测试村%",)
            )
            assert stored == WRITERS
    finally:
        release.set()
        site.close()
