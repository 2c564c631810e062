"""doc_events: the spec's validators and rules on save, workflow bookkeeping after it.

validate   drops what a user sent for fields the system sets (townflow.rules.system_fields:
           serials, validity dates, quota fields, masked companions, the workflow state outside a
           transition); field validators (ID number checksum, mobile), min/max, regex, the DocType's
           rules (expressions that may call exists/count) and mandatory_depends_on, the same for each
           child row (the row as `doc`, the document as `parent`) and a stored child row's
           read_only_depends_on (townflow.rules.read_only), the campaign's eligibility rules, Frappe's
           missing server-side allow_edit check, and the countersign guard; fills the masked
           companions of sensitive fields (townflow.compile.masked).
on_change  after a workflow move: log it, open the next step's tasks (approvers resolved by the
           document's village), CC, certificate serial and validity, termination report effects.
"""

from __future__ import annotations

import re
from typing import Any

import frappe
from frappe.utils import now_datetime, nowdate

from care_for_girls.townflow_ext import benefits, campaign, log, pregnancy, public_notice, spec
from care_for_girls.townflow_ext.errors import bilingual
from townflow.expr import parse
from townflow.rules import derived, identity, masking, read_only, steps, validators
from townflow.rules import workflow as wf_rules
from townflow.rules.messages import fill_message
from townflow.rules.system_fields import system_fields
from townflow.spec.models import NUMERIC_TYPES, DocType, Workflow


def expression_context(doc_values: dict[str, Any], parent: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a spec expression reads; for a child row `doc` is the row and `parent` its document."""
    now = now_datetime()
    return {
        "doc": doc_values,
        "parent": parent,
        "user": frappe.session.user,
        "roles": frappe.get_roles(),
        "today": nowdate(),
        "now": now.strftime("%Y-%m-%d %H:%M:%S"),
        "settings": spec.settings(),
    }


#: The filter operators exists()/count() take as [operator, value], as the embedded runtime's query.
_FILTER_OPERATORS = frozenset(
    {"=", "!=", "<", ">", "<=", ">=", "like", "not like", "in", "not in", "is", "between"}
)


def runtime_functions(current) -> dict[str, Any]:
    """exists/count over the registries (no permission filter: eligibility sees every household),
    leaving out the document being validated, as the embedded runtime does."""

    def _filters(doctype: str, filters: dict[str, Any]) -> dict[str, Any]:
        if spec.doctype(doctype) is None:
            frappe.throw(f"exists/count: unknown DocType {doctype}")
        # a list is `in`, unless it is [operator, value] (valid_from=["<=", doc.operation_date])
        out = {
            k: (
                ["in", v]
                if isinstance(v, list | tuple) and (not v or str(v[0]).lower() not in _FILTER_OPERATORS)
                else v
            )
            for k, v in filters.items()
        }
        if current is not None and current.doctype == doctype and current.name:
            out["name"] = ["!=", current.name]
        return out

    def exists(doctype: str, **filters) -> bool:
        return bool(frappe.get_all(doctype, filters=_filters(doctype, filters), limit=1, pluck="name"))

    def count(doctype: str, **filters) -> int:
        return frappe.db.count(doctype, _filters(doctype, filters))

    return {"exists": exists, "count": count}


def _plain(doc) -> dict[str, Any]:
    return frappe.parse_json(frappe.as_json(doc.as_dict(no_default_fields=False)))


def _field_errors(dt: DocType, row, prefix: str = "") -> list[str]:
    errors = []
    for f in dt.data_fields:
        value = row.get(f.fieldname)
        if value in (None, "") or f.fieldtype == "Check":
            continue
        if value == 0 and f.fieldtype in NUMERIC_TYPES and not f.reqd:
            # Frappe stores an unset Int/Float/Currency as 0 (NOT NULL DEFAULT 0), where the embedded
            # runtime keeps NULL: an optional number left at 0 counts as not entered.
            continue
        label = prefix + (f.label.zh if (frappe.local.lang or "").startswith("zh") else f.label.en)
        if f.validator:
            problem = validators.check(f.validator, str(value))
            if problem:
                errors.append(f"{label}: {bilingual(*problem)}")
            else:
                row.set(f.fieldname, validators.normalize(f.validator, str(value)))
        if f.regex and not re.search(f.regex, str(value)):
            errors.append(f"{label}: " + bilingual("does not have the required format", "格式不正确"))
        if f.min_value is not None and float(value) < f.min_value:
            errors.append(
                f"{label}: " + bilingual(f"must be at least {f.min_value:g}", f"不能小于 {f.min_value:g}")
            )
        if f.max_value is not None and float(value) > f.max_value:
            errors.append(
                f"{label}: " + bilingual(f"must be at most {f.max_value:g}", f"不能大于 {f.max_value:g}")
            )
    return errors


def _rule_errors(dt: DocType, doc, parent: dict[str, Any] | None = None, prefix: str = "") -> list[str]:
    """The DocType's rules and its mandatory_depends_on, evaluated as the embedded runtime does:
    for a child row, against the row with its document as `parent`."""
    errors = []
    conditional = [f for f in dt.data_fields if f.mandatory_depends_on and not f.reqd]
    if not dt.rules and not conditional:
        return errors
    context = expression_context(_plain(doc), parent)
    functions = runtime_functions(doc)
    for f in conditional:
        if doc.get(f.fieldname) in (None, "") and parse(f.mandatory_depends_on).evaluate(context, functions):
            label = f.label.zh if (frappe.local.lang or "").startswith("zh") else f.label.en
            errors.append(f"{prefix}{label}: " + bilingual("is mandatory", "为必填项"))
    for rule in dt.rules:
        if rule.when and not parse(rule.when).evaluate(context, functions):
            continue
        if not parse(rule.condition).evaluate(context, functions):
            settings = context.get("settings") or {}  # rule messages state the live numbers
            errors.append(
                prefix
                + bilingual(fill_message(rule.message.en, settings), fill_message(rule.message.zh, settings))
            )
    return errors


def _read_only_errors(child: DocType, doc, table: str) -> list[str]:
    """A stored child row's field whose `read_only_depends_on` held (the stored row as `doc`, the
    stored document as `parent`) may not change: Frappe's form shows it read-only, its server does
    not check (townflow.rules.read_only, as the embedded runtime)."""
    if _system_write() or doc.flags.ignore_permissions or doc.is_new():
        return []
    if not any(f.read_only_depends_on for f in child.data_fields):
        return []
    before = doc.get_doc_before_save()
    if before is None:
        return []
    stored_parent = _plain(before)
    stored_rows = {r.get("name"): r for r in stored_parent.get(table) or []}
    functions = runtime_functions(doc)
    zh = (frappe.local.lang or "").startswith("zh")
    errors = []
    for row in doc.get(table) or []:
        stored = stored_rows.get(row.get("name"))
        if stored is None:
            continue
        context = expression_context(stored, stored_parent)
        holds = lambda source: bool(parse(source).evaluate(context, functions))  # noqa: E731, B023
        new = _plain(row)
        for f in read_only.locked_changes(child.data_fields, stored, new, holds):
            label = f.label.zh if zh else f.label.en
            message = bilingual("is read-only and cannot be changed", "为只读，不能修改")
            errors.append(f"#{row.get('idx')} {label} ({table}.{f.fieldname}): {message}")
    return errors


def _state_change(doc) -> tuple[str | None, str | None]:
    workflow = spec.workflow(doc.doctype)
    before = doc.get_doc_before_save()
    if workflow is None or before is None:
        return None, None
    return before.get(workflow.workflow_state_field), doc.get(workflow.workflow_state_field)


def _check_workflow_edit(doc) -> None:
    """Frappe's allow_edit is enforced only by the desk form; enforce it on the server too."""
    workflow = spec.workflow(doc.doctype)
    if workflow is None or doc.is_new() or frappe.flags.townflow_system_write:
        return
    old, new = _state_change(doc)
    if old != new or frappe.session.user == "Administrator":
        return  # a workflow move: Frappe's validate_workflow and our apply_workflow check it
    if not wf_rules.may_edit(workflow, _plain(doc), frappe.get_roles()):
        frappe.throw(
            bilingual(f"You may not edit a document in state {new}", f"当前状态（{new}）下您无权修改此单据"),
            frappe.PermissionError,
        )


