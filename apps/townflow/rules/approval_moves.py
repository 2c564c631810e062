"""The approval moves Chinese offices expect (issue 17.5), as pure rules shared by both runtimes.

- 比例会签 (ratio countersign): a mode-`all` step with `required: 2` or `required: "2/3"` completes
  as soon as that many signers approved. A rejection is one signer's "no" (a dissent): it decides
  the step only when the signers left can no longer reach the number; otherwise it is logged and
  the step waits on the others.
- 加签 (add signer): the approver holding a step's task adds signers before themselves (they sign
  first; the approver's own action is refused until they have) or after (the approver's approving
  action waits for them; one of them disagreeing takes the step's reject transition). The one who
  added a signer may remove them until they have signed.
- 会办 (parallel review): a state opens one branch per department its rule names; the document
  moves on when every branch approved; a rejection or return by one ends the others.

Everything takes plain data (the spec models, the document as a dict, the action log as
`ActionEntry` rows) and answers or raises `WorkflowRuleError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from townflow.rules import steps as step_rules
from townflow.rules.steps import ActionEntry
from townflow.rules.workflow import WorkflowRuleError, current_state
from townflow.spec.models import Step, Workflow, WorkflowTransition

POSITIONS = ("before", "after")
#: log kinds these moves write (beside the engine's transition / vote / return ...)
DISSENT, ADD_SIGNER, REMOVE_SIGNER, SIGN, HELD, NOTE = (
    "dissent",
    "add_signer",
    "remove_signer",
    "sign",
    "held",
    "note",
)
#: what an added signer answers
AGREE, DISAGREE = "Agree", "Disagree"


# --- 比例会签 --------------------------------------------------------------------------------


def parse_required(value: int | str | None) -> tuple[int, int] | None:
    """`required` as (numerator, denominator): 2 -> (2, 0) (a number), "2/3" -> (2, 3) (a share);
    None when not given. Raises ValueError naming what is wrong."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("required must be a number (2) or a share (2/3), not true/false")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"required must be at least 1, not {value}")
        return value, 0
    text = str(value).strip()
    if text.isdigit():
        return parse_required(int(text))
    parts = text.split("/")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"required must be a number (2) or a share such as 2/3, not {value!r}")
    num, den = int(parts[0]), int(parts[1])
    if num < 1 or den < 1:
        raise ValueError(f"required {value!r}: both parts of the share must be at least 1")
    if num > den:
        raise ValueError(f"required {value!r} asks more signers ({num}) than the share has ({den})")
    return num, den


def required_count(step: Step, signers: int) -> int | None:
    """How many approvals complete a ratio step with `signers` signers (None: not a ratio step).
    A share rounds up: 2/3 of 4 signers is 3."""
    parsed = parse_required(step.required)
    if parsed is None or step.mode != "all":
        return None
    num, den = parsed
    if den == 0:
        return num
    return max(1, math.ceil(num * signers / den))


def is_ratio(step: Step) -> bool:
    return step.mode == "all" and step.required is not None


@dataclass(frozen=True)
class Outcome:
    """What one action does to a step: move it (`approved` / `rejected`), record a vote
    (`pending`), or record a dissent that does not decide (`dissent`)."""

    status: Literal["pending", "approved", "rejected", "dissent"]
    approved: list[str] = field(default_factory=list)
    dissented: list[str] = field(default_factory=list)
    need: int | None = None
    signers: int = 0


def step_dissents(history: Sequence[ActionEntry]) -> list[str]:
    """Users who said no in the current step without deciding it (ratio countersign)."""
    return [e.user for e in step_rules.entries_in_current_step(history) if e.kind == DISSENT]


