"""Page words of the approval moves (加签, 比例会签, 会办), zh and en; merged into
`townflow.web.i18n.STRINGS`."""

from __future__ import annotations

APPROVAL_MOVE_STRINGS: dict[str, tuple[str, str]] = {
    "add_signer": ("加签", "Add signer"),
    "add_signer_before": ("前加签（先于我签）", "Add before me (they sign first)"),
    "add_signer_after": ("后加签（我之后签）", "Add after me (the step waits for them too)"),
    "add_signer_users": ("加签人（用户名，多个用逗号分隔）", "Signers (user names, comma separated)"),
    "added_signers": ("加签人", "Added signers"),
    "remove_signer": ("移除", "Remove"),
    "sign_agree": ("同意", "Agree"),
    "sign_disagree": ("不同意", "Disagree"),
    "signer_position_before": ("前加签", "before"),
    "signer_position_after": ("后加签", "after"),
    "signer_status_Open": ("待签", "to sign"),
    "signer_status_Waiting": ("待审批人同意后签", "after the approver"),
    "signer_status_Agreed": ("已同意", "agreed"),
    "signer_status_Disagreed": ("不同意", "disagreed"),
    "signer_status_Removed": ("已移除", "removed"),
    "signer_status_Closed": ("已结束", "closed"),
    "you_are_added_signer": ("您是本环节的加签人，请签署意见", "You were added as a signer of this step"),
    "joint_review": ("会办", "Joint review"),
    "branch_status_Open": ("待办", "open"),
    "branch_status_Approved": ("已同意", "approved"),
    "branch_status_Rejected": ("不同意", "rejected"),
    "branch_status_Returned": ("已退回", "returned"),
    "branch_status_Closed": ("已结束", "closed"),
    "ratio_countersign": (
        "比例会签：{required} 人同意即通过",
        "Countersign: {required} approvals complete it",
    ),
    "op_done_add_signer": ("已加签", "Signers added"),
    "op_done_remove_signer": ("已移除加签人", "Signer removed"),
    "op_done_sign": ("已签署意见", "Signed"),
    "source_add_before": ("加签（前）", "added signer (before)"),
    "source_add_after": ("加签（后）", "added signer (after)"),
}