def _fill_masked(dt: DocType, row) -> None:
    """Each masked sensitive field's permlevel-0 companion (`<fieldname>_masked`, added by the
    compiler) gets the masked text the embedded runtime would show: roles below the field's
    permlevel read `3701**********1234` instead of nothing."""
    for f in dt.data_fields:
        companion = masking.masked_companion(f.fieldname)
        if f.sensitive and f.mask is not None and row.meta.has_field(companion):
            row.set(companion, masking.mask(row.get(f.fieldname), f.mask) or None)


def _system_write() -> bool:
    """Writes the system makes (a checked workflow move, the app's own effects, install, fixtures,
    the Administrator) may set system fields; a user's insert or update may not."""
    flags = frappe.flags
    return bool(
        flags.townflow_system_write
        or flags.townflow_move_checked
        or flags.in_install
        or flags.in_migrate
        or flags.in_import
        or flags.in_patch
        or frappe.session.user == "Administrator"
    )


def _spec_default(dt: DocType, fieldname: str) -> Any:
    f = dt.field(fieldname)
    default = f.default if f is not None else None
    if isinstance(default, str) and default.lower() == "today":
        return nowdate()
    return default


def _drop_system_fields(dt: DocType, row, before, workflow: Workflow | None = None) -> None:
    """Values a user sent for fields the system sets are dropped (townflow.rules.system_fields):
    the stored value stays, a new record gets the field's default; the workflow state changes
    through a transition only."""
    rule = system_fields(dt, workflow)
    for fieldname in rule.set_by_system:
        if not row.meta.has_field(fieldname):
            continue
        kept = before.get(fieldname) if before is not None else _spec_default(dt, fieldname)
        if row.get(fieldname) != kept:
            row.set(fieldname, kept)
    if workflow is not None and rule.state_field and row.get(rule.state_field):
        kept = before.get(rule.state_field) if before is not None else workflow.initial_state.state
        row.set(rule.state_field, kept)


