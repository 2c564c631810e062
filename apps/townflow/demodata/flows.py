"""The demo's applications: one (or more) per workflow state of each of the three processes.

Each `Flow` says which family files it, what the clerk types, and which approvers take which
actions to bring it to its state. `run_flow` does exactly that through the runtime's Session
and workflow API, so the demo data went through every rule a real application goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from townflow.runtime import workflow

SUBSIDY = "Subsidy Application"
STUDENT_AID = "Student Aid Application"
CERTIFICATE = "Termination Certificate Application"
FACILITY = "高新街道卫生院"
TODAY = date.today()

Step = tuple[str, str, str | None]  # (actor, action, comment); actor "clerk"/"head" or an email


@dataclass
class Flow:
    doctype: str
    target: str
    fields: Callable[[dict[str, Any]], dict[str, Any]]  # household -> the clerk's fields
    steps: list[Step] = field(default_factory=list)
    needs: Callable[[dict[str, Any]], bool] = lambda household: True
    #: run before the step with this index (e.g. an officer records the payment date)
    before: dict[int, Callable[[Any, str, Any], None]] = field(default_factory=dict)
    #: days the site's clock is set back while the flow runs (a certificate issued long ago)
    days_ago: int = 0
    #: what the clerk records on the registries before filing (a girl's dropping out)
    prepare: Callable[[Any, dict[str, Any]], None] | None = None


def _head(h: dict[str, Any]) -> str:
    return next(p["name"] for p in h["people"] if p["relationship"] == "Head")


def _wife(h: dict[str, Any]) -> str:
    return next(p["name"] for p in h["people"] if p["relationship"] == "Spouse")


def _daughter(h: dict[str, Any]) -> str:
    return next(p["name"] for p in h["people"] if p["relationship"] == "Daughter")


def _one_girl(h: dict[str, Any]) -> bool:
    return h["household_type"] == "One-girl"


def _low_income(h: dict[str, Any]) -> bool:
    return h["income_status"] != "Normal"


# -- Subsidy Application ---------------------------------------------------------------------

FILE = [("clerk", "Submit", None)]
#: a step that moves the site's clock on by this many days: the demo files a flow that passes a
#: public notice (公示) that many days back, so its last step is taken now
CLOCK = "clock"
NOTICE_DAYS = 20  # covers 7 working days even across the Spring Festival or National Day
VILLAGE_NOTICE_ENDED = [(CLOCK, str(NOTICE_DAYS), None), ("head", "End Notice", "公示期满无异议")]
TOWNSHIP_NOTICE_ENDED = [(CLOCK, str(NOTICE_DAYS), None), ("approver@demo", "End Notice", "公示期满无异议")]
VERIFIED = [*FILE, ("head", "Verify", "情况属实")]  # posted in the village now
PAST_VILLAGE_NOTICE = [*VERIFIED, *VILLAGE_NOTICE_ENDED]
FORWARDED = [*PAST_VILLAGE_NOTICE, ("approver@demo", "Forward", "转相关部门审核")]
#: student aid has no public notice
AID_FORWARDED = [*VERIFIED, ("approver@demo", "Forward", "转相关部门审核")]


def _paid_relief() -> list[Step]:
    return [*_approved("civil@demo"), ("finance@demo", "Record Payment", None)]


def _approved(department: str) -> list[Step]:
    """Forwarded, approved by `department`, past the township notice, approval notice issued."""
    return [
        *FORWARDED,
        (department, "Approve", None),
        *TOWNSHIP_NOTICE_ENDED,
        ("approver@demo", "Issue Notice", None),
    ]


def _subsidy(kind: str, amount: float, **extra: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def build(h: dict[str, Any]) -> dict[str, Any]:
        values = {"doctype": SUBSIDY, "household": h["name"], "applicant": _head(h), "benefit_kind": kind}
        values.update(amount=amount, bank_name="农村信用社", bank_account="6228480000000000")
        for key, value in extra.items():
            values[key] = value(h) if callable(value) else value
        return values

    return build


REWARD = _subsidy("One-time Reward", 1000, one_girl_pledge=1, pledge_signed_on="2025-03-01")
LOAN = _subsidy(
    "Interest-subsidised Loan", 3000, loan_purpose="养殖肉牛", lending_bank="农村信用社", loan_term_months=24
)
RELIEF = _subsidy(
    "Low-income Relief",
    600,
    hardship_description="家庭主要劳动力患病，收入微薄",
    monthly_household_income=800,
)
INSURANCE = _subsidy(
    "Only-child Insurance", 200, insured_child=_daughter, insurer="中国人寿", policy_no="LQ-2025-001"
)
FEE_WAIVER = _subsidy(
    "Fee Waiver",
    100,
    hospital_name="县人民医院",
    treatment_date="2025-10-08",
    registration_fee=10,
    treatment_fees=900,
)

# benefits in kind (amount 0): priorities of industry & commerce and tax, the free health check
MARKET_STALL = _subsidy(
    "Industry and Commerce Priority", 0, business_name="农家早餐铺", priority_item="Market Stall"
)
TAX_REDUCTION = _subsidy("Tax Reduction Priority", 0, business_name="农家早餐铺", tax_item="个体工商户增值税")
HEALTH_CHECK = _subsidy("Free Health Check", 0, benefit_year=TODAY.year)
# 会办: a student loan goes to Finance and Education at once (Pending Joint Review)
STUDENT_LOAN = _subsidy("Student Loan", 6000, student=_daughter, school_name="山东大学")


def _record_in_school(clerk: Any, h: dict[str, Any]) -> None:
    """A student loan is for a child of the household in school: the clerk records it first."""
    girl = clerk.get("Person", _daughter(h))
    clerk.save({**girl, "is_in_school": 1, "school": "山东大学", "dropped_out": 0})


def _finance_decides(session: Any, name: str, ctx: Any) -> None:
    """Finance approves its branch of the joint review; Education's is still open."""
    finance = ctx.session("finance@demo")
    workflow.apply_workflow(finance, finance.get(SUBSIDY, name), "Approve", "同意发放助学贷款")


