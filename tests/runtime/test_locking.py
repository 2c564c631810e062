"""Optimistic locking under threads: of many saves carrying the same `modified`, exactly one wins."""

from __future__ import annotations

import threading

from site_support import make_user

from townflow.runtime.errors import TimestampMismatchError


def test_one_of_many_concurrent_saves_wins_the_rest_conflict(site, people):
    make_user(site, "clerk", ["Village Clerk"], Village=["V1"])
    read = site.session("clerk").get("Household", people["h1"]["name"])
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def save(n: int) -> None:
        session = site.session("clerk")
        barrier.wait()
        try:
            session.save({**read, "head_name": f"writer {n}"})
            result = f"won {n}"
        except TimestampMismatchError:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1 and outcomes.count("conflict") == 7
    stored = site.session("Administrator").get("Household", read["name"])
    assert stored["head_name"] == "writer " + winners[0].split()[1]
    assert len(site.session("Administrator").versions("Household", read["name"])) == 1