def _drop_user_system_values(dt: DocType, doc) -> None:
    if _system_write() or doc.flags.ignore_permissions:
        return
    before = None if doc.is_new() else doc.get_doc_before_save()
    _drop_system_fields(dt, doc, before, spec.workflow(dt.name))
    for f in dt.fields:
        child = spec.doctype(f.options) if f.fieldtype in ("Table", "Table MultiSelect") else None
        if child is None:
            continue
        old_rows = {r.name: r for r in (before.get(f.fieldname) or [])} if before is not None else {}
        for row in doc.get(f.fieldname) or []:
            _drop_system_fields(child, row, old_rows.get(row.name))


def validate(doc, method: str | None = None) -> None:
    dt = spec.doctype(doc.doctype)
    if dt is None:
        return
    _drop_user_system_values(dt, doc)
    benefits.validate(doc)  # a household's derived values (system fields), before its rules read them
    errors = _field_errors(dt, doc)
    _fill_masked(dt, doc)
    parent = None
    for f in dt.fields:
        child = spec.doctype(f.options) if f.fieldtype in ("Table", "Table MultiSelect") else None
        for row in (doc.get(f.fieldname) or []) if child else []:
            errors.extend(_field_errors(child, row, prefix=f"#{row.idx} "))
            _fill_masked(child, row)
            parent = parent if parent is not None else _plain(doc)
            errors.extend(_rule_errors(child, row, parent, prefix=f"#{row.idx} "))
        if child is not None:
            errors.extend(_read_only_errors(child, doc, f.fieldname))
    for field, value in derived.derived_values(doc.doctype, doc.as_dict()).items():
        if any(f.fieldname == field for f in dt.fields):  # 计生女孩户 follows 家庭类别
            doc.set(field, value)
    errors.extend(_identity_errors(dt, doc))
    errors.extend(_rule_errors(dt, doc))
    errors.extend(pregnancy.text_errors(dt, doc))
    if errors:
        frappe.throw("<br>".join(errors), frappe.ValidationError, title=bilingual("Not valid", "校验未通过"))
    _check_workflow_edit(doc)
    old, new = _state_change(doc)
    if old and new and old != new and not frappe.flags.townflow_move_checked:
        _guard_countersign(doc, old, new)


def _identity_errors(dt: DocType, doc) -> list[str]:
    """出生日期 and 性别 from the ID number (townflow.rules.identity): filled when empty, a
    contradiction refused — as the embedded runtime does."""
    id_field = next((f for f in dt.fields if f.fieldname == "id_number"), None)
    if id_field is None or id_field.validator != "cn_id_number":
        return []
    values = doc.as_dict()
    for field, value in identity.fill_from_id_number(values).items():
        if any(f.fieldname == field for f in dt.fields):
            doc.set(field, value)
    return [bilingual(en, zh) for _field, en, zh in identity.id_number_disagreements(doc.as_dict())]


def _guard_countersign(doc, old: str, new: str) -> None:
    """A move out of an all-must-approve step that did not come through the app's apply_workflow
    (which tallies the votes) would let one approver decide for all: refuse it."""
    workflow = spec.workflow(doc.doctype)
    step = workflow.state(old).step if workflow.state(old) else None
    moves = [t for t in workflow.transitions if t.state == old and t.next_state == new]
    if step is not None and step.mode == "all" and any(t.kind in steps.APPROVAL_KINDS for t in moves):
        frappe.throw(
            bilingual("Every approver of this step must approve", "本环节为会签，需全部审批人同意"),
            frappe.ValidationError,
        )


def on_change(doc, method: str | None = None) -> None:
    if method == "on_update":
        benefits.member_saved(doc)  # a member added or changed: its household computed again
    if method == "on_submit":
        campaign.on_submit(doc)
        pregnancy.on_submit(doc)
    # Submitting runs on_update and then on_submit: handle the move once.
    if doc.flags.townflow_handled:
        return
    doc.flags.townflow_handled = True
    workflow = spec.workflow(doc.doctype)
    if workflow is None:
        return
    old, new = _state_change(doc)
    if doc.get_doc_before_save() is None:  # inserted: the applicant's first state
        new = doc.get(workflow.workflow_state_field)
        old = None
    if new and old != new:
        pending = frappe.flags.townflow_action or {}
        if old is not None:
            action, kind = pending.get("action") or new, pending.get("kind") or "transition"
            log.record(doc, action, kind, old, new, pending.get("comment"), timeline=not pending)
        log.assign_state(doc, workflow, new, moved=old is not None)
        campaign.entered(doc, new)
        benefits.entered(doc, new)
        if old is not None:  # 公示 and 年审 (issue 17)
            public_notice.entered(doc, workflow, old, new, pending.get("comment"))


def before_submit(doc, method: str | None = None) -> None:
    campaign.before_submit(doc)


def on_trash(doc, method: str | None = None) -> None:
    benefits.member_removed(doc)