def _disburse(session: Any, name: str, ctx: Any) -> None:
    doc = session.get(SUBSIDY, name)
    session.insert(
        {
            "doctype": "Disbursement",
            "subsidy_application": name,
            "amount": doc["amount"],
            "payment_date": TODAY.isoformat(),
            "payment_method": "Loan Interest Subsidy",
            "bank_reference": f"YH-{name}",
            "paid_by": "finance@demo",
            "docstatus": 1,
        }
    )


SUBSIDY_FLOWS = [
    Flow(SUBSIDY, "Draft", REWARD, [], _one_girl),
    # filed three days ago: the head's 48-hour step is overdue, so the scheduler reminds her and
    # escalates to the Township Clerk, whose inbox has work too
    Flow(SUBSIDY, "Pending Village Verification", LOAN, FILE, days_ago=3),
    # on public notice in its village now: listed on /notice, where anyone may object
    Flow(SUBSIDY, "Village Public Notice", FEE_WAIVER, VERIFIED),
    Flow(SUBSIDY, "Pending Township Review", FEE_WAIVER, PAST_VILLAGE_NOTICE, days_ago=NOTICE_DAYS),
    Flow(SUBSIDY, "Pending Civil Affairs Review", RELIEF, FORWARDED, _low_income, days_ago=NOTICE_DAYS),
    Flow(SUBSIDY, "Pending Finance Review", LOAN, FORWARDED, days_ago=NOTICE_DAYS),
    Flow(SUBSIDY, "Pending Human Resources Review", INSURANCE, FORWARDED, _one_girl, days_ago=NOTICE_DAYS),
    Flow(SUBSIDY, "Pending Health Review", FEE_WAIVER, FORWARDED, days_ago=NOTICE_DAYS),
    # approved by civil affairs and on public notice at the township now
    Flow(
        SUBSIDY,
        "Township Public Notice",
        RELIEF,
        [*FORWARDED, ("civil@demo", "Approve", None)],
        _low_income,
        days_ago=NOTICE_DAYS,
    ),
    Flow(
        SUBSIDY,
        "Pending Approval Notice",
        RELIEF,
        [*FORWARDED, ("civil@demo", "Approve", None), *TOWNSHIP_NOTICE_ENDED],
        _low_income,
        days_ago=2 * NOTICE_DAYS,
    ),
    Flow(SUBSIDY, "Approved", REWARD, _approved("finance@demo"), _one_girl, days_ago=2 * NOTICE_DAYS),
    Flow(
        SUBSIDY,
        "Disbursed",
        LOAN,
        [*_approved("finance@demo"), ("finance@demo", "Record Payment", None)],
        before={len(_approved("finance@demo")): _disburse},
        days_ago=2 * NOTICE_DAYS,
    ),
    Flow(SUBSIDY, "Rejected", FEE_WAIVER, [*FILE, ("head", "Reject", "就诊票据不全，请补充后重新提交")]),
    # 低保 stopped by the township (no longer in hardship), and one whose yearly reconfirmation
    # (年审) fell due two weeks ago: the tick opens it in the village clerk's inbox
    Flow(
        SUBSIDY,
        "Stopped",
        RELIEF,
        [*_paid_relief(), ("approver@demo", "Stop Benefit", "家庭收入已超过低保标准，自即日起停发")],
        _low_income,
        before={len(_approved("civil@demo")): _disburse},
        days_ago=2 * NOTICE_DAYS,
    ),
    Flow(
        SUBSIDY,
        "Disbursed",
        RELIEF,
        _paid_relief(),
        _low_income,
        before={len(_approved("civil@demo")): _disburse},
        days_ago=2 * NOTICE_DAYS + 380,
    ),
    Flow(SUBSIDY, "Pending Industry and Commerce Review", MARKET_STALL, FORWARDED, days_ago=NOTICE_DAYS),
    Flow(SUBSIDY, "Pending Tax Review", TAX_REDUCTION, FORWARDED, days_ago=NOTICE_DAYS),
    Flow(SUBSIDY, "Pending Family Planning Office Review", HEALTH_CHECK, FORWARDED, days_ago=NOTICE_DAYS),
    Flow(
        SUBSIDY,
        "Granted",
        HEALTH_CHECK,
        [*_approved("fpo@demo"), ("finance@demo", "Confirm Granted", None)],
        days_ago=2 * NOTICE_DAYS,
    ),
    # 会办 last: adding them left every other demo flow in the village it had before
    Flow(
        SUBSIDY,
        "Pending Joint Review",
        STUDENT_LOAN,
        FORWARDED,
        _one_girl,
        prepare=_record_in_school,
        days_ago=NOTICE_DAYS,
    ),
    Flow(
        SUBSIDY,
        "Pending Joint Review",
        STUDENT_LOAN,
        FORWARDED,
        _one_girl,
        before={len(FORWARDED): _finance_decides},
        prepare=_record_in_school,
        days_ago=NOTICE_DAYS,
    ),
]

