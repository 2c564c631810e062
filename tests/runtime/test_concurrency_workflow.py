"""Many threads approving the same documents at once: every step happens exactly once, the others
get a conflict (TimestampMismatchError) or a clean refusal, nothing is lost, the audit chain holds."""

from __future__ import annotations

import threading

from workflow_support import EAST, act, race, state

from townflow.runtime import errors, workflow


def test_each_verification_happens_once_and_the_rest_conflict(wsite, world):
    docs = [world.certificate_application(EAST) for _ in range(8)]
    for doc in docs:
        act(wsite, "clerk.east", doc, "Submit")
    users = ["head.east", "deputy.east"] * 3
    outcomes = race(wsite, users, docs, "Verify")
    assert outcomes["done"] == len(docs)
    assert outcomes["conflict"] == len(docs) * (len(users) - 1)
    log = wsite.db.fetchall(
        'SELECT reference_name, count(*) AS n FROM "tabWorkflow Action Log" WHERE action = ? '
        "GROUP BY reference_name",
        ("Verify",),
    )
    assert {r["reference_name"]: r["n"] for r in log} == {d["name"]: 1 for d in docs}
    assert {state(wsite, d) for d in docs} == {"Pending Township Approval"}
    # each document has exactly one open step, waiting on the township approvers' pool
    open_todos = wsite.db.fetchall(
        'SELECT reference_name, count(*) AS n FROM "tabWorkflow Action" WHERE kind = ? AND status = ? '
        "GROUP BY reference_name",
        ("todo", "Open"),
    )
    assert {r["reference_name"]: r["n"] for r in open_todos} == {d["name"]: 1 for d in docs}
    for approver in ("approver1", "approver2"):
        todo = workflow.inbox(wsite.session(approver), "todo", limit_page_length=50)
        assert {i["reference_name"] for i in todo["items"]} == {d["name"] for d in docs}
        assert todo["counts"]["todo"] == len(docs)
    assert wsite.audit.verify().ok


def test_concurrent_countersigns_all_count(wsite, world):
    doc = world.certificate_application(EAST, weeks=18)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, doc, action)
    act(wsite, "health", doc, "Approve")
    errors_seen: list[Exception] = []

    def sign(user: str) -> None:
        for _ in range(20):  # a conflict means someone else signed first: read again and sign
            try:
                act(wsite, user, doc, "Countersign")
                return
            except errors.TimestampMismatchError:
                continue
            except Exception as unexpected:
                errors_seen.append(unexpected)
                return

    threads = [threading.Thread(target=sign, args=(u,)) for u in ("leader1", "leader2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors_seen == []
    assert state(wsite, doc) == "Issued"
    votes = wsite.db.fetchall(
        'SELECT user, kind FROM "tabWorkflow Action Log" WHERE reference_name = ? AND action = ? '
        "ORDER BY name",
        (doc["name"], "Countersign"),
    )
    assert sorted(r["user"] for r in votes) == ["leader1", "leader2"]
    assert [r["kind"] for r in votes] == ["vote", "transition"]
    assert wsite.audit.verify().ok
