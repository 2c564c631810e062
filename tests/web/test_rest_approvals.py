"""townflow's approval calls over HTTP (`/api/method/townflow.api.*`): what Frappe has no call for.

Withdraw (撤回), return (退回) with a required comment, delegate (转交), comments, bulk approve, and
the inbox with its four tabs, each as the user who would do it.
"""

from __future__ import annotations

import pytest

from townflow.client import FrappeError

from .notice_window import notice_window_passed
from .scenario import VILLAGE_A, act, create_users, relief_application


@pytest.fixture(scope="module")
def users(live_site):
    create_users(live_site)
    return live_site


def _relief(users) -> dict:
    clerk = users.login("clerk.a@rest")
    return clerk.insert(relief_application(clerk, VILLAGE_A))


def test_applicant_withdraws_before_the_next_step_acts(users):
    clerk, head = users.login("clerk.a@rest"), users.login("head.a@rest")
    app = _relief(users)
    act(clerk, app, "Submit")
    withdrawn = clerk.withdraw(clerk.get_doc(app["doctype"], app["name"]), comment="材料有误，撤回修改")
    assert withdrawn["workflow_state"] == "Draft"
    # once the head has verified, it is too late to withdraw
    act(clerk, app, "Submit")
    act(head, app, "Verify")
    with pytest.raises(FrappeError) as late:
        clerk.withdraw(clerk.get_doc(app["doctype"], app["name"]))
    assert 400 <= late.value.status < 500


def test_return_needs_a_comment_and_comes_back_to_the_returner(users):
    clerk, head, approver = (
        users.login("clerk.a@rest"),
        users.login("head.a@rest"),
        users.login("approver@rest"),
    )
    app = _relief(users)
    act(clerk, app, "Submit")
    act(head, app, "Verify")
    notice_window_passed(users.site_dir, app["name"])  # 公示 in the village, run out
    act(head, app, "End Notice")
    doc = approver.get_doc(app["doctype"], app["name"])
    assert "Draft" in approver.timeline(app["doctype"], app["name"])["return_targets"]
    with pytest.raises(FrappeError) as no_comment:
        approver.return_to(doc, "Draft")
    assert no_comment.value.status == 417
    returned = approver.return_to(doc, "Draft", comment="请补充低保证明")
    assert returned["workflow_state"] == "Draft"
    # after resubmission the document comes straight back to the approver who returned it
    resubmitted = act(clerk, app, "Submit")
    assert resubmitted["workflow_state"] == "Pending Township Review"
    comments = [a.get("comment") for a in clerk.timeline(app["doctype"], app["name"])["actions"]]
    assert "请补充低保证明" in comments


def test_delegate_hands_the_todo_to_a_colleague(users):
    clerk, head = users.login("clerk.a@rest"), users.login("head.a@rest")
    app = _relief(users)
    act(clerk, app, "Submit")
    # a deputy head joins the village after the application reached the heads' step: it waits
    # on the village's heads, so the deputy finds it too
    users.add_user("deputy.a@rest", ["Village Head"], villages=(VILLAGE_A,))
    deputy = users.login("deputy.a@rest")

    def waiting_for(client) -> bool:
        items = client.inbox("todo", limit_page_length=500)["items"]
        return app["name"] in {i["reference_name"] for i in items}

    assert waiting_for(deputy) and waiting_for(head)
    with pytest.raises(FrappeError):  # a clerk does not hold the head's role
        head.delegate(head.get_doc(app["doctype"], app["name"]), "clerk.b@rest")
    head.delegate(head.get_doc(app["doctype"], app["name"]), "deputy.a@rest", comment="外出，请代办")
    # from now on it waits on the deputy alone
    assert waiting_for(deputy) and not waiting_for(head)
    assert act(deputy, app, "Verify")["workflow_state"] == "Village Public Notice"  # on to its 公示


def test_after_delegating_the_delegator_cannot_act_by_any_call_until_reclaiming(users):
    clerk, head = users.login("clerk.a@rest"), users.login("head.a@rest")
    users.add_user("deputy.a@rest", ["Village Head"], villages=(VILLAGE_A,))
    users.login("deputy.a@rest")
    app = _relief(users)
    act(clerk, app, "Submit")
    doctype, name = app["doctype"], app["name"]
    assert head.get_transitions(head.get_doc(doctype, name))
    head.delegate(head.get_doc(doctype, name), "deputy.a@rest", comment="外出，请代办")
    doc = head.get_doc(doctype, name)
    # the head still holds the role and the village, yet no call lets him act on it
    assert head.get_transitions(doc) == []
    attempts = {
        "apply_workflow": lambda: head.apply_workflow(doc, "Verify"),
        "return_to": lambda: head.return_to(doc, comment="退回"),
        "delegate": lambda: head.delegate(doc, "deputy.a@rest"),
    }
    for call, attempt in attempts.items():
        with pytest.raises(FrappeError) as refused:
            attempt()
        assert refused.value.status == 403, call
        assert "deputy.a@rest" in str(refused.value), call  # the message names the delegate
    bulk = head.bulk_apply(doctype, [name], "Verify")
    assert bulk["done"] == [] and bulk["failed"][0]["http_status"] == 403
    assert "deputy.a@rest" in bulk["failed"][0]["message"]
    assert clerk.get_doc(doctype, name)["workflow_state"] == "Pending Village Verification"
    # 收回 over REST gives it back: the head acts, and the deputy no longer can
    head.call("townflow.api.reclaim", doc=head.get_doc(doctype, name), comment="已返回")
    assert "Verify" in [t["action"] for t in head.get_transitions(head.get_doc(doctype, name))]
    assert act(head, app, "Verify")["workflow_state"] == "Village Public Notice"  # on to its 公示
    with pytest.raises(FrappeError):  # nothing left to take back once acted
        head.call("townflow.api.reclaim", doc=head.get_doc(doctype, name))


def test_comment_and_bulk_approve(users):
    clerk, head = users.login("clerk.a@rest"), users.login("head.a@rest")
    apps = [_relief(users) for _ in range(3)]
    for app in apps:
        act(clerk, app, "Submit")
    head.comment(apps[0]["doctype"], apps[0]["name"], "已入户核实")
    assert "已入户核实" in [
        a.get("comment") for a in head.timeline(apps[0]["doctype"], apps[0]["name"])["actions"]
    ]
    names = [a["name"] for a in apps]
    result = head.bulk_apply("Subsidy Application", [*names, "LYDX-0000-99999"], "Verify", comment="批量核实")
    assert sorted(result["done"]) == sorted(names)
    assert [f["name"] for f in result["failed"]] == ["LYDX-0000-99999"]
    assert result["failed"][0]["http_status"] == 404
    for name in names:
        assert clerk.get_doc("Subsidy Application", name)["workflow_state"] == "Village Public Notice"


def test_inbox_tabs_and_counts(users):
    head = users.login("head.a@rest")
    inbox = head.inbox("todo", limit_page_length=2)
    assert inbox["tab"] == "todo"
    assert set(inbox["counts"]) == {"todo", "done", "cc", "overdue"}
    assert len(inbox["items"]) <= 2
    assert head.inbox("done")["counts"]["done"] >= 1
    with pytest.raises(FrappeError) as bad_tab:
        head.inbox("someday")
    assert bad_tab.value.status == 417