# -- Student Aid Application -----------------------------------------------------------------


def _aid(kind: str, **extra: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def build(h: dict[str, Any]) -> dict[str, Any]:
        values = {
            "doctype": STUDENT_AID,
            "student": _daughter(h),
            "guardian_name": h["head_name"],
            "guardian_mobile": h.get("phone"),
            "aid_kind": kind,
            "academic_year": "2025-2026",
        }
        values.update(extra)
        return values

    return build


UNIVERSITY = _aid(
    "Poor Female University Student",
    school="山东师范大学",
    grade="大一",
    amount=3000,
    admission_letter="/files/admission-letter.pdf",
    family_hardship="父亲务农，家庭年收入不足一万元",
)
DROPOUT = _aid(
    "Dropout Girl Returning to School",
    school="高新中学",
    grade="初二",
    dropped_out_on="2025-03-01",
    dropout_reason="家中缺少劳动力",
    help_plan="村干部结对帮扶，免除杂费",
)
BONUS = _aid(
    "Senior High Admission Bonus",
    school="高新中学",
    grade="初三",
    exam_year=2026,
    exam_registration_no="ZK2026001",
)
AID_DONE = [*AID_FORWARDED, ("education@demo", "Approve", None)]


def _record_payment(session: Any, name: str, ctx: Any) -> None:
    doc = session.get(STUDENT_AID, name)
    session.save({**doc, "paid_on": TODAY.isoformat(), "payment_reference": f"ZX-PAY-{name}"})


def _record_dropout(clerk: Any, h: dict[str, Any]) -> None:
    """Dropout aid is for girls recorded as dropped out: the clerk records it on the person first."""
    girl = clerk.get("Person", _daughter(h))
    clerk.save({**girl, "dropped_out": 1, "dropped_out_on": "2025-03-01", "is_in_school": 0})


def _record_enrolment(session: Any, name: str, ctx: Any) -> None:
    doc = session.get(STUDENT_AID, name)
    session.save({**doc, "enrolled_on": TODAY.isoformat()})


STUDENT_AID_FLOWS = [
    Flow(STUDENT_AID, "Draft", BONUS, [], _one_girl),
    Flow(STUDENT_AID, "Pending Village Verification", UNIVERSITY, FILE),
    Flow(STUDENT_AID, "Pending Township Review", DROPOUT, VERIFIED, prepare=_record_dropout),
    Flow(STUDENT_AID, "Pending Education Review", UNIVERSITY, AID_FORWARDED),
    Flow(STUDENT_AID, "Approved", DROPOUT, AID_DONE, prepare=_record_dropout),
    Flow(
        STUDENT_AID,
        "Paid",
        UNIVERSITY,
        [*AID_DONE, ("education@demo", "Record Payment", None)],
        before={4: _record_payment},
    ),
    Flow(
        STUDENT_AID,
        "Enrolled",
        DROPOUT,
        [*AID_DONE, ("education@demo", "Confirm Enrolment", None)],
        before={4: _record_enrolment},
        prepare=_record_dropout,
    ),
    Flow(STUDENT_AID, "Rejected", UNIVERSITY, [*FILE, ("head", "Reject", "录取通知书复印件不清晰")]),
]

# -- Termination Certificate Application -----------------------------------------------------


def _certificate(weeks: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def build(h: dict[str, Any]) -> dict[str, Any]:
        return {
            "doctype": CERTIFICATE,
            "person": _wife(h),
            "gestational_weeks": weeks,
            "reason_category": "Contraceptive Failure",
            "reason": "避孕失败，本人自愿申请终止妊娠",
            "facility": FACILITY,
            "planned_date": (TODAY + timedelta(days=7)).isoformat(),
        }

    return build


EARLY, LATE = _certificate(10), _certificate(16)
TO_TOWNSHIP = [*FILE, ("head", "Verify", None)]
ISSUED = [*TO_TOWNSHIP, ("approver@demo", "Approve", None)]
TO_HEALTH = ISSUED  # with 16 weeks the township's approval goes to the health office
COUNTERSIGN = [*TO_HEALTH, ("health@demo", "Approve", None)]


def _report(session: Any, name: str, ctx: Any) -> None:
    """The designated facility reports the operation: the certificate becomes Used."""
    facility = ctx.session("facility@demo")
    certificate = facility.get(CERTIFICATE, name)
    facility.insert(
        {
            "doctype": "Termination Report",
            "facility": FACILITY,
            "certificate": name,
            "person": certificate["person"],
            "operation_date": TODAY.isoformat(),
            "procedure": "Medical Abortion",
            "gestational_weeks": certificate["gestational_weeks"],
            "surgeon": "王医生",
            "reason": certificate["reason"],
            "maternal_condition": "Good",
            "docstatus": 1,
        }
    )


CERTIFICATE_FLOWS = [
    Flow(CERTIFICATE, "Draft", EARLY),
    Flow(CERTIFICATE, "Pending Village Verification", EARLY, FILE),
    Flow(CERTIFICATE, "Pending Township Approval", EARLY, TO_TOWNSHIP),
    Flow(CERTIFICATE, "Pending Health Review", LATE, TO_HEALTH),
    Flow(
        CERTIFICATE,
        "Pending Leader Countersign",
        LATE,
        [*COUNTERSIGN, ("leader1@demo", "Countersign", "同意")],
    ),
    Flow(CERTIFICATE, "Issued", EARLY, ISSUED),
    Flow(
        CERTIFICATE,
        "Issued",
        LATE,
        [*COUNTERSIGN, ("leader1@demo", "Countersign", "同意"), ("leader2@demo", "Countersign", "同意")],
    ),
    Flow(CERTIFICATE, "Used", EARLY, ISSUED, before={3: _report}),
    Flow(CERTIFICATE, "Expired", EARLY, ISSUED, days_ago=45),
    Flow(CERTIFICATE, "Revoked", EARLY, [*ISSUED, ("approver@demo", "Revoke", "当事人撤回申请")]),
    Flow(CERTIFICATE, "Rejected", EARLY, [*FILE, ("head", "Reject", "孕情档案信息不全")]),
]


def _pregnancy(clerk: Any, h: dict[str, Any], weeks: int) -> str:
    """The ongoing pregnancy record a certificate application refers to (filed by the clerk)."""
    lmp = TODAY - timedelta(weeks=weeks)
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": _wife(h),
            "responsible_visitor": "村计生专干",
            "registered_on": (lmp + timedelta(weeks=6)).isoformat(),
            "lmp_date": lmp.isoformat(),
            "expected_delivery_date": (lmp + timedelta(days=280)).isoformat(),
            "gestational_weeks": weeks,
            "pregnancy_order": 2,
            "existing_children": 1,
            "outcome": "Ongoing",
        }
    )
    return record["name"]


