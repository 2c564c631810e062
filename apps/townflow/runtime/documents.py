"""The Session: every read and write of documents, as one user, through one permission check.

    site = Site.open("sites/demo", project)
    s = site.session("clerk01@v01")
    doc = s.insert({"doctype": "Person", "household": "HH-0001", "full_name": "王芳", ...})
    doc["mobile"] = "13812345678"
    doc = s.save(doc)                       # needs doc["modified"] as read; stale -> 409
    s.get_list("Person", fields=["name", "full_name"], filters={"village": "V01"},
               order_by="modified desc", limit_start=0, limit_page_length=20)
    s.get_count("Person", filters=[["gender", "=", "Female"]])
    s.submit(doc); s.cancel("Doc", name); s.amend("Doc", name)   # submittable DocTypes
    s.versions("Person", name); s.search_link("Household", "王")

Documents are dicts like Frappe's `doc.as_dict()` (see townflow.runtime.store). Reads return
what the user may see: fields at permlevels they cannot read are None, sensitive ones masked
(townflow.rules.masking); a sensitive field read in full is audited. A record outside the user's
scope is a DoesNotExistError (404) on every path — get, save, delete, Link checks — so its
existence does not leak; a DocType the user has no role for is a PermissionError (403).

Writes (townflow.runtime.writes) run in one transaction each. Inside an open
`site.transaction()` they join it (SAVEPOINT), which is how the workflow engine saves a state
change and its action log atomically. `site.session(user, ignore_permissions=True)` skips the
permission check for engine-internal writes (Frappe's `flags.ignore_permissions`); the user is
still recorded as modified_by and in the audit log.
"""

from __future__ import annotations

from townflow.rules.masking import mask
from townflow.runtime import pinyin_search, query, store, versions
from townflow.runtime.errors import DoesNotExistError, PermissionError
from townflow.runtime.meta import Meta
from townflow.runtime.permissions import OUTPUT_PTYPES, UserContext
from townflow.runtime.writes import WriteMixin

DEFAULT_PAGE_LENGTH = 20
#: filter operators a count from a roll-up serves (equality and set tests on kept text columns)
_KEPT_OPS = frozenset({"=", "!=", "in", "not in", "is"})


#: (meta id, readable levels) -> (meta, fields `present` may change): the rest pass as stored
_SHAPED: dict[tuple, tuple[Meta, list]] = {}


def _shaped_fields(meta: Meta, levels: set[int] | None) -> list:
    """The value fields, in form order, that `present` hides, masks or notes as sensitive for a
    reader of `levels` (None: every level): passwords, fields above those levels and sensitive
    fields. A document has ~50 fields and a handful of these; lists present every row."""
    key = (id(meta), None if levels is None else frozenset(levels))
    hit = _SHAPED.get(key)
    if hit is None or hit[0] is not meta:
        fields = [
            f
            for f in meta.value_fields
            if f.fieldtype == "Password" or (levels is not None and f.permlevel not in levels) or f.sensitive
        ]
        if len(_SHAPED) >= 512:
            _SHAPED.clear()
        hit = _SHAPED[key] = (meta, fields)
    return hit[1]


