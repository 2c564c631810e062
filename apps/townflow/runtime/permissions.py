"""Permissions: the ONE place every read and write path asks.

Model (Frappe's, plus scope):
- A user holds roles (Has Role rows, plus the automatic "All") and User Permissions.
- The spec's DocPerm rows at permlevel 0 whose role the user holds decide the operations
  (read, write, create, delete, submit, cancel, amend, report, export, print, select).
  No row → no access (deny by default). Administrator passes every check, as in Frappe.
- Each granting row reaches records through its `scope` (see townflow.rules.scope) and, with
  `if_owner`, only records the user owns. The rows are OR-ed: a Township Clerk who is also a
  Village Clerk of V01 reaches everything.
- A child DocType takes its parent's permissions; a DocType without its own Link to Village
  but with a Link to a DocType that has one (Person -> Household) is scoped through that Link.
- A row with `workflow_states` (spec) reaches only records in those states: a Facility
  Officer sees a termination certificate once issued, never the application in progress.
- Rows at higher permlevels grant field access only: `readable_levels` / `writable_levels`.

`where()` compiles the record check to one parameterized SQL condition used by get, get_list,
get_count, report, export, Link search and the workflow engine's inbox; `doc_allowed()` checks
a document that is not in the database yet (insert, or the new values of a save) with the same
rules in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from townflow.rules.scope import allowed_values, value_in_scope
from townflow.runtime.db import quote
from townflow.runtime.meta import Meta
from townflow.runtime.system_doctypes import ADMINISTRATOR, AUTOMATIC_ROLES
from townflow.spec.models import SCOPE_DOCTYPE, DocPerm


@dataclass
class UserContext:
    """Who is acting: the user, their roles and their User Permission records."""

    user: str
    roles: frozenset[str]
    user_permissions: list[dict] = field(default_factory=list)
    full_name: str | None = None

    @property
    def is_administrator(self) -> bool:
        return self.user == ADMINISTRATOR

    def allowed(self, scope: str, doctype: str | None = None) -> frozenset[str]:
        return allowed_values(self.user_permissions, scope, doctype)


def load_user_context(db, user: str) -> UserContext:
    """Roles and User Permissions of `user`, read from the site's tables.

    A disabled user holds no role at all, so a session opened before the account was disabled
    can do nothing from then on."""
    row = db.fetchone('SELECT full_name, enabled FROM "tabUser" WHERE name = ?', (user,))
    if row is not None and not row["enabled"]:
        return UserContext(user=user, roles=frozenset(), full_name=row["full_name"])
    roles = {r["role"] for r in db.fetchall('SELECT role FROM "tabHas Role" WHERE parent = ?', (user,))}
    roles.update(AUTOMATIC_ROLES)
    ups = [dict(r) for r in db.fetchall('SELECT * FROM "tabUser Permission" WHERE user = ?', (user,))]
    full_name = row["full_name"] if row is not None else None
    return UserContext(user=user, roles=frozenset(roles), user_permissions=ups, full_name=full_name)


_WHERE_CACHE_SIZE = 1024
#: The DocPerm rights that put records on paper or into files; see `Permissions.output_allowed`.
OUTPUT_PTYPES = frozenset({"print", "export", "report"})
_ALL = "apply_to_all_doctypes"


def _where_key(meta: Meta, ctx: UserContext, ptype: str, alias: str, versions: tuple) -> tuple | None:
    """Every input of `Permissions.where`, by value: the meta (by identity, checked on use), the
    metas generation (bumped when Custom Fields or Property Setters change the DocTypes a scope
    path goes through) and the restrictions version (both read before computing, so a result is
    filed under versions no older than what it saw), the user, the exact role set and the User
    Permission values `allowed_values` reads. A context whose roles or User Permissions differ,
    even the same UserContext object after a change, gives another key: a stale permission is
    never returned. None (do not cache) for values that cannot be a key."""
    try:
        if type(ctx.roles) is not frozenset:
            return None
        grants = tuple(
            (up.get("allow"), up.get("for_value"), up.get("applicable_for"), up.get(_ALL, 1))
            for up in ctx.user_permissions
        )
        key = (id(meta), ptype, alias, versions, ctx.user, ctx.roles, grants)
        hash(key)
    except (TypeError, AttributeError):
        return None
    return key


class Permissions:
    """Permission checks for one site; `metas` resolves DocTypes (and children to parents)."""

    def __init__(self, metas):
        self.metas = metas
        self._restrictions: dict[tuple[str, str], list[tuple[str, tuple]]] = {}
        #: bumped after each restrict(), so where() results computed before it are never used again
        self._restrictions_version = 0
        #: where() results keyed by everything they are computed from (see `_where_key`)
        self._where_cache: dict[tuple, tuple[Meta, str, tuple]] = {}
        #: readable/writable permlevels keyed as `_levels` says
        self._levels_cache: dict[tuple, tuple[Meta, frozenset[int]]] = {}
        #: (meta, row, ctx, alias) -> (sql, params) | None: what else a scoped DocPerm row reaches
        #: (a 会办 branch of its role: townflow.runtime.approval_moves), OR-ed with its scope
        self.widen: list = []

    def restrict(self, doctype: str, role: str, fieldname: str, values) -> None:
        """Narrow what `role`'s DocPerm rows on `doctype` reach to records whose `fieldname` is
        one of `values` (Frappe does this with permission_query_conditions + has_permission
        hooks): a Facility Officer sees certificates once issued, not applications in progress.
        Applies to every path, like the scope: lists, counts, get, writes, Link checks."""
        meta = self.metas.get(doctype)
        if fieldname not in meta.column_set:
            raise ValueError(f"{doctype} has no field {fieldname!r}")
        self._restrictions.setdefault((doctype, role), []).append((fieldname, tuple(values)))
        self._restrictions_version += 1  # after the append: a key with this version saw it

    def _row_restrictions(self, meta: Meta, row: DocPerm) -> list[tuple[str, tuple]]:
        """(field, allowed values) pairs narrowing what `row` reaches: the site's `restrict()`
        calls for its role, plus the row's own `workflow_states` from the spec. A row naming
        states on a DocType whose workflow is inactive reaches nothing (empty values)."""
        narrowed = list(self._restrictions.get((meta.name, row.role), ()))
        if row.workflow_states is not None:
            state_field = meta.workflow_state_field
            if state_field is None:
                narrowed.append(("name", ()))
            else:
                narrowed.append((state_field, tuple(row.workflow_states)))
        return narrowed

    # -- which rows apply --------------------------------------------------------------------

    def perm_meta(self, meta: Meta) -> Meta:
        """The meta whose DocPerms govern `meta` (a child table's parent)."""
        if not meta.istable:
            return meta
        parent = self.metas.parent_of(meta.name)
        return self.metas.get(parent) if parent else meta

    def rows(self, meta: Meta, ctx: UserContext, permlevel: int | None = 0) -> list[DocPerm]:
        governing = self.perm_meta(meta)
        return [
            p
            for p in governing.doctype.permissions
            if p.role in ctx.roles and (permlevel is None or p.permlevel == permlevel)
        ]

    def has(self, meta: Meta, ctx: UserContext, ptype: str) -> bool:
        """Whether the user may do `ptype` on some record of the DocType (no record check)."""
        if ctx.is_administrator:
            return True
        if ptype == "select":
            return any(p.select or p.read for p in self.rows(meta, ctx))
        return any(getattr(p, ptype) for p in self.rows(meta, ctx))

    def readable_levels(self, meta: Meta, ctx: UserContext) -> set[int]:
        if ctx.is_administrator:
            return set(range(10))
        return set(self._levels(meta, ctx, "read"))

    def writable_levels(self, meta: Meta, ctx: UserContext) -> set[int]:
        if ctx.is_administrator:
            return set(range(10))
        return set(self._levels(meta, ctx, "write"))

    def _levels(self, meta: Meta, ctx: UserContext, access: str) -> frozenset[int]:
        """The permlevels the roles' DocPerm rows grant (`read`: read or write; `write`), remembered
        per meta (by identity), metas generation and exact role set: every document shown asks."""
        key = (id(meta), getattr(self.metas, "generation", None), ctx.roles, access)
        try:
            hit = self._levels_cache.get(key)
        except TypeError:  # roles that are not hashable: computed every time
            return self._compute_levels(meta, ctx, access)
        if hit is None or hit[0] is not meta:
            if len(self._levels_cache) >= _WHERE_CACHE_SIZE:
                self._levels_cache.clear()
            hit = self._levels_cache[key] = (meta, self._compute_levels(meta, ctx, access))
        return hit[1]

    def _compute_levels(self, meta: Meta, ctx: UserContext, access: str) -> frozenset[int]:
        rows = self.rows(meta, ctx, None)
        if access == "write":
            return frozenset(p.permlevel for p in rows if p.write)
        return frozenset(p.permlevel for p in rows if p.read or p.write)

    def can_read_field(self, meta: Meta, ctx: UserContext, fieldname: str) -> bool:
        f = meta.get_field(fieldname)
        return f is None or f.permlevel in self.readable_levels(meta, ctx)

    # -- record scope ----------------------------------------------------------------------

    def scope_path(self, meta: Meta, scope: str) -> tuple[str, Meta | None, str | None] | None:
        """How a record of `meta` reaches its scope value.

        (field, None, None): its own Link field; (link, target_meta, target_field): through a Link
        to a DocType that has the scope field; None: the DocType cannot be scoped (nothing reached).
        """
        if meta.name == SCOPE_DOCTYPE.get(scope):
            return "name", None, None  # a Village reaches itself
        own = meta.scope_fields.get(scope)
        if own:
            return own, None, None
        for f in meta.value_fields:
            if (
                f.fieldtype != "Link"
                or not f.options
                or not self.metas.exists(f.options)
                or f.options == meta.name
            ):
                continue
            target = self.metas.get(f.options)
            target_field = target.scope_fields.get(scope)
            if target_field:
                return f.fieldname, target, target_field
        return None

    def _scope_sql(self, meta: Meta, scope: str, ctx: UserContext, alias: str) -> tuple[str, list] | None:
        path = self.scope_path(meta, scope)
        if path is None:
            return None
        allowed = sorted(ctx.allowed(scope, meta.name))
        if not allowed:
            return "0", []
        marks = ", ".join("?" * len(allowed))
        fieldname, target, target_field = path
        if target is None:
            return f"{alias}{quote(fieldname)} IN ({marks})", allowed
        sub = f"SELECT name FROM {target.table} WHERE {quote(target_field)} IN ({marks})"
        return f"{alias}{quote(fieldname)} IN ({sub})", allowed

    def where(
        self, meta: Meta, ctx: UserContext, ptype: str = "read", *, alias: str = ""
    ) -> tuple[str, list]:
        """SQL condition selecting the records of `meta` the user may `ptype`; "0" when none.

        For a child table the condition applies to its parent (`parent IN (...)`).
        Remembered per meta, ptype and the user context's values (see `_where_key`): a workflow
        transition asks twice (read on load, write on save) and lists ask on every page.
        """
        if ctx.is_administrator:
            return "1=1", []
        versions = (getattr(self.metas, "generation", None), self._restrictions_version)
        key = _where_key(meta, ctx, ptype, alias, versions)
        cached = self._where_cache.get(key) if key is not None else None
        if cached is not None and cached[0] is meta:
            return cached[1], list(cached[2])
        sql, params = self._compile_where(meta, ctx, ptype, alias)
        if key is not None:
            if len(self._where_cache) >= _WHERE_CACHE_SIZE:
                self._where_cache.clear()
            self._where_cache[key] = (meta, sql, tuple(params))
        return sql, params

    def _compile_where(self, meta: Meta, ctx: UserContext, ptype: str, alias: str) -> tuple[str, list]:
        if meta.istable:
            parent = self.perm_meta(meta)
            if parent is meta:
                return "0", []
            sql, params = self.where(parent, ctx, ptype)
            return f"{alias}parent IN (SELECT name FROM {parent.table} WHERE {sql})", params
        terms: list[str] = []
        params: list = []
        for row in self.rows(meta, ctx):
            granted = (row.read or row.select) if ptype == "select" else getattr(row, ptype)
            if not granted:
                continue
            conds: list[str] = []
            cond_params: list = []
            if row.scope != "township":
                scoped = self._scope_sql(meta, row.scope, ctx, alias)
                if scoped is None:
                    continue
                for widen in self.widen:
                    more = widen(meta, row, ctx, alias)
                    if more is not None:
                        scoped = (f"({scoped[0]}) OR ({more[0]})", [*scoped[1], *more[1]])
                conds.append(scoped[0])
                cond_params.extend(scoped[1])
            if row.if_owner:
                conds.append(f"{alias}owner = ?")
                cond_params.append(ctx.user)
            for fieldname, values in self._row_restrictions(meta, row):
                marks = ", ".join("?" * len(values)) or "NULL"
                conds.append(f"{alias}{quote(fieldname)} IN ({marks})")
                cond_params.extend(values)
            if not conds:
                return "1=1", []
            terms.append(" AND ".join(f"({c})" for c in conds))
            params.extend(cond_params)
        if not terms:
            return "0", []
        return " OR ".join(f"({t})" for t in terms), params

    def output_allowed(self, db, meta: Meta, ctx: UserContext, ptype: str, name: str | None = None) -> bool:
        """THE check for every path that prints, exports or reports (issue 12, L4): the DocPerm
        right `ptype` ("print", "export" or "report"; read does not imply it, as in Frappe), and
        for a named record that a row granting that right reaches it. A report or export of many
        records filters them with `where(meta, ctx, ptype)` instead (Session.get_list(ptype=...))."""
        if ptype not in OUTPUT_PTYPES:
            raise ValueError(f"not an output right: {ptype!r}; one of {sorted(OUTPUT_PTYPES)}")
        if ctx.is_administrator:
            return True
        if not self.has(meta, ctx, ptype):
            return False
        if name is None or meta.issingle:
            return True
        return self.record_allowed(db, meta, ctx, ptype, name)

    def record_allowed(self, db, meta: Meta, ctx: UserContext, ptype: str, name: str) -> bool:
        """Whether the stored record `name` is reached for `ptype` (same SQL as lists)."""
        if meta.doctype.issingle:  # a single has no table row and no scope: the role decides
            return ctx.is_administrator or self.has(meta, ctx, ptype)
        sql, params = self.where(meta, ctx, ptype)
        if sql == "0":
            return False
        row = db.fetchone(f"SELECT 1 FROM {meta.table} WHERE name = ? AND ({sql})", (name, *params))
        return row is not None

    def doc_allowed(self, db, meta: Meta, ctx: UserContext, ptype: str, doc: dict) -> bool:
        """Whether a document given as values (not yet stored) is reached for `ptype`."""
        if ctx.is_administrator:
            return True
        if meta.istable:
            return False
        for row in self.rows(meta, ctx):
            if not getattr(row, ptype):
                continue
            if row.if_owner and doc.get("owner", ctx.user) != ctx.user:
                continue
            restrictions = self._row_restrictions(meta, row)
            if any(doc.get(fieldname) not in values for fieldname, values in restrictions):
                continue
            if row.scope == "township":
                return True
            path = self.scope_path(meta, row.scope)
            if path is None:
                continue
            fieldname, target, target_field = path
            value = doc.get(fieldname)
            if target is not None and value:
                value = db.scalar(
                    f"SELECT {quote(target_field)} FROM {target.table} WHERE name = ?", (value,)
                )
            if value_in_scope(row.scope, value, ctx.allowed(row.scope, meta.name)):
                return True
        return False