# -- running the flows -----------------------------------------------------------------------


def _actor(step_actor: str, village_number: int) -> str:
    if step_actor in {"clerk", "head"}:
        return f"{step_actor}.v{village_number:02d}@demo"
    return step_actor


def run_flow(ctx: Any, flow: Flow, village_number: int, household: dict[str, Any]) -> str:
    """File the application as the village clerk and take every step as its approver."""
    clerk = ctx.session(_actor("clerk", village_number))
    if flow.prepare is not None:
        flow.prepare(clerk, household)
    values = flow.fields(household)
    if flow.doctype == CERTIFICATE:
        values["pregnancy_record"] = _pregnancy(clerk, household, values["gestational_weeks"])
    name = clerk.insert(values)["name"]
    for index in range(len(flow.steps) + 1):
        actor_session = None
        if index in flow.before:
            actor = (
                _actor(flow.steps[index][0], village_number) if index < len(flow.steps) else "Administrator"
            )
            actor_session = ctx.session(actor)
            flow.before[index](actor_session, name, ctx)
        if index == len(flow.steps):
            break
        actor, action, comment = flow.steps[index]
        if actor == CLOCK:  # the notice window runs out: the site's clock moves on
            ctx.site.now = lambda base=ctx.site.now, days=int(action): base() + timedelta(days=days)
            continue
        session = ctx.session(_actor(actor, village_number))
        doc = session.get(flow.doctype, name)
        if doc.get("workflow_state") == flow.target:
            break  # e.g. a countersign step the first signature already completed
        workflow.apply_workflow(session, doc, action, comment)
    return name


