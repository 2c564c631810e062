"""Where the workflow engine meets the data plane: loading, writing, approvers, audit, clock.

Kept apart from `workflow.py` so the engine reads as the rules it applies, and so that every
contact with documents, permissions and users goes through one small surface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from townflow.rules import steps as step_rules
from townflow.rules.scope import value_in_scope
from townflow.rules.workflow import ConditionCheck, WorkflowRuleError
from townflow.runtime import errors, expressions
from townflow.runtime import store as store_rows
from townflow.runtime import workflow_store as store
from townflow.runtime.db import quote
from townflow.runtime.documents import Session
from townflow.runtime.permissions import UserContext, load_user_context
from townflow.runtime.schema import sql_type
from townflow.runtime.workflow_write import save_state
from townflow.spec.models import SCOPE_DOCTYPE, Workflow

_ERRORS = {
    "permission": errors.PermissionError,
    "state": errors.ValidationError,
    "docstatus": errors.DocstatusTransitionError,
    "comment": errors.MandatoryError,
}


class WorkflowTransitionError(errors.ValidationError):
    """Frappe's frappe.model.workflow.WorkflowTransitionError."""

    exc_type = "WorkflowTransitionError"


class WorkflowStateError(errors.ValidationError):
    exc_type = "WorkflowStateError"


def fail(error: WorkflowRuleError) -> errors.TownflowError:
    """The runtime error for a rule's refusal (raise it `from None`)."""
    cls = _ERRORS.get(error.kind, WorkflowTransitionError)
    if error.fields:
        return cls(
            error.message,
            messages=[errors.FieldMessage(f, error.message, error.message) for f in error.fields],
        )
    return cls(error.message)


@dataclass
class Loaded:
    """A document as stored, with its meta, workflow and the condition evaluator for this user."""

    meta: Any
    workflow: Workflow
    row: dict[str, Any]
    check: ConditionCheck
    #: the stored values after this action's write (None until written)
    stored: dict[str, Any] | None = None
    #: the read permission condition (SQL, parameters) `row` was selected under, in this action's
    #: transaction: a write check with the same condition is answered by that SELECT
    read_where: tuple[str, list] | None = None


# --- who and when -------------------------------------------------------------------------


def context_of(session) -> UserContext:
    return session.ctx


def user_of(session) -> str:
    return context_of(session).user


def roles_of(session) -> frozenset[str]:
    return context_of(session).roles


def now(session) -> str:
    """The site's clock (tests and tick inject their own), as Frappe writes timestamps."""
    clock = getattr(session, "clock", None) or session.site.now
    return store_rows.timestamp(clock())


def user_context(session, user: str) -> UserContext | None:
    enabled = session.site.db.scalar('SELECT enabled FROM "tabUser" WHERE name = ?', (user,))
    if not enabled:
        return None
    return load_user_context(session.site.db, user)


# --- loading ------------------------------------------------------------------------------


def load(
    session, doc: Mapping[str, Any] | str, doctype: str | None = None, *, check_modified: bool = True
) -> Loaded:
    """The stored document `doc` names, if the user may read it; stale `modified` is a conflict."""
    if isinstance(doc, str):
        doc = {"doctype": doctype, "name": doc}
    doctype = doc.get("doctype") or doctype
    name = doc.get("name")
    site = session.site
    workflow = site.project.workflow_for(doctype) if doctype and site.metas.exists(doctype) else None
    if workflow is None or not workflow.is_active:
        raise WorkflowStateError(f"No active workflow for {doctype}", f"{doctype} 没有启用的审批流程")
    meta = site.metas.get(doctype)
    ctx = context_of(session)
    row = readable = None
    if name and not meta.issingle:  # the read permission is part of the row's SELECT
        readable = site.perms.where(meta, ctx, "read")
        row = store_rows.load(site.db, site.metas, meta, name, with_children=False, where=readable)
    if row is None:
        raise errors.DoesNotExistError.of(doctype, name or "")
    if check_modified and doc.get("modified") and str(doc["modified"]) != str(row["modified"]):
        raise errors.TimestampMismatchError(
            "Document has been modified after you have opened it. Please refresh to get the latest document.",
            "单据在您打开后已被他人修改，请刷新后重试。",
        )

    # a step checks several conditions on the same values (a Forward, eight): the names and
    # functions an expression reads are built once per distinct values, not once per condition
    last: list = [None, None]  # [the values evaluated, their Evaluator]

    def check(source: str, values: Mapping[str, Any]) -> bool:
        if last[0] is None or last[0] != values:
            last[0] = dict(values)
            last[1] = expressions.Evaluator(site, ctx, dict(values))
        return bool(last[1](source))

    return Loaded(meta, workflow, row, check, read_where=readable)


# --- writing ------------------------------------------------------------------------------


