"""Administrator is protected (issue 12, L5).

Administrator passes every permission check, so whoever controls the account controls the site.
A System Manager manages users, but not that one:
- no one but Administrator changes the Administrator user (password, enabled, roles, email, API
  keys), by save, `db_set` or `generate_keys`;
- no one deletes it (Frappe refuses that too);
- no one but Administrator gives anybody the role "Administrator" or creates a role by that name
  (on Frappe that role is the superuser's), so no role can grant itself Administrator's powers.
Engine-internal sessions (`ignore_permissions=True`: fixtures, the demo loader) are not users
acting and pass.
"""

from __future__ import annotations

from townflow.runtime.errors import PermissionError
from townflow.runtime.hooks import DocEvent
from townflow.runtime.system_doctypes import ADMINISTRATOR

ADMINISTRATOR_ROLE = "Administrator"


def _acting_user(session) -> str | None:
    """The user acting through `session`, or None for engine-internal writes."""
    if session is None or getattr(session, "ignore_permissions", False):
        return None
    return session.user


def refuse_unless_administrator(session, doctype: str, name: str | None) -> None:
    """Raise PermissionError when someone other than Administrator writes the Administrator user."""
    actor = _acting_user(session)
    if doctype == "User" and name == ADMINISTRATOR and actor not in (None, ADMINISTRATOR):
        raise PermissionError(
            "Only Administrator may change the Administrator account",
            "只有 Administrator 本人可以修改 Administrator 账号",
        )


def register_admin_guard_hooks(site) -> None:
    def on_user_validate(event: DocEvent) -> None:
        if event.old is not None:
            refuse_unless_administrator(event.session, "User", event.old.get("name"))
        actor = _acting_user(event.session)
        if actor in (None, ADMINISTRATOR):
            return
        before = {r.get("role") for r in (event.old or {}).get("roles") or []}
        after = {r.get("role") for r in event.doc.get("roles") or []}
        if ADMINISTRATOR_ROLE in after - before:
            raise PermissionError(
                "Only Administrator may give the Administrator role",
                "只有 Administrator 可以授予 Administrator 角色",
            )

    def on_user_trash(event: DocEvent) -> None:
        if event.doc.get("name") == ADMINISTRATOR:
            raise PermissionError("User Administrator cannot be deleted", "Administrator 账号不能删除")

    def on_role_validate(event: DocEvent) -> None:
        actor = _acting_user(event.session)
        name = event.doc.get("role_name") or event.doc.get("name")
        if name == ADMINISTRATOR_ROLE and actor not in (None, ADMINISTRATOR):
            raise PermissionError(
                "Only Administrator may create or change the Administrator role",
                "只有 Administrator 可以设置 Administrator 角色",
            )

    site.hooks.register("User", "validate", on_user_validate)
    site.hooks.register("User", "on_trash", on_user_trash)
    site.hooks.register("Role", "validate", on_role_validate)
    site.hooks.register("Role", "on_trash", on_role_validate)
