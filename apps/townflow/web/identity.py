"""The few runtime calls authentication needs, in one place.

Passwords and API secrets are the runtime's (`townflow.runtime.users`: argon2 hashes in the
`__Auth` table, as Frappe keeps them apart from `tabUser`); the web layer only asks "who is
this?" and never sees a hash.
"""

from __future__ import annotations

from typing import Any

from townflow.runtime import users


def check_password(site: Any, usr: str, pwd: str) -> str | None:
    """The user's name if `usr`/`pwd` are right and the user is enabled, else None."""
    return users.authenticate(site, usr, pwd)


def user_for_api_key(site: Any, api_key: str, api_secret: str) -> str | None:
    """The enabled user holding this key and secret, else None."""
    return users.user_for_api_key(site, api_key, api_secret)


def generate_keys(session: Any, user: str) -> str:
    """Frappe's generate_keys: System Manager only; answers the new secret."""
    return users.generate_keys(session, user)


def user_info(site: Any, user: str) -> dict[str, Any]:
    """What the login answer shows: full name and home page."""
    row = site.db.fetchone('SELECT full_name, first_name FROM "tabUser" WHERE name = ?', (user,))
    full_name = (row["full_name"] or row["first_name"]) if row else None
    return {"full_name": full_name or user}


def doctype_names(site: Any) -> list[str]:
    """Every DocType the REST API serves on this site (the spec's and the system ones)."""
    return list(site.metas.names())