def ratio_outcome(
    step: Step,
    transition: WorkflowTransition,
    user: str,
    required: Sequence[str],
    history: Sequence[ActionEntry],
) -> Outcome:
    """A ratio step: `required` is who the step still waits on plus who already approved (as the
    engine gathers it for 会签); dissenters are added from the log. Approving counts one vote and
    completes the step at the number; rejecting completes it the reject way only when the
    approvals and the signers still to act can no longer reach the number."""
    votes = step_rules.step_votes(history)
    dissents = step_dissents(history)
    if user in votes:
        raise WorkflowRuleError(f"{user} has already approved this step", "transition")
    if user in dissents:
        raise WorkflowRuleError(f"{user} has already said no in this step", "transition")
    signers = list(dict.fromkeys([*required, *dissents]))
    if user not in signers:
        raise WorkflowRuleError(f"{user} is not one of the approvers of this step", "permission")
    need = required_count(step, len(signers)) or len(signers)
    if transition.kind in step_rules.APPROVAL_KINDS:
        approved = [*votes, user]
        status = "approved" if len(approved) >= need else "pending"
        return Outcome(status, approved, dissents, need, len(signers))
    if transition.kind == "reject":
        dissented = [*dissents, user]
        undecided = [u for u in signers if u not in votes and u not in dissented]
        if len(votes) + len(undecided) < need:
            return Outcome("rejected", votes, dissented, need, len(signers))
        return Outcome("dissent", votes, dissented, need, len(signers))
    return Outcome("approved", votes, dissents, need, len(signers))  # other kinds move at once


def countersign_outcome(
    workflow: Workflow,
    doc: Mapping[str, Any],
    transition: WorkflowTransition,
    user: str,
    required: Sequence[str],
    history: Sequence[ActionEntry],
) -> Outcome:
    """`townflow.rules.steps.countersign_outcome`, extended by the ratio: the one call both
    runtimes make for an approver's action."""
    step = step_rules.step_of(workflow, current_state(workflow, doc))
    if is_ratio(step):
        return ratio_outcome(step, transition, user, required, history)
    tally = step_rules.countersign_outcome(workflow, doc, transition, user, required, history)
    return Outcome(tally.status, list(tally.approved))


def check_ratio_signers(step: Step, state: str, signers: int) -> None:
    """Entering a ratio step with fewer signers than its number would wait forever: refuse."""
    parsed = parse_required(step.required) if step.mode == "all" else None
    if parsed is not None and parsed[1] == 0 and signers < parsed[0]:
        raise WorkflowRuleError(
            f"{state} needs {parsed[0]} approvals but only {signers} users may sign it", "rule"
        )


# --- 加签 ------------------------------------------------------------------------------------


def allowed_positions(step: Step) -> tuple[str, ...]:
    if step.add_signer is True:
        return POSITIONS
    if not step.add_signer:
        return ()
    return tuple(p for p in POSITIONS if p in step.add_signer)


@dataclass(frozen=True)
class AddedSigner:
    """One signer added to the current step (as both runtimes store them)."""

    user: str
    position: Literal["before", "after"]
    added_by: str
    status: Literal["Open", "Agreed", "Disagreed", "Removed", "Closed"] = "Open"


def check_add_signers(
    workflow: Workflow,
    doc: Mapping[str, Any],
    adder: str,
    adder_holds_task: bool,
    position: str,
    users: Sequence[str],
    existing: Iterable[AddedSigner],
) -> list[str]:
    """The users to add (in order, once each), or the refusal."""
    state = current_state(workflow, doc)
    allowed = allowed_positions(step_rules.step_of(workflow, state))
    if not allowed:
        raise WorkflowRuleError(f"The step {state} does not allow adding signers (加签)", "transition")
    if position not in POSITIONS:
        raise WorkflowRuleError(f"position must be before or after, not {position!r}", "rule", ["position"])
    if position not in allowed:
        raise WorkflowRuleError(
            f"The step {state} allows adding signers only {' or '.join(allowed)} the approver", "transition"
        )
    if not adder_holds_task:
        raise WorkflowRuleError("Only an approver who holds this step's task may add signers", "permission")
    wanted = [u.strip() for u in users if u and u.strip()]
    if not wanted:
        raise WorkflowRuleError("Name at least one signer to add", "rule", ["users"])
    open_now = {s.user for s in existing if s.status == "Open"}
    for user in wanted:
        if user == adder:
            raise WorkflowRuleError("You cannot add yourself as a signer", "rule", ["users"])
        if user in open_now:
            raise WorkflowRuleError(f"{user} is already a signer of this step", "rule", ["users"])
    return list(dict.fromkeys(wanted))


