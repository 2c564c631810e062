"""The embedded runtime's approval moves (issue 17.5): 比例会签, 加签 and 会办.

The rules are `townflow.rules.approval_moves` (shared with the Frappe app); this module keeps
their facts and joins the engine (`townflow.runtime.workflow`) at a few points:

- `outcome()` replaces the engine's countersign tally: a ratio step counts to its number, a
  dissent that cannot decide is logged, a step with signers added before the approver refuses
  the step's actions until they signed, an approval waiting on signers added after is held, and
  a 会办 branch decides for its department only;
- `closing()` runs when the document leaves a state: the tasks still open on a ratio or 会办 step
  and on added signers close with a note in the log (who was no longer waited on, and why);
- `branch_targets()` opens one pooled to-do per department when a 会办 state is entered, and
  `check_signers()` refuses entering a ratio step that fewer users may sign than it needs.

Tables (in the engine's transaction, created by `register`):
- `tabWorkflow Added Signer`: one row per signer added to a step (position before/after, who added
  them, Waiting/Open/Agreed/Disagreed/Removed/Closed). An after-signer is Waiting until the
  approver approves, then Open with a to-do; a before-signer is Open with a to-do at once.
- `tabWorkflow Branch`: one row per 会办 branch (department, deciding role, Open/Approved/
  Rejected/Returned/Closed). A branch also widens the department scope: a holder of its role who
  reaches its department reads (and, through the engine, acts on) the document, as the department
  a document is routed to does (`Permissions.widen`). Deny by default otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from townflow.rules import approval_moves as rules
from townflow.rules import steps as step_rules
from townflow.rules.workflow import WorkflowRuleError, available_transitions, current_state
from townflow.runtime import errors, expressions, workflow_io
from townflow.runtime import workflow_store as store
from townflow.runtime.durable import durable
from townflow.runtime.workflow_io import Loaded, fail

SIGNER = '"tabWorkflow Added Signer"'
BRANCH = '"tabWorkflow Branch"'
ADDED_SOURCES = ("add_before", "add_after")

SCHEMA = [
    f"""CREATE TABLE IF NOT EXISTS {SIGNER} (
        name INTEGER PRIMARY KEY,
        reference_doctype TEXT NOT NULL,
        reference_name TEXT NOT NULL,
        step_id INTEGER NOT NULL,
        workflow_state TEXT NOT NULL,
        user TEXT NOT NULL,
        position TEXT NOT NULL CHECK (position IN ('before', 'after')),
        added_by TEXT NOT NULL,
        status TEXT NOT NULL,
        comment TEXT,
        creation TEXT NOT NULL,
        modified TEXT NOT NULL
    )""",
    f"""CREATE INDEX IF NOT EXISTS workflow_added_signer_reference ON {SIGNER}
        (reference_name, reference_doctype)""",
    f"""CREATE TABLE IF NOT EXISTS {BRANCH} (
        name INTEGER PRIMARY KEY,
        reference_doctype TEXT NOT NULL,
        reference_name TEXT NOT NULL,
        step_id INTEGER NOT NULL,
        workflow_state TEXT NOT NULL,
        department TEXT NOT NULL,
        role TEXT NOT NULL,
        status TEXT NOT NULL,
        decided_by TEXT,
        comment TEXT,
        creation TEXT NOT NULL,
        modified TEXT NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS workflow_branch_reference ON {BRANCH} (reference_name, reference_doctype)",
    f"CREATE INDEX IF NOT EXISTS workflow_branch_reach ON {BRANCH} (reference_doctype, role, department)",
]


def register(site) -> None:
    """Create the tables and let 会办 branches widen the department scope (Site opening calls it)."""
    with site.db.transaction():
        for statement in SCHEMA:
            site.db.execute(statement)
    # (doctype, role) pairs a 会办 branch can be opened for: only those rows are widened, so every
    # other role's lists keep their single-index plan (tests/runtime/test_schema.py)
    branch_roles = frozenset(
        (wf.document_type, role)
        for wf in site.project.workflows.values()
        for s in wf.states
        if s.step is not None and s.step.parallel is not None
        for role in s.step.parallel.roles.values()
    )
    if branch_roles:
        site.perms.widen.append(_branch_reach(branch_roles))