def write(session, loaded: Loaded, updates: dict[str, Any], operation: str) -> dict:
    """Write the state change as Frappe's apply_workflow does — save, submit or cancel through the
    data plane, as the acting user and with their permissions — inside the open transaction.
    Returns the document as the user sees it; `loaded.row` is refreshed with the stored values."""
    writer = Session(session.site, context_of(session))
    writer.in_workflow = True  # lets the workflow hooks tell the engine's saves from a user's
    meta, name = loaded.meta, loaded.row["name"]
    ref = {"doctype": meta.name, "name": name}
    db, metas = session.site.db, session.site.metas
    if operation in {"save", "update_after_submit"}:
        written = save_state(session, writer, loaded, updates)
        as_is = _reads_back_as_is(meta, updates)
        loaded.stored = written if as_is else store_rows.load(db, metas, meta, name)
        return writer.present_written(meta, loaded.stored)
    if operation == "submit":
        shown = writer.submit({**ref, **updates}, check_modified=False)
    elif operation == "cancel":
        if updates:
            writer.db_set(meta.name, name, updates)
        shown = writer.cancel(meta.name, name)
    else:
        raise ValueError(f"unknown docstatus operation {operation!r}")
    loaded.stored = store_rows.load(db, metas, meta, name, with_children=False)
    return shown


def _reads_back_as_is(meta, updates: dict[str, Any]) -> bool:
    """Whether the row save_state wrote is what reading it back would give, so it need not be read
    again: no child tables to load, and every updated value text (or None) in a TEXT column —
    SQLite hands back the same string. Anything else (numbers meeting a column's affinity, dates)
    is read back, as the data plane stores it."""
    if meta.table_fields:
        return False
    for fieldname, value in updates.items():
        if value is None or fieldname not in meta.column_set:
            continue
        field = meta.get_field(fieldname)
        if type(value) is not str or field is None or sql_type(field.fieldtype) != "TEXT":
            return False
    return True


def touch(session, loaded: Loaded) -> dict:
    """Save without changes, bumping `modified`: a vote or delegation changes the step, so copies
    read before it must conflict."""
    return write(session, loaded, {}, "save" if not loaded.row.get("docstatus") else "update_after_submit")


def versions(session, doctype: str, name: str) -> list[dict]:
    reader = getattr(session, "versions", None)
    return list(reader(doctype, name)) if reader else []


def audit(session, event: str, loaded: Loaded, data: dict[str, Any]) -> None:
    """One hash-chained audit row per workflow action, in the action's transaction."""
    log = getattr(session.site, "audit", None)
    if log is not None:
        log.record(
            "transition", user_of(session), loaded.meta.name, loaded.row["name"], {"event": event, **data}
        )


# --- who acts next ------------------------------------------------------------------------


def role_scope(session, role: str) -> str:
    spec_role = session.site.project.roles.get(role)
    return spec_role.scope if spec_role is not None else "township"


def scope_value(session, loaded: Loaded, row: Mapping[str, Any], kind: str) -> str | None:
    """The document's village / department / facility (directly or through a Link), for `kind`."""
    if kind == "township":
        return None
    path = session.site.perms.scope_path(loaded.meta, kind)
    if path is None:
        return None
    fieldname, target, target_field = path
    value = row.get(fieldname)
    if target is not None and value:
        value = session.site.db.scalar(
            f"SELECT {quote(target_field)} FROM {target.table} WHERE name = ?", (value,)
        )
    return value


def users_with_role(session, role: str, kind: str, value: str | None, doctype: str) -> list[str]:
    """Enabled users holding `role` who reach `value` in `kind` (deny by default)."""
    sql = """SELECT DISTINCT u.name FROM "tabUser" u JOIN "tabHas Role" r ON r.parent = u.name
             WHERE r.role = ? AND u.enabled = 1"""
    params: list[Any] = [role]
    if kind != "township":
        if not value:
            return []
        sql += """ AND EXISTS (SELECT 1 FROM "tabUser Permission" p WHERE p.user = u.name AND p.allow = ?
                   AND p.for_value = ?
                   AND (p.apply_to_all_doctypes = 1 OR ifnull(p.applicable_for, '') IN ('', ?)))"""
        params += [SCOPE_DOCTYPE[kind], value, doctype]
    return sorted(r[0] for r in session.site.db.fetchall(sql + " ORDER BY u.name", params))


def reaches(session, loaded: Loaded, ctx: UserContext, ptype: str) -> bool:
    site = session.site
    return site.perms.record_allowed(site.db, loaded.meta, ctx, ptype, loaded.row["name"])


def acting_role(session, workflow: Workflow, state: str) -> str | None:
    held = roles_of(session)
    return next((r for r in step_rules.step_roles(workflow, state) if r in held), None)


