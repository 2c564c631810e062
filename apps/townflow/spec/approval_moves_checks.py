"""Spec checks of the approval moves (比例会签 `required`, 加签 `add_signer`, 会办 `parallel`),
each error at its file:line (townflow.rules.approval_moves says what they mean)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from townflow.rules.approval_moves import parse_required
from townflow.spec.models import Workflow

if TYPE_CHECKING:
    from townflow.spec.checks import Checker
    from townflow.spec.project import Where


def _departments(c: Checker) -> set[str]:
    return set(c.record_names().get("Department", {}))


def check_approval_moves(c: Checker, wf: Workflow, where: Where, doctype) -> None:
    for index, s in enumerate(wf.states):
        step = s.step
        if step is None:
            continue
        at = ("states", index, "step")
        moves = [t for t in wf.transitions if t.state == s.state]
        if step.required is not None:
            if step.mode != "all":
                c.add(where, (*at, "required"), "required applies to a countersign step (mode: all) only")
            try:
                parse_required(step.required)
            except ValueError as exc:
                c.add(where, (*at, "required"), str(exc))
        if step.add_signer:
            if "after" in (["before", "after"] if step.add_signer is True else step.add_signer) and not any(
                t.kind == "reject" for t in moves
            ):
                c.add(
                    where,
                    (*at, "add_signer"),
                    f"signers added after the approver need a reject transition out of {s.state} "
                    "(where their disagreement takes the document)",
                )
            if step.parallel is not None:
                c.add(
                    where, (*at, "add_signer"), "add_signer does not apply to a joint review (parallel) step"
                )
        if step.parallel is not None:
            _check_parallel(c, wf, where, at, s.state, step, moves, doctype)


def _check_parallel(c: Checker, wf, where, at, state, step, moves, doctype) -> None:
    pat = (*at, "parallel")
    if step.mode != "any" or step.required is not None:
        c.add(where, (*at, "mode"), "a joint review (parallel) step decides per department: leave mode any")
    if step.assignee_role:
        c.add(
            where,
            (*at, "assignee_role"),
            "a joint review step names its roles per department in parallel.roles",
        )
    c.expression(where, (*pat, "departments"), step.parallel.departments, doctype)
    known = _departments(c)
    if not step.parallel.roles:
        c.add(where, (*pat, "roles"), "name the role that decides for each department")
    seen: dict[str, str] = {}
    for department, role in step.parallel.roles.items():
        if known and department not in known:
            c.add(
                where,
                (*pat, "roles", department),
                f"{department!r} is not a Department of fixtures/",
                at_key=True,
            )
        c.role(where, (*pat, "roles", department), role)
        spec_role = c.project.roles.get(role)
        if spec_role is not None and spec_role.scope != "department":
            c.add(
                where,
                (*pat, "roles", department),
                f"{role} has scope {spec_role.scope}; a department's deciding role needs scope department",
            )
        if role in seen:
            c.add(where, (*pat, "roles", department), f"{role} already decides for {seen[role]}")
        seen[role] = department
        if not any(t.allowed == role and t.kind in {"approve", "issue", "close", "other"} for t in moves):
            c.add(where, (*pat, "roles", department), f"no transition out of {state} lets {role} approve")
