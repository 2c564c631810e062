"""The DocTypes every site has, defined in code as Frappe defines them in frappe/core.

They are ordinary spec `DocType` models, stored in `tab<DocType>` tables like the project's own
and reached through the same `Session` API, so the web layer and the REST API need no special
cases. Field names are Frappe's (User.enabled, Has Role.role, User Permission.allow/for_value,
Custom Field.dt/insert_after, Property Setter.doc_type/field_name/property/value, Version.data,
Comment.reference_doctype/reference_name), so scripts written against Frappe work unchanged.

Only System Manager may touch them through a session; the runtime itself writes Versions and
Comments on behalf of users.

Passwords and API secrets never live in these tables: like Frappe's `__Auth` table they are kept
hashed in `__Auth` (see `townflow.runtime.users`), and the Password columns hold "*****".
"""

from __future__ import annotations

from typing import get_args

from townflow.spec.models import Choice, DocField, DocPerm, DocType, Label, Scope

SYSTEM_MANAGER = "System Manager"
ADMINISTRATOR = "Administrator"
#: Every signed-in user holds these roles implicitly, as in Frappe.
AUTOMATIC_ROLES = ("All",)
MODULE = "Core"


def _f(fieldname: str, fieldtype: str, zh: str, en: str, **kw) -> DocField:
    return DocField(fieldname=fieldname, fieldtype=fieldtype, label=Label(zh=zh, en=en), **kw)


def _choices(*values: str) -> list[Choice]:
    return [Choice(value=v, zh=v) for v in values]


_ADMIN_ONLY = [
    DocPerm(
        role=SYSTEM_MANAGER,
        read=True,
        write=True,
        create=True,
        delete=True,
        report=True,
        export=True,
        print=True,
        select=True,
    )
]


def _doctype(name: str, zh: str, fields: list[DocField], **kw) -> DocType:
    perms = [] if kw.get("istable") else [p.model_copy() for p in _ADMIN_ONLY]
    return DocType(
        name=name,
        module=MODULE,
        label=Label(zh=zh, en=name),
        fields=fields,
        permissions=perms,
        track_changes=kw.pop("track_changes", True),
        **kw,
    )


HAS_ROLE = _doctype(
    "Has Role", "角色", [_f("role", "Link", "角色", "Role", options="Role", reqd=True)], istable=True
)

ROLE = _doctype(
    "Role",
    "角色",
    [
        _f("role_name", "Data", "角色名", "Role Name", reqd=True, unique=True),
        _f("desk_access", "Check", "桌面访问", "Desk Access", default=1),
        _f("disabled", "Check", "停用", "Disabled"),
        _f("is_custom", "Check", "自定义", "Is Custom"),
        _f(
            "scope",
            "Select",
            "范围",
            "Scope",
            options=_choices(*get_args(Scope)),
        ),
    ],
    autoname="field:role_name",
)

USER = _doctype(
    "User",
    "用户",
    [
        _f("email", "Data", "登录名", "Email", reqd=True, unique=True),
        _f("first_name", "Data", "名", "First Name"),
        _f("full_name", "Data", "姓名", "Full Name"),
        _f("enabled", "Check", "启用", "Enabled", default=1),
        _f("language", "Data", "语言", "Language", default="zh"),
        _f("user_type", "Select", "用户类型", "User Type", options=_choices("System User", "Website User")),
        _f("mobile_no", "Data", "手机", "Mobile No"),
        _f("api_key", "Data", "API Key", "API Key", unique=True, read_only=True, no_copy=True),
        _f("api_secret", "Password", "API Secret", "API Secret", no_copy=True),
        _f("new_password", "Password", "设置密码", "Set New Password", no_copy=True),
        _f("last_login", "Datetime", "上次登录", "Last Login", read_only=True),
        _f("roles", "Table", "角色", "Roles", options="Has Role"),
    ],
    autoname="field:email",
    title_field="full_name",
    search_fields=["full_name"],
)
# Every signed-in user may pick a user in a Link field (delegate to, paid by): `select` gives
# Link search (name and full name) only, never get/get_list, as Frappe's desk offers.
USER.permissions.append(DocPerm(role="All", select=True))
ROLE.permissions.append(DocPerm(role="All", select=True))

USER_PERMISSION = _doctype(
    "User Permission",
    "用户权限",
    [
        _f("user", "Link", "用户", "User", options="User", reqd=True, search_index=True),
        _f("allow", "Data", "允许的单据类型", "Allow", reqd=True),
        _f("for_value", "Data", "值", "For Value", reqd=True),
        _f("is_default", "Check", "默认", "Is Default"),
        _f("apply_to_all_doctypes", "Check", "应用于所有单据类型", "Apply To All Document Types", default=1),
        _f("applicable_for", "Data", "适用于", "Applicable For"),
        _f("hide_descendants", "Check", "隐藏下级", "Hide Descendants"),
    ],
    autoname="hash",
)

