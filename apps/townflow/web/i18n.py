"""The pages' own words in Chinese (the default) and English.

Labels of DocTypes, fields, options, states and actions come from the spec (every spec label has
zh and en); this table holds only what the pages say themselves: buttons, headings, messages.
The language is chosen per request: `?lang=en|zh` (remembered in a `lang` cookie), else the
cookie, else Chinese, because the clerks and approvers of the township read Chinese.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "lang"

#: key -> (zh, en)
STRINGS: dict[str, tuple[str, str]] = {
    "app_name": ("关爱女孩行动 · 业务办理", "Care for Girls · Services"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误", "Invalid login credentials"),
    "home": ("首页", "Home"),
    "inbox": ("待办", "Inbox"),
    "admin": ("系统管理", "Administration"),
    "switch_language": ("English", "中文"),
    "welcome": ("您好，{name}", "Hello, {name}"),
    "your_roles": ("您的角色", "Your roles"),
    "waiting_for_you": ("等待您处理", "Waiting for you"),
    "create_new": ("新建", "New"),
    "quick_links": ("快速入口", "Quick links"),
    "lists": ("列表", "Lists"),
    "todo": ("待办", "To do"),
    "done": ("已办", "Done"),
    "cc": ("抄送", "CC"),
    "overdue": ("已超期", "Overdue"),
    "search": ("搜索", "Search"),
    "filter": ("筛选", "Filter"),
    "clear": ("清除", "Clear"),
    "any": ("全部", "Any"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "no_records": ("没有记录", "No records"),
    "page_of": ("第 {start}–{end} 条，共 {total} 条", "{start}–{end} of {total}"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "name": ("编号", "ID"),
    "modified": ("更新时间", "Last modified"),
    "status": ("状态", "Status"),
    "save": ("保存", "Save"),
    "saved": ("已保存", "Saved"),
    "created": ("创建", "Created"),
    "connections": ("关联单据", "Connections"),
    "linked_records": ("查看已关联的", "Linked records"),
    "cancel": ("取消", "Cancel"),
    "submit_document": ("提交", "Submit"),
    "cancel_document": ("作废", "Cancel document"),
    "submit_note": ("提交后不能再修改", "A submitted document can no longer be edited"),
    "docstatus_submitted": ("已提交", "Submitted"),
    "docstatus_cancelled": ("已作废", "Cancelled"),
    "add_row": ("添加行", "Add row"),
    "remove_row": ("删除", "Remove"),
    "no_rows": ("暂无数据", "No rows"),
    "row_error": ("第 {row} 行：{message}", "Row {row}: {message}"),
    "save_failed": ("保存失败，请检查标出的字段", "Not saved: please check the marked fields"),
    "action_failed": ("操作未完成", "The action was not taken"),
    "save_then_act": (
        "请先填写标出的字段并保存，再办理此操作",
        "Fill in the marked fields and save, then take the action again",
    ),
    "actions": ("审批操作", "Actions"),
    "comment": ("意见", "Comment"),
    "comment_required": ("此操作须填写意见", "This action needs a comment"),
    "comment_placeholder": ("填写审批意见", "Write your comment"),
    "add_comment": ("添加评论", "Add comment"),
    "return": ("退回", "Return"),
    "return_to": ("退回至", "Return to"),
    "withdraw": ("撤回", "Withdraw"),
    "delegate": ("转交", "Delegate"),
    "more_actions": ("更多操作（退回、转交、评论）…", "More (return, delegate, comment)…"),
    "delegate_none": (
        "转交：没有其他同岗位人员，请系统管理员为同事分配该角色",
        "Delegate: nobody else holds this role here; ask the administrator to give a colleague the role",
    ),
    "delegate_to": ("转交给（用户名）", "Delegate to (user name)"),
    "bulk_approve": ("批量处理", "Bulk action"),
    "bulk_done": ("已处理 {done} 件，未处理 {failed} 件", "{done} done, {failed} not done"),
    "select_all": ("全选", "Select all"),
    "timeline": ("办理记录", "Timeline"),
    "versions": ("修改记录", "Changes"),
    "workflow_actions": ("审批记录", "Workflow actions"),
    "expected_next": ("等待办理", "Waiting for"),
    "nobody_expected": ("无待办人", "Nobody is expected to act"),
    "field": ("字段", "Field"),
    "old_value": ("原值", "Old value"),
    "new_value": ("新值", "New value"),
    "by": ("经办人", "By"),
    "at": ("时间", "At"),
    "from_state": ("原状态", "From"),
    "to_state": ("新状态", "To"),
    "due": ("办理时限", "Due"),
    "created_by": ("创建人", "Created by"),
    "print": ("打印", "Print"),
    "serial_no": ("编号", "Serial No."),
    "certificate_title": ("终止妊娠手术凭证", "Termination Certificate"),
    "notice_title": ("审批通知书", "Approval Notice"),
    "valid_until": ("有效期至", "Valid until"),
    "issued_on": ("签发日期", "Issued on"),
    "approved_on": ("批准日期", "Approved on"),
    "issuing_office": ("街道计生办", "Township Family Planning Office"),
    "seal": ("（盖章）", "(Seal)"),
    "not_printable": (
        "不能打印：只有已批准或已签发（有效）的单据可以打印",
        "Cannot be printed: only an approved or issued (valid) document can be",
    ),
    "attachment": ("附件", "Attachment"),
    "upload": ("上传", "Upload"),
    "download": ("下载", "Download"),
    "users": ("用户", "Users"),
    "new_user": ("新建用户", "New user"),
    "email": ("登录名", "Login name"),
    "full_name": ("姓名", "Full name"),
    "enabled": ("启用", "Enabled"),
    "roles": ("角色", "Roles"),
    "villages": ("所属村", "Villages"),
    "departments": ("所属部门", "Departments"),
    "facilities": ("所属医疗机构", "Facilities"),
    "set_password": ("设置密码", "Set password"),
    "customize_form": ("自定义表单", "Customize form"),
    "customize": ("自定义", "Customize"),
    "add_field": ("添加字段", "Add a field"),
    "field_label_zh": ("中文标签", "Label (Chinese)"),
    "field_label_en": ("英文标签", "Label (English)"),
    "fieldname": ("字段名", "Field name"),
    "fieldtype": ("字段类型", "Field type"),
    "insert_after": ("插入在此字段之后", "Insert after"),
    "options": ("选项（每行一个）", "Options (one a line)"),
    "mandatory": ("必填", "Mandatory"),
    "hidden": ("隐藏", "Hidden"),
    "label": ("标签", "Label"),
    "apply": ("应用", "Apply"),
    "workflow": ("流程", "Workflow"),
    "workflow_diagram": ("流程图", "Workflow diagram"),
    "states": ("状态", "States"),
    "transitions": ("流转", "Transitions"),
    "allowed_role": ("办理角色", "Allowed role"),
    "transition_condition": ("适用条件", "Condition"),
    "not_found_title": ("未找到", "Not found"),
    "not_found": ("您要找的记录不存在，或您无权查看。", "The record does not exist, or you may not see it."),
    "forbidden_title": ("无权操作", "Not permitted"),
    "error_title": ("出错了", "Something went wrong"),
    "bad_request_title": ("请求无效", "Invalid request"),
    "back_home": ("返回首页", "Back to the home page"),
    "required": ("必填", "required"),
    "read_only": ("只读", "read only"),
    "masked_note": ("敏感信息已部分隐藏", "Sensitive value partly hidden"),
    "search_link": ("输入以搜索", "Type to search"),
    "new_document": ("新建{doctype}", "New {doctype}"),
    "details": ("详情", "Details"),
    "view_all": ("查看全部", "View all"),
    "document": ("单据", "Document"),
    "title": ("标题", "Title"),
    "state": ("当前环节", "State"),
    "role": ("角色", "Role"),
    "none": ("无", "None"),
    "colon": ("：", ": "),
    "list_sep": ("、", ", "),
}

# The words of the clerk's and approver's daily pages (issue 18), kept in their own module.
from townflow.web.i18n_ux import UX_STRINGS  # noqa: E402
from townflow.web.i18n_verify import VERIFY_STRINGS  # noqa: E402

STRINGS.update(UX_STRINGS)
STRINGS.update(VERIFY_STRINGS)  # issue 17: the verification page, the QR box, PDFs


def pick_language(query_lang: str | None, cookie_lang: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def translate(key: str, lang: str, **kwargs: Any) -> str:
    """The UI string `key` in `lang`; an unknown key shows itself so a gap is visible, not fatal."""
    pair = STRINGS.get(key)
    text = key if pair is None else (pair[1] if lang == "en" else pair[0])
    return text.format(**kwargs) if kwargs else text


def label_text(label: Any, lang: str, fallback: str = "") -> str:
    """A spec `Label` (zh/en) in `lang`."""
    if label is None:
        return fallback
    return (getattr(label, "en", None) if lang == "en" else getattr(label, "zh", None)) or fallback
