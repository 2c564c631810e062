"""Page words for the forms, inbox, approver page, prints and admin pages (zh, en); merged into
`townflow.web.i18n.STRINGS`."""

from __future__ import annotations

UX_STRINGS: dict[str, tuple[str, str]] = {
    "pick_date": ("选择日期", "Pick a date"),
    "date_placeholder": ("年-月-日", "yyyy-mm-dd"),
    "date_hint": ("可输入 2026/3/5、20260305 或 2026年3月5日", "Type 2026/3/5, 20260305 or 2026-03-05"),
    "date_invalid": (
        "应为日期，例如 2026-03-05、2026/3/5、20260305 或 2026年3月5日",
        "must be a date such as 2026-03-05, 2026/3/5 or 20260305",
    ),
    "unsaved_changes": ("有未保存的修改", "Unsaved changes"),
    "unsaved_leave": (
        "表单有未保存的修改，离开将丢失这些修改。",
        "The form has unsaved changes; leaving loses them.",
    ),
    "unsaved_action_note": (
        "表单有未保存的修改：执行操作时将先保存这些修改（同一事务）。",
        "The form has unsaved changes: they are saved together with the action.",
    ),
    "saved_and_acted": ("已保存修改并{what}", "Changes saved and {what}"),
    "id_filled": ("已按身份证号填写出生日期和性别", "Date of birth and gender filled from the ID number"),
    "eligibility": ("申请条件核对", "Eligibility checklist"),
    "eligibility_none": ("请选择政策类别后核对申请条件", "Choose a benefit kind to see its conditions"),
    "eligibility_ok": ("符合", "Met"),
    "eligibility_fail": ("不符合", "Not met"),
    "eligibility_unknown": ("待填写", "To fill in"),
    "amount_locked": ("政策规定金额，不能修改", "The policy amount; it cannot be changed"),
    "op_done_apply": ("已「{action}」", "Done: {action}"),
    "op_done_return": ("已退回", "Returned"),
    "op_done_withdraw": ("已撤回", "Withdrawn"),
    "op_done_delegate": ("已转交", "Handed over"),
    "op_done_reclaim": ("已收回", "Taken back"),
    "op_done_comment": ("评论已添加", "Comment added"),
    "op_done_submit": ("已提交", "Submitted"),
    "op_done_cancel": ("已作废", "Cancelled"),
    "now_in_state": ("当前状态：{state}", "now {state}"),
    "next_is": ("下一步由 {who} 办理", "next: {who}"),
    "next_none": ("无待办理的环节", "nobody needs to act next"),
    "sentence_sep": ("。", ". "),
    "next_todo": ("下一条待办", "Next to-do"),
    "back_to_inbox": ("返回待办", "Back to the inbox"),
}
