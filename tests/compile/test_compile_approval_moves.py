"""The approval moves in the compiled Frappe app (care_for_girls.townflow_ext.approval_moves),
through its task model (Townflow Task / Townflow Action), run in-process over the stand-in frappe
of tests/compile/fake_frappe.py with a small table store: 比例会签 decides 2 of 3 leaders, 加签
writes named tasks the approver waits on, 会办 opens a pooled task per department and shares the
document with its officers. hooks.py maps the REST names. tests/frappe runs it on a real bench."""

from __future__ import annotations

import importlib
import itertools
import json

import fake_frappe
import pytest
from fake_frappe import _dict, _matches
from test_compile_state_restricted import _hooks

from townflow.compile import build_files
from townflow.rules.workflow import WorkflowRuleError

EXT = "care_for_girls.townflow_ext"
CERT = "Termination Certificate Application"
SUBSIDY = "Subsidy Application"
#: user -> (roles, department)
PEOPLE = {
    "approver1": (["Township Approver"], None),
    "approver2": (["Township Approver"], None),
    "leader1": (["Township Leader"], None),
    "leader2": (["Township Leader"], None),
    "leader3": (["Township Leader"], None),
    "finance": (["Finance Officer"], "财政所"),
    "education": (["Education Officer"], "教育办"),
    "tax": (["Tax Officer"], "税务所"),
}


class Stored(fake_frappe.Doc):
    """A saved document: the extension reads it, logs on it and checks its permission."""

    comments: list

    def is_new(self):
        return False

    def check_permission(self, ptype="read"):
        return True

    def add_comment(self, kind, text):
        self.comments.append((kind, text))


@pytest.fixture
def frappe(monkeypatch):
    frappe = fake_frappe.install(monkeypatch)
    db = frappe.db
    counter = itertools.count(1)
    frappe.shares = []
    frappe.session.user = "approver1"
    for user, (roles, department) in PEOPLE.items():
        db.add("User", name=user, enabled=1)
        for role in roles:
            db.add("Has Role", name=f"{user}:{role}", parent=user, parenttype="User", role=role)
        if department:
            grant = {"allow": "Department", "for_value": department, "apply_to_all_doctypes": 1}
            db.add("User Permission", name=f"{user}:dept", user=user, applicable_for=None, **grant)

    def get_all(
        doctype, filters=None, fields=None, order_by=None, pluck=None, limit=None, distinct=False, **kw
    ):
        rows = [
            _dict(r)
            for r in db.records.get(doctype, {}).values()
            if all(_matches(r.get(k), v) for k, v in (filters or {}).items())
        ]
        rows.sort(key=lambda r: r.get("creation") or 0)
        values = [r[pluck] if pluck else r for r in rows]
        if distinct:
            values = list(dict.fromkeys(values))
        return values[: limit or None]

    class New(_dict):
        def insert(self, ignore_permissions=False):
            n = next(counter)
            self.setdefault("name", f"{self['doctype']}-{n}")
            self["creation"] = n
            db.records.setdefault(self["doctype"], {})[self["name"]] = dict(self)
            return self

    def get_doc(arg, name=None):
        if isinstance(arg, dict):
            return New(arg)
        return frappe.docs[(arg, name)]

    def set_value(doctype, name, field, value=None, update_modified=True):
        for key, val in field.items() if isinstance(field, dict) else [(field, value)]:
            db.records[doctype][name][key] = val

    def exists(doctype, name=None, *args, **kw):
        if isinstance(name, dict):
            return bool(get_all(doctype, filters=name))
        return name in db.records.get(doctype, {})

    frappe.get_all = get_all
    frappe.get_doc = get_doc
    frappe.docs = {}
    db.set_value = set_value
    db.exists = exists
    frappe.get_roles = lambda user=None: PEOPLE[user or frappe.session.user][0]
    frappe.has_permission = lambda doctype, ptype, doc, user=None: user != "tax"
    frappe.set_user = lambda user: setattr(frappe.session, "user", user)
    share = type(frappe)("frappe.share")
    share.add_docshare = lambda doctype, name, user, read=1, write=0, flags=None, **kw: frappe.shares.append(
        (doctype, name, user, read, write)
    )
    frappe.share = share
    monkeypatch.setitem(__import__("sys").modules, "frappe.share", share)
    caching = type(frappe)("frappe.utils.caching")
    caching.request_cache = lambda fn: fn
    monkeypatch.setitem(__import__("sys").modules, "frappe.utils.caching", caching)
    yield frappe
    fake_frappe.uninstall()


