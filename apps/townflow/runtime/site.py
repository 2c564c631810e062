"""A Site: one folder, one SQLite file (`site.sqlite`), the project spec it runs.

    from townflow.spec import load_project
    from townflow.runtime import Site
    site = Site.open("sites/demo", load_project("."))
    session = site.session("Administrator")
    site.authenticate("clerk@v01", "secret") -> "clerk@v01"     # AuthenticationError otherwise
    site.authenticate_token(api_key, api_secret) -> user
    site.generate_keys(user) -> api_secret
    site.meta("Person") -> the effective DocType (spec + Custom Fields + Property Setters)
    with site.transaction(): ...                                # one atomic unit of writes
    site.hooks.register("Doc", "validate", fn)                  # see townflow.runtime.hooks
    site.audit.record("transition", user, doctype, name, {...}) # see townflow.runtime.audit

Opening a site syncs the schema (tables and columns follow the spec and its customizations).
Creating one (no site.sqlite yet) also creates Administrator (password from
TOWNFLOW_ADMIN_PASSWORD, or a random one) and loads the fixtures.
`now` is injectable so tests and the scheduler (`site.tick(now)`) control time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from townflow.runtime import attachments, audit_key, pinyin_search, schema
from townflow.runtime.admin_guard import register_admin_guard_hooks
from townflow.runtime.audit import AuditLog
from townflow.runtime.customize import register_customization_hooks
from townflow.runtime.db import DB_FILENAME, Database
from townflow.runtime.documents import Session
from townflow.runtime.fixtures import load_fixtures
from townflow.runtime.group_commit import GroupCommitter
from townflow.runtime.hooks import Hooks
from townflow.runtime.identity_hooks import register_identity_hooks
from townflow.runtime.meta import Metas
from townflow.runtime.permissions import Permissions, UserContext, load_user_context
from townflow.runtime.reports import summaries as report_summaries
from townflow.runtime.scope_follow import register_scope_follow_hooks
from townflow.runtime.store import load_single
from townflow.runtime.system_doctypes import ADMINISTRATOR, AUTOMATIC_ROLES, SYSTEM_MANAGER
from townflow.runtime.users import Users, register_user_hooks
from townflow.runtime.workflow_hooks import register_workflow_hooks
from townflow.spec.models import DocType

SETTINGS_DOCTYPE = "Campaign Settings"
_META_DOCTYPES = {"Custom Field", "Property Setter"}
_META_VERSION_KEY = "__meta"  # a tabSingles row counting customization changes
T = TypeVar("T")


class Site:
    def __init__(self, path: Path, project, db: Database, now: Callable[[], datetime]):
        self.path = path
        self.project = project
        self.db = db
        self.now = now
        self.metas = Metas(project, db)
        self.perms = Permissions(self.metas)
        self.hooks = Hooks()
        self.audit = AuditLog(db, now)
        self.users = Users(self)
        self.committer: GroupCommitter | None = None
        self._settings: dict | None = None
        self._meta_version: str | None = None
        self._settings_version: str | None = None
        register_customization_hooks(self)
        register_user_hooks(self)
        register_workflow_hooks(self)  # the workflow engine's tables and state guards
        register_scope_follow_hooks(self)  # records fetching a village move with their household
        register_admin_guard_hooks(self)  # only Administrator changes Administrator
        attachments.register_attachment_hooks(self)  # an Attach field names only the user's files
        register_identity_hooks(self)  # 出生日期 and 性别 from the ID number
        pinyin_search.register(self)  # search by pinyin: keys written with each save

    @classmethod
    def open(
        cls,
        path: str | Path,
        project,
        *,
        synchronous: str = "FULL",
        now: Callable[[], datetime] | None = None,
        admin_password: str | None = None,
        with_fixtures: bool = True,
    ) -> Site:
        """Open (or create) the site in folder `path` for `project` and sync its schema."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        creating = not (folder / DB_FILENAME).exists()
        site = cls(
            folder, project, Database(folder / DB_FILENAME, synchronous=synchronous), now or datetime.now
        )
        site.sync_schema()
        anchor = audit_key.ensure(folder, site.audit.next_id())  # the chain's key, outside the db
        site.audit.use_key(anchor.key, anchor.keyed_from)
        if site.users.ensure_administrator(admin_password or os.environ.get("TOWNFLOW_ADMIN_PASSWORD")):
            creating = True
        if creating and with_fixtures:
            site.load_fixtures()
        return site

    def close(self) -> None:
        if self.committer is not None:
            self.committer.close()
            self.committer = None
        self.db.close()

    # -- durable writes from many threads --------------------------------------------------

    def use_group_commit(self) -> None:
        """Let concurrent writes (Session writes and workflow actions, see runtime.durable) share
        fsync'd COMMITs (runtime.group_commit): the web server turns this on; scripts, tests and
        `tick` write one transaction at a time."""
        if self.committer is None:
            self.committer = GroupCommitter(self.db)

    def durably(self, write: Callable[[], T]) -> T:
        """Run `write` (one atomic write that opens its own transaction) and return once it is
        durable: through the group committer when it is on, else on this thread. A caller already
        inside a transaction keeps `write` in it, on its own connection."""
        committer = self.committer
        if committer is None or self.db.in_transaction:
            return write()
        return committer.run(write)

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema and meta -------------------------------------------------------------------

    def sync_schema(self) -> dict[str, list[str]]:
        """Create missing tables, add missing columns and indexes; returns the columns added."""
        self.audit.ensure_schema()
        self.metas.invalidate()
        added = schema.sync_all(self.db, self.metas)
        attachments.ensure_schema(self)  # which document each uploaded file belongs to
        pinyin_search.ensure_schema(self)  # pinyin keys of title/search fields, backfilled
        report_summaries.ensure(self)  # report roll-ups and step visits, kept by triggers
        return added

    def meta(self, doctype: str) -> DocType:
        """The effective DocType: the spec with this site's customizations applied."""
        return self.metas.get(doctype).doctype

    def after_write(self, doctype: str) -> None:
        """Called by every write: keeps caches in step with what was written."""
        if doctype in _META_DOCTYPES:
            self.metas.invalidate()
            for meta in self.metas.all():
                schema.sync_table(self.db, meta)
            # other processes on this file (a second server, the CLI) see the counter move
            self.db.execute(
                'INSERT INTO "tabSingles" (doctype, field, value) VALUES (?, ?, 1) '
                "ON CONFLICT(doctype, field) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                (_META_VERSION_KEY, "version"),
            )
            self.db.after_rollback(self.metas.invalidate)
        elif doctype == SETTINGS_DOCTYPE:
            self._settings = None
            self.db.after_rollback(self._clear_settings)
            # other processes on this file (`townflow serve --workers N`) drop their copy too
            self.db.execute(
                'INSERT INTO "tabSingles" (doctype, field, value) VALUES (?, ?, 1) '
                "ON CONFLICT(doctype, field) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                (_META_VERSION_KEY, "settings"),
            )

    def _clear_settings(self) -> None:
        self._settings = None

    def settings(self) -> dict:
        """The Campaign Settings values (the stored single, else the fixture values)."""
        if self._settings is None:
            values: dict = dict(getattr(self.project, "settings", {}) or {})
            if self.metas.exists(SETTINGS_DOCTYPE) and self.metas.get(SETTINGS_DOCTYPE).issingle:
                stored = load_single(self.db, self.metas.get(SETTINGS_DOCTYPE))
                if stored.get("modified"):
                    values = {k: v for k, v in stored.items() if k != "doctype"}
            self._settings = values
        return self._settings

    # -- sessions and users ----------------------------------------------------------------

    def user_context(self, user: str) -> UserContext:
        if user == ADMINISTRATOR:
            return UserContext(user=user, roles=frozenset({SYSTEM_MANAGER, *AUTOMATIC_ROLES}))
        return load_user_context(self.db, user)

    def session(self, user: str, *, ignore_permissions: bool = False) -> Session:
        """A Session acting as `user` (see townflow.runtime.documents)."""
        self._refresh_meta_if_changed()
        return Session(self, self.user_context(user), ignore_permissions=ignore_permissions)

    def _refresh_meta_if_changed(self) -> None:
        rows = self.db.fetchall(
            'SELECT field, value FROM "tabSingles" WHERE doctype = ?', (_META_VERSION_KEY,)
        )
        versions = {r["field"]: r["value"] for r in rows}
        version = versions.get("version")
        if version != self._meta_version:
            self._meta_version = version
            self.metas.invalidate()
        settings_version = versions.get("settings")
        if settings_version != self._settings_version:
            self._settings_version = settings_version
            self._settings = None

    def transaction(self):
        """One atomic unit: every Session write inside it commits or rolls back together."""
        return self.db.transaction()

    def authenticate(self, user: str, password: str) -> str:
        return self.users.authenticate(user, password)

    def authenticate_token(self, api_key: str, api_secret: str) -> str:
        return self.users.authenticate_token(api_key, api_secret)

    def generate_keys(self, user: str, *, actor: str = ADMINISTRATOR) -> str:
        """A new API secret for `user`; `actor` (who asked) is the one audited."""
        return self.users.generate_keys(user, actor=actor)

    def set_passwords(self, doctype: str, name: str, passwords: dict[str, str]) -> None:
        if passwords:
            self.users.set_passwords(doctype, name, passwords)

    def tick(self, now: datetime | None = None) -> dict[str, int]:
        """Run what is due at `now`: step reminders and escalations, certificate expiry."""
        from townflow.runtime.tick import run

        return run(self, now)

    def load_fixtures(self) -> dict[str, int]:
        """Insert the project's roles and fixture records that are not there yet."""
        return load_fixtures(self)
