"""The approval moves' spec keys (比例会签 `required`, 加签 `add_signer`, 会办 `parallel`) are
checked at load, each error at the file:line:col of the key that is wrong."""

from __future__ import annotations

from .conftest import spec_errors

FILE = "workflows/application.yaml"
STEP = "step: {assignee_role: Approver}"


def _errors(tmp_path, new_step: str, *more: str) -> list[tuple[str, str]]:
    return [(e.location, e.message) for e in spec_errors(tmp_path, FILE, STEP, new_step, *more)]


def test_a_ratio_needs_a_countersign_step(tmp_path):
    assert _errors(tmp_path, "step: {assignee_role: Approver, required: 2}") == [
        (f"{FILE}:8:47", "required applies to a countersign step (mode: all) only")
    ]


def test_a_share_asking_more_signers_than_it_has_is_refused(tmp_path):
    assert _errors(tmp_path, 'step: {mode: all, assignee_role: Approver, required: "3/2"}') == [
        (f"{FILE}:8:58", "required '3/2' asks more signers (3) than the share has (2)")
    ]


def test_a_ratio_that_is_no_number_is_refused(tmp_path):
    assert _errors(tmp_path, "step: {mode: all, assignee_role: Approver, required: two}") == [
        (f"{FILE}:8:58", "required must be a number (2) or a share such as 2/3, not 'two'")
    ]


def test_signers_added_after_the_approver_need_a_reject_way_out(tmp_path):
    found = _errors(
        tmp_path,
        "step: {assignee_role: Approver, add_signer: [after]}",
        "  - {state: Pending, action: Reject, next_state: Rejected, allowed: Approver, kind: reject}\n",
        "  - {state: Pending, action: Reject, next_state: Rejected, allowed: Approver, kind: other}\n",
    )
    assert found == [
        (
            f"{FILE}:8:49",
            "signers added after the approver need a reject transition out of Pending "
            "(where their disagreement takes the document)",
        )
    ]


def test_a_joint_review_names_department_roles_and_a_rule_that_parses(tmp_path):
    found = _errors(tmp_path, "step: {parallel: {departments: 'doc.kindd', roles: {民政办: Approver}}}")
    assert found == [
        (
            f"{FILE}:8:37",
            "expression reads doc.kindd, which Application does not have (did you mean 'kind'?)",
        ),
        (f"{FILE}:8:62", "Approver has scope township; a department's deciding role needs scope department"),
    ]
