"""Pregnancy monitoring (孕情监测) as pure functions: the visit schedule, the work it makes, escalation.

"单月访、双月查": every ongoing pregnancy is visited every `followup_visit_interval_days` and
checked every `followup_check_interval_days` (Campaign Settings), counted from the last visit of
that kind (or from the day the record was opened). A visit or check falling due becomes work for
the village clerk `followup_notice_days` before its due date; once it is
`followup_escalate_after_days` days overdue it is escalated to the township clerk. A pregnancy
past its expected delivery date plus `outcome_grace_days` with no outcome is work too
("孕情必有结果"). Due dates land on working days (a visit due on a holiday is due the next working
day, a 调休 Saturday is worked); escalation counts days as `followup_day_kind` says.

Both runtimes call these with plain data (a record dict with its `visits` rows, the settings
mapping, today's date), so the embedded tick and the Frappe scheduler produce the same lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from townflow.rules import campaign as campaign_rules
from townflow.rules import workdays

DOCTYPE = "Pregnancy Record"
VISIT_DOCTYPE = "Pregnancy Follow Up Visit"
ONGOING = "Ongoing"
#: visit types that count as the bimonthly check (双月查); every visit type counts as a visit (单月访)
CHECK_TYPES = frozenset({"Pregnancy Check"})
#: a pregnancy without an expected delivery date is due 280 days after the last menstrual period
GESTATION_DAYS = 280

VISIT, CHECK, OUTCOME = "visit", "check", "outcome"
KINDS = (VISIT, CHECK, OUTCOME)
#: the work item's state as the inbox shows it (the workflow_state column of a to-do)
KIND_STATE = {VISIT: "Visit Due", CHECK: "Check Due", OUTCOME: "Outcome Overdue"}
STATE_KIND = {v: k for k, v in KIND_STATE.items()}
KIND_LABEL = {
    VISIT: {"zh": "随访到期", "en": "Visit due"},
    CHECK: {"zh": "孕检到期", "en": "Check due"},
    OUTCOME: {"zh": "孕情结果逾期", "en": "Outcome overdue"},
}
#: who works a due visit, and who it is escalated to
CLERK_ROLE = "Village Clerk"
ESCALATE_ROLE = "Township Clerk"
WORK_ROLES = frozenset({CLERK_ROLE, ESCALATE_ROLE})

#: Campaign Settings fields read here, with the spec's defaults (a stored single from before a
#: field was added lacks it)
DEFAULTS: dict[str, Any] = {
    "followup_visit_interval_days": 30,
    "followup_check_interval_days": 60,
    "followup_notice_days": 3,
    "followup_escalate_after_days": 5,
    "outcome_grace_days": 14,
    "followup_day_kind": "working",
}


@dataclass(frozen=True)
class Policy:
    """The monitoring figures of Campaign Settings."""

    visit_interval_days: int = 30
    check_interval_days: int = 60
    notice_days: int = 3
    escalate_after_days: int = 5
    outcome_grace_days: int = 14
    day_kind: workdays.DayKind = "working"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> Policy:
        values = {**DEFAULTS, **{k: v for k, v in (settings or {}).items() if v not in (None, "")}}
        kind = values["followup_day_kind"] if values["followup_day_kind"] in workdays.DAY_KINDS else "working"
        return cls(
            visit_interval_days=max(1, int(values["followup_visit_interval_days"])),
            check_interval_days=max(1, int(values["followup_check_interval_days"])),
            notice_days=max(0, int(values["followup_notice_days"])),
            escalate_after_days=max(0, int(values["followup_escalate_after_days"])),
            outcome_grace_days=max(0, int(values["outcome_grace_days"])),
            day_kind=kind,
        )


@dataclass(frozen=True)
class Schedule:
    """Where one pregnancy stands: the last visit and check, and when the next ones are due."""

    last_visit: date | None
    next_visit_due: date
    last_check: date | None
    next_check_due: date
    outcome_due: date | None


@dataclass(frozen=True)
class WorkItem:
    """One piece of monitoring work on a pregnancy record, open today."""

    record: str
    kind: str
    due: date
    escalate_on: date
    village: str | None
    title: str

    @property
    def state(self) -> str:
        return KIND_STATE[self.kind]

    def escalated(self, today: date) -> bool:
        return today >= self.escalate_on

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due).days)

    @property
    def escalation_due(self) -> date | None:
        """The due date the township's escalated copy shows. None for a missing outcome: its due
        date is the expected delivery date plus grace, and the expected date is a sensitive field
        the township clerk may not read (permlevel 1); the escalation says only that it is overdue."""
        return None if self.kind == OUTCOME else self.due

    def escalation_note(self, today: date) -> str:
        return "outcome overdue" if self.kind == OUTCOME else f"{self.days_overdue(today)} days overdue"


#: a Date field as stored (ISO text, date or datetime), or None when empty: the campaign rules' parser
as_date = campaign_rules._as_date


def schedule(record: Mapping[str, Any], policy: Policy) -> Schedule:
    """The next visit and check of a pregnancy, from its `visits` rows (visit_date, visit_type)."""
    start = as_date(record.get("registered_on")) or as_date(record.get("creation")) or date.today()
    visits = [(as_date(v.get("visit_date")), v.get("visit_type")) for v in record.get("visits") or ()]
    dated = [(d, t) for d, t in visits if d is not None]
    last_visit = max((d for d, _ in dated), default=None)
    last_check = max((d for d, t in dated if t in CHECK_TYPES), default=None)
    next_visit = workdays.next_working_day((last_visit or start) + timedelta(days=policy.visit_interval_days))
    next_check = workdays.next_working_day((last_check or start) + timedelta(days=policy.check_interval_days))
    return Schedule(last_visit, next_visit, last_check, next_check, outcome_due(record, policy))


def outcome_due(record: Mapping[str, Any], policy: Policy) -> date | None:
    """The day an ongoing pregnancy without an outcome becomes work: expected date plus grace."""
    expected = as_date(record.get("expected_delivery_date"))
    if expected is None:
        lmp = as_date(record.get("lmp_date"))
        if lmp is None:
            return None
        expected = lmp + timedelta(days=GESTATION_DAYS)
    return workdays.next_working_day(expected + timedelta(days=policy.outcome_grace_days))


def work_items(record: Mapping[str, Any], policy: Policy, today: date) -> list[WorkItem]:
    """The monitoring work open today on one record: nothing once it has an outcome."""
    if (record.get("outcome") or ONGOING) != ONGOING:
        return []
    plan = schedule(record, policy)
    title = str(record.get("person_name") or record.get("name") or "")
    found = []
    candidates = [(VISIT, plan.next_visit_due), (CHECK, plan.next_check_due), (OUTCOME, plan.outcome_due)]
    for kind, due in candidates:
        if due is None:
            continue
        notice = 0 if kind == OUTCOME else policy.notice_days
        if today < due - timedelta(days=notice):
            continue
        escalate_on = workdays.add_days(due, policy.escalate_after_days, policy.day_kind)
        found.append(WorkItem(str(record.get("name")), kind, due, escalate_on, record.get("village"), title))
    return found


@dataclass(frozen=True)
class OverdueRow:
    """One line of the overdue list, the same in both runtimes."""

    record: str
    kind: str
    due: date
    days_overdue: int
    escalated: bool
    village: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "days_overdue": self.days_overdue,
            "escalated": self.escalated,
            "village": self.village,
        }


def overdue_list(records: Iterable[Mapping[str, Any]], policy: Policy, today: date) -> list[OverdueRow]:
    """Every overdue visit, check and outcome among `records`, most overdue first."""
    items = [item for record in records for item in work_items(record, policy, today) if item.due < today]
    rows = [
        OverdueRow(i.record, i.kind, i.due, i.days_overdue(today), i.escalated(today), i.village)
        for i in items
    ]
    return sorted(rows, key=lambda r: (r.due, r.record, KINDS.index(r.kind)))


def due_text(due: date, today: date, lang: str = "zh") -> str:
    """A due date as the UI shows it: the date, and "剩余N个工作日" (or how long overdue)."""
    left = workdays.working_days_between(today, due)
    if left > 0:
        return f"{due} · 剩余{left}个工作日" if lang == "zh" else f"{due} · {left} working days left"
    if left == 0 and due >= today:
        return f"{due} · 今日到期" if lang == "zh" else f"{due} · due today"
    late = (today - due).days
    return f"{due} · 已超期{late}天" if lang == "zh" else f"{due} · {late} days overdue"


def visit_signed(visit: Mapping[str, Any]) -> bool:
    """A visit carries the family's signature: an image drawn on screen or a scanned signed sheet.
    One without it is incomplete (群众签名制) and counts against the village's completeness."""
    return bool(visit.get("signature_image"))


#: the Pregnancy Record's schedule fields, filled on every save from its visits
SCHEDULE_FIELDS = ("last_visit_date", "next_visit_due", "next_check_due", "unsigned_visits")


def schedule_fields(record: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """What the record shows of its schedule: its last visit, its next visit and check due (none
    once it has an outcome), and how many of its visits lack the family's signature."""
    plan = schedule(record, policy)
    ongoing = (record.get("outcome") or ONGOING) == ONGOING
    return {
        "last_visit_date": plan.last_visit.isoformat() if plan.last_visit else None,
        "next_visit_due": plan.next_visit_due.isoformat() if ongoing else None,
        "next_check_due": plan.next_check_due.isoformat() if ongoing else None,
        "unsigned_visits": sum(1 for v in record.get("visits") or () if not visit_signed(v)),
    }