def check_remove_signer(remover: str, signer: str, existing: Iterable[AddedSigner]) -> AddedSigner:
    """Only the one who added a signer removes them, and only until they have signed."""
    found = [s for s in existing if s.user == signer]
    if not found:
        raise WorkflowRuleError(f"{signer} is not an added signer of this step", "rule", ["user"])
    current = found[-1]
    if current.status in {"Agreed", "Disagreed"}:
        raise WorkflowRuleError(f"{signer} has already signed and can no longer be removed", "transition")
    if current.status != "Open":
        raise WorkflowRuleError(f"{signer} is not an added signer of this step", "rule", ["user"])
    if current.added_by != remover:
        raise WorkflowRuleError(f"Only {current.added_by}, who added {signer}, may remove them", "permission")
    return current


def check_sign(
    signer: str, decision: str, comment: str | None, existing: Iterable[AddedSigner]
) -> AddedSigner:
    """An added signer's answer: Agree, or Disagree with a reason."""
    mine = [s for s in existing if s.user == signer and s.status == "Open"]
    if not mine:
        raise WorkflowRuleError("You are not an added signer waited on by this step", "permission")
    if decision not in (AGREE, DISAGREE):
        raise WorkflowRuleError(
            f"decision must be {AGREE} or {DISAGREE}, not {decision!r}", "rule", ["decision"]
        )
    if decision == DISAGREE and not (comment or "").strip():
        raise WorkflowRuleError("A comment is required to disagree", "comment", ["comment"])
    return mine[0]


def waiting_before(existing: Iterable[AddedSigner], owner: str) -> list[str]:
    """Signers `owner` added before themselves who have not signed yet."""
    return [s.user for s in existing if s.position == "before" and s.added_by == owner and s.status == "Open"]


def waiting_after(existing: Iterable[AddedSigner]) -> list[str]:
    return [s.user for s in existing if s.position == "after" and s.status == "Open"]


def refuse_while_before_signers(existing: Iterable[AddedSigner], owner: str) -> None:
    """The approver's own action waits for the signers they added before themselves."""
    waiting = waiting_before(existing, owner)
    if waiting:
        raise WorkflowRuleError(
            f"Wait for the signers you added before yourself (加签): {', '.join(waiting)}", "transition"
        )


def reject_transition(workflow: Workflow, state: str) -> WorkflowTransition | None:
    """The step's reject way out (where an after-signer's disagreement takes the document)."""
    return next((t for t in workflow.transitions if t.state == state and t.kind == "reject"), None)


# --- 会办 ------------------------------------------------------------------------------------


def branch_departments(value: Any, roles: Mapping[str, str], state: str) -> list[str]:
    """The departments a 会办 rule named, once each, in order; refused when it names none or one
    without a deciding role."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise WorkflowRuleError(f"The joint review rule of {state} must give a list of departments", "rule")
    departments = list(dict.fromkeys(str(v) for v in value if v))
    if not departments:
        raise WorkflowRuleError(
            f"The joint review rule of {state} names no department for this document", "rule"
        )
    unknown = [d for d in departments if d not in roles]
    if unknown:
        raise WorkflowRuleError(
            f"The joint review of {state} has no deciding role for {', '.join(unknown)}", "rule"
        )
    return departments


def branch_outcome(transition: WorkflowTransition, branches_left: int) -> Outcome:
    """A branch's decision: a rejection ends the step; an approval moves it once no branch is left."""
    if transition.kind == "reject":
        return Outcome("rejected")
    if transition.kind in step_rules.APPROVAL_KINDS or transition.kind == "other":
        return Outcome("approved" if branches_left == 0 else "pending")
    return Outcome("approved")