@pytest.fixture
def moves(frappe):
    return importlib.import_module(f"{EXT}.approval_moves")


@pytest.fixture
def log(frappe):
    return importlib.import_module(f"{EXT}.log")


def document(frappe, doctype, name, state, **values):
    doc = Stored(doctype, name=name, workflow_state=state, owner="clerk", docstatus=0, **values)
    object.__setattr__(doc, "comments", [])
    frappe.docs[(doctype, name)] = doc
    return doc


def task(frappe, doc, state, user=None, **values):
    ref = {"reference_doctype": doc.doctype, "reference_name": doc.name}
    row = {
        "doctype": "Townflow Task",
        **ref,
        "user": user,
        "kind": "Approval",
        "status": "Open",
        "state": state,
    }
    return frappe.get_doc({**row, "source": "step", **values}).insert()


def logged(frappe, doc):
    rows = frappe.get_all("Townflow Action", filters={"reference_name": doc.name})
    return [(r.action, r.kind, r.user) for r in rows]


def test_hooks_map_the_rest_names_to_the_extension(repo_project):
    overrides = _hooks(build_files(repo_project))["override_whitelisted_methods"]
    for name in ("add_signer", "remove_signer", "sign"):
        assert overrides[f"townflow.api.{name}"] == f"{EXT}.approval_moves.{name}"


def test_the_bundle_carries_the_moves_of_the_real_workflows(moves):
    spec = importlib.import_module(f"{EXT}.spec")
    leaders = spec.workflow(CERT).state("Pending Leader Countersign").step
    assert (leaders.mode, leaders.required) == ("all", 2)
    joint = spec.workflow(SUBSIDY).state("Pending Joint Review").step.parallel
    assert joint.roles == {"财政所": "Finance Officer", "教育办": "Education Officer"}


def _transition(spec, doctype, state, action, role):
    wf = spec.workflow(doctype)
    return next(t for t in wf.transitions if t.state == state and t.action == action and t.allowed == role)


def test_two_of_three_leaders_decide_and_a_no_that_cannot_decide_is_a_dissent(frappe, moves, log):
    spec = importlib.import_module(f"{EXT}.spec")
    state = "Pending Leader Countersign"
    doc = document(frappe, CERT, "TC-1", state)
    wf = spec.workflow(CERT)
    sign = _transition(spec, CERT, state, "Countersign", "Township Leader")
    reject = _transition(spec, CERT, state, "Reject", "Township Leader")
    required = ["leader1", "leader2", "leader3"]
    first = moves.outcome(doc, wf, dict(doc), sign, "leader1", required, [])
    assert first.status == "pending"
    history = [fake_entry("Countersign", "vote", "leader1")]
    assert moves.outcome(
        doc, wf, dict(doc), sign, "leader2", ["leader2", "leader3", "leader1"], history
    ).status == ("approved")
    no = moves.outcome(doc, wf, dict(doc), reject, "leader2", ["leader2", "leader3", "leader1"], history)
    assert no.status == "dissent"  # leader1 + leader3 can still make 2
    frappe.session.user = "leader2"
    task(frappe, doc, state, user="leader2")
    moves.handle(doc, wf, reject, "不同意", no)
    assert logged(frappe, doc) == [("Reject", "dissent", "leader2")]
    assert [t.user for t in log.open_tasks(CERT, "TC-1")] == []
    after_dissent = [*history, fake_entry("Reject", "dissent", "leader2")]
    second_no = moves.outcome(doc, wf, dict(doc), reject, "leader3", ["leader3", "leader1"], after_dissent)
    assert second_no.status == "rejected"


def fake_entry(action, kind, user):
    from townflow.rules.steps import ActionEntry

    return ActionEntry(action=action, kind=kind, from_state="", to_state="", user=user)


def test_a_ratio_step_with_fewer_signers_than_it_needs_is_refused(frappe, moves):
    spec = importlib.import_module(f"{EXT}.spec")
    step = spec.workflow(CERT).state("Pending Leader Countersign").step
    with pytest.raises(fake_frappe.ValidationError, match="needs 2 approvals but only 1 users may sign it"):
        moves.check_signers(step, "Pending Leader Countersign", 1)


