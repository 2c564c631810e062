"""`Session.get_count` (frappe.client.get_count, reportview's count) sums the DocType's roll-up
(runtime/reports/summaries.py) when the filters and the user's read condition read only the
roll-up's columns, and counts the documents otherwise: the figure is the same either way, for every
kind of user and filter, after inserts, workflow moves and deletes."""

from __future__ import annotations

import pytest
from workflow_support import EAST, REWARD_TO_APPROVED, WEST, World, walk

from townflow.runtime import documents
from townflow.runtime.reports import summaries

DOCTYPE = "Subsidy Application"
#: a village clerk and head (their village), township roles (everything), department officers
#: (their department), the Administrator (everything, no condition)
USERS = ["clerk.east", "head.east", "clerk.west", "approver1", "tclerk", "finance", "civil", "Administrator"]
#: the Finance Officer also reads what a workflow branch routed to her department (a condition on
#: the document's name, which no roll-up row has): her counts read the documents
DOCUMENTS_ONLY = {"finance"}
PENDING_VERIFY = "Pending Village Verification"
#: filters the roll-up serves: none, the state, the village, both, a set of states, "is set"
SERVED = [
    None,
    {"workflow_state": "Draft"},
    {"workflow_state": PENDING_VERIFY},
    {"village": EAST},
    {"village": WEST},
    {"village": WEST, "workflow_state": "Draft"},
    [["workflow_state", "in", ["Draft", PENDING_VERIFY]]],
    [["workflow_state", "not in", ["Draft"]]],
    [["department", "is", "set"]],
    [["workflow_state", "!=", "Draft"]],
]
#: filters it cannot serve (a field it does not keep, a date, a number, a Like, OR filters)
NOT_SERVED = [
    {"applicant_name": "李秀英"},
    [["creation", ">", "2020-01-01"]],
    [["amount", ">", 500]],
    [["workflow_state", "like", "Pending%"]],
]


def west_application(world: World) -> dict:
    household = world.household(WEST)
    person = world.person(household, relationship="Head")
    return world.as_("clerk.west").insert(
        {
            "doctype": DOCTYPE,
            "household": household["name"],
            "applicant": person["name"],
            "benefit_kind": "One-time Reward",
            "amount": 1000,
            "one_girl_pledge": 1,
            "pledge_signed_on": "2026-02-01",
        }
    )


