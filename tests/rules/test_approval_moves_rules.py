"""townflow.rules.approval_moves on plain data: the ratio's arithmetic (a share rounds up over the
signers), when a no decides, and the add-signer refusals — what both runtimes rely on."""

from __future__ import annotations

import pytest

from townflow.rules import approval_moves as rules
from townflow.rules.steps import ActionEntry
from townflow.rules.workflow import WorkflowRuleError
from townflow.spec.models import Step, WorkflowTransition

APPROVE = WorkflowTransition(state="S", action="Sign", next_state="T", allowed="Leader", kind="approve")
REJECT = WorkflowTransition(state="S", action="Reject", next_state="R", allowed="Leader", kind="reject")


def entry(user: str, kind: str) -> ActionEntry:
    return ActionEntry(
        action="Sign" if kind == "vote" else "Reject", kind=kind, from_state="S", to_state="S", user=user
    )


@pytest.mark.parametrize(
    ("required", "signers", "need"),
    [(2, 3, 2), ("2", 5, 2), ("2/3", 3, 2), ("2/3", 4, 3), ("1/2", 5, 3), ("3/3", 4, 4), ("1/10", 3, 1)],
)
def test_the_number_a_ratio_step_needs(required, signers, need):
    assert rules.required_count(Step(mode="all", required=required), signers) == need


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "required must be at least 1, not 0"),
        ("3/2", "required '3/2' asks more signers (3) than the share has (2)"),
        ("0/3", "required '0/3': both parts of the share must be at least 1"),
        ("half", "required must be a number (2) or a share such as 2/3, not 'half'"),
        (True, "required must be a number (2) or a share (2/3), not true/false"),
    ],
)
def test_a_malformed_ratio_says_what_is_wrong(value, message):
    with pytest.raises(ValueError) as refused:
        rules.parse_required(value)
    assert str(refused.value) == message


def test_two_thirds_of_four_waits_for_three_and_a_second_no_decides():
    """Four signers need three: after two yes, one no leaves d to make three; a second no cannot."""
    step = Step(mode="all", required="2/3")
    history = [entry("a", "vote"), entry("b", "vote")]
    assert rules.ratio_outcome(step, APPROVE, "c", ["c", "d", "a", "b"], history).status == "approved"
    first_no = rules.ratio_outcome(step, REJECT, "c", ["c", "d", "a", "b"], history)
    assert (first_no.status, first_no.need, first_no.signers) == ("dissent", 3, 4)
    history.append(entry("c", "dissent"))
    second_no = rules.ratio_outcome(step, REJECT, "d", ["d", "a", "b"], history)
    assert (second_no.status, second_no.approved, second_no.dissented) == ("rejected", ["a", "b"], ["c", "d"])


def test_a_signer_acts_once_and_only_a_signer_acts():
    step = Step(mode="all", required=2)
    with pytest.raises(WorkflowRuleError, match="a has already approved this step"):
        rules.ratio_outcome(step, REJECT, "a", ["b", "a"], [entry("a", "vote")])
    with pytest.raises(WorkflowRuleError, match="z is not one of the approvers of this step"):
        rules.ratio_outcome(step, APPROVE, "z", ["a", "b"], [])


def test_adding_signers_is_checked_before_anything_is_written():
    from townflow.spec.models import Workflow

    workflow = Workflow.model_validate(
        {
            "workflow_name": "W",
            "document_type": "D",
            "states": [
                {"state": "S", "label": {"zh": "审", "en": "S"}, "allow_edit": "Leader",
                 "step": {"add_signer": ["after"]}},
                {"state": "R", "label": {"zh": "驳", "en": "R"}, "allow_edit": "Leader"},
            ],
            "transitions": [REJECT.model_dump()],
        }
    )  # fmt: skip
    doc = {"workflow_state": "S"}
    with pytest.raises(WorkflowRuleError, match="allows adding signers only after the approver"):
        rules.check_add_signers(workflow, doc, "me", True, "before", ["x"], [])
    with pytest.raises(WorkflowRuleError, match="Name at least one signer to add"):
        rules.check_add_signers(workflow, doc, "me", True, "after", [" ", ""], [])
    open_signer = rules.AddedSigner("x", "after", "me")
    with pytest.raises(WorkflowRuleError, match="x is already a signer of this step"):
        rules.check_add_signers(workflow, doc, "me", True, "after", ["x"], [open_signer])
    assert rules.check_add_signers(workflow, doc, "me", True, "after", ["y", "y", "z"], [open_signer]) == [
        "y",
        "z",
    ]
