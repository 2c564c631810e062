"""The write paths of a Session: insert, save, submit, cancel, amend, delete, db_set.

Each runs in one transaction (`site.db.transaction()`; nested inside an open one it is a
SAVEPOINT), is answered once durable (`@durable`: through the site's group committer when it is
on), and follows Frappe's order: permission -> optimistic lock (`modified` must be the one the
client read, else TimestampMismatchError and nothing changes) -> merge the client's
values into the stored document (fields at permlevels the user may not write keep their stored
value, as Frappe's `reset_values_if_no_permlevel_access`; a masked value sent back keeps the
original) -> docstatus rules -> hooks and validation -> row + child rows -> Version diff ->
audit row -> after-hooks.

Docstatus (Frappe): 0 Draft, 1 Submitted, 2 Cancelled. save keeps it; submit 0->1; cancel 1->2;
amend copies a cancelled document into a new draft NAME-1 with `amended_from`. A submitted
document changes only `allow_on_submit` fields (else UpdateAfterSubmitError); a cancelled one
not at all; submitted documents cannot be deleted.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from townflow.rules.masking import looks_masked
from townflow.rules.system_fields import system_fields
from townflow.runtime import doc_values, naming, pinyin_search, store, versions
from townflow.runtime.admin_guard import refuse_unless_administrator
from townflow.runtime.db import quote
from townflow.runtime.durable import durable
from townflow.runtime.errors import (
    DocstatusTransitionError,
    DuplicateEntryError,
    FieldMessage,
    LinkExistsError,
    PermissionError,
    TimestampMismatchError,
    ValidationError,
)
from townflow.runtime.meta import Meta
from townflow.runtime.validation import Validator


def docstatus_of(doc: dict, default: int) -> int:
    """The docstatus a client sent (0, 1 or 2; `default` when absent), or a ValidationError naming
    the field: never a 500 for "x" or a list."""
    value = doc.get("docstatus")
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        value = "?"
    try:
        number = int(value)
    except (ValueError, OverflowError):
        number = -1
    if number not in (0, 1, 2) or (isinstance(value, float) and value != number):
        raise ValidationError.from_messages(
            [FieldMessage("docstatus", "docstatus 应为 0、1 或 2", "docstatus must be 0, 1 or 2")]
        )
    return number


_STANDARD = {"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx", "doctype"}
_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"


class WriteMixin:
    # -- public API ------------------------------------------------------------------------

    @durable
    def insert(self, doc: dict) -> dict:
        """Create a document (Frappe's `doc.insert()`); docstatus 1 in `doc` submits it too."""
        meta = self._doc_meta(doc)
        if meta.istable:
            raise PermissionError(
                f"{meta.name} rows are saved with their parent", f"{meta.name} 随上级单据保存"
            )
        if meta.issingle:
            current = store.load_single(self.site.db, meta)
            return self.save({**doc, "modified": current.get("modified")}, check_modified=False)
        if docstatus_of(doc, 0) == 1:  # inserting submitted needs the submit right too
            self.require_doctype(meta, "submit")
        with self.site.db.transaction():
            new = self._insert(meta, doc)
            if docstatus_of(doc, 0) == 1:
                new = self._submit(meta, new, {**new})
            return self.present_written(meta, new)

    @durable
    def save(self, doc: dict, *, check_modified: bool = True) -> dict:
        """Update a document (Frappe's `doc.save()`); `doc["modified"]` must be the one read."""
        meta = self._doc_meta(doc)
        with self.site.db.transaction():
            old = self._load_for_write(meta, doc, "write", check_modified)
            if docstatus_of(doc, old["docstatus"]) != old["docstatus"]:
                raise DocstatusTransitionError(
                    "docstatus changes only by submit or cancel", "单据状态只能通过提交或取消改变"
                )
            if old["docstatus"] == 2:
                raise ValidationError("a cancelled document cannot be changed", "已取消的单据不能修改")
            new = self._merge(meta, old, doc)
            self._write(meta, new, old, "on_update", ("validate", "before_save"))
            return self.present_written(meta, new)

    @durable
    def submit(self, doc: dict, *, check_modified: bool = True) -> dict:
        """Submit a draft (0 -> 1), saving any changes given with it."""
        meta = self._doc_meta(doc)
        self._require_submittable(meta)
        with self.site.db.transaction():
            old = self._load_for_write(meta, doc, "submit", check_modified)
            new = self._submit(meta, self._merge(meta, old, doc), old)
            return self.present_written(meta, new)

    @durable
    def cancel(self, doctype: str, name: str, modified: str | None = None) -> dict:
        """Cancel a submitted document (1 -> 2). Refused while submitted documents link to it."""
        meta = self.meta(doctype)
        self._require_submittable(meta)
        with self.site.db.transaction():
            ref = {"doctype": doctype, "name": name, "modified": modified}
            old = self._load_for_write(meta, ref, "cancel", modified is not None)
            if old["docstatus"] != 1:
                raise DocstatusTransitionError(
                    "only a submitted document can be cancelled", "只有已提交的单据可以取消"
                )
            self._check_no_links(meta, name, docstatus=(1,))
            new = copy.deepcopy(old)
            new["docstatus"] = 2
            self._write(meta, new, old, "on_cancel", ("before_cancel",), validate=False)
            return self.present_written(meta, new)

    @durable
    def amend(self, doctype: str, name: str) -> dict:
        """A new draft copied from a cancelled document: NAME-1, `amended_from` = NAME."""
        meta = self.meta(doctype)
        self._require_submittable(meta)
        with self.site.db.transaction():
            self.require_doctype(meta, "amend", name)
            self.require_record(meta, "amend", name)
            old = store.load(self.site.db, self.site.metas, meta, name)
            if old["docstatus"] != 2:
                raise DocstatusTransitionError(
                    "only a cancelled document can be amended", "只有已取消的单据可以修订"
                )
            draft = doc_values.copy_for_amend(self.site.metas, meta, old)
            draft["name"] = naming.amended_name(name, old.get("amended_from"))
            new = self._insert(meta, draft, preset_name=True)
            return self.present_written(meta, new)

    @durable
    def delete(self, doctype: str, name: str) -> None:
        """Delete a draft or cancelled document (Frappe's `frappe.delete_doc`)."""
        meta = self.meta(doctype)
        if meta.issingle or meta.istable:
            raise PermissionError(f"{doctype} records cannot be deleted", f"{doctype} 不能删除")
        with self.site.db.transaction():
            self.require_doctype(meta, "delete", name)
            self.require_record(meta, "delete", name)
            old = store.load(self.site.db, self.site.metas, meta, name)
            if old["docstatus"] == 1:
                raise ValidationError(
                    "a submitted document cannot be deleted; cancel it first",
                    "已提交的单据不能删除，请先取消",
                )
            self._check_no_links(meta, name, docstatus=(0, 1))
            self.site.hooks.run("on_trash", meta.name, old, None, self)
            store.delete(self.site.db, self.site.metas, meta, name)
            self.site.audit.record("delete", self.user, meta.name, name)
            self.site.after_write(meta.name)

    @durable
    def db_set(self, doctype: str, name: str, values: dict, *, modified: str | None = None) -> dict:
        """Set fields directly, without hooks or full validation (Frappe's `doc.db_set`), but
        with the permission check, type coercion, a Version diff, the audit row, and the
        optimistic lock when `modified` is given. Returns the stored document."""
        meta = self.meta(doctype)
        with self.site.db.transaction():
            ref = {"doctype": doctype, "name": name, "modified": modified}
            old = self._load_for_write(meta, ref, "write", modified is not None)
            refuse_unless_administrator(self, meta.name, name)  # db_set runs no hooks
            unknown = [k for k in values if k not in meta.column_set or k in _STANDARD]
            if unknown:
                raise ValidationError(f"cannot set {', '.join(unknown)}", f"不能设置 {', '.join(unknown)}")
            new = dict(old)  # only scalar fields change: a shallow copy keeps `old` intact
            new.update(values)
            validator = Validator(self.site, self)
            validator.coerce_doc(meta, new, only=values.keys())
            validator.errors.raise_if_any()
            self._stamp(new, old)
            store.update_row(
                self.site.db, meta, {k: new[k] for k in (*values, "name", "modified", "modified_by")}
            )
            pinyin_search.refresh(self.site, meta, new, old)  # db_set runs no hooks: keep the keys
            self._record_change(meta, old, new, "update")
        return new

    # -- internals -------------------------------------------------------------------------

    def _doc_meta(self, doc: dict) -> Meta:
        if not isinstance(doc, dict) or not doc.get("doctype"):
            raise ValidationError("the document needs a doctype", "单据缺少 doctype")
        return self.meta(doc["doctype"])

    def _require_submittable(self, meta: Meta) -> None:
        if not meta.doctype.is_submittable:
            raise ValidationError(f"{meta.name} is not submittable", f"{meta.name} 不可提交")

    def _now(self, after: str | None = None) -> str:
        now = self.site.now()
        stamp = now.strftime(_TIMESTAMP)
        if after and stamp <= after:  # the clock did not move: keep `modified` strictly increasing
            from datetime import datetime

            stamp = (datetime.strptime(after, _TIMESTAMP) + timedelta(microseconds=1)).strftime(_TIMESTAMP)
        return stamp

    def _stamp(self, new: dict, old: dict | None) -> None:
        new["modified"] = self._now(old.get("modified") if old else None)
        new["modified_by"] = self.user

    def _load_for_write(self, meta: Meta, doc: dict, ptype: str, check_modified: bool) -> dict:
        name = meta.name if meta.issingle else doc.get("name")
        if not name:
            raise ValidationError("the document needs a name", "单据缺少名称")
        self.require_doctype(meta, ptype, name)
        self.require_record(meta, ptype, name)
        old = store.load(self.site.db, self.site.metas, meta, name)
        if check_modified:
            sent = doc.get("modified")
            if sent is None and not meta.issingle:
                raise ValidationError(
                    "modified is required: send the timestamp of the version you read",
                    "缺少 modified：请提交读取时的修改时间",
                )
            if sent is not None and str(sent) != str(old.get("modified")):
                raise TimestampMismatchError(
                    f"Document has been modified after you have opened it ({sent}, {old.get('modified')}). "
                    "Please refresh to get the latest document.",
                    "单据在您打开后已被他人修改，请刷新后重试",
                )
        return old

    def _writable(self, meta: Meta) -> set[int] | None:
        if self.ignore_permissions:
            return None
        return self.site.perms.writable_levels(meta, self.ctx)

    def _system_filled(self, meta: Meta) -> set[str]:
        """The `read_only` fields a user's values may not set: the workflow, its campaign effects
        and fetch_from fill them (a department routed to, a certificate serial and validity, a
        birth-quota status). The workflow state field is left to the workflow guard, which refuses
        a change loudly; the engine's own writes (`in_workflow`), system sessions and the
        Administrator set them all."""
        if self.ignore_permissions or self.ctx.is_administrator or getattr(self, "in_workflow", False):
            return set()
        workflow = self.site.project.workflow_for(meta.name) if self.site.project else None
        rule = system_fields(meta.doctype, workflow)  # the rule the Frappe app applies too
        return set(rule.set_by_system | rule.fetched)

    def _merge(self, meta: Meta, old: dict, incoming: dict) -> dict:
        """The stored document with the client's values laid over it (see module docstring)."""
        new = copy.deepcopy(old)
        levels = self._writable(meta)
        system_fields = self._system_filled(meta)
        for f in meta.value_fields:
            if f.fieldname not in incoming or f.fieldname == "amended_from":
                continue
            if levels is not None and f.permlevel not in levels:
                continue
            if f.fieldname in system_fields:
                continue
            value = incoming[f.fieldname]
            if f.sensitive and looks_masked(value, old.get(f.fieldname), f.mask):
                continue
            new[f.fieldname] = value
        for tf in meta.table_fields:
            if tf.fieldname not in incoming or (levels is not None and tf.permlevel not in levels):
                continue
            child = self.site.metas.get(tf.options)
            old_rows = {r["name"]: r for r in old.get(tf.fieldname) or []}
            rows = []
            for row in incoming[tf.fieldname] or []:
                base = copy.deepcopy(old_rows.get(row.get("name"))) if row.get("name") in old_rows else None
                rows.append(self._merge(child, base, row) if base else self._new_row(child, row))
            new[tf.fieldname] = rows
        return new

    def _new_row(self, meta: Meta, incoming: dict) -> dict:
        row = self._defaults(meta)
        merged = self._merge(meta, row, incoming)
        merged["name"] = naming.generate_hash()
        return merged

    def _defaults(self, meta: Meta) -> dict:
        doc: dict = {"doctype": meta.name}
        for f in meta.value_fields:
            default = f.default
            if default is None and f.fieldtype == "Check":
                default = 0
            if isinstance(default, str) and default.lower() == "today":
                default = self.site.now().date().isoformat()
            elif isinstance(default, str) and default.lower() == "now":
                default = self.site.now().strftime("%Y-%m-%d %H:%M:%S")
            elif isinstance(default, str) and default == "__user":
                default = self.user
            doc[f.fieldname] = default
        for tf in meta.table_fields:
            doc[tf.fieldname] = []
        return doc

    def _insert(self, meta: Meta, incoming: dict, *, preset_name: bool = False) -> dict:
        self.require_doctype(meta, "create")
        new = self._merge(meta, self._defaults(meta), incoming)
        if preset_name:
            new["amended_from"] = incoming.get("amended_from")
        now = self._now()
        new.update(owner=self.user, creation=now, modified=now, modified_by=self.user, docstatus=0, idx=0)
        self.site.hooks.run("before_insert", meta.name, new, None, self)
        validator = Validator(self.site, self)
        validator.coerce_doc(meta, new)
        validator.fetch_from(meta, new)
        if validator.errors.messages:  # report the wrong types together with everything else
            self._validate(meta, new, validator, coerced=True)
        if preset_name:
            new["name"] = incoming["name"]
        else:
            new["name"] = naming.make_name(self.site.db, meta, {**incoming, **new}, self.site.now())
        if store.exists(self.site.db, meta, new["name"]):
            raise DuplicateEntryError(
                f"{meta.name} {new['name']} already exists", f"{meta.name} {new['name']} 已存在"
            )
        self._validate(meta, new, validator, coerced=True)
        self.site.hooks.run("validate", meta.name, new, None, self)
        self.site.hooks.run("before_save", meta.name, new, None, self)
        if not self.ignore_permissions and not self.site.perms.doc_allowed(
            self.site.db, meta, self.ctx, "create", new
        ):
            self.site.audit.record_denial(self.user, meta.name, new["name"], "create")
            raise PermissionError(
                f"No permission to create this {meta.name}", f"无权在此范围创建{meta.doctype.label.zh}"
            )
        passwords = doc_values.pop_passwords(meta, new)
        store.insert_row(self.site.db, meta, new)
        store.replace_children(self.site.db, self.site.metas, meta, new, None)
        self.site.set_passwords(meta.name, new["name"], passwords)
        self.site.audit.record("insert", self.user, meta.name, new["name"])
        self.site.hooks.run("after_insert", meta.name, new, None, self)
        self.site.hooks.run("on_update", meta.name, new, None, self)
        self.site.after_write(meta.name)
        return new

    def _submit(self, meta: Meta, new: dict, old: dict) -> dict:
        if old["docstatus"] != 0:
            raise DocstatusTransitionError("only a draft can be submitted", "只有草稿可以提交")
        new["docstatus"] = 1
        self._write(meta, new, old, "on_submit", ("validate", "before_submit"), action="submit")
        return new

    def _validate(
        self, meta: Meta, new: dict, validator: Validator | None = None, *, coerced=False, old=None
    ) -> None:
        validator = validator or Validator(self.site, self, old)
        if not coerced:
            validator.coerce_doc(meta, new)
            validator.fetch_from(meta, new)
        validator.check_doc(meta, new)
        validator.check_rules(meta, new, validator.drop_refused_dependents(meta, new))
        validator.errors.raise_if_any()

    def _write(self, meta, new, old, after_event, before_events, *, validate=True, action=None) -> None:
        if old["docstatus"] == 1 and new["docstatus"] == 1:
            doc_values.check_allow_on_submit(self.site.metas, meta, old, new)
        if validate:
            self._validate(meta, new, old=old)
        for event in before_events:
            self.site.hooks.run(event, meta.name, new, old, self)
        checks_scope = validate and not self.ignore_permissions and not meta.issingle
        if checks_scope and not self.site.perms.doc_allowed(self.site.db, meta, self.ctx, "write", new):
            self.site.audit.record_denial(self.user, meta.name, new["name"], "write")
            raise PermissionError("the new values are outside your scope", "修改后的内容超出您的权限范围")
        self._stamp(new, old)
        if meta.issingle and not new.get("creation"):
            new.update(owner=self.user, creation=new["modified"])
        passwords = doc_values.pop_passwords(meta, new)
        if meta.issingle:
            store.write_single(self.site.db, meta, new)
        else:
            store.update_row(self.site.db, meta, new, old)
            store.replace_children(self.site.db, self.site.metas, meta, new, old)
        self.site.set_passwords(meta.name, new["name"], passwords)
        self._record_change(
            meta, old, new, action or {1: "submit", 2: "cancel"}.get(new["docstatus"], "update")
        )
        self.site.hooks.run(after_event, meta.name, new, old, self)

    def _record_change(self, meta: Meta, old: dict, new: dict, action: str) -> None:
        data = versions.diff(self.site.metas, meta, old, new)
        if meta.doctype.track_changes and versions.has_changes(data):
            versions.record(
                self.site.db, self.site.metas, meta.name, new["name"], data, self.user, new["modified"]
            )
        changed = [c[0] for c in data["changed"]] + sorted(
            {r[0] for k in ("added", "removed", "row_changed") for r in data[k]}
        )
        self.site.audit.record(
            action, self.user, meta.name, new["name"], {"fields": changed} if changed else None
        )
        self.site.after_write(meta.name)

    def _check_no_links(self, meta: Meta, name: str, docstatus: tuple[int, ...]) -> None:
        """Refuse when another document (in `docstatus`) links to `name` (Frappe's back-link check)."""
        marks = ", ".join("?" * len(docstatus))
        for other in self.site.metas.all():
            for f in other.link_fields_to(meta.name):
                if f.fieldname == "amended_from" or other.issingle:
                    continue
                row = self.site.db.fetchone(
                    f"SELECT name, {'parent' if other.istable else 'name'} AS owner_doc FROM {other.table} "
                    f"WHERE {quote(f.fieldname)} = ? AND docstatus IN ({marks}) LIMIT 1",
                    (name, *docstatus),
                )
                if row is not None:
                    raise LinkExistsError(
                        f"{meta.name} {name} is linked with {other.name} {row['owner_doc']}",
                        f"{name} 仍被 {other.name} {row['owner_doc']} 引用",
                    )