@pytest.fixture
def taken(monkeypatch) -> list[int | None]:
    """What each count asked of the roll-up answered (None: it counted the documents)."""
    answers: list[int | None] = []
    real = summaries.rollup_count

    def spy(*args, **kwargs):
        answers.append(real(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(summaries, "rollup_count", spy)
    return answers


def documents_count(session, filters=None, or_filters=None) -> int:
    """The count read from the documents (the roll-up path turned off for this call)."""
    kept = documents.Session._count_kept
    documents.Session._count_kept = lambda *args: None
    try:
        return session.get_count(DOCTYPE, filters=filters, or_filters=or_filters)
    finally:
        documents.Session._count_kept = kept


def listed(session, filters=None, or_filters=None) -> int:
    rows = session.get_list(
        DOCTYPE, fields=["name"], filters=filters, or_filters=or_filters, limit_page_length=10_000
    )
    return len(rows)


def check_counts(site, taken: list) -> dict[tuple[str, str], int]:
    """Every user's count for every filter: equal to the documents' count and the list's length,
    from the roll-up exactly when the filters are SERVED. Answers the figures."""
    figures = {}
    for user in USERS:
        session = site.session(user)
        for filters in SERVED + NOT_SERVED:
            taken.clear()
            count = session.get_count(DOCTYPE, filters=filters)
            if filters in SERVED and user not in DOCUMENTS_ONLY:
                assert taken == [count], (user, filters)
            else:
                assert taken in ([], [None]), (user, filters)
            assert count == documents_count(session, filters) == listed(session, filters), (user, filters)
            figures[(user, repr(filters))] = count
    return figures


def test_counts_from_the_rollup_equal_the_documents_through_writes(wsite, world, wclock, taken):
    east = [world.reward_application() for _ in range(3)]
    west = [west_application(world) for _ in range(2)]
    figures = check_counts(wsite, taken)
    assert figures[("clerk.east", "None")] == 3
    assert figures[("clerk.west", "None")] == 2
    assert figures[("approver1", "None")] == 5
    assert figures[("finance", "None")] == 0  # no application routed to finance yet
    assert figures[("clerk.east", repr({"village": WEST}))] == 0

    # workflow moves: one east application to finance's department, one west one submitted
    walk(wsite, east[0], REWARD_TO_APPROVED[: REWARD_TO_APPROVED.index(("approver1", "Forward")) + 1])
    walk(wsite, west[0], [("clerk.west", "Submit")])
    figures = check_counts(wsite, taken)
    assert figures[("finance", "None")] == 1
    assert figures[("clerk.west", repr({"workflow_state": PENDING_VERIFY}))] == 1
    assert figures[("head.east", repr({"workflow_state": "Draft"}))] == 2
    assert figures[("approver1", repr([["workflow_state", "not in", ["Draft"]]]))] == 2

    # deletes (a draft of each village) and one more insert
    admin = wsite.session("Administrator")  # a clerk may not delete an application
    admin.delete(DOCTYPE, east[1]["name"])
    admin.delete(DOCTYPE, west[1]["name"])
    world.reward_application()
    figures = check_counts(wsite, taken)
    assert figures[("clerk.east", "None")] == 3
    assert figures[("clerk.west", "None")] == 1
    assert figures[("Administrator", "None")] == 4
    assert figures[("tclerk", repr({"workflow_state": "Draft"}))] == 2
    assert summaries.verify(wsite) == []


def test_inside_a_transaction_the_count_sees_its_own_writes(wsite, world, taken):
    world.reward_application()
    clerk = wsite.session("clerk.east")
    with wsite.transaction():
        world.reward_application()
        taken.clear()
        assert clerk.get_count(DOCTYPE) == 2
        assert taken == [2]
    assert clerk.get_count(DOCTYPE) == 2


def test_what_the_rollup_cannot_serve_counts_the_documents(wsite, world, taken):
    world.reward_application()
    clerk = wsite.session("clerk.east")
    # OR filters, and a DocType without a roll-up (Village: no report reads it)
    taken.clear()
    assert clerk.get_count(DOCTYPE, or_filters={"workflow_state": "Draft"}) == 1
    assert clerk.get_count("Village") == 1  # her own village
    assert taken == [None]  # Village's count asked, had no roll-up; the OR filters did not ask
    assert wsite.session("Administrator").get_count("Village") == 45
    # a permission condition reading a column the roll-up lacks (an owner rule) or an unqualified
    # column: documents, never a silently different condition
    served = ("1", [])
    assert summaries.rollup_count(wsite, DOCTYPE, ('r."owner" = ?', ["clerk.east"]), served, []) is None
    assert summaries.rollup_count(wsite, DOCTYPE, ('"village" = ?', [EAST]), served, []) is None
    assert summaries.rollup_count(wsite, DOCTYPE, ('r."village" = ?', [EAST]), served, []) == 1
    # a number given for a text field: SQLite would compare it as text in the documents' column
    assert clerk.get_count(DOCTYPE, {"village": 7}) == 0


def test_a_dropped_rollup_is_noticed_and_the_documents_counted(wsite, world, taken):
    world.reward_application()
    clerk = wsite.session("clerk.east")
    assert clerk.get_count(DOCTYPE) == 1
    rollup = summaries.plans(wsite).rollups[DOCTYPE]
    wsite.db.execute(f"DROP TABLE {rollup.table}")
    taken.clear()
    assert clerk.get_count(DOCTYPE) == 1
    assert taken == [None]
