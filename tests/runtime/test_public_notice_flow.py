"""公示 (issue 17, point 1) in the embedded runtime: the Subsidy Application is posted in its village
after the head verifies (5 working days) and at the township after the department approves (7);
End Notice is refused while the window runs or an objection is unsettled; the township settles
objections (upheld: returned or rejected with the reason; dismissed: the objector is told)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from workflow_support import NOTICE_DAYS, act, pass_notice

from townflow.runtime import errors, public_notice, workflow

NOON = datetime(2026, 3, 2, 12, 0, 0)


def _to_village_notice(wsite, world) -> dict:
    app = world.reward_application()
    act(wsite, "clerk.east", app, "Submit")
    posted = act(wsite, "head.east", app, "Verify")
    assert posted["workflow_state"] == "Village Public Notice"
    return app


def _notice_of(wsite, app) -> dict:
    rows = wsite.session("Administrator").get_list(
        "Public Notice",
        fields=["name", "status", "level", "village", "posted_on", "ends_on", "items", "notice_state"],
        filters={"reference_name": app["name"]},
        order_by="creation asc",
    )
    return rows


def test_verify_posts_a_village_notice_of_masked_items_for_five_working_days(wsite, world):
    app = _to_village_notice(wsite, world)
    [notice] = _notice_of(wsite, app)
    # posted Monday 2026-03-02: five working days after it end on Monday 2026-03-09
    assert (notice["status"], notice["level"], notice["village"]) == ("Open", "Village", "东关村")
    assert (notice["posted_on"], notice["ends_on"]) == ("2026-03-02", "2026-03-09")
    items = json.loads(notice["items"])
    head = wsite.session("Administrator").get("Subsidy Application", app["name"])["head_name"]
    assert len(head) == 3
    assert [(i["label_zh"], i["zh"]) for i in items] == [
        ("户主", head[0] + "*" + head[2]),
        ("村", "东关村"),
        ("政策类别", "一次性奖励（计划生育光荣户）"),
        ("金额（元）", "1,000.00"),
    ]
    # the public list shows it today, not after the window
    assert [n["name"] for n in public_notice.current_notices(wsite, NOON.date())] == [notice["name"]]
    assert public_notice.current_notices(wsite, datetime(2026, 3, 10).date()) == []


def test_end_notice_is_refused_while_the_window_runs_and_allowed_after(wsite, world):
    app = _to_village_notice(wsite, world)
    wsite.now.advance(days=7)  # Monday 2026-03-09, the last day of the window
    with pytest.raises(errors.ValidationError, match="runs until 2026-03-09") as refused:
        act(wsite, "head.east", app, "End Notice")
    assert "公示期未满" in refused.value.messages[0].zh
    wsite.now.advance(days=1)  # Tuesday: the window has run out
    ended = act(wsite, "head.east", app, "End Notice")
    assert ended["workflow_state"] == "Pending Township Review"
    assert [n["status"] for n in _notice_of(wsite, app)] == ["Ended"]


def test_an_unsettled_objection_holds_the_step_until_the_township_dismisses_it(wsite, world):
    app = _to_village_notice(wsite, world)
    [notice] = _notice_of(wsite, app)
    number, code = public_notice.file_objection(
        wsite, notice["name"], "王五", "13812345678", "该户已有儿子，不是独女户", NOON
    )
    assert number.startswith("GSYY-2026-")
    wsite.now.advance(days=NOTICE_DAYS)
    with pytest.raises(errors.ValidationError, match=f"1 objection.*not settled \\({number}\\)"):
        act(wsite, "head.east", app, "End Notice")
    # a village head cannot settle it: the township does
    with pytest.raises(errors.PermissionError):
        public_notice.settle(wsite.session("head.east"), number, "dismiss", "核实无误")
    with pytest.raises(errors.ValidationError, match="reason is required"):
        public_notice.settle(wsite.session("approver1"), number, "dismiss", "  ")
    public_notice.settle(wsite.session("approver1"), number, "dismiss", "经入户核实，该户仅一女")
    # the objector reads the reply with the number and the code; a wrong code reads nothing
    reply = public_notice.reply_for(wsite, number, code)
    assert reply["status"] == "Dismissed"
    [message] = reply["replies"]
    assert message["message"].startswith(
        f"您对计生家庭利益导向申请 {app['name']}提出的异议（{number}）经街道核查不成立"
    )
    assert "经入户核实，该户仅一女" in message["message"]
    assert public_notice.reply_for(wsite, number, "WRONGCOD") is None
    assert act(wsite, "head.east", app, "End Notice")["workflow_state"] == "Pending Township Review"


def test_an_upheld_objection_returns_the_application_with_the_reason(wsite, world):
    app = _to_village_notice(wsite, world)
    [notice] = _notice_of(wsite, app)
    number, code = public_notice.file_objection(
        wsite, notice["name"], "李四", "东关村3组", "家中有儿子未登记", NOON
    )
    public_notice.settle(wsite.session("approver1"), number, "return", "核实有子未登记，退回重新核实")
    admin = wsite.session("Administrator")
    assert admin.get("Subsidy Application", app["name"])["workflow_state"] == "Draft"
    assert [n["status"] for n in _notice_of(wsite, app)] == ["Withdrawn"]
    last = workflow.timeline(admin, "Subsidy Application", app["name"])["actions"][-1]
    assert (last["action"], last["to_state"]) == ("Objection Upheld", "Draft")
    assert "核实有子未登记，退回重新核实" in last["comment"]
    assert "退回重新审核" in public_notice.reply_for(wsite, number, code)["replies"][0]["message"]
    # settled once: a second settlement is refused
    with pytest.raises(errors.ValidationError, match="already settled"):
        public_notice.settle(wsite.session("approver1"), number, "reject", "再次处理")


def test_an_upheld_objection_may_reject_the_application(wsite, world):
    app = _to_village_notice(wsite, world)
    [notice] = _notice_of(wsite, app)
    number, _ = public_notice.file_objection(
        wsite, notice["name"], "赵六", "13900001111", "收入情况不实", NOON
    )
    public_notice.settle(wsite.session("approver2"), number, "reject", "收入不符合条件")
    assert (
        wsite.session("Administrator").get("Subsidy Application", app["name"])["workflow_state"] == "Rejected"
    )


def test_objections_are_taken_only_while_the_notice_runs_and_need_every_detail(wsite, world):
    app = _to_village_notice(wsite, world)
    [notice] = _notice_of(wsite, app)
    with pytest.raises(errors.ValidationError, match="contact"):
        public_notice.file_objection(wsite, notice["name"], "王五", "123", "该户已有儿子", NOON)
    with pytest.raises(errors.ValidationError, match="name is required"):
        public_notice.file_objection(wsite, notice["name"], " ", "13812345678", "该户已有儿子", NOON)
    with pytest.raises(errors.DoesNotExistError, match="not running"):
        public_notice.file_objection(
            wsite, notice["name"], "王五", "13812345678", "该户已有儿子", datetime(2026, 3, 10, 9)
        )
    with pytest.raises(errors.DoesNotExistError):
        public_notice.file_objection(wsite, "GS-2026-99999", "王五", "13812345678", "该户已有儿子", NOON)


def test_the_department_approval_posts_the_township_notice_for_seven_working_days(wsite, world):
    app = _to_village_notice(wsite, world)
    pass_notice(wsite, "head.east", app)  # 2026-03-17
    act(wsite, "approver1", app, "Forward")
    posted = act(wsite, "finance", app, "Approve")
    assert posted["workflow_state"] == "Township Public Notice"
    _village, township = _notice_of(wsite, app)
    assert (township["level"], township["posted_on"], township["ends_on"]) == (
        "Township",
        "2026-03-17",
        "2026-03-26",
    )
    with pytest.raises(errors.ValidationError, match="runs until 2026-03-26"):
        act(wsite, "approver1", app, "End Notice")
    pass_notice(wsite, "approver1", app)
    assert act(wsite, "approver2", app, "Issue Notice")["workflow_state"] == "Approved"