def assignment_base(
    session, loaded: Loaded, row: Mapping[str, Any], user: str, role: str | None, at: str
) -> dict:
    kind = role_scope(session, role) if role else "township"
    title_field = loaded.meta.title_field
    return {
        "reference_doctype": loaded.meta.name,
        "reference_name": row["name"],
        "workflow_state": row.get(loaded.workflow.workflow_state_field),
        "user": user,
        "role": role,
        "scope_kind": kind,
        "scope_value": scope_value(session, loaded, row, kind),
        "title": row.get(title_field) if title_field else None,
        "creation": at,
        "modified": at,
    }


def _targets(
    session, loaded: Loaded, row: Mapping[str, Any], roles: list[str]
) -> list[tuple[str, str, dict]]:
    """(user, role, base row) for every user holding one of `roles` who reaches the document."""
    found = []
    for role in roles:
        base = assignment_base(session, loaded, row, "", role, "")
        users = users_with_role(session, role, base["scope_kind"], base["scope_value"], loaded.meta.name)
        found += [(user, role, base) for user in users]
    return found


def assign_step(session, loaded: Loaded, row: Mapping[str, Any], state: str, step_id: int, at: str) -> None:
    """Open the to-dos of the state the document entered, and send its CCs.

    The applicant's state waits on the owner, a countersign (会签) step on each signer by name;
    any other step waits on one pool per role (everyone holding it who reaches the document)."""
    from townflow.runtime import approval_moves  # it imports this module

    wf = loaded.workflow
    roles = step_rules.step_roles(wf, state)
    step = step_rules.step_of(wf, state)
    due = step_rules.due_at(step, datetime.fromisoformat(at), session.site.settings(), row)
    stamps = {"creation": at, "modified": at, "step_id": step_id}
    if not step_rules.waits_on_someone(wf, state):
        targets = []  # Rejected, Approved...: no to-do (a CC still goes out)
    elif state == step_rules.applicant_state(wf) and row.get("owner"):
        owner_ctx = user_context(session, row["owner"])
        role = next((r for r in roles if owner_ctx and r in owner_ctx.roles), roles[0] if roles else None)
        targets = [(row["owner"], role, assignment_base(session, loaded, row, row["owner"], role, at))]
    elif step.parallel is not None:  # 会办: one pooled branch per department (runtime/approval_moves.py)
        targets = approval_moves.branch_targets(session, loaded, row, state, step_id, at)
    elif step.mode == "all":
        targets = _targets(session, loaded, row, roles)
        approval_moves.check_signers(step, state, targets)  # 比例会签 needing more than it has
    else:
        targets = [("", role, base) for role, base in _pools(session, loaded, row, roles, at)]
    rows = [
        {
            **base,
            **stamps,
            "user": user,
            "audience": user or pool_of(base),
            "kind": "todo",
            "status": "Open",
            "source": "step",
            "due_at": store_rows.timestamp(due) if due else None,
        }
        for user, _role, base in targets
    ]
    if step.cc:  # step_rules.cc_roles, read from the step found above
        rows += [
            {**base, **stamps, "user": user, "kind": "cc", "status": "Open", "source": "cc"}
            for user, _role, base in _targets(session, loaded, row, list(step.cc))
        ]
    store.add_rows(session.site.db, rows)


def _pools(session, loaded: Loaded, row: Mapping[str, Any], roles: list[str], at: str) -> list[tuple]:
    """(role, base row) for each role's pool in the document's scope; none where the document has
    no value for the role's scope (nobody could reach it: deny by default)."""
    found = []
    for role in roles:
        base = assignment_base(session, loaded, row, "", role, at)
        if base["scope_kind"] == "township" or base["scope_value"]:
            found.append((role, base))
    return found


def pool_of(row: Mapping[str, Any]) -> str:
    """The pool audience of a to-do row's role and scope."""
    return store.pool_audience(row["role"], row["scope_kind"], row.get("scope_value"))


def in_pool(ctx: UserContext, todo: Mapping[str, Any]) -> bool:
    """Whether `ctx` is in the pool a pooled to-do waits on: holds its role, reaches its scope."""
    return todo.get("role") in ctx.roles and row_visible(ctx, todo["scope_kind"], todo.get("scope_value"))


def holders(session, todo: Mapping[str, Any], doctype: str) -> list[str]:
    """The users an open to-do waits on: its user, or everyone now in its pool."""
    if todo.get("user"):
        return [todo["user"]]
    return users_with_role(session, todo["role"], todo["scope_kind"], todo.get("scope_value"), doctype)


def my_todo(session, todos: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The open to-do the session's user holds: their own first, else one of a pool they are in."""
    ctx = context_of(session)
    own = next((t for t in todos if t["user"] == ctx.user), None)
    return own or next((t for t in todos if store.is_pooled(t) and in_pool(ctx, t)), None)


def row_visible(ctx: UserContext, scope_kind: str, value: str | None) -> bool:
    """The inbox's per-row permission check: the same scope rule as documents (rules.scope)."""
    return value_in_scope(
        scope_kind, value, ctx.allowed(scope_kind) if scope_kind != "township" else frozenset()
    )