def _already_loaded(ctx: Any, doctype: str) -> bool:
    clerks = [email for email in ctx.users if email.startswith("clerk.")]
    return bool(ctx.admin.get_count(doctype, {"owner": ["in", clerks]}))


def ensure_applications(ctx: Any) -> list[str]:
    """Every flow of every process, spread over the staffed villages; answers the failures."""
    from townflow.demodata.standard import STAFFED_VILLAGES

    failures: list[str] = []
    staffed = ctx.villages[:STAFFED_VILLAGES]
    # each flow takes its own family: a family's eligibility is used up by its application
    tick_needed = False
    processes = ((SUBSIDY, SUBSIDY_FLOWS), (STUDENT_AID, STUDENT_AID_FLOWS), (CERTIFICATE, CERTIFICATE_FLOWS))
    for offset, (doctype, flows) in enumerate(processes):
        if _already_loaded(ctx, doctype):
            ctx.log(f"demo: {doctype} already loaded")
            continue
        done = 0
        pools = {village: list(ctx.households[village]) for village in staffed}
        for number, flow in enumerate(flows):
            village_number = (number + offset) % len(staffed) + 1  # every village head gets work
            pool = pools[staffed[village_number - 1]]
            household = next((h for h in pool if flow.needs(h)), None)
            if household is None:
                failures.append(
                    f"{doctype} -> {flow.target}: no eligible family left in {staffed[village_number - 1]}"
                )
                continue
            pool.remove(household)
            clock = ctx.site.now
            if flow.days_ago:
                ctx.site.now = lambda back=flow.days_ago, real=clock: real() - timedelta(days=back)
                tick_needed = True
            try:
                run_flow(ctx, flow, village_number, household)
                done += 1
            except Exception as exc:
                failures.append(f"{doctype} -> {flow.target}: {type(exc).__name__}: {exc}")
            finally:
                ctx.site.now = clock
        ctx.log(f"demo: {done} {doctype} in {len({f.target for f in flows})} workflow states")
    _ensure_objection(ctx)
    if tick_needed:
        # the scheduler: expires the certificate nobody used, reminds and escalates overdue steps
        ctx.site.tick(datetime.now())
    return failures


def _ensure_objection(ctx: Any) -> None:
    """公示: a villager objects to the application on notice in its village, so the township's
    objection desk (/notice/objections) has work at first login."""
    from townflow.runtime import public_notice

    if not ctx.site.metas.exists("Notice Objection") or ctx.admin.get_count("Notice Objection"):
        return
    notices = public_notice.current_notices(ctx.site, ctx.site.now().date())
    village = [n for n in notices if n["level"] == "Village"]
    if village:
        public_notice.file_objection(
            ctx.site,
            village[0]["name"],
            "王大爷",
            "13905431234",
            "该户去年新盖了楼房，家庭困难情况不实",
            ctx.site.now(),
        )
