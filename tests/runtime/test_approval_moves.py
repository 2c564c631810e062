"""The approval moves on the real workflows (issue 17.5), in the embedded runtime:

- 比例会签: the termination certificate's leaders sign 2 of N (`required: 2`);
- 加签: the township approver adds signers before or after themselves;
- 会办: a student loan is reviewed by Finance and Education at once.
"""

from __future__ import annotations

import threading

import pytest
from workflow_support import EAST, act, pass_notice, state

from townflow.runtime import approval_moves, errors, workflow

CERT = "Termination Certificate Application"


def new_user(wsite, email: str, role: str, **permissions) -> None:
    admin = wsite.session("Administrator")
    admin.insert({"doctype": "User", "email": email, "full_name": email, "roles": [{"role": role}]})
    for allow, value in permissions.items():
        admin.insert({"doctype": "User Permission", "user": email, "allow": allow, "for_value": value})


def todos(wsite, user: str) -> list[tuple[str, str]]:
    items = workflow.inbox(wsite.session(user), "todo", limit_page_length=50)["items"]
    return [(i["reference_name"], i["source"]) for i in items]


def log(wsite, app) -> list[tuple[str, str, str]]:
    rows = wsite.db.fetchall(
        'SELECT action, kind, user FROM "tabWorkflow Action Log" WHERE reference_name = ? ORDER BY name',
        (app["name"],),
    )
    return [(r["action"], r["kind"], r["user"]) for r in rows]


def at_countersign(wsite, world) -> dict:
    app = world.certificate_application(EAST, weeks=18)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    act(wsite, "health", app, "Approve")
    assert state(wsite, app) == "Pending Leader Countersign"
    return app


@pytest.fixture
def three_leaders(wsite):
    new_user(wsite, "leader3", "Township Leader")


# --- 比例会签 -------------------------------------------------------------------------------


def test_two_of_three_leaders_issue_the_certificate_and_the_third_task_closes_with_a_note(
    wsite, world, three_leaders
):
    app = at_countersign(wsite, world)
    assert [len(todos(wsite, u)) for u in ("leader1", "leader2", "leader3")] == [1, 1, 1]
    assert act(wsite, "leader1", app, "Countersign", "同意")["workflow_state"] == "Pending Leader Countersign"
    issued = act(wsite, "leader3", app, "Countersign", "同意")
    assert issued["workflow_state"] == "Issued"
    assert todos(wsite, "leader2") == []
    assert log(wsite, app)[-3:] == [
        ("Countersign", "vote", "leader1"),
        ("Closed: leader2", "note", "leader2"),
        ("Countersign", "transition", "leader3"),
    ]
    note = wsite.db.scalar(
        'SELECT comment FROM "tabWorkflow Action Log" WHERE reference_name = ? AND kind = ?',
        (app["name"], "note"),
    )
    assert note == ("会签已结束，leader2 的待办关闭：leader3 Countersign / countersign decided, task closed")


def test_one_no_waits_while_the_others_can_still_reach_two_and_the_second_no_rejects(
    wsite, world, three_leaders
):
    app = at_countersign(wsite, world)
    with pytest.raises(errors.MandatoryError):
        act(wsite, "leader1", app, "Reject")
    after_no = act(wsite, "leader1", app, "Reject", "孕周过大")
    assert after_no["workflow_state"] == "Pending Leader Countersign"  # leader2 + leader3 can still make 2
    assert todos(wsite, "leader1") == []
    assert workflow.get_transitions(wsite.session("leader1"), after_no) == []
    with pytest.raises(errors.ValidationError, match="leader1 has already said no in this step"):
        act(wsite, "leader1", app, "Countersign")
    rejected = act(wsite, "leader2", app, "Reject", "同意组长意见")
    assert rejected["workflow_state"] == "Rejected"
    assert [k for _a, k, _u in log(wsite, app)[-3:]] == ["dissent", "note", "transition"]
    assert todos(wsite, "leader3") == []


