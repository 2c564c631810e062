"""The inbox: to do, done, CC and overdue with counts, each scoped by the same permission rule."""

from __future__ import annotations

import pytest
from workflow_support import EAST, WEST, act

from townflow.runtime import errors, workflow


def submitted(wsite, world, village):
    app = world.certificate_application(village)
    act(wsite, "clerk.east" if village == EAST else "clerk.west", app, "Submit")
    return app


def test_each_village_head_sees_only_their_villages_applications(wsite, world):
    east = [submitted(wsite, world, EAST) for _ in range(3)]
    west = submitted(wsite, world, WEST)
    head_east = workflow.inbox(wsite.session("head.east"), "todo", limit_page_length=2)
    assert head_east["counts"] == {"todo": 3, "done": 0, "cc": 0, "overdue": 0}
    assert [i["reference_name"] for i in head_east["items"]] == [east[2]["name"], east[1]["name"]]
    second_page = workflow.inbox(wsite.session("head.east"), "todo", limit_start=2, limit_page_length=2)
    assert [i["reference_name"] for i in second_page["items"]] == [east[0]["name"]]
    head_west = workflow.inbox(wsite.session("head.west"), "todo")
    assert [i["reference_name"] for i in head_west["items"]] == [west["name"]]
    clerk = workflow.inbox(wsite.session("clerk.east"), "done")
    assert clerk["counts"]["done"] == 3


def test_counts_follow_the_users_permissions_now(wsite, world):
    submitted(wsite, world, EAST)
    assert workflow.inbox(wsite.session("head.east"), "todo")["counts"]["todo"] == 1
    wsite.db.execute('DELETE FROM "tabUser Permission" WHERE user = ?', ("head.east",))
    gone = workflow.inbox(wsite.session("head.east"), "todo")
    assert (gone["counts"]["todo"], gone["items"]) == (0, [])


def test_a_document_type_filter_and_an_unknown_tab(wsite, world):
    submitted(wsite, world, EAST)
    head = wsite.session("head.east")
    assert workflow.inbox(head, "todo", doctype="Subsidy Application")["counts"]["todo"] == 0
    assert workflow.inbox(head, "todo", doctype="Termination Certificate Application")["counts"]["todo"] == 1
    with pytest.raises(errors.QueryError):
        workflow.inbox(head, "everything")


def test_a_users_own_and_pooled_todos_are_one_list_newest_first(wsite, world):
    apps = [submitted(wsite, world, EAST) for _ in range(3)]  # each waits on East's village heads
    deputy = wsite.session("deputy.east")
    doc = wsite.session("deputy.east").get(apps[0]["doctype"], apps[0]["name"])
    workflow.delegate(deputy, doc, "head.east", "请村主任办理")  # now head.east's own, and newest
    head = workflow.inbox(wsite.session("head.east"), "todo", limit_page_length=2)
    assert [i["reference_name"] for i in head["items"]] == [apps[0]["name"], apps[2]["name"]]
    assert [i["source"] for i in head["items"]] == ["delegate", "step"]
    assert head["counts"]["todo"] == 3
    rest = workflow.inbox(wsite.session("head.east"), "todo", limit_start=2, limit_page_length=2)
    assert [i["reference_name"] for i in rest["items"]] == [apps[1]["name"]]
    others = workflow.inbox(wsite.session("deputy.east"), "todo")
    assert [i["reference_name"] for i in others["items"]] == [apps[2]["name"], apps[1]["name"]]
    assert others["counts"]["todo"] == 2


def test_a_pooled_todo_follows_who_holds_the_role_now(wsite, world):
    app = submitted(wsite, world, EAST)
    revoke = 'DELETE FROM "tabHas Role" WHERE parent = ? AND role = ?'
    wsite.db.execute(revoke, ("deputy.east", "Village Head"))
    gone = workflow.inbox(wsite.session("deputy.east"), "todo")
    assert (gone["counts"]["todo"], gone["items"]) == (0, [])
    shown = workflow.timeline(wsite.session("clerk.east"), app["doctype"], app["name"])
    assert [(e["user"], e["role"]) for e in shown["expected"]] == [("head.east", "Village Head")]
    act(wsite, "head.east", app, "Verify")
    done = workflow.inbox(wsite.session("head.east"), "done")
    assert [i["reference_name"] for i in done["items"]] == [app["name"]]
    assert workflow.inbox(wsite.session("head.east"), "todo")["counts"]["todo"] == 0