def test_signers_added_before_get_named_tasks_and_the_step_waits_for_them(frappe, moves, log):
    spec = importlib.import_module(f"{EXT}.spec")
    state = "Pending Township Approval"
    doc = document(frappe, CERT, "TC-2", state)
    task(frappe, doc, state, role="Township Approver", scope_kind="township")  # the approvers' pool
    ref = json.dumps({"doctype": CERT, "name": "TC-2"})
    added = moves.add_signer(ref, "leader1，leader2", "before", "请先阅")
    assert added["added"] == ["leader1", "leader2"]
    assert [(t.user, t.source, t.status, t.added_by) for t in added["added_signers"]] == [
        ("leader1", "add_before", "Open", "approver1"),
        ("leader2", "add_before", "Open", "approver1"),
    ]
    approve = _transition(spec, CERT, state, "Approve", "Township Approver")
    with pytest.raises(
        WorkflowRuleError, match=r"Wait for the signers added before the approver \(加签\): leader1, leader2"
    ):
        moves.outcome(doc, spec.workflow(CERT), dict(doc), approve, "approver1", [], [])
    frappe.session.user = "approver2"
    with pytest.raises(
        fake_frappe.PermissionError, match="Only approver1, who added leader2, may remove them"
    ):
        moves.remove_signer(ref, "leader2")
    frappe.session.user = "approver1"
    moves.remove_signer(ref, "leader2", "不必")
    frappe.session.user = "leader1"
    moves.sign(ref, "Agree", "同意")
    statuses = [(t.user, t.status) for t in moves.signer_tasks(CERT, "TC-2", state)]
    assert statuses == [("leader1", "Done"), ("leader2", "Cancelled")]
    assert (
        moves.outcome(doc, spec.workflow(CERT), dict(doc), approve, "approver1", [], []).status == "approved"
    )
    frappe.session.user = "approver1"
    with pytest.raises(
        fake_frappe.ValidationError, match="leader1 has already signed and can no longer be removed"
    ):
        moves.remove_signer(ref, "leader1")
    assert [k for _a, k, _u in logged(frappe, doc)] == ["add_signer", "remove_signer", "sign"]


def test_adding_signers_is_refused_where_the_step_does_not_declare_it(frappe, moves):
    doc = document(frappe, CERT, "TC-3", "Pending Village Verification")
    task(frappe, doc, "Pending Village Verification", user="approver1")
    with pytest.raises(fake_frappe.ValidationError, match=r"does not allow adding signers \(加签\)"):
        moves.add_signer({"doctype": CERT, "name": doc.name}, ["leader1"])
    doc2 = document(frappe, CERT, "TC-4", "Pending Township Approval")
    task(frappe, doc2, "Pending Township Approval", user="approver1")
    with pytest.raises(fake_frappe.PermissionError, match="tax may not read this document"):
        moves.add_signer({"doctype": CERT, "name": doc2.name}, ["tax"])


def test_an_approval_waiting_on_after_signers_is_held_and_opens_their_tasks(frappe, moves, log):
    spec = importlib.import_module(f"{EXT}.spec")
    state = "Pending Township Approval"
    doc = document(frappe, CERT, "TC-5", state)
    task(frappe, doc, state, role="Township Approver", scope_kind="township")
    moves.add_signer({"doctype": CERT, "name": doc.name}, ["leader3"], "after")
    assert [(t.user, t.status) for t in moves.signer_tasks(CERT, doc.name, state)] == [("leader3", "Waiting")]
    approve = _transition(spec, CERT, state, "Approve", "Township Approver")
    decision = moves.outcome(doc, spec.workflow(CERT), dict(doc), approve, "approver1", [], [])
    assert decision.status == "held"
    moves.handle(doc, spec.workflow(CERT), approve, "同意", decision)
    assert [(t.user, t.status) for t in log.open_tasks(CERT, doc.name)] == [("leader3", "Open")]
    assert logged(frappe, doc)[-1] == ("Approve", "held", "approver1")


