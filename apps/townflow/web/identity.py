"""The few runtime calls authentication needs, in one place.

Passwords and API secrets are the runtime's (`townflow.runtime.users`: argon2 hashes in the
`__Auth` table, as Frappe keeps them apart from `tabUser`); the web layer only asks "who is
this?" and never sees a hash.
"""

from __future__ import annotations

from typing import Any

from townflow.runtime.errors import AuthenticationError as RuntimeAuthenticationError
from townflow.runtime.system_doctypes import ADMINISTRATOR, SYSTEM_MANAGER
from townflow.web.errors import PermissionError


def check_password(site: Any, usr: str, pwd: str) -> str | None:
    """The user's name if `usr`/`pwd` are right and the user is enabled, else None."""
    try:
        return site.authenticate(usr, pwd)
    except RuntimeAuthenticationError:
        return None


def user_for_api_key(site: Any, api_key: str, api_secret: str) -> str | None:
    """The enabled user holding this key and secret, else None."""
    try:
        return site.authenticate_token(api_key, api_secret)
    except RuntimeAuthenticationError:
        return None


def is_enabled(site: Any, user: str) -> bool:
    """Whether `user` exists and is enabled (checked on every cookie-session request)."""
    if user == ADMINISTRATOR:
        return True
    row = site.db.fetchone('SELECT enabled FROM "tabUser" WHERE name = ?', (user,))
    return bool(row and row["enabled"])


def generate_keys(session: Any, user: str) -> str:
    """Frappe's generate_keys: `frappe.only_for("System Manager")`, then a new secret."""
    if SYSTEM_MANAGER not in session.roles:
        raise PermissionError(
            "Not permitted: only a System Manager may generate API keys", zh="仅系统管理员可生成密钥"
        )
    session.get("User", user)  # 404 for a user that does not exist
    return session.site.generate_keys(user, actor=session.user)


def user_info(site: Any, user: str) -> dict[str, Any]:
    """What the login answer shows: the user's full name."""
    row = site.db.fetchone('SELECT full_name, first_name FROM "tabUser" WHERE name = ?', (user,))
    full_name = (row["full_name"] or row["first_name"]) if row else None
    return {"full_name": full_name or user}


def doctype_names(site: Any) -> list[str]:
    """Every DocType the REST API serves on this site (the spec's and the system ones)."""
    return [name for name in site.metas.names() if not site.metas.get(name).istable]
