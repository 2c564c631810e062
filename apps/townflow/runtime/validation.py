"""Validating a document against its effective meta, reporting every offending field at once.

Order (Frappe's `_validate` family, gathered into one pass): coerce types; fill fetch_from;
mandatory and mandatory_depends_on; Select options; Links exist and are visible to the user;
unique; length; min/max and non_negative; regex; named validators (townflow.rules.validators);
the DocType's `rules`. Child rows are checked with their own meta and named
`<table>[<idx>].<field>`: a row's depends_on / mandatory_depends_on and its DocType's `rules` read
the row as `doc` and the document it belongs to as `parent`, as Frappe's forms evaluate them; a
stored row's field whose `read_only_depends_on` held may not change (townflow.rules.read_only).
Nothing stops at the first problem: the ValidationError lists them all.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from townflow.expr import ExprError
from townflow.rules import read_only, validators
from townflow.rules.derived import derived_values
from townflow.rules.messages import fill_message
from townflow.runtime import expressions
from townflow.runtime.db import quote
from townflow.runtime.errors import ErrorCollector, LinkValidationError, MandatoryError, ValidationError
from townflow.runtime.meta import Meta
from townflow.runtime.system_doctypes import SYSTEM_DOCTYPES
from townflow.spec.models import TEXT_TYPES, DocField

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$")
_DEFAULT_DATA_LENGTH = 140  # Frappe's varchar(140)


class UniqueValidationError(ValidationError):
    exc_type = "UniqueValidationError"


def label(f: DocField) -> tuple[str, str]:
    return (f.label.en, f.label.zh) if f.label else (f.fieldname, f.fieldname)


class _Bad(ValueError):
    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


def coerce(f: DocField, value):
    """The stored form of `value` for field `f`, or raise _Bad with a bilingual message."""
    t = f.fieldtype
    if value is None:
        return None
    if value == "" and t not in TEXT_TYPES:
        return None
    if t in ("Int", "Check"):
        if isinstance(value, bool):
            return int(value)
        if t == "Check" and isinstance(value, str) and value.lower() in ("true", "false"):
            return int(value.lower() == "true")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _Bad("must be a whole number", "应为整数") from None
        if number != int(number):
            raise _Bad("must be a whole number", "应为整数")
        number = int(number)
        if not -(2**63) <= number <= 2**63 - 1:
            raise _Bad("is too large", "数值过大")
        if t == "Check" and number not in (0, 1):
            raise _Bad("must be 0 or 1", "应为 0 或 1")
        return number
    if t in ("Float", "Currency", "Percent", "Rating", "Duration"):
        if isinstance(value, bool):
            raise _Bad("must be a number", "应为数字")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _Bad("must be a number", "应为数字") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise _Bad("must be a number", "应为数字")
        return round(number, f.precision) if f.precision is not None else number
    if t == "Date":
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        m = _DATE.match(str(value).strip()[:10]) if isinstance(value, str) else None
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat() if m else _fail_date()
        except ValueError:
            raise _Bad("must be a date (YYYY-MM-DD)", "应为日期（YYYY-MM-DD）") from None
    if t == "Datetime":
        if isinstance(value, datetime):
            return (
                value.strftime("%Y-%m-%d %H:%M:%S.%f")
                if value.microsecond
                else value.strftime("%Y-%m-%d %H:%M:%S")
            )
        m = _DATETIME.match(str(value).strip())
        if not m:
            raise _Bad("must be a date and time (YYYY-MM-DD HH:MM:SS)", "应为日期时间（YYYY-MM-DD HH:MM:SS）")
        try:
            parsed = datetime.fromisoformat(f"{m.group(1)} {m.group(2)}:{m.group(3)}:{m.group(4) or '00'}")
        except ValueError:
            raise _Bad(
                "must be a date and time (YYYY-MM-DD HH:MM:SS)", "应为日期时间（YYYY-MM-DD HH:MM:SS）"
            ) from None
        return parsed.strftime("%Y-%m-%d %H:%M:%S") + (m.group(5) or "")
    if t == "Time":
        m = _TIME.match(str(value).strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59 or int(m.group(3) or 0) > 59:
            raise _Bad("must be a time (HH:MM:SS)", "应为时间（HH:MM:SS）")
        return f"{int(m.group(1)):02d}:{m.group(2)}:{m.group(3) or '00'}"
    if t == "JSON" and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, (dict, list)):
        raise _Bad("must be text", "应为文本")
    return str(value)


def _fail_date():
    raise ValueError("not a date")


def is_empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, list) and not value)


class Validator:
    """Validates one document (and its child rows) as a given user, inside the write transaction."""

    def __init__(self, site, session, old: dict | None = None):
        self.site = site
        self.session = session
        #: the stored document before this write: a Link left unchanged is checked for existence
        #: only, so an approver may save a record whose links they could not have chosen themselves
        self.old = old
        self.errors = ErrorCollector()
        self._evaluators: dict[int, expressions.Evaluator] = {}
        #: Links refused as unreadable (`person`, `items[2].person`): nothing that depends on them
        #: runs or is reported, so the answer says no more than "no such Person" (issue 12, H1)
        self.refused: set[str] = set()

    def evaluate(self, source: str, doc: dict, parent: dict | None = None):
        """`source` evaluated for `doc` (a child row: `parent` is its document), reusing the names
        built for that document."""
        evaluator = self._evaluators.get(id(doc))
        if evaluator is None:
            evaluator = self._evaluators[id(doc)] = expressions.Evaluator(
                self.site, self.session.ctx, doc, parent=parent
            )
        return evaluator(source)

    def add(self, where: str, f: DocField, en: str, zh: str, kind=ValidationError) -> None:
        en_label, zh_label = label(f)
        self.errors.add(where, f"{en_label} {en}", f"{zh_label}{zh}", kind=kind)

    # -- the passes ------------------------------------------------------------------------

    def coerce_doc(self, meta: Meta, doc: dict, prefix: str = "", only=None) -> None:
        """Coerce every value (or the fields in `only`) to its stored type, noting failures."""
        for f in meta.value_fields:
            if (
                f.fieldname not in doc
                or f.fieldtype == "Password"
                or (only is not None and f.fieldname not in only)
            ):
                continue
            try:
                doc[f.fieldname] = coerce(f, doc[f.fieldname])
            except _Bad as bad:
                self.add(prefix + f.fieldname, f, bad.en, bad.zh)
        for tf in meta.table_fields if only is None else ():
            for i, row in enumerate(doc.get(tf.fieldname) or [], start=1):
                self.coerce_doc(self.site.metas.get(tf.options), row, f"{tf.fieldname}[{i}].")
        if not prefix and only is None:  # flags that follow from other fields (计生女孩户), before any check
            for field, value in derived_values(meta.name, doc).items():
                if meta.get_field(field) is not None:
                    doc[field] = value

    def fetch_from(self, meta: Meta, doc: dict, *, child: bool = False) -> None:
        """Fill `fetch_from: link.field` values from the linked record. No field permission is
        needed, but the record must be one the user may select (or a link left unchanged): else
        the values fetched from another village's record would tell her that it exists."""
        for f in meta.value_fields:
            if not f.fetch_from or "." not in f.fetch_from:
                continue
            if f.fetch_if_empty and not is_empty(doc.get(f.fieldname)):
                continue
            link_field, source_field = f.fetch_from.split(".", 1)
            link = meta.get_field(link_field)
            link_value = doc.get(link_field)
            if link is None or link.fieldtype != "Link" or is_empty(link_value):
                continue
            target = self.site.metas.get(link.options)
            if source_field not in target.column_set:
                continue
            unchanged = not child and self.old is not None and self.old.get(link_field) == link_value
            if not unchanged and not self._may_fetch(target, link_value):
                continue
            row = self.site.db.fetchone(
                f"SELECT {quote(source_field)} FROM {target.table} WHERE name = ?", (link_value,)
            )
            if row is not None:
                doc[f.fieldname] = row[0]
        for tf in meta.table_fields:
            child = self.site.metas.get(tf.options)
            for row in doc.get(tf.fieldname) or []:
                self.fetch_from(child, row, child=True)

    def _may_fetch(self, target: Meta, value) -> bool:
        if target.issingle or target.name in SYSTEM_DOCTYPES:
            return True
        return self.session.can_see(target, str(value), "select")

    def check_doc(
        self, meta: Meta, doc: dict, prefix: str = "", parent: dict | None = None, old: dict | None = None
    ) -> None:
        old = self.old if old is None and not prefix else old
        for f in meta.value_fields:
            where = prefix + f.fieldname
            if where in self.errors.fields:
                continue  # already reported as the wrong type
            value = doc.get(f.fieldname)
            if is_empty(value):
                if f.reqd or self._depends(f.mandatory_depends_on, doc, parent):
                    self.add(where, f, "is mandatory", " 为必填项", MandatoryError)
                continue
            unchanged = old is not None and old.get(f.fieldname) == value
            self._check_value(meta, doc, f, value, where, unchanged)
        if prefix:
            self._check_read_only(meta, doc, prefix, old)
        for tf in meta.table_fields:
            rows = doc.get(tf.fieldname) or []
            if tf.reqd and not rows:
                self.add(tf.fieldname, tf, "needs at least one row", " 至少需要一行", MandatoryError)
            child = self.site.metas.get(tf.options)
            old_rows = {r.get("name"): r for r in (old or {}).get(tf.fieldname) or []}
            for i, row in enumerate(rows, start=1):
                self.check_doc(
                    child, row, f"{tf.fieldname}[{i}].", parent=doc, old=old_rows.get(row.get("name"))
                )

    def _check_read_only(self, meta: Meta, row: dict, prefix: str, stored: dict | None) -> None:
        """A child row's field whose `read_only_depends_on` held for the stored row (its stored
        document as `parent`) may not change: the form showed it read-only (rules.read_only)."""
        if stored is None or self.session.ignore_permissions or self.session.ctx.is_administrator:
            return
        if getattr(self.session, "in_workflow", False):
            return
        holds = lambda source: self._depends(source, stored, self.old)  # noqa: E731
        for f in read_only.locked_changes(meta.value_fields, stored, row, holds):
            where = prefix + f.fieldname
            if where not in self.errors.fields:
                self.add(where, f, "is read-only and cannot be changed", " 为只读，不能修改")

    def _depends(self, source: str | None, doc: dict, parent: dict | None = None) -> bool:
        if not source:
            return False
        try:
            return bool(self.evaluate(source, doc, parent))
        except ExprError:
            return False

    def _check_value(self, meta: Meta, doc: dict, f: DocField, value, where: str, unchanged: bool) -> None:
        t = f.fieldtype
        if t == "Select" and f.choices and value not in {c.value for c in f.choices}:
            allowed = ", ".join(c.value for c in f.choices)
            self.add(where, f, f"must be one of {allowed}", f" 应为以下之一：{allowed}")
        if t == "Link" and f.options:
            self._check_link(f, value, where, existence_only=unchanged)
        if f.validator:
            value = validators.normalize(f.validator, str(value))
            doc[f.fieldname] = value
            problem = validators.check(f.validator, value)
            if problem:
                self.add(where, f, problem[0], " " + problem[1])
        if t in TEXT_TYPES or t == "Data":
            limit = f.length or (_DEFAULT_DATA_LENGTH if t == "Data" else 0)
            if limit and len(str(value)) > limit:
                self.add(where, f, f"is longer than {limit} characters", f" 超过 {limit} 个字符")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if f.non_negative and value < 0:
                self.add(where, f, "cannot be negative", " 不能为负数")
            if f.min_value is not None and value < f.min_value:
                self.add(where, f, f"must be at least {f.min_value:g}", f" 不能小于 {f.min_value:g}")
            if f.max_value is not None and value > f.max_value:
                self.add(where, f, f"must be at most {f.max_value:g}", f" 不能大于 {f.max_value:g}")
        if f.regex and isinstance(value, str) and not re.fullmatch(f.regex, value):
            self.add(where, f, "has the wrong format", " 格式不正确")
        if f.unique and not meta.istable:
            clash = self.site.db.fetchone(
                f"SELECT name FROM {meta.table} WHERE {quote(f.fieldname)} = ? AND name != ? LIMIT 1",
                (value, doc.get("name") or ""),
            )
            if clash is not None and self._may_read_clash(meta, clash[0]):
                en, zh = self._clash_named(meta, clash[0])
                self.add(
                    where,
                    f,
                    f"must be unique: the value is already used{en}",
                    f" 已被使用{zh}，不能重复",
                    UniqueValidationError,
                )
            elif clash is not None:
                # Another scope's record: refused (the value stays unique), but in words that do
                # not confirm it is registered; the township sees the attempt in the audit log.
                self.site.audit.record_kept(
                    "unique_probe", self.session.user, meta.name, None, {"field": f.fieldname}
                )
                self.add(
                    where,
                    f,
                    "cannot be registered here: ask the township office to check it",
                    " 不能在此登记，请联系街道办核查",
                )

    def _may_read_clash(self, meta: Meta, name: str) -> bool:
        if meta.name in SYSTEM_DOCTYPES:
            return True
        return self.session.can_see(meta, name, "read")

    def _clash_named(self, meta: Meta, name: str) -> tuple[str, str]:
        """The record a duplicate value clashes with, for a user who may read it (the caller
        checks `_may_read_clash`): its name and title, so the clerk can open it."""
        title = None
        if meta.title_field and meta.get_field(meta.title_field) is not None:
            title = self.site.db.scalar(
                f"SELECT {quote(meta.title_field)} FROM {meta.table} WHERE name = ?", (name,)
            )
        shown = f"{name}（{title}）" if title else name
        return f" by {name}" + (f" ({title})" if title else ""), f"（{shown}）"

    def _check_link(self, f: DocField, value, where: str, *, existence_only: bool = False) -> None:
        if not self.site.metas.exists(f.options):
            return
        target = self.site.metas.get(f.options)
        if target.issingle:
            return
        if f.options in SYSTEM_DOCTYPES or existence_only:
            # Users and roles are looked up, not browsed: existence is enough (as in Frappe).
            visible = (
                self.site.db.fetchone(f"SELECT 1 FROM {target.table} WHERE name = ?", (value,)) is not None
            )
        else:
            visible = self.session.can_see(target, str(value), "select")
        if not visible:
            self.refused.add(where)
            self.add(where, f, f"{value}: no such {f.options}", f"：{value} 不存在", LinkValidationError)
        elif target.doctype.is_submittable and not existence_only and f.fieldname != "amended_from":
            status = self.site.db.scalar(f"SELECT docstatus FROM {target.table} WHERE name = ?", (value,))
            if status == 2:  # Frappe's CancelledLinkError
                self.add(
                    where, f, f"{value} is cancelled", f"：{value} 已取消，不能引用", LinkValidationError
                )

    def dependents_of_refused(self, meta: Meta, doc: dict, prefix: str = "") -> set[str]:
        """The fields (as `where` names) whose value comes from a refused Link, directly or through
        a chain of fetch_from: they stayed empty because the record was not read, and a message
        about them would say more than that the link was refused."""
        refused = {
            w[len(prefix) :] for w in self.refused if w.startswith(prefix) and "[" not in w[len(prefix) :]
        }
        tainted: set[str] = set()
        grew = bool(refused)
        while grew:
            grew = False
            for f in meta.value_fields:
                source = (f.fetch_from or "").split(".", 1)[0]
                if f.fieldname not in tainted and (source in refused or source in tainted):
                    tainted.add(f.fieldname)
                    grew = True
        found = {prefix + name for name in tainted - refused}
        for tf in meta.table_fields if not prefix else ():
            child = self.site.metas.get(tf.options)
            for i, _row in enumerate(doc.get(tf.fieldname) or [], start=1):
                found |= self.dependents_of_refused(child, _row, f"{tf.fieldname}[{i}].")
        return found

    def drop_refused_dependents(self, meta: Meta, doc: dict) -> set[str]:
        """Forget the messages about fields filled from a refused Link; the fields refused or
        depending on one (top level), for `check_rules` to skip the rules that read them."""
        if not self.refused:
            return set()
        dependent = self.dependents_of_refused(meta, doc)
        self.errors.messages[:] = [m for m in self.errors.messages if m.field not in dependent]
        return {w for w in self.refused | dependent if "[" not in w}

    def check_rules(self, meta: Meta, doc: dict, skip_fields: set[str] = frozenset()) -> None:
        """The DocType's rules, then each child row's DocType rules (the row as `doc`, this
        document as `parent`), the row's problems named `<table>[<idx>].<field>`. A rule reading a
        field in `skip_fields` (a refused Link or a value fetched from one) does not run: it would
        read a record the user may not see; nor do child rules while the document has one."""
        self._check_rules(meta, doc, None, "", ("", ""), skip_fields)
        for tf in meta.table_fields:
            child = self.site.metas.get(tf.options)
            if not child.doctype.rules or skip_fields:
                continue
            table_en, table_zh = label(tf)
            for i, row in enumerate(doc.get(tf.fieldname) or [], start=1):
                prefix = f"{tf.fieldname}[{i}]."
                row_skip = {w[len(prefix) :] for w in self.refused if w.startswith(prefix)}
                where = (f"{table_en} row {i}: ", f"{table_zh}第{i}行：")
                self._check_rules(child, row, doc, prefix, where, row_skip)

    def _check_rules(
        self, meta: Meta, doc: dict, parent: dict | None, prefix: str, where, skip_fields=frozenset()
    ) -> None:
        for rule in meta.doctype.rules:
            if skip_fields and self._reads_any(rule, skip_fields):
                continue
            try:
                if rule.when and not self.evaluate(rule.when, doc, parent):
                    continue
                ok = bool(self.evaluate(rule.condition, doc, parent))
            except ExprError as exc:
                if not self.errors.messages:  # a rule over values already reported as wrong may fail
                    self.errors.add(None, f"{where[0]}{rule.message.en} ({exc})", where[1] + rule.message.zh)
                continue
            if not ok:
                settings = self.site.settings()
                en, zh = fill_message(rule.message.en, settings), fill_message(rule.message.zh, settings)
                for fieldname in rule.fields or [None]:
                    self.errors.add(
                        prefix + fieldname if fieldname else None,
                        where[0] + en,
                        where[1] + zh,
                    )

    @staticmethod
    def _reads_any(rule, fieldnames: set[str]) -> bool:
        used = set(rule.fields or ())
        for source in (rule.when, rule.condition):
            if source:
                try:
                    used |= expressions.compiled(source).fields_used
                except ExprError:
                    return True
        return bool(used & fieldnames)

    def run(self, meta: Meta, doc: dict) -> None:
        """All passes; raises one ValidationError naming every problem."""
        self.coerce_doc(meta, doc)
        self.fetch_from(meta, doc)
        self.check_doc(meta, doc)
        self.check_rules(meta, doc, self.drop_refused_dependents(meta, doc))
        self.errors.raise_if_any()