_FIELDTYPE_CHOICES = _choices(
    "Data",
    "Check",
    "Int",
    "Float",
    "Currency",
    "Date",
    "Datetime",
    "Select",
    "Link",
    "Small Text",
    "Text",
    "Long Text",
    "Phone",
    "Section Break",
    "Column Break",
    "Table",
)

CUSTOM_FIELD = _doctype(
    "Custom Field",
    "自定义字段",
    [
        _f("dt", "Data", "单据类型", "Document Type", reqd=True, search_index=True),
        _f("module", "Data", "模块", "Module"),
        _f("label", "Data", "标签", "Label", reqd=True),
        _f("label_en", "Data", "英文标签", "Label (English)"),
        _f("fieldname", "Data", "字段名", "Fieldname", reqd=True, regex=r"^[a-z][a-z0-9_]*$"),
        _f("insert_after", "Data", "插入在后", "Insert After"),
        _f("fieldtype", "Select", "字段类型", "Field Type", options=_FIELDTYPE_CHOICES, reqd=True),
        _f("options", "Small Text", "选项", "Options"),
        _f("default", "Small Text", "默认值", "Default"),
        _f("reqd", "Check", "必填", "Mandatory"),
        _f("unique", "Check", "唯一", "Unique"),
        _f("hidden", "Check", "隐藏", "Hidden"),
        _f("read_only", "Check", "只读", "Read Only"),
        _f("permlevel", "Int", "权限级别", "Perm Level"),
        _f("in_list_view", "Check", "列表显示", "In List View"),
        _f("in_standard_filter", "Check", "标准筛选", "In Standard Filter"),
        _f("search_index", "Check", "索引", "Index"),
        _f("allow_on_submit", "Check", "提交后可改", "Allow on Submit"),
        _f("non_negative", "Check", "非负", "Non Negative"),
        _f("length", "Int", "长度", "Length"),
        _f("depends_on", "Small Text", "显示条件", "Depends On"),
        _f("mandatory_depends_on", "Small Text", "必填条件", "Mandatory Depends On"),
        _f("fetch_from", "Data", "取值自", "Fetch From"),
        _f("description", "Small Text", "说明", "Description"),
    ],
    autoname="format:{dt}-{fieldname}",
)

PROPERTY_SETTER = _doctype(
    "Property Setter",
    "属性设置",
    [
        _f(
            "doctype_or_field",
            "Select",
            "对象",
            "DocType or Field",
            options=_choices("DocField", "DocType"),
            default="DocField",
        ),
        _f("doc_type", "Data", "单据类型", "DocType", reqd=True, search_index=True),
        _f("field_name", "Data", "字段名", "Field Name"),
        _f("row_name", "Data", "行", "Row Name"),
        _f("module", "Data", "模块", "Module"),
        _f("property", "Data", "属性", "Property", reqd=True),
        _f("property_type", "Data", "属性类型", "Property Type"),
        _f("value", "Small Text", "值", "Value"),
        _f("default_value", "Data", "默认值", "Default Value"),
    ],
    autoname="hash",
)

VERSION = _doctype(
    "Version",
    "版本",
    [
        _f("ref_doctype", "Data", "单据类型", "Reference Document Type", reqd=True),
        _f("docname", "Data", "单据", "Reference Document Name", reqd=True),
        _f("data", "Code", "变更", "Data"),
    ],
    autoname="hash",
    track_changes=False,
    indexes=[["ref_doctype", "docname"]],
)

COMMENT = _doctype(
    "Comment",
    "评论",
    [
        _f(
            "comment_type",
            "Select",
            "类型",
            "Comment Type",
            options=_choices("Comment", "Info", "Edit", "Workflow", "Assigned", "Shared", "Attachment"),
            default="Comment",
        ),
        _f("comment_email", "Data", "评论人", "Comment Email"),
        _f("comment_by", "Data", "评论人姓名", "Comment By"),
        _f("subject", "Small Text", "主题", "Subject"),
        _f("reference_doctype", "Data", "单据类型", "Reference Document Type"),
        _f("reference_name", "Data", "单据", "Reference Name"),
        _f("content", "Long Text", "内容", "Content"),
    ],
    autoname="hash",
    track_changes=False,
    indexes=[["reference_doctype", "reference_name"]],
)

SYSTEM_DOCTYPES: dict[str, DocType] = {
    d.name: d
    for d in (HAS_ROLE, ROLE, USER, USER_PERMISSION, CUSTOM_FIELD, PROPERTY_SETTER, VERSION, COMMENT)
}