def test_a_joint_review_opens_one_pooled_task_per_department_and_shares_the_document(frappe, moves, log):
    spec = importlib.import_module(f"{EXT}.spec")
    state = "Pending Joint Review"
    doc = document(frappe, SUBSIDY, "LYDX-1", state, benefit_kind="Student Loan", department=None)
    moves.open_branches(doc, spec.workflow(SUBSIDY), state, None)
    tasks = log.open_tasks(SUBSIDY, doc.name)
    assert [(t.user, t.role, t.scope_kind, t.scope_value) for t in tasks] == [
        (None, "Finance Officer", "department", "财政所"),
        (None, "Education Officer", "department", "教育办"),
    ]
    assert frappe.shares == [(SUBSIDY, "LYDX-1", "finance", 1, 1), (SUBSIDY, "LYDX-1", "education", 1, 1)]
    approve = _transition(spec, SUBSIDY, state, "Approve", "Finance Officer")
    frappe.session.user = "finance"
    first = moves.outcome(doc, spec.workflow(SUBSIDY), dict(doc), approve, "finance", [], [])
    assert first.status == "branch_pending"
    moves.handle(doc, spec.workflow(SUBSIDY), approve, "同意贷款", first)
    assert [t.scope_value for t in log.open_tasks(SUBSIDY, doc.name)] == ["教育办"]
    assert logged(frappe, doc) == [("Approve", "vote", "finance")]
    with pytest.raises(WorkflowRuleError, match="no open branch"):
        moves.outcome(doc, spec.workflow(SUBSIDY), dict(doc), approve, "finance", [], [])
    frappe.session.user = "education"
    reject = _transition(spec, SUBSIDY, state, "Reject", "Education Officer")
    last = moves.outcome(doc, spec.workflow(SUBSIDY), dict(doc), reject, "education", [], [])
    assert last.status == "branch_move"


def test_leaving_a_joint_review_notes_the_branches_it_ends(frappe, moves, log):
    spec = importlib.import_module(f"{EXT}.spec")
    state = "Pending Joint Review"
    doc = document(frappe, SUBSIDY, "LYDX-2", state, benefit_kind="Student Loan")
    moves.open_branches(doc, spec.workflow(SUBSIDY), state, None)
    frappe.session.user = "education"
    moves.closing(doc, spec.workflow(SUBSIDY), state)
    notes = frappe.get_all("Townflow Action", filters={"reference_name": doc.name, "kind": "note"})
    assert [(n.action, n.comment) for n in notes] == [
        ("Closed: 财政所", "会办【财政所】的待办已结束 / joint review branch closed"),
        ("Closed: 教育办", "会办【教育办】的待办已结束 / joint review branch closed"),
    ]


def test_the_desk_form_gets_the_add_signer_buttons_where_the_spec_allows_them(repo_project, tmp_path):
    import shutil
    import subprocess

    files = build_files(repo_project)
    folder = "care_for_girls/care_for_girls/doctype"
    subsidy = files[f"{folder}/subsidy_application/subsidy_application.js"].decode()
    assert (
        'const positions = {"Pending Township Review": ["before", "after"]}[frm.doc.workflow_state];'
        in subsidy
    )
    assert 'method: "townflow.api.add_signer"' in subsidy and 'method: "townflow.api.sign"' in subsidy
    aid = files[f"{folder}/student_aid_application/student_aid_application.js"].decode()
    assert "townflow.api.add_signer" not in aid  # no state of its workflow allows 加签
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the script's syntax is not checked")
    script = tmp_path / "subsidy_application.js"
    script.write_text(subsidy, encoding="utf-8")
    assert subprocess.run([node, "--check", str(script)], capture_output=True).returncode == 0


def test_the_timeline_lists_the_added_signers_and_the_branches(frappe, moves):
    spec = importlib.import_module(f"{EXT}.spec")
    doc = document(frappe, SUBSIDY, "LYDX-3", "Pending Joint Review", benefit_kind="Student Loan")
    moves.open_branches(doc, spec.workflow(SUBSIDY), "Pending Joint Review", None)
    shown = moves.timeline_extra(SUBSIDY, doc.name, "Pending Joint Review")
    assert shown == {
        "added_signers": [],
        "branches": [
            {"department": "财政所", "role": "Finance Officer", "status": "Open"},
            {"department": "教育办", "role": "Education Officer", "status": "Open"},
        ],
    }
    cert = document(frappe, CERT, "TC-9", "Pending Township Approval")
    task(frappe, cert, "Pending Township Approval", user="approver1")
    moves.add_signer({"doctype": CERT, "name": cert.name}, ["leader1"], "after")
    assert moves.timeline_extra(CERT, cert.name, "Pending Township Approval") == {
        "added_signers": [
            {"user": "leader1", "position": "after", "added_by": "approver1", "status": "Waiting"}
        ],
        "branches": [],
    }