def _branch_reach(branch_roles: frozenset[tuple[str, str]]):
    def reach(meta, row, ctx, alias: str) -> tuple[str, list] | None:
        """A department-scoped DocPerm row also reaches the documents with a 会办 branch of its
        role in a department the user reaches."""
        if row.scope != "department" or (meta.name, row.role) not in branch_roles:
            return None
        allowed = sorted(ctx.allowed("department", meta.name))
        if not allowed:
            return None
        marks = ", ".join("?" for _ in allowed)
        sql = (
            f"{alias}name IN (SELECT reference_name FROM {BRANCH} WHERE reference_doctype = ? AND role = ? "
            f"AND department IN ({marks}))"
        )
        return sql, [meta.name, row.role, *allowed]

    return reach


# --- reading --------------------------------------------------------------------------------


def added_signers(db, doctype: str, name: str, step_id: int | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT * FROM {SIGNER} WHERE reference_name = ? AND reference_doctype = ?"
    params: list[Any] = [name, doctype]
    if step_id is not None:
        sql += " AND step_id = ?"
        params.append(step_id)
    return [dict(r) for r in db.fetchall(sql + " ORDER BY name", params)]


def branches(db, doctype: str, name: str, step_id: int | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT * FROM {BRANCH} WHERE reference_name = ? AND reference_doctype = ?"
    params: list[Any] = [name, doctype]
    if step_id is not None:
        sql += " AND step_id = ?"
        params.append(step_id)
    return [dict(r) for r in db.fetchall(sql + " ORDER BY name", params)]


def _as_rules(rows: list[dict[str, Any]]) -> list[rules.AddedSigner]:
    # Waiting (an after-signer before the approver acted) is Open to the rules: not signed yet
    return [
        rules.AddedSigner(
            r["user"], r["position"], r["added_by"], "Open" if r["status"] == "Waiting" else r["status"]
        )
        for r in rows
    ]


def _step_id(session, loaded: Loaded) -> int:
    return store.current_step_id(session.site.db, loaded.workflow.document_type, loaded.row["name"])


def timeline_extra(session, doctype: str, name: str) -> dict[str, Any]:
    """What the timeline adds: the signers added to the current step and its 会办 branches."""
    db = session.site.db
    step_id = store.current_step_id(db, doctype, name)
    return {
        "added_signers": added_signers(db, doctype, name, step_id),
        "branches": branches(db, doctype, name, step_id),
    }


# --- joining the engine ---------------------------------------------------------------------


@dataclass
class Decision:
    """What an approver's action does: the rules' status, and the 会办 to-do it decides."""

    status: str
    branch_todo: dict[str, Any] | None = None
    outcome: rules.Outcome | None = None


def outcome(session, loaded: Loaded, transition, user: str, required: list[str], history) -> Decision:
    """The engine's tally, with the moves: raises WorkflowRuleError for a refusal."""
    db, wf, row = session.site.db, loaded.workflow, loaded.row
    state = current_state(wf, row)
    step = step_rules.step_of(wf, state)
    existing: list[rules.AddedSigner] = []
    if rules.allowed_positions(step):  # only such a step has added signers: no query elsewhere
        step_id = store.current_step_id(db, wf.document_type, row["name"])
        existing = _as_rules(added_signers(db, wf.document_type, row["name"], step_id))
    waiting = [s.user for s in existing if s.position == "before" and s.status == "Open"]
    if waiting:
        raise WorkflowRuleError(
            f"Wait for the signers added before the approver (加签): {', '.join(waiting)}", "transition"
        )
    if step.parallel is not None:
        todos = [t for t in store.open_todos(db, wf.document_type, row["name"]) if t["source"] == "step"]
        ctx = workflow_io.context_of(session)
        mine = next(
            (t for t in todos if t["role"] == transition.allowed and workflow_io.in_pool(ctx, t)), None
        )
        if mine is None:
            raise WorkflowRuleError(
                "Your department has no open branch of this joint review (会办)", "permission"
            )
        found = rules.branch_outcome(transition, len(todos) - 1)
        status = "branch_pending" if found.status == "pending" else "branch_move"
        return Decision(status, mine, found)
    found = rules.countersign_outcome(wf, row, transition, user, required, history)
    after_open = any(s.position == "after" and s.status == "Open" for s in existing)
    if found.status == "approved" and transition.kind in step_rules.APPROVAL_KINDS and after_open:
        return Decision("held", None, found)
    return Decision(found.status, None, found)


def handle(session, loaded: Loaded, transition, comment: str | None, decision: Decision) -> dict:
    """Write what `outcome` decided when the engine's own vote or move does not fit."""
    if decision.status == "branch_pending":
        return _branch_vote(session, loaded, transition, comment, decision.branch_todo)
    if decision.status == "branch_move":
        return _branch_move(session, loaded, transition, comment, decision.branch_todo)
    if decision.status == "dissent":
        return _record(session, loaded, transition.action, rules.DISSENT, transition.allowed, comment)
    if decision.status == "held":
        return _hold(session, loaded, transition, comment)
    raise ValueError(f"not a decision this module writes: {decision.status}")


HANDLED = frozenset({"branch_pending", "branch_move", "dissent", "held"})


def _record(session, loaded: Loaded, action: str, kind: str, role: str | None, comment: str | None) -> dict:
    """One approver's part that does not move the document: logged, their to-do done, doc touched
    (copies read before it conflict, as a countersign vote)."""
    db, wf, row = session.site.db, loaded.workflow, loaded.row
    user = workflow_io.user_of(session)
    at = workflow_io.now(session)
    state = current_state(wf, row)
    store.log(
        db, wf.document_type, row["name"], action, kind, state, state, user, at, role=role, comment=comment
    )
    shown = workflow_io.touch(session, loaded)
    mine = workflow_io.assignment_base(session, loaded, loaded.stored, user, role, at)
    store.mark_done(db, mine, workflow_io.pool_of(mine) if role else None)
    store.complete_todos(db, wf.document_type, row["name"], users=[user])
    workflow_io.audit(session, f"workflow_{kind}", loaded, {"action": action, "state": state})
    return shown


def _branch_vote(session, loaded: Loaded, transition, comment: str | None, todo: dict[str, Any]) -> dict:
    db, wf, row = session.site.db, loaded.workflow, loaded.row
    user = workflow_io.user_of(session)
    at = workflow_io.now(session)
    state = current_state(wf, row)
    store.log(
        db, wf.document_type, row["name"], transition.action, "vote", state, state, user, at,
        role=transition.allowed, comment=_branch_comment(todo, comment),
    )  # fmt: skip
    shown = workflow_io.touch(session, loaded)
    done = {**workflow_io.assignment_base(session, loaded, loaded.stored, user, todo["role"], at)}
    done["scope_kind"], done["scope_value"] = todo["scope_kind"], todo["scope_value"]  # the branch's
    store.mark_done(db, done, workflow_io.pool_of(todo))
    db.execute(f"DELETE FROM {store.ACTION} WHERE name = ? AND kind = 'todo'", (todo["name"],))
    _decide_branch(db, wf.document_type, row["name"], todo["scope_value"], "Approved", user, comment, at)
    workflow_io.audit(
        session, "workflow_branch", loaded, {"action": transition.action, "department": todo["scope_value"]}
    )
    return shown


def _branch_move(session, loaded: Loaded, transition, comment: str | None, todo: dict[str, Any]) -> dict:
    """The last branch approving (or any branch rejecting) moves the document; the decider's done
    row keeps their branch's department, so their 已办 tab shows it."""
    from townflow.runtime import workflow as engine

    db, wf, row = session.site.db, loaded.workflow, loaded.row
    user = workflow_io.user_of(session)
    shown = engine._move(
        session, loaded, transition.next_state, transition.action, "transition",
        _branch_comment(todo, comment), transition,
    )  # fmt: skip
    db.execute(
        f"""UPDATE {store.ACTION} SET scope_kind = 'department', scope_value = ? WHERE reference_name = ?
            AND reference_doctype = ? AND kind = 'done' AND user = ?""",
        (todo["scope_value"], row["name"], wf.document_type, user),
    )
    return shown


def _branch_comment(todo: Mapping[str, Any], comment: str | None) -> str:
    return f"【{todo['scope_value']}】{comment}" if comment else f"【{todo['scope_value']}】"


def _decide_branch(
    db, doctype: str, name: str, department: str, status: str, user: str, comment, at: str
) -> None:
    db.execute(
        f"""UPDATE {BRANCH} SET status = ?, decided_by = ?, comment = ?, modified = ?
            WHERE reference_name = ? AND reference_doctype = ? AND department = ? AND status = 'Open'""",
        (status, user, comment, at, name, doctype, department),
    )


def _hold(session, loaded: Loaded, transition, comment: str | None) -> dict:
    """The approver approved; the signers added after them now get their to-dos."""
    db, wf, row = session.site.db, loaded.workflow, loaded.row
    step_id = _step_id(session, loaded)
    shown = _record(session, loaded, transition.action, rules.HELD, transition.allowed, comment)
    at = workflow_io.now(session)
    for signer in added_signers(db, wf.document_type, row["name"], step_id):
        if signer["position"] == "after" and signer["status"] == "Waiting":
            _open_signer_todo(session, loaded, signer["user"], "add_after", step_id, at)
            db.execute(
                f"UPDATE {SIGNER} SET status = 'Open', modified = ? WHERE name = ?", (at, signer["name"])
            )
    return shown


def closing(session, loaded: Loaded, action: str, kind: str, at: str) -> None:
    """The document leaves its state: note every task of a ratio / 会办 step and every added
    signer no longer waited on; settle the branches and added signers of the step."""
    db, wf, row = session.site.db, loaded.workflow, loaded.row
    doctype, name = wf.document_type, row["name"]
    state = current_state(wf, row)
    step = step_rules.step_of(wf, state)
    if step.parallel is None and not rules.is_ratio(step) and not rules.allowed_positions(step):
        return  # a step without the moves: nothing of theirs to close, no query on the hot path
    user = workflow_io.user_of(session)
    ctx = workflow_io.context_of(session)
    step_id = store.current_step_id(db, doctype, name)
    why = f"{action}" + ("" if kind == "transition" else f" ({kind})")
    for branch in branches(db, doctype, name, step_id):
        if branch["status"] != "Open":
            continue
        mine = branch["role"] in ctx.roles and workflow_io.row_visible(
            ctx, "department", branch["department"]
        )
        if mine and kind in {"transition", "return"}:
            status = (
                "Returned"
                if kind == "return"
                else ("Rejected" if _rejects(wf, state, action) else "Approved")
            )
            _decide_branch(db, doctype, name, branch["department"], status, user, None, at)
            continue
        _decide_branch(db, doctype, name, branch["department"], "Closed", user, None, at)
        zh = f"会办【{branch['department']}】的待办已结束：{user} 已{why}"
        _note(
            db,
            doctype,
            name,
            state,
            branch["department"],
            at,
            zh,
            f"the {branch['department']} branch closed",
        )
    if rules.is_ratio(step):
        for todo in store.open_todos(db, doctype, name):
            if todo["user"] and todo["user"] != user and todo["source"] in ("step", "delegate"):
                zh = f"会签已结束，{todo['user']} 的待办关闭：{user} {why}"
                _note(db, doctype, name, state, todo["user"], at, zh, "countersign decided, task closed")
    for signer in added_signers(db, doctype, name, step_id):
        if signer["status"] in ("Open", "Waiting"):
            db.execute(
                f"UPDATE {SIGNER} SET status = 'Closed', modified = ? WHERE name = ?", (at, signer["name"])
            )
            zh = f"加签人 {signer['user']} 的待办关闭：{user} 已{why}"
            _note(db, doctype, name, state, signer["user"], at, zh, "added signer no longer waited on")


def _rejects(wf, state: str, action: str) -> bool:
    return any(t.state == state and t.action == action and t.kind == "reject" for t in wf.transitions)


def _note(db, doctype: str, name: str, state: str, about: str, at: str, zh: str, en: str) -> None:
    """A task ended by someone else's action, in the log under whom it was for: zh / en."""
    store.log(
        db, doctype, name, f"Closed: {about}", rules.NOTE, state, state, about, at, comment=f"{zh} / {en}"
    )


def branch_targets(
    session, loaded: Loaded, row: Mapping[str, Any], state: str, step_id: int, at: str
) -> list:
    """(user '', role, base row) for each 会办 branch of `state`, its Branch rows written."""
    step = step_rules.step_of(loaded.workflow, state)
    parallel = step.parallel
    ctx = workflow_io.context_of(session)
    try:
        value = expressions.evaluate(session.site, ctx, parallel.departments, dict(row))
        departments = rules.branch_departments(value, parallel.roles, state)
    except WorkflowRuleError as error:
        raise fail(error) from None
    targets = []
    for department in departments:
        role = parallel.roles[department]
        base = workflow_io.assignment_base(session, loaded, row, "", role, at)
        base["scope_kind"], base["scope_value"] = "department", department
        targets.append(("", role, base))
        session.site.db.execute(
            f"""INSERT INTO {BRANCH} (reference_doctype, reference_name, step_id, workflow_state, department,
                role, status, creation, modified) VALUES (?, ?, ?, ?, ?, ?, 'Open', ?, ?)""",
            (loaded.meta.name, row["name"], step_id, state, department, role, at, at),
        )
    return targets


def check_signers(step, state: str, targets: list) -> None:
    """A ratio step needing more approvals than it has signers would wait forever: refuse the move."""
    try:
        rules.check_ratio_signers(step, state, len({user for user, _role, _base in targets}))
    except WorkflowRuleError as error:
        raise fail(error) from None


def offered(session, loaded: Loaded, found: list) -> list:
    """get_transitions, minus what apply_workflow would refuse: a ratio signer who already said no,
    a 会办 user whose branch decided, anyone while signers added before the approver are open."""
    db, wf, row = session.site.db, loaded.workflow, loaded.row
    state = current_state(wf, row)
    step = step_rules.step_of(wf, state)
    if rules.allowed_positions(step):
        step_id = store.current_step_id(db, wf.document_type, row["name"])
        signers = added_signers(db, wf.document_type, row["name"], step_id)
        if any(s["position"] == "before" and s["status"] == "Open" for s in signers):
            return []
    if rules.is_ratio(step):
        history = store.history(db, wf.document_type, row["name"])
        if workflow_io.user_of(session) in rules.step_dissents(history):
            return []
    if step.parallel is not None:
        ctx = workflow_io.context_of(session)
        todos = [t for t in store.open_todos(db, wf.document_type, row["name"]) if t["source"] == "step"]
        return [
            t for t in found if any(o["role"] == t.allowed and workflow_io.in_pool(ctx, o) for o in todos)
        ]
    return found


# --- 加签: add, remove, sign ----------------------------------------------------------------


def _open_signer_todo(session, loaded: Loaded, user: str, source: str, step_id: int, at: str) -> None:
    row = loaded.stored or loaded.row
    base = workflow_io.assignment_base(session, loaded, row, user, None, at)
    due = next(
        (
            t["due_at"]
            for t in store.open_todos(session.site.db, loaded.meta.name, row["name"])
            if t["due_at"]
        ),
        None,
    )
    store.add_rows(
        session.site.db,
        [{**base, "step_id": step_id, "kind": "todo", "status": "Open", "source": source, "due_at": due}],
    )


def _drop_signer_todo(db, doctype: str, name: str, user: str) -> None:
    db.execute(
        f"""DELETE FROM {store.ACTION} WHERE reference_name = ? AND reference_doctype = ?
            AND kind = 'todo' AND status = 'Open' AND user = ? AND source IN ('add_before', 'add_after')""",
        (name, doctype, user),
    )


@durable
def add_signers(session, doc: Mapping[str, Any], users: list[str] | str, position: str = "before",
                comment: str | None = None) -> dict:  # fmt: skip
    """加签: the approver holding this step's task adds signers before or after themselves."""
    db = session.site.db
    if isinstance(users, str):
        users = [u for u in users.replace("，", ",").split(",")]
    with db.transaction():
        loaded = workflow_io.load(session, doc, check_modified=False)
        wf, row = loaded.workflow, loaded.row
        user = workflow_io.user_of(session)
        todos = store.open_todos(db, wf.document_type, row["name"])
        mine = workflow_io.my_todo(session, [t for t in todos if t["source"] not in ADDED_SOURCES])
        step_id = _step_id(session, loaded)
        existing = _as_rules(added_signers(db, wf.document_type, row["name"], step_id))
        try:
            wanted = rules.check_add_signers(wf, row, user, mine is not None, position, users, existing)
            for signer in wanted:
                ctx = workflow_io.user_context(session, signer)
                if ctx is None:
                    raise WorkflowRuleError(f"User {signer} does not exist or is disabled", "rule", ["users"])
                if not workflow_io.reaches(session, loaded, ctx, "read"):
                    raise WorkflowRuleError(f"{signer} may not read this document", "permission", ["users"])
        except WorkflowRuleError as error:
            raise fail(error) from None
        at = workflow_io.now(session)
        state = current_state(wf, row)
        for signer in wanted:
            status = "Open" if position == "before" else "Waiting"
            db.execute(
                f"""INSERT INTO {SIGNER} (reference_doctype, reference_name, step_id, workflow_state, user,
                    position, added_by, status, comment, creation, modified)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    wf.document_type,
                    row["name"],
                    step_id,
                    state,
                    signer,
                    position,
                    user,
                    status,
                    comment,
                    at,
                    at,
                ),
            )
            if position == "before":
                _open_signer_todo(session, loaded, signer, "add_before", step_id, at)
        where = "前" if position == "before" else "后"
        action = f"Add Signer ({position}): {', '.join(wanted)}"
        note = comment or f"加签（{where}）"
        store.log(
            db, wf.document_type, row["name"], action, rules.ADD_SIGNER, state, state, user, at, comment=note
        )
        workflow_io.audit(session, "add_signer", loaded, {"users": wanted, "position": position})
        return {
            "added": wanted,
            "position": position,
            **timeline_extra(session, wf.document_type, row["name"]),
        }


@durable
def remove_signer(session, doc: Mapping[str, Any], user: str, comment: str | None = None) -> dict:
    """The approver who added a signer removes them, until they have signed."""
    db = session.site.db
    with db.transaction():
        loaded = workflow_io.load(session, doc, check_modified=False)
        wf, row = loaded.workflow, loaded.row
        me = workflow_io.user_of(session)
        step_id = _step_id(session, loaded)
        rows = added_signers(db, wf.document_type, row["name"], step_id)
        try:
            rules.check_remove_signer(me, user, _as_rules(rows))
        except WorkflowRuleError as error:
            raise fail(error) from None
        at = workflow_io.now(session)
        target = [r for r in rows if r["user"] == user][-1]
        db.execute(
            f"UPDATE {SIGNER} SET status = 'Removed', modified = ? WHERE name = ?", (at, target["name"])
        )
        _drop_signer_todo(db, wf.document_type, row["name"], user)
        state = current_state(wf, row)
        store.log(db, wf.document_type, row["name"], f"Remove Signer: {user}", rules.REMOVE_SIGNER,
                  state, state, me, at, comment=comment)  # fmt: skip
        workflow_io.audit(session, "remove_signer", loaded, {"user": user})
        return {"removed": user, **timeline_extra(session, wf.document_type, row["name"])}


@durable
def sign(session, doc: Mapping[str, Any], decision: str, comment: str | None = None) -> dict:
    """An added signer answers: Agree (同意) or Disagree (不同意, with a reason). The last
    after-signer agreeing lets the approver's held approval take effect; one disagreeing takes the
    step's reject transition."""
    db = session.site.db
    with db.transaction():
        loaded = workflow_io.load(session, doc, check_modified=False)
        wf, row = loaded.workflow, loaded.row
        me = workflow_io.user_of(session)
        step_id = _step_id(session, loaded)
        rows = added_signers(db, wf.document_type, row["name"], step_id)
        try:
            mine = rules.check_sign(me, decision, comment, [s for s in _as_rules(rows) if _is_open(rows, s)])
        except WorkflowRuleError as error:
            raise fail(error) from None
        at = workflow_io.now(session)
        state = current_state(wf, row)
        status = "Agreed" if decision == rules.AGREE else "Disagreed"
        db.execute(
            f"""UPDATE {SIGNER} SET status = ?, comment = ?, modified = ? WHERE reference_name = ?
                AND reference_doctype = ? AND step_id = ? AND user = ? AND status = 'Open'""",
            (status, comment, at, row["name"], wf.document_type, step_id, me),
        )
        store.log(
            db, wf.document_type, row["name"], decision, rules.SIGN, state, state, me, at, comment=comment
        )
        base = workflow_io.assignment_base(session, loaded, row, me, None, at)
        store.mark_done(db, base)
        _drop_signer_todo(db, wf.document_type, row["name"], me)
        workflow_io.audit(session, "sign", loaded, {"decision": decision, "position": mine.position})
        if mine.position == "after":
            _after_signed(session, loaded, decision, comment, me)
        return session.get(wf.document_type, row["name"])


def _is_open(rows: list[dict[str, Any]], signer: rules.AddedSigner) -> bool:
    return any(r["user"] == signer.user and r["status"] == "Open" for r in rows)


def _after_signed(session, loaded: Loaded, decision: str, comment: str | None, signer: str) -> None:
    """An after-signer signed: a disagreement rejects the step; the last agreement lets the held
    approval take effect — both as the approver who held it (their permissions write it)."""
    from townflow.runtime import workflow as engine

    db, wf, row = session.site.db, loaded.workflow, loaded.row
    state = current_state(wf, row)
    history = store.history(db, wf.document_type, row["name"])
    held = next(
        (e for e in reversed(step_rules.entries_in_current_step(history)) if e.kind == rules.HELD), None
    )
    if held is None:
        return
    owner = session.site.session(held.user)
    clock = getattr(session, "clock", None)
    if clock is not None:
        owner.clock = clock
    owner_loaded = workflow_io.load(
        owner, {"doctype": wf.document_type, "name": row["name"]}, check_modified=False
    )
    if decision == rules.DISAGREE:
        reject = rules.reject_transition(wf, state)
        note = f"加签人 {signer} 不同意：{comment} / added signer {signer} disagreed: {comment}"
        engine._move(owner, owner_loaded, reject.next_state, reject.action, "transition", note, reject)
        return
    step_id = store.current_step_id(db, wf.document_type, row["name"])
    if any(
        r["position"] == "after" and r["status"] == "Open"
        for r in added_signers(db, wf.document_type, row["name"], step_id)
    ):
        return
    owner_ctx = workflow_io.context_of(owner)
    try:
        moves = [
            t
            for t in available_transitions(wf, owner_loaded.row, owner_ctx.roles, owner_loaded.check)
            if t.action == held.action and t.kind in step_rules.APPROVAL_KINDS
        ]
        if not moves:
            raise WorkflowRuleError(
                f"The held action {held.action} no longer applies to this document", "transition"
            )
    except WorkflowRuleError as error:
        raise fail(error) from None
    transition = moves[-1]
    target = (
        step_rules.resubmission_target(store.last_state_change(db, wf.document_type, row["name"]), state)
        or transition.next_state
    )
    engine._move(owner, owner_loaded, target, transition.action, "transition", held.comment, transition)


def require_position(position: Any) -> str:
    if position not in rules.POSITIONS:
        raise errors.ValidationError(
            f"position must be before or after, not {position!r}", "加签位置须为 before（前）或 after（后）"
        )
    return str(position)
