"""The write a state change needs when docstatus does not move (0→0 save, 1→1 update after submit).

Frappe's apply_workflow calls `doc.save()`, re-validating every field although a transition
changes only the state field and the state's update_field. Here the transition re-checks exactly
what a state change can change the answer of, and writes only what it changes:
- write permission on the record (as `save` asks) and, after submit, only allow_on_submit fields;
- the DocType's rules (`rules:`) whose answer can have changed since the last save: those that
  read other documents (one reward per household), the clock, the user or settings, or a field
  the transition sets; a rule over the document's own unchanged fields was answered by that save;
- mandatory fields whose `mandatory_depends_on` reads a field the transition sets (a payment
  date that becomes mandatory in state Paid);
- the row update with a strictly later `modified`, a Version with the field diff.
The audit row is the engine's own transition row. Submit and cancel go through the data plane's
full `submit`/`cancel`, hooks included (workflow_io.write).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from townflow.expr import ExprError
from townflow.runtime import errors, expressions, store, versions
from townflow.runtime.validation import Validator, is_empty, label


def _later(now: str, previous: str | None) -> str:
    if previous and now <= str(previous):
        return store.timestamp(datetime.fromisoformat(str(previous)) + timedelta(microseconds=1))
    return now


def may_write(site, meta, ctx, old: dict, read_where: tuple[str, list] | None) -> bool:
    """Whether the stored row `old` is reached for write (`Permissions.record_allowed`).

    `read_where` is the read condition `old` was selected under in this same transaction, the
    row unwritten since (the engine loads, then writes; the write lock is held). When the write
    condition is that very SQL with the same parameters — village staff read and write the same
    villages — the row meets it: that SELECT answered, and asking again would only repeat it."""
    if read_where is not None and site.perms.where(meta, ctx, "write") == read_where:
        return True
    return site.perms.record_allowed(site.db, meta, ctx, "write", old["name"])


def _check(
    session, writer, meta, old: dict, new: dict, updates: dict[str, Any], read_where: tuple | None = None
) -> None:
    site = session.site
    if not writer.ctx.is_administrator and not may_write(site, meta, writer.ctx, old, read_where):
        site.audit.record_denial(writer.user, meta.name, old["name"], "write")
        raise errors.PermissionError(
            f"No permission to write {meta.name} {old['name']}", f"没有修改 {old['name']} 的权限"
        )
    if int(old.get("docstatus") or 0) == 1:
        frozen = [
            k
            for k in updates
            if k in meta.column_set and not getattr(meta.get_field(k), "allow_on_submit", False)
        ]
        if frozen:
            raise errors.UpdateAfterSubmitError(
                f"Not allowed to change {', '.join(frozen)} after submission",
                f"提交后不能修改 {', '.join(frozen)}",
            )
    validator = Validator(site, writer)
    changed = frozenset(updates)
    for f in _mandatory_to_check(meta, changed):
        source = f.mandatory_depends_on
        if not is_empty(new.get(f.fieldname)):
            continue
        if not (expressions.compiled(source).fields_used & changed):
            continue  # unchanged inputs: the last save already answered this one
        if expressions.evaluate(site, writer.ctx, source, new):
            en, zh = label(f)
            validator.errors.add(
                f.fieldname, f"{en} is mandatory", f"{zh}为必填项", kind=errors.MandatoryError
            )
    _check_rules(site, writer.ctx, meta, new, validator, changed)
    validator.errors.raise_if_any()


#: Fields every write changes besides the updates themselves.
_ALWAYS_CHANGED = frozenset({"modified", "modified_by"})
_UNSETTLED: dict[tuple[int, frozenset[str]], tuple[Any, list]] = {}


_MANDATORY: dict[tuple[int, frozenset[str]], tuple[Any, list]] = {}


def _mandatory_to_check(meta, changed: frozenset[str]) -> list:
    """The fields, in form order, whose `mandatory_depends_on` reads a field this write sets (or
    does not parse: the check above then raises as it would have): the only ones _check must look
    at. Cached per Meta and field set, as `_rules_to_check`; a Meta is rebuilt, never changed."""
    key = (id(meta), changed)
    cached = _MANDATORY.get(key)
    if cached is None or cached[0] is not meta:
        fields = []
        for f in meta.value_fields:
            if not f.mandatory_depends_on:
                continue
            try:
                reads = expressions.compiled(f.mandatory_depends_on).fields_used
            except ExprError:
                fields.append(f)
                continue
            if reads & changed:
                fields.append(f)
        if len(_MANDATORY) > 256:
            _MANDATORY.clear()
        cached = _MANDATORY[key] = (meta, fields)
    return cached[1]


def _settled(source: str, changed: frozenset[str]) -> bool:
    """The expression's answer cannot differ from the last save's: it reads only the document's
    own fields (no clock, user, roles, settings or other documents), and this write changes none."""
    expr = expressions.compiled(source)
    return (
        expr.names_used <= {"doc"}
        and not expr.functions_used & expr.runtime_functions
        and not expr.fields_used & changed
    )


def _rules_to_check(doctype, changed: frozenset[str]) -> list[tuple[Any, Any, Any]]:
    """The rules whose answer this write can change: those reading other documents (exists, count),
    the clock, the user or settings, or a field the write sets. Cached per DocType and field set,
    each as (rule, its `when` compiled or None, its condition compiled) — or (rule, None, None)
    when a source does not parse, so that _check_rules reports it as Validator does."""
    key = (id(doctype), changed)
    cached = _UNSETTLED.get(key)
    if cached is None or cached[0] is not doctype:
        changed_all = changed | _ALWAYS_CHANGED
        rules = [
            _compiled_rule(rule)
            for rule in doctype.rules
            if not all(_settled(source, changed_all) for source in (rule.when, rule.condition) if source)
        ]
        if len(_UNSETTLED) > 256:
            _UNSETTLED.clear()
        cached = _UNSETTLED[key] = (doctype, rules)
    return cached[1]


def _compiled_rule(rule) -> tuple[Any, Any, Any]:
    try:
        when = expressions.compiled(rule.when) if rule.when else None
        return rule, when, expressions.compiled(rule.condition)
    except ExprError:
        return rule, None, None


def _check_rules(site, ctx, meta, doc: dict, validator: Validator, changed: frozenset[str]) -> None:
    """The DocType's rules, as Validator.check_rules runs them (when, condition, messages), with the
    expression context and registry functions built once for the whole document, not per rule.
    A rule that reads only unchanged fields of this document is skipped: the save that last wrote
    those fields checked it (as mandatory_depends_on above). Rules sharing a `when` (the benefit
    kind) evaluate it once."""
    context = expressions.context(site, ctx, doc)
    functions = expressions.runtime_functions(site, doc)
    whens: dict[int, bool] = {}
    for rule, when, condition in _rules_to_check(meta.doctype, changed):
        try:
            if condition is None:  # a source that does not parse: as Validator runs it, raising there
                if rule.when and not expressions.compiled(rule.when).evaluate(context, functions):
                    continue
                condition = expressions.compiled(rule.condition)
            elif when is not None:
                applies = whens.get(id(when))  # the cached Expr objects outlive the loop
                if applies is None:
                    applies = whens[id(when)] = bool(when.evaluate(context, functions))
                if not applies:
                    continue
            ok = bool(condition.evaluate(context, functions))
        except ExprError as exc:
            if not validator.errors.messages:
                validator.errors.add(None, f"{rule.message.en} ({exc})", rule.message.zh)
            continue
        if not ok:
            for fieldname in rule.fields or [None]:
                validator.errors.add(fieldname, rule.message.en, rule.message.zh)


def save_state(session, writer, loaded, updates: dict[str, Any]) -> dict:
    """Write `updates` on the stored document as a transition does; returns the new stored row."""
    site, meta = session.site, loaded.meta
    old = loaded.row
    new = {**old, **{k: v for k, v in updates.items() if k in meta.column_set}}
    # the read condition answers the write check only while the row is as load() selected it
    _check(session, writer, meta, old, new, updates, loaded.read_where if loaded.stored is None else None)
    new["modified"] = _later(store.timestamp(site.now()), old.get("modified"))
    new["modified_by"] = writer.user
    store.update_row(
        site.db, meta, {k: new[k] for k in (*updates, "name", "modified", "modified_by") if k in new}
    )
    if meta.doctype.track_changes:
        # only the updated fields can differ (new is old plus updates): diff those alone
        data = versions.diff(site.metas, meta, old, {k: new[k] for k in updates if k in new})
        if versions.has_changes(data):
            versions.record(site.db, site.metas, meta.name, new["name"], data, writer.user, new["modified"])
    return new