def test_with_two_leaders_two_are_needed_and_one_no_rejects_at_once(wsite, world):
    app = at_countersign(wsite, world)
    act(wsite, "leader1", app, "Countersign")
    assert act(wsite, "leader2", app, "Reject", "不同意")["workflow_state"] == "Rejected"


def test_a_ratio_step_fewer_users_may_sign_than_it_needs_is_not_entered(wsite, world):
    wsite.db.execute('UPDATE "tabUser" SET enabled = 0 WHERE name = ?', ("leader2",))
    app = world.certificate_application(EAST, weeks=18)
    for user, action in [("clerk.east", "Submit"), ("head.east", "Verify"), ("approver1", "Approve")]:
        act(wsite, user, app, action)
    with pytest.raises(
        errors.ValidationError, match="Pending Leader Countersign needs 2 approvals but only 1"
    ):
        act(wsite, "health", app, "Approve")
    assert state(wsite, app) == "Pending Health Review"


def test_three_leaders_signing_at_once_issue_it_once_with_exactly_two_signatures(wsite, world, three_leaders):
    app = at_countersign(wsite, world)
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def sign(user: str) -> None:
        barrier.wait()
        for _ in range(30):  # a conflict: someone signed first; read again and try again
            try:
                act(wsite, user, app, "Countersign")
                outcome = "signed"
            except errors.TimestampMismatchError:
                continue
            except errors.ValidationError as refused:
                outcome = f"refused: {refused}"
            with lock:
                outcomes.append(outcome)
            return

    threads = [threading.Thread(target=sign, args=(u,)) for u in ("leader1", "leader2", "leader3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused: Not a valid Workflow Action", "signed", "signed"]
    assert state(wsite, app) == "Issued"
    kinds = [k for a, k, _u in log(wsite, app) if a == "Countersign"]
    assert kinds == ["vote", "transition"]
    assert (
        wsite.db.scalar(
            'SELECT count(*) FROM "tabWorkflow Action Log" WHERE reference_name = ? AND to_state = ?',
            (app["name"], "Issued"),
        )
        == 1
    )
    assert wsite.audit.verify().ok


# --- 加签 -----------------------------------------------------------------------------------


def at_township(wsite, world) -> dict:
    app = world.certificate_application(EAST, weeks=10)
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    return app


def add(wsite, user, app, users, position="before", comment=None):
    session = wsite.session(user)
    return approval_moves.add_signers(
        session, {"doctype": CERT, "name": app["name"]}, users, position, comment
    )


def test_signers_added_before_sign_first_and_the_approver_waits_for_them(wsite, world):
    app = at_township(wsite, world)
    added = add(wsite, "approver1", app, ["leader1"], "before", "请领导先阅")
    assert added["added"] == ["leader1"]
    assert [(s["user"], s["position"], s["status"], s["added_by"]) for s in added["added_signers"]] == [
        ("leader1", "before", "Open", "approver1")
    ]
    assert todos(wsite, "leader1") == [(app["name"], "add_before")]
    shown = workflow.timeline(wsite.session("approver1"), CERT, app["name"])
    assert ("leader1", "add_before") in {(e["user"], e["source"]) for e in shown["expected"]}
    assert shown["actions"][-1]["action"] == "Add Signer (before): leader1"
    for approver in ("approver1", "approver2"):
        with pytest.raises(
            errors.ValidationError, match=r"Wait for the signers added before the approver.*leader1"
        ):
            act(wsite, approver, app, "Approve")
    assert workflow.get_transitions(wsite.session("approver1"), app) == []
    approval_moves.sign(wsite.session("leader1"), {"doctype": CERT, "name": app["name"]}, "Agree", "同意")
    assert todos(wsite, "leader1") == []
    assert act(wsite, "approver1", app, "Approve")["workflow_state"] == "Issued"


def test_adding_signers_is_refused_where_the_step_does_not_allow_it_and_by_whom_holds_no_task(wsite, world):
    app = world.certificate_application(EAST)
    act(wsite, "clerk.east", app, "Submit")
    with pytest.raises(
        errors.ValidationError,
        match=r"The step Pending Village Verification does not allow adding signers \(加签\)",
    ):
        add(wsite, "head.east", app, ["deputy.east"])
    act(wsite, "head.east", app, "Verify")
    with pytest.raises(
        errors.PermissionError, match="Only an approver who holds this step's task may add signers"
    ):
        add(wsite, "leader1", app, ["leader2"])
    with pytest.raises(errors.PermissionError, match=r"clerk\.west may not read this document"):
        add(wsite, "approver1", app, ["clerk.west"])
    with pytest.raises(errors.ValidationError, match="You cannot add yourself as a signer"):
        add(wsite, "approver1", app, ["approver1"])
    with pytest.raises(errors.ValidationError, match="position must be before or after"):
        add(wsite, "approver1", app, ["leader1"], "middle")


def test_the_approver_removes_an_added_signer_until_they_have_signed(wsite, world):
    app = at_township(wsite, world)
    add(wsite, "approver1", app, ["leader1", "leader2"], "before")
    ref = {"doctype": CERT, "name": app["name"]}
    with pytest.raises(errors.PermissionError, match="Only approver1, who added leader2, may remove them"):
        approval_moves.remove_signer(wsite.session("approver2"), ref, "leader2")
    removed = approval_moves.remove_signer(wsite.session("approver1"), ref, "leader2", "不必会签")
    assert [(s["user"], s["status"]) for s in removed["added_signers"]] == [
        ("leader1", "Open"),
        ("leader2", "Removed"),
    ]
    assert todos(wsite, "leader2") == []
    approval_moves.sign(wsite.session("leader1"), ref, "Agree")
    with pytest.raises(
        errors.ValidationError, match="leader1 has already signed and can no longer be removed"
    ):
        approval_moves.remove_signer(wsite.session("approver1"), ref, "leader1")
    with pytest.raises(errors.PermissionError, match="You are not an added signer waited on by this step"):
        approval_moves.sign(wsite.session("leader2"), ref, "Agree")


def test_signers_added_after_get_the_task_once_the_approver_approved_and_their_yes_moves_it(wsite, world):
    app = at_township(wsite, world)
    add(wsite, "approver1", app, ["leader1"], "after")
    assert todos(wsite, "leader1") == []  # not their turn yet
    held = act(wsite, "approver1", app, "Approve", "同意，请领导复核")
    assert held["workflow_state"] == "Pending Township Approval"
    assert todos(wsite, "approver2") == []  # the approver's part is done
    assert todos(wsite, "leader1") == [(app["name"], "add_after")]
    ref = {"doctype": CERT, "name": app["name"]}
    issued = approval_moves.sign(wsite.session("leader1"), ref, "Agree", "同意")
    assert issued["workflow_state"] == "Issued"
    assert log(wsite, app)[-3:] == [
        ("Approve", "held", "approver1"),
        ("Agree", "sign", "leader1"),
        ("Approve", "transition", "approver1"),
    ]


def test_an_after_signer_disagreeing_rejects_with_the_reason(wsite, world):
    app = at_township(wsite, world)
    add(wsite, "approver1", app, ["leader1"], "after")
    act(wsite, "approver1", app, "Approve")
    ref = {"doctype": CERT, "name": app["name"]}
    with pytest.raises(errors.MandatoryError, match="A comment is required to disagree"):
        approval_moves.sign(wsite.session("leader1"), ref, "Disagree")
    rejected = approval_moves.sign(wsite.session("leader1"), ref, "Disagree", "材料不全")
    assert rejected["workflow_state"] == "Rejected"
    last = workflow.timeline(wsite.session("approver1"), CERT, app["name"])["actions"][-1]
    assert (last["action"], last["comment"]) == (
        "Reject",
        "加签人 leader1 不同意：材料不全 / added signer leader1 disagreed: 材料不全",
    )


# --- 会办 -----------------------------------------------------------------------------------


def student_loan(wsite, world) -> dict:
    household = world.household(EAST, only_child_certificate_no="DSZN-010")
    head = world.person(household, relationship="Head", gender="Male", marital_status="Married")
    student = world.child(household, "Female", full_name="张大学", is_in_school=1, school="山东大学")
    app = wsite.session("clerk.east").insert(
        {
            "doctype": "Subsidy Application",
            "household": household["name"],
            "applicant": head["name"],
            "benefit_kind": "Student Loan",
            "student": student["name"],
            "school_name": "山东大学",
            "amount": 6000,
        }
    )
    act(wsite, "clerk.east", app, "Submit")
    act(wsite, "head.east", app, "Verify")
    pass_notice(wsite, "head.east", app)  # 村级公示: the window runs out with no objection
    act(wsite, "approver1", app, "Forward")
    assert state(wsite, app) == "Pending Joint Review"
    return app


def test_each_department_of_a_joint_review_decides_in_its_own_inbox(wsite, world):
    app = student_loan(wsite, world)
    assert todos(wsite, "finance") == [(app["name"], "step")]
    assert todos(wsite, "education") == [(app["name"], "step")]
    for outsider in ("tax", "civil", "health"):
        with pytest.raises((errors.DoesNotExistError, errors.PermissionError)):
            wsite.session(outsider).get(app["doctype"], app["name"])
    shown = workflow.timeline(wsite.session("approver1"), app["doctype"], app["name"])
    assert [(b["department"], b["role"], b["status"]) for b in shown["branches"]] == [
        ("财政所", "Finance Officer", "Open"),
        ("教育办", "Education Officer", "Open"),
    ]
    after_finance = act(wsite, "finance", app, "Approve", "同意贷款")
    assert after_finance["workflow_state"] == "Pending Joint Review"
    assert todos(wsite, "finance") == []
    assert workflow.get_transitions(wsite.session("finance"), after_finance) == []
    assert act(wsite, "education", app, "Approve", "学籍属实")["workflow_state"] == "Township Public Notice"
    for officer in ("finance", "education"):
        done = workflow.inbox(wsite.session(officer), "done")["items"]
        assert [i["reference_name"] for i in done] == [app["name"]]
    branches = approval_moves.branches(wsite.db, app["doctype"], app["name"])
    assert [(b["department"], b["status"], b["decided_by"]) for b in branches] == [
        ("财政所", "Approved", "finance"),
        ("教育办", "Approved", "education"),
    ]
    pass_notice(wsite, "approver1", app)  # 街道公示
    assert act(wsite, "approver2", app, "Issue Notice")["workflow_state"] == "Approved"


def test_one_department_rejecting_ends_the_others_task_with_a_note(wsite, world):
    app = student_loan(wsite, world)
    assert act(wsite, "education", app, "Reject", "未查到学籍")["workflow_state"] == "Rejected"
    assert todos(wsite, "finance") == []
    assert log(wsite, app)[-2:] == [
        ("Closed: 财政所", "note", "财政所"),
        ("Reject", "transition", "education"),
    ]
    branches = approval_moves.branches(wsite.db, app["doctype"], app["name"])
    assert [(b["department"], b["status"]) for b in branches] == [
        ("财政所", "Closed"),
        ("教育办", "Rejected"),
    ]


def test_one_department_returning_it_ends_the_others_task_too(wsite, world):
    app = student_loan(wsite, world)
    act(wsite, "finance", app, "Approve")
    session = wsite.session("education")
    workflow.return_to(session, session.get(app["doctype"], app["name"]), "Draft", "请补充录取通知书")
    assert state(wsite, app) == "Draft"
    assert todos(wsite, "education") == []
    branches = approval_moves.branches(wsite.db, app["doctype"], app["name"])
    assert [(b["department"], b["status"]) for b in branches] == [
        ("财政所", "Approved"),
        ("教育办", "Returned"),
    ]
