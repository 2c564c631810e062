"""A small workflow shaped like the campaign's, built in code so the pure rules are tested alone."""

from __future__ import annotations

import pytest

from townflow.spec.models import Workflow


def _state(state, zh, doc_status=0, allow_edit="Village Clerk", **step):
    row = {
        "state": state,
        "label": {"zh": zh, "en": state},
        "doc_status": doc_status,
        "allow_edit": allow_edit,
    }
    if step:
        row["step"] = step
    return row


def _t(state, action, next_state, allowed, kind="approve", **extra):
    return {
        "state": state,
        "action": action,
        "next_state": next_state,
        "allowed": allowed,
        "kind": kind,
        **extra,
    }


@pytest.fixture
def workflow() -> Workflow:
    return Workflow.model_validate(
        {
            "workflow_name": "Sample Approval",
            "document_type": "Subsidy Application",
            "applicant_state": "Draft",
            "withdraw": {"to_state": "Draft"},
            "states": [
                _state("Draft", "草稿"),
                _state(
                    "Village Review",
                    "村审核",
                    allow_edit="Village Head",
                    due_hours=48,
                    on_overdue=["remind", "escalate"],
                    escalate_to="Township Leader",
                    cc=["Township Clerk"],
                ),
                _state(
                    "Township Review",
                    "街道会签",
                    allow_edit="Township Approver",
                    mode="all",
                    assignee_role="Township Approver",
                ),
                _state(
                    "Approved", "已批准", doc_status=1, allow_edit="Township Approver", allow_return=False
                ),
                _state("Rejected", "已驳回", allow_edit="Township Approver"),
                _state("Cancelled", "已作废", doc_status=2, allow_edit="Township Approver"),
            ],
            "transitions": [
                _t("Draft", "Submit", "Village Review", "Village Clerk", kind="submit"),
                _t("Village Review", "Approve", "Township Review", "Village Head"),
                _t("Village Review", "Reject", "Rejected", "Village Head", kind="reject"),
                _t("Township Review", "Approve", "Approved", "Township Approver", allow_self_approval=False),
                _t("Township Review", "Reject", "Rejected", "Township Approver", kind="reject"),
                _t(
                    "Township Review",
                    "Fast Track",
                    "Approved",
                    "Township Approver",
                    condition="doc.amount < 100",
                ),
                _t("Approved", "Cancel", "Cancelled", "Township Approver", kind="other"),
                _t("Rejected", "Reopen", "Approved", "Township Approver", kind="other"),
            ],
        }
    )
