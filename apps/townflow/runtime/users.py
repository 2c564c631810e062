"""Users, passwords and API keys, kept as Frappe keeps them.

- The User document (name = the login, Frappe's email) holds no secret: passwords live in
  `__Auth` (doctype, name, fieldname, password) like Frappe's `__Auth` table. Login passwords
  are argon2id hashes (argon2-cffi); API secrets are random 15-character tokens stored as SHA-256
  (high-entropy secrets need no slow hash, and token auth runs on every API request).
- `authenticate(user, password)` and `authenticate_token(api_key, api_secret)` return the user
  name or raise AuthenticationError (401) with one message for every failure, so a caller
  cannot tell a wrong user from a wrong password.
- `generate_keys(user)` is frappe.core.doctype.user.user.generate_keys: it keeps an existing
  api_key, makes a new api_secret and returns it (the only time it is visible).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from townflow.rules.passwords import password_problem
from townflow.runtime.errors import (
    AuthenticationError,
    DoesNotExistError,
    FieldMessage,
    PermissionError,
    ValidationError,
)
from townflow.runtime.hooks import DocEvent
from townflow.runtime.system_doctypes import ADMINISTRATOR, SYSTEM_MANAGER

#: argon2id with argon2-cffi's RFC 9106 low-memory profile. Tests may swap in a cheaper hasher
#: (`use_hasher(PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))`); stored hashes carry
#: their own parameters, so verification works whichever hasher wrote them.
_HASHER = PasswordHasher()
# Verifying against this keeps the time of "no such user" close to "wrong password".
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(8))


def use_hasher(hasher: PasswordHasher) -> None:
    """Replace the password hasher (tests use a cheap one; production keeps the default)."""
    global _HASHER, _DUMMY_HASH
    _HASHER = hasher
    _DUMMY_HASH = hasher.hash(secrets.token_hex(8))


#: A Session attribute set only by code that seeds a published password on purpose (the demo
#: loader); the password rule (rules/passwords.py) is not applied to its User writes.
SEEDS_PUBLISHED_PASSWORDS = "seeds_published_passwords"

#: The `__Auth` row saying the login password is a temporary one an admin set.
MUST_CHANGE_PASSWORD = "must_change_password"  # noqa: S105 - an __Auth fieldname, no secret

LOGIN_PASSWORD = "password"  # noqa: S105 - the __Auth fieldname of the login password, as in Frappe


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


#: The longest login name written to the audit log as sent; Frappe's User name is a varchar(140).
MAX_AUDITED_LOGIN = 140


def audited_login_name(sent: str | None) -> tuple[str, None, None, dict | None]:
    """(user, doctype, name, data) for a failed login's audit row: the name as sent, cut to
    MAX_AUDITED_LOGIN characters (its full length noted), so an anonymous caller cannot write
    megabytes into the append-only log."""
    text = str(sent or "")
    if len(text) <= MAX_AUDITED_LOGIN:
        return text, None, None, None
    return text[:MAX_AUDITED_LOGIN], None, None, {"length": len(text), "truncated": True}


class Users:
    def __init__(self, site):
        self.site = site

    @property
    def db(self):
        return self.site.db

    def set_passwords(self, doctype: str, name: str, passwords: dict[str, str]) -> None:
        """Store secrets given in Password fields (inside the write transaction)."""
        for fieldname, value in passwords.items():
            if doctype == "User" and fieldname == "new_password":
                stored, key = _HASHER.hash(value), LOGIN_PASSWORD
            else:
                stored, key = "sha256:" + _sha256(value), fieldname
            self.db.execute(
                'INSERT INTO "__Auth" (doctype, name, fieldname, password) VALUES (?, ?, ?, ?) '
                "ON CONFLICT(doctype, name, fieldname) DO UPDATE SET password = excluded.password",
                (doctype, name, key, stored),
            )

    def require_password_change(self, user: str, required: bool = True) -> None:
        """Mark (or clear) that `user` must change the password at the next login: an admin
        handed them a temporary one. Kept beside the password in `__Auth` (inside the write)."""
        if required:
            self.db.execute(
                'INSERT INTO "__Auth" (doctype, name, fieldname, password) VALUES (?, ?, ?, ?) '
                "ON CONFLICT(doctype, name, fieldname) DO UPDATE SET password = excluded.password",
                ("User", user, MUST_CHANGE_PASSWORD, "1"),
            )
        else:
            self.db.execute(
                'DELETE FROM "__Auth" WHERE doctype = ? AND name = ? AND fieldname = ?',
                ("User", user, MUST_CHANGE_PASSWORD),
            )

    def must_change_password(self, user: str) -> bool:
        return self._auth(user, MUST_CHANGE_PASSWORD) == "1"

    def set_password(self, user: str, password: str) -> None:
        with self.db.transaction():
            self.set_passwords("User", user, {"new_password": password})

    def _auth(self, name: str, fieldname: str) -> str | None:
        return self.db.scalar(
            'SELECT password FROM "__Auth" WHERE doctype = ? AND name = ? AND fieldname = ?',
            ("User", name, fieldname),
        )

    def password_matches(self, user: str, password: str) -> bool:
        """Whether `password` is `user`'s login password now (no audit row: not a login)."""
        stored = self._auth(user, LOGIN_PASSWORD)
        try:
            return stored is not None and _HASHER.verify(stored, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def authenticate(self, user: str, password: str) -> str:
        row = self.db.fetchone(
            'SELECT name, enabled FROM "tabUser" WHERE name = ? OR email = ?', (user, user)
        )
        stored = self._auth(row["name"], LOGIN_PASSWORD) if row else None
        try:
            _HASHER.verify(stored or _DUMMY_HASH, password or "")
            ok = stored is not None and bool(row["enabled"])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok:
            self.site.audit.record("login_failed", *audited_login_name(user))
            raise AuthenticationError("Invalid login credentials", "用户名或密码错误")
        self.site.audit.record("login", row["name"])
        return row["name"]

    def authenticate_token(self, api_key: str, api_secret: str) -> str:
        row = self.db.fetchone('SELECT name, enabled FROM "tabUser" WHERE api_key = ?', (api_key or "",))
        stored = self._auth(row["name"], "api_secret") if row else None
        candidate = "sha256:" + _sha256(api_secret or "")
        if not (row and stored and row["enabled"] and hmac.compare_digest(stored, candidate)):
            raise AuthenticationError("Invalid API key or secret", "API 密钥无效")
        return row["name"]

    def generate_keys(self, user: str, *, actor: str = ADMINISTRATOR) -> str:
        """A new API secret for `user`, audited as `actor`'s change and as `actor`'s read of a secret
        in full. Administrator's keys are Administrator's own: no one else may make them."""
        if user == ADMINISTRATOR and actor != ADMINISTRATOR:
            self.site.audit.record_denial(actor, "User", user, "generate_keys")
            raise PermissionError(
                "Only Administrator may generate Administrator's API keys",
                "只有 Administrator 可以生成自己的 API 密钥",
            )
        with self.db.transaction():
            row = self.db.fetchone('SELECT name, api_key FROM "tabUser" WHERE name = ?', (user,))
            if row is None:
                raise DoesNotExistError.of("User", user)
            api_key = row["api_key"] or secrets.token_hex(8)[:15]
            api_secret = secrets.token_hex(8)[:15]
            self.db.execute(
                'UPDATE "tabUser" SET api_key = ?, api_secret = ? WHERE name = ?', (api_key, "*****", user)
            )
            self.set_passwords("User", user, {"api_secret": api_secret})
            self.site.audit.record("update", actor, "User", user, {"fields": ["api_key", "api_secret"]})
            self.site.audit.record("sensitive_read", actor, "User", user, {"fields": ["api_secret"]})
        return api_secret

    def ensure_administrator(self, password: str | None) -> bool:
        """Create Administrator (System Manager) if missing; returns whether it was created."""
        if self.db.fetchone('SELECT 1 FROM "tabUser" WHERE name = ?', (ADMINISTRATOR,)):
            return False
        admin = self.site.session(ADMINISTRATOR, ignore_permissions=True)
        with self.db.transaction():
            if not self.db.fetchone('SELECT 1 FROM "tabRole" WHERE name = ?', (SYSTEM_MANAGER,)):
                admin.insert({"doctype": "Role", "role_name": SYSTEM_MANAGER, "desk_access": 1})
            admin.insert(
                {
                    "doctype": "User",
                    "email": ADMINISTRATOR,
                    "first_name": ADMINISTRATOR,
                    "full_name": ADMINISTRATOR,
                    "user_type": "System User",
                    "new_password": password or secrets.token_urlsafe(16),
                    "roles": [{"role": SYSTEM_MANAGER}],
                }
            )
        return True


def register_user_hooks(site) -> None:
    """A User Permission must name a DocType of the site and a record of it (Frappe checks both);
    a User's login may hold no control characters."""

    def check_user_permission(event: DocEvent) -> None:
        allow, value = event.doc.get("allow"), event.doc.get("for_value")
        problems = []
        if not site.metas.exists(allow or ""):
            problems.append(FieldMessage("allow", f"{allow}：不是单据类型", f"{allow} is not a DocType"))
        elif not site.db.fetchone(f"SELECT 1 FROM {site.metas.get(allow).table} WHERE name = ?", (value,)):
            problems.append(
                FieldMessage("for_value", f"{allow} {value} 不存在", f"{allow} {value} does not exist")
            )
        if problems:
            raise ValidationError.from_messages(problems)

    def check_login_name(event: DocEvent) -> None:
        # A login is typed by a person; control characters only hide in it (and the workflow
        # engine's pooled to-dos use one to keep their audience apart from every user name).
        for fieldname in ("email", "name"):
            value = str(event.doc.get(fieldname) or "")
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                zh, en = "登录名不能包含控制字符", "A login may not contain control characters"
                raise ValidationError.from_messages([FieldMessage("email", zh, en)])

    def check_password_rule(event: DocEvent) -> None:
        # every path that sets a password (REST insert/update, the admin page, scripts) passes
        # here; exempt are the operator's Administrator bootstrap and a session that seeds a
        # published password on purpose (the demo loader), which no request can reach
        password = event.doc.get("new_password")
        if password in (None, "", "*****"):
            return
        user = str(event.doc.get("name") or event.doc.get("email") or "")
        if user == ADMINISTRATOR or getattr(event.session, SEEDS_PUBLISHED_PASSWORDS, False):
            return
        problem = password_problem(str(password), user)
        if not problem and getattr(event.session, "user", None) == user:
            site.users.require_password_change(user, False)  # their own, no longer temporary
        if problem:
            en, zh = problem
            raise ValidationError.from_messages(
                [FieldMessage("new_password", f"密码{zh}", f"The password {en}")]
            )

    site.hooks.register("User Permission", "validate", check_user_permission)
    site.hooks.register("User", "validate", check_password_rule)
    site.hooks.register("User", "validate", check_login_name)