class Session(WriteMixin):
    def __init__(self, site, ctx: UserContext, *, ignore_permissions: bool = False):
        self.site = site
        self.ctx = ctx
        self.ignore_permissions = ignore_permissions

    @property
    def user(self) -> str:
        return self.ctx.user

    @property
    def roles(self) -> frozenset[str]:
        return self.ctx.roles

    def __repr__(self) -> str:
        return f"Session({self.user!r}, roles={sorted(self.roles)})"

    # -- permission helpers (used by writes, validation and the workflow engine) -------------

    def meta(self, doctype: str) -> Meta:
        if not self.site.metas.exists(doctype):
            raise DoesNotExistError(f"DocType {doctype} not found", f"单据类型 {doctype} 不存在")
        return self.site.metas.get(doctype)

    def has_permission(self, doctype: str, ptype: str = "read", name: str | None = None) -> bool:
        """Frappe's `frappe.has_permission(doctype, ptype, doc)`: the role check, and for a
        named record, also whether it is in the user's scope."""
        meta = self.meta(doctype)
        if self.ignore_permissions:
            return True
        if not self.site.perms.has(meta, self.ctx, ptype):
            return False
        if name is None or meta.issingle:
            return True
        return self.site.perms.record_allowed(self.site.db, meta, self.ctx, ptype, name)

    def can_see(self, meta: Meta, name: str, ptype: str = "read") -> bool:
        """Whether the record exists and is visible (Link checks use ptype "select")."""
        if self.ignore_permissions or self.ctx.is_administrator:
            return store.exists(self.site.db, meta, name)
        if not self.site.perms.has(meta, self.ctx, ptype):
            return False
        return self.site.perms.record_allowed(self.site.db, meta, self.ctx, ptype, name)

    def where(self, doctype: str, ptype: str = "read") -> tuple[str, list]:
        """The SQL condition selecting the records this user may `ptype` (for inbox queries)."""
        if self.ignore_permissions:
            return "1=1", []
        return self.site.perms.where(self.meta(doctype), self.ctx, ptype)

    def require_doctype(self, meta: Meta, ptype: str, name: str | None = None) -> None:
        if self.ignore_permissions or self.site.perms.has(meta, self.ctx, ptype):
            return
        self.site.audit.record_denial(self.user, meta.name, name, ptype)
        raise PermissionError(
            f"No permission to {ptype} {meta.name}", f"没有{meta.doctype.label.zh}的{ptype}权限"
        )

    def require_output(self, doctype: str, ptype: str, name: str | None = None) -> None:
        """Refuse unless the user may `ptype` ("print", "export", "report") the DocType, or the
        named record: the one check every print, export and report path calls first
        (Permissions.output_allowed). A record the user cannot even read is not found (404);
        one she reads but may not print is 403. Refusals are audited."""
        meta = self.meta(doctype)
        if self.ignore_permissions or self.site.perms.output_allowed(
            self.site.db, meta, self.ctx, ptype, name
        ):
            return
        if name is not None and not self.can_see(meta, name, "read"):
            raise DoesNotExistError.of(meta.name, name)
        self.site.audit.record_denial(self.user, meta.name, name, ptype)
        raise PermissionError(
            f"No permission to {ptype} {meta.name}", f"没有{meta.doctype.label.zh}的{ptype}权限"
        )

    def require_record(self, meta: Meta, ptype: str, name: str) -> None:
        """The record must exist and be reachable for `ptype`: unseen -> 404, seen -> 403."""
        if not store.exists(self.site.db, meta, name):
            raise DoesNotExistError.of(meta.name, name)
        if self.ignore_permissions:
            return
        if meta.issingle:
            self.require_doctype(meta, ptype, name)
            return
        if self.site.perms.record_allowed(self.site.db, meta, self.ctx, ptype, name):
            return
        visible = ptype != "read" and self.site.perms.record_allowed(
            self.site.db, meta, self.ctx, "read", name
        )
        self.site.audit.record_denial(self.user, meta.name, name, ptype)
        if not visible:
            raise DoesNotExistError.of(meta.name, name)
        raise PermissionError(
            f"No permission to {ptype} {meta.name} {name}", f"没有操作 {name} 的{ptype}权限"
        )

    # -- shaping what a user sees ----------------------------------------------------------

    def readable(self, meta: Meta, fieldname: str) -> bool:
        return self.ignore_permissions or self.site.perms.can_read_field(meta, self.ctx, fieldname)

    def present(self, meta: Meta, doc: dict, sensitive_seen: list[str] | None = None) -> dict:
        """`doc` as this user may see it: unreadable fields None or masked, passwords hidden."""
        levels = None if self.ignore_permissions else self.site.perms.readable_levels(meta, self.ctx)
        out = dict(doc)
        for f in _shaped_fields(meta, levels):
            if f.fieldname not in out:
                continue
            if f.fieldtype == "Password":
                out[f.fieldname] = "*****" if out[f.fieldname] else None
            elif levels is not None and f.permlevel not in levels:
                out[f.fieldname] = mask(out[f.fieldname], f.mask) if f.sensitive else None
            elif f.sensitive and out[f.fieldname] not in (None, "") and sensitive_seen is not None:
                sensitive_seen.append(f.fieldname)
        for tf in meta.table_fields:
            if tf.fieldname in out:
                child = self.site.metas.get(tf.options)
                out[tf.fieldname] = [self.present(child, row, sensitive_seen) for row in out[tf.fieldname]]
        return out

    def present_written(self, meta: Meta, doc: dict) -> dict:
        """A written document as the writer sees it in the answer; sensitive fields it shows in
        full are audited as a read, like a `get` (issue 12, L1). Called inside the write's
        transaction, so the audit row commits with the write."""
        seen: list[str] = []
        shown = self.present(meta, doc, seen)
        if doc.get("name") and not self.ignore_permissions:  # engine-internal writes show no one
            self._audit_sensitive(meta.name, [doc["name"]], seen)
        return shown

    def _audit_sensitive(self, doctype: str, names: list[str], fields: list[str]) -> None:
        if fields and names:
            data = {"fields": sorted(set(fields))}
            if len(names) == 1:
                row = ("sensitive_read", self.user, doctype, names[0], data)
            else:
                row = ("sensitive_read", self.user, doctype, None, {**data, "names": names})
            # durable before the reader gets the answer; under the web server's group committer
            # many readers' rows share one fsync (inside a write's transaction: in that transaction)
            self.site.durably(lambda: self.site.audit.record(*row))

    # -- reads -----------------------------------------------------------------------------

    def get(self, doctype: str, name: str | None = None) -> dict:
        """One document with its child rows (Frappe's `frappe.client.get`)."""
        meta = self.meta(doctype)
        self.require_doctype(meta, "read", name)
        name = meta.name if meta.issingle else name
        if meta.istable:
            raise PermissionError(f"{doctype} rows are read with their parent", f"{doctype} 随上级单据读取")
        self.require_record(meta, "read", name)
        doc = store.load(self.site.db, self.site.metas, meta, name)
        seen: list[str] = []
        shown = self.present(meta, doc, seen)
        self._audit_sensitive(meta.name, [name], seen)
        return shown

    def get_list(
        self,
        doctype: str,
        fields=None,
        filters=None,
        or_filters=None,
        order_by: str | None = None,
        limit_start: int = 0,
        limit_page_length: int | None = DEFAULT_PAGE_LENGTH,
        *,
        ptype: str = "read",
    ) -> list[dict]:
        """Frappe's `frappe.get_list`: rows as dicts of the requested fields, permission-scoped.

        `ptype` is "read" for lists, "report" for report views, "export" for exports; each needs
        its own DocPerm right and uses the same record scope.
        """
        meta = self.meta(doctype)
        if ptype in OUTPUT_PTYPES:
            self.require_output(doctype, ptype)
        else:
            self.require_doctype(meta, ptype)
        if meta.issingle:
            raise PermissionError(f"{doctype} is a single DocType", f"{doctype} 是单例")
        columns = query.parse_fields(meta, fields)
        sql, params = self._where_sql(meta, filters, or_filters, ptype)
        order = query.compile_order_by(meta, order_by, self.readable)
        limit = int(limit_page_length) if limit_page_length else -1  # 0/None: every row, as in Frappe
        select = ", ".join(query.quote(c) for c in columns)
        rows = self.site.db.fetchall(
            f"SELECT {select} FROM {meta.table} WHERE {sql} ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, limit, max(0, int(limit_start or 0))),
        )
        seen: list[str] = []
        out = [self.present(meta, dict(r), seen) for r in rows]
        self._audit_sensitive(meta.name, [r["name"] for r in out if "name" in r], seen)
        return out

    def get_count(self, doctype: str, filters=None, or_filters=None) -> int:
        """Like Frappe's `frappe.desk.reportview.get_count`: scoped as the list is."""
        meta = self.meta(doctype)
        self.require_doctype(meta, "read")
        sql, params = self._where_sql(meta, filters, or_filters, "read")
        kept = self._count_kept(meta, filters, or_filters)
        if kept is not None:
            return kept
        return int(self.site.db.scalar(f"SELECT COUNT(*) FROM {meta.table} WHERE {sql}", params))

    def _count_kept(self, meta: Meta, filters, or_filters) -> int | None:
        """The count summed from the DocType's roll-up (townflow.runtime.reports.summaries), when
        the filters and the user's read condition — the list's own — read only its columns: a
        village clerk's count is then a few rows' sum, not a walk of her village's documents.
        None when it cannot serve (the caller counts the documents): OR filters, a child
        table's, a field the roll-up does not keep, a value SQLite would compare by another type
        than the document's column (a number given for a text field)."""
        from townflow.runtime.reports import summaries

        if query.parse_filters(or_filters):
            return None
        fields: list[str] = []
        for doctype, fieldname, op, value in query.parse_filters(filters):
            if (doctype and doctype != meta.name) or op not in _KEPT_OPS:
                return None
            f = meta.get_field(fieldname)
            if f is None or f.fieldtype in query._NUMERIC:
                return None
            values = value if isinstance(value, (list, tuple)) else [value]
            if not all(v is None or isinstance(v, str) for v in values):
                return None
            fields.append(fieldname)
        and_sql, and_params = query.compile_filters(meta, filters, self.site.metas.get, self.readable)
        if self.ignore_permissions:
            perm = ("1=1", [])
        else:
            perm = self.site.perms.where(meta, self.ctx, "read", alias="r.")
        return summaries.rollup_count(self.site, meta.name, perm, (and_sql, and_params), fields)

    def get_group_by_count(self, doctype: str, field: str, filters=None) -> list[dict]:
        """Frappe's `frappe.desk.listview.get_group_by_count`: [{"name": value, "count": n}], most
        frequent first, over the records the user may read (the sidebar counts and report figures)."""
        meta = self.meta(doctype)
        self.require_doctype(meta, "read")
        query.check_field(meta, field)
        if not self.readable(meta, field):
            raise PermissionError(f"no permission to group by {field}", f"无权按 {field} 分组")
        sql, params = self._where_sql(meta, filters, None, "read")
        col = query.quote(field)
        rows = self.site.db.fetchall(
            f"SELECT {col} AS value, COUNT(*) AS n FROM {meta.table} WHERE {sql} GROUP BY {col} "
            "ORDER BY n DESC, value LIMIT 50",
            params,
        )
        return [{"name": r["value"], "count": r["n"]} for r in rows]

    def list_where(self, doctype: str, filters=None) -> tuple[str, list]:
        """The list's condition (the permission check for `read` and the filters) as SQL, for
        searches that walk an index of their own (townflow.runtime.pinyin_search.list_page)."""
        meta = self.meta(doctype)
        self.require_doctype(meta, "read")
        return self._where_sql(meta, filters, None, "read")

    def _where_sql(self, meta: Meta, filters, or_filters, ptype: str) -> tuple[str, list]:
        where = query.Where()
        perm_sql, perm_params = self.where(meta.name, ptype)
        where.add(perm_sql, perm_params)
        readable = self.readable
        and_sql, and_params = query.compile_filters(meta, filters, self.site.metas.get, readable)
        if and_sql:
            where.add(and_sql, and_params)
        or_sql, or_params = query.compile_filters(
            meta, or_filters, self.site.metas.get, readable, joiner="OR"
        )
        if or_sql:
            where.add(or_sql, or_params)
        return where.sql, where.params

    def search_link(self, doctype: str, txt: str = "", filters=None, page_length: int = 20) -> list[dict]:
        """Frappe's `search_link`: [{"value": name, "description": title}] the user may select."""
        meta = self.meta(doctype)
        if not (self.ignore_permissions or self.site.perms.has(meta, self.ctx, "select")):
            self.require_doctype(meta, "select")
        perm_sql, perm_params = (
            ("1=1", []) if self.ignore_permissions else self.site.perms.where(meta, self.ctx, "select")
        )
        where = query.Where()
        where.add(perm_sql, perm_params)
        sql, params = query.compile_filters(meta, filters, self.site.metas.get, self.readable)
        if sql:
            where.add(sql, params)
        title = meta.title_field

        def shown(fieldname: str) -> bool:
            # `select` exists to pick records: the permlevel-0 title and search fields come with it
            f = meta.get_field(fieldname)
            return self.readable(meta, fieldname) or (f is not None and f.permlevel == 0 and not f.sensitive)

        search_cols = ["name"] + [
            c for c in [title, *meta.doctype.search_fields] if c and c in meta.column_set
        ]
        search_cols = [c for c in dict.fromkeys(search_cols) if shown(c)]
        title_sql = query.quote(title) if title and shown(title) else "NULL"
        found = None
        if txt:  # typed pinyin (zxy, zhangxiaoyan) on a DocType with Chinese title/search fields
            found = pinyin_search.link_matches(
                self.site,
                meta,
                txt,
                search_cols,
                where.sql,
                where.params,
                title_sql,
                page_length,
                pinyin_search.scopes_of(self, meta, "select"),  # a clerk walks her village's keys
            )
            # a full page, or a table too large to scan: the key index alone answers
            if found is not None and (len(found) >= page_length or not pinyin_search.small(self.site, meta)):
                return found
            like = f"%{txt}%"
            where.add(" OR ".join(f"{query.quote(c)} LIKE ?" for c in search_cols), [like] * len(search_cols))
        rows = self.site.db.fetchall(
            f"SELECT name, {title_sql} AS title FROM {meta.table} WHERE {where.sql} "
            f"ORDER BY {query.compile_order_by(meta, None)} LIMIT ?",
            (*where.params, int(page_length)),
        )
        matched = [{"value": r["name"], "description": r["title"] or ""} for r in rows]
        if found:  # pinyin matches first, then the substring matches not already listed
            seen = {r["value"] for r in found}
            matched = (found + [r for r in matched if r["value"] not in seen])[: int(page_length)]
        return matched

    def versions(self, doctype: str, name: str) -> list[dict]:
        """The Version history of a document the user may read, oldest first."""
        meta = self.meta(doctype)
        self.require_doctype(meta, "read", name)
        self.require_record(meta, "read", name)
        history = versions.history(self.site.db, meta.name, name)
        levels = None if self.ignore_permissions else self.site.perms.readable_levels(meta, self.ctx)
        if levels is not None:
            seen: list[str] = []  # sensitive fields shown in full: audited like a `get`
            for entry in history:
                self._mask_changes(meta, levels, entry["data"].get("changed", []), seen)
                for kind in ("added", "removed"):  # [table_field, row]: the row as the reader sees it
                    for change in entry["data"].get(kind, []):
                        child = self._child_meta(meta, change[0])
                        if child is not None and isinstance(change[1], dict):
                            change[1] = self.present(child, change[1], seen)
                for change in entry["data"].get("row_changed", []):  # [table_field, idx, name, changes]
                    child = self._child_meta(meta, change[0])
                    if child is not None:
                        self._mask_changes(child, levels, change[3], seen)
            self._audit_sensitive(meta.name, [name], seen)
        return history

    def _child_meta(self, meta: Meta, table_field: str) -> Meta | None:
        f = meta.get_field(table_field)
        if f is None or not f.options or not self.site.metas.exists(f.options):
            return None
        return self.site.metas.get(f.options)

    @staticmethod
    def _mask_changes(meta: Meta, levels: set[int], changes: list, seen: list[str]) -> None:
        """[field, old, new] diffs with fields at unreadable levels masked or emptied, in place;
        sensitive fields left in full are noted in `seen`."""
        for change in changes:
            f = meta.get_field(change[0])
            if f is not None and f.permlevel not in levels:
                change[1] = mask(change[1], f.mask) if f.sensitive else None
                change[2] = mask(change[2], f.mask) if f.sensitive else None
            elif (
                f is not None and f.sensitive and (change[1] not in (None, "") or change[2] not in (None, ""))
            ):
                seen.append(f.fieldname)
