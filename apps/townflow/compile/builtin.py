"""DocTypes the compiled app adds for what Frappe lacks: the approval log and the approver tasks.

Frappe records a workflow move only as a "Workflow" Comment with the new state's name and has
no notion of an open approval task with a due time. The extension code keeps both here:

- `Townflow Action`: every workflow action (who, when, from, to, action, comment) — the timeline,
  the countersign tally and "done by me" read it.
- `Townflow Task`: an open approval task of a state, with its due time — "to do for me", "CC to
  me", "overdue", reminders and escalation read it. An any-one (或签) step opens ONE pooled task
  per step role and document scope (`user` empty; `role`, `scope_kind`, `scope_value` say who is
  in the pool), as Frappe's own Workflow Action does with its permitted roles: whoever holds the
  role and reaches the scope *when reading* sees it, so an approver appointed later finds it.
  Countersign (会签) signers, the applicant, CC recipients and delegates get one named row each;
  signers added by an approver (加签) too, with `added_by`; a 会办 branch is one pooled row per
  department (`scope_value` the department).

They are written in the spec language, so they are compiled, checked and translated like the
DocTypes in doctypes/. Only System Manager reaches them directly; everyone else goes through
the whitelisted methods, which check the referenced document's permission first.
"""

from __future__ import annotations

from townflow.spec.models import DocType

MODULE = "Approvals"


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _field(fieldname: str, fieldtype: str, zh: str, en: str, **extra) -> dict:
    return {"fieldname": fieldname, "fieldtype": fieldtype, "label": _label(zh, en), **extra}


_SYSTEM_MANAGER = [{"role": "System Manager", "read": True, "report": True, "export": True}]

_REFERENCE = [
    _field("reference_doctype", "Link", "单据类型", "Reference DocType", options="DocType", reqd=True),
    _field(
        "reference_name",
        "Dynamic Link",
        "单据编号",
        "Reference Name",
        options="reference_doctype",
        reqd=True,
        in_list_view=True,
    ),
]

TOWNFLOW_ACTION = {
    "name": "Townflow Action",
    "module": MODULE,
    "label": _label("审批记录", "Workflow Action Log"),
    "autoname": "hash",
    "track_changes": False,
    "sort_field": "creation",
    "fields": [
        *_REFERENCE,
        _field("user", "Link", "操作人", "User", options="User", reqd=True, in_list_view=True),
        _field("action", "Data", "动作", "Action", reqd=True, in_list_view=True),
        _field("kind", "Data", "类别", "Kind"),
        _field("from_state", "Data", "原状态", "From State"),
        _field("to_state", "Data", "新状态", "To State", in_list_view=True),
        _field("step_round", "Int", "轮次", "Round"),
        _field("comment", "Small Text", "意见", "Comment"),
    ],
    "permissions": _SYSTEM_MANAGER,
    "indexes": [["reference_doctype", "reference_name"], ["user", "creation"]],
}

TOWNFLOW_TASK = {
    "name": "Townflow Task",
    "module": MODULE,
    "label": _label("待办", "Approval Task"),
    "autoname": "hash",
    "track_changes": False,
    "sort_field": "creation",
    "fields": [
        *_REFERENCE,
        _field("user", "Link", "处理人", "User", options="User", in_list_view=True),
        _field("role", "Link", "角色", "Role", options="Role", in_list_view=True),
        _field("scope_kind", "Data", "范围类型", "Scope Kind"),
        _field("scope_value", "Data", "范围", "Scope Value"),
        _field("source", "Data", "来源", "Source"),
        _field(
            "kind",
            "Select",
            "类别",
            "Kind",
            options=[{"value": "Approval", "zh": "审批"}, {"value": "CC", "zh": "抄送"}],
            default="Approval",
        ),
        _field(
            "status",
            "Select",
            "状态",
            "Status",
            options=[
                {"value": "Open", "zh": "待办"},
                {"value": "Done", "zh": "已办"},
                {"value": "Cancelled", "zh": "已取消"},
                # 后加签: a signer added after the approver waits for the approver's approval
                {"value": "Waiting", "zh": "待审批人同意"},
            ],
            default="Open",
            in_list_view=True,
        ),
        _field("state", "Data", "环节", "State", in_list_view=True),
        _field("step_round", "Int", "轮次", "Round"),
        _field("due", "Datetime", "截止时间", "Due"),
        _field("reminded", "Check", "已提醒", "Reminded"),
        _field("escalated", "Check", "已上报", "Escalated"),
        _field("delegated_from", "Link", "转交自", "Delegated From", options="User"),
        # 加签: who added this signer (source add_before / add_after), townflow_ext.approval_moves
        _field("added_by", "Link", "加签发起人", "Added By", options="User"),
    ],
    "permissions": _SYSTEM_MANAGER,
    "indexes": [
        ["user", "status", "kind"],
        ["role", "status", "kind", "scope_value"],
        ["reference_doctype", "reference_name", "status"],
    ],
}


def builtin_doctypes() -> list[DocType]:
    return [DocType.model_validate(TOWNFLOW_ACTION), DocType.model_validate(TOWNFLOW_TASK)]
