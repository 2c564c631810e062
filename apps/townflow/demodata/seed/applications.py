"""Each planned application walks its real workflow: filed by the village clerk, then verified,
forwarded, approved, notified and paid by the users who hold those steps, hours or days apart,
so the approval log holds five years of realistic timings (some steps overdue) for the
Department Timeliness report. Rejections and work still under way come from the same walk.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from townflow.demodata.seed import benefits as b
from townflow.demodata.seed.registry import FamilyState, clerk, head_user
from townflow.demodata.seed.timeline import Timeline, at
from townflow.rules.workdays import add_working_days, next_working_day
from townflow.runtime import workflow

DEPARTMENT_USER = {
    b.REWARD: "finance@demo",
    b.LOAN: "finance@demo",
    b.RELIEF: "civil@demo",
    b.INSURANCE: "hr@demo",
    b.FEE_WAIVER: "health@demo",
}
#: Hours each step took: (fewest, most); a department sometimes holds work past its 120 hours.
STEP_HOURS = {"Verify": (2, 40), "Forward": (3, 70), "Approve": (20, 170), "Issue Notice": (2, 40)}
PAY_HOURS = (30, 200)


def _subsidy_fields(plan: b.ApplicationPlan, state: FamilyState, number: int) -> dict[str, Any]:
    family = plan.family
    day = plan.filed_on
    values: dict[str, Any] = {
        "doctype": b.SUBSIDY,
        "household": state.household,
        "applicant": state.people[family.head.id_number],
        "benefit_kind": plan.kind,
        "bank_name": "邹平农村商业银行",
        "bank_account": f"62284800{number:010d}",
    }
    if plan.kind == b.REWARD:
        values.update(amount=1000, one_girl_pledge=1, pledge_signed_on=(day - timedelta(days=7)).isoformat())
    elif plan.kind == b.LOAN:
        values.update(
            amount=plan.amount,
            loan_purpose=("养殖肉牛", "种植大棚蔬菜", "开办农家乐", "购置农机")[number % 4],
            lending_bank="邹平农村商业银行",
            loan_term_months=(12, 24, 36)[number % 3],
        )
    elif plan.kind == b.RELIEF:
        values.update(
            amount=(400, 500, 600)[number % 3],
            hardship_description="家庭主要劳动力患病，收入微薄",
            monthly_household_income=600 + number % 5 * 100,
            household_members=2 + len(family.children_on(day)),
        )
    elif plan.kind == b.INSURANCE:
        values.update(
            amount=(100, 200)[number % 2],
            insured_child=state.people[plan.person.id_number],
            insurer="中国人寿邹平支公司",
            policy_no=f"LQ-{day.year}-{number:05d}",
        )
    else:  # fee waiver
        values.update(
            amount=90 + number % 7 * 10,
            hospital_name="邹平市人民医院",
            treatment_date=(day - timedelta(days=5)).isoformat(),
            registration_fee=10,
            treatment_fees=900 + number % 7 * 100,
        )
    return values


def _aid_fields(plan: b.ApplicationPlan, state: FamilyState, number: int) -> dict[str, Any]:
    day = plan.filed_on
    year = day.year if day.month >= 8 else day.year - 1
    values: dict[str, Any] = {
        "doctype": b.STUDENT_AID,
        "student": state.people[plan.person.id_number],
        "guardian_name": plan.family.head.full_name,
        "guardian_mobile": plan.family.head.mobile,
        "aid_kind": plan.kind,
        "academic_year": f"{year}-{year + 1}",
    }
    if plan.kind == b.UNIVERSITY:
        values.update(
            school=("山东师范大学", "山东大学", "滨州学院", "齐鲁工业大学")[number % 4],
            grade="大一",
            amount=(3000, 4000, 5000)[number % 3],
            admission_letter="/files/admission-letter.pdf",
            family_hardship="父母务农，家庭年收入不足一万元",
        )
    elif plan.kind == b.DROPOUT:
        values.update(
            school="高新中学",
            grade="初一",
            amount=500,
            dropped_out_on=(day - timedelta(days=120)).isoformat(),
            dropout_reason="家中缺少劳动力，辍学在家",
            help_plan="村干部结对帮扶，免除杂费，每月家访",
        )
    else:  # senior high admission bonus
        values.update(
            school="高新中学",
            grade="初三",
            exam_year=day.year,
            exam_registration_no=f"ZK{day.year}{number:05d}",
        )
    return values


def _record_dropout(session: Any, person: str, filed_on: date) -> None:
    """Dropout aid is for girls recorded as dropped out: the clerk records it on the person first."""
    girl = session.get("Person", person)
    dropped = (filed_on - timedelta(days=120)).isoformat()
    session.save({**girl, "dropped_out": 1, "dropped_out_on": dropped, "is_in_school": 0})


def add_application(timeline: Timeline, plan: b.ApplicationPlan, state: FamilyState, number: int) -> None:
    """Schedule the filing and every later step of one application."""
    rng = random.Random(f"application-{number}")  # noqa: S311 - demo data
    doctype = plan.doctype
    family = plan.family
    doc: dict[str, Any] = {}
    when = at(plan.filed_on, rng.randrange(8, 17), rng.randrange(60))

    def file() -> None:
        session = timeline.session(clerk(family))
        if doctype == b.STUDENT_AID and plan.kind == b.DROPOUT:
            _record_dropout(session, state.people[plan.person.id_number], plan.filed_on)
        build = _subsidy_fields if doctype == b.SUBSIDY else _aid_fields
        row = session.insert(build(plan, state, number))
        doc["name"] = row["name"]
        workflow.apply_workflow(session, row, "Submit")

    timeline.add(when, file)
    steps = _steps(plan, family)
    if plan.outcome == "pending":
        steps = steps[: rng.randrange(0, 3)]
    elif plan.outcome == "rejected":
        at_step = rng.randrange(0, 3)
        steps = [*steps[:at_step], (steps[at_step][0], "Reject", REJECTIONS[at_step])]
    for user, action, comment in _with_notices(doctype, steps):
        if action == END_NOTICE:  # 公示: ended the first working morning after the window
            days = NOTICE_WORKING_DAYS[user == "approver@demo"]
            when = at(next_working_day(add_working_days(when.date(), days) + timedelta(days=1)), 9, 30)
            if when.date() >= timeline.today:
                break
            timeline.add(when, _act(timeline, doctype, doc, user, action, comment))
            continue
        low, high = (
            PAY_HOURS
            if action in ("Record Payment", "Confirm Enrolment")
            else STEP_HOURS.get(action, (2, 48))
        )
        when = _office_hours(when + timedelta(hours=rng.randrange(low, high), minutes=rng.randrange(60)))
        if when.date() >= timeline.today:
            break  # not done yet: the step is still in someone's inbox today
        timeline.add(when, _act(timeline, doctype, doc, user, action, comment))


END_NOTICE = "End Notice"
#: the Subsidy Application's notice windows (workflows/subsidy_application.yaml): village, township
NOTICE_WORKING_DAYS = {False: 5, True: 7}


def _with_notices(
    doctype: str, steps: list[tuple[str, str, str | None]]
) -> list[tuple[str, str, str | None]]:
    """公示 (issue 17): a subsidy verified by the village head is posted in the village, and one
    approved by its department at the township, before the next step; the steps chosen (pending,
    rejected) stay those of the plan, so the seed's random draws and figures do not change."""
    if doctype != b.SUBSIDY:
        return steps
    out: list[tuple[str, str, str | None]] = []
    for index, (user, action, comment) in enumerate(steps):
        out.append((user, action, comment))
        if index + 1 < len(steps) and action in ("Verify", "Approve"):
            out.append((user if action == "Verify" else "approver@demo", END_NOTICE, None))
    return out


REJECTIONS = (
    "经村委会核实，申请材料不全，请补充后重新提交",
    "不符合政策条件",
    "经部门审核，贷款项目不符合扶持范围",
)


def _office_hours(moment: datetime) -> datetime:
    """The same moment, or the next morning at 8 when it falls outside 8:00-18:00."""
    if moment.hour < 8:
        return moment.replace(hour=8)
    if moment.hour >= 18:
        return (moment + timedelta(days=1)).replace(hour=8)
    return moment


def _steps(plan: b.ApplicationPlan, family) -> list[tuple[str, str, str | None]]:
    head = head_user(family)
    if plan.doctype == b.STUDENT_AID:
        close = "Record Payment" if plan.kind == b.UNIVERSITY else "Confirm Enrolment"
        return [
            (head, "Verify", "情况属实"),
            ("approver@demo", "Forward", None),
            ("education@demo", "Approve", None),
            ("education@demo", close, None),
        ]
    steps = [
        (head, "Verify", "情况属实"),
        ("approver@demo", "Forward", "转相关部门审核"),
        (DEPARTMENT_USER[plan.kind], "Approve", None),
        ("approver@demo", "Issue Notice", None),
    ]
    return [*steps, ("finance@demo", "Record Payment", None)]  # the finance office pays out (or the premium)


def _act(
    timeline: Timeline, doctype: str, doc: dict, user: str, action: str, comment: str | None
) -> Callable[[], None]:
    def run() -> None:
        session = timeline.session(user)
        current = session.get(doctype, doc["name"])
        day = timeline.clock.now.date().isoformat()
        if action == "Record Payment" and doctype == b.SUBSIDY:
            _disburse(session, current, day)
        elif action == "Record Payment":
            current = session.save({**current, "paid_on": day, "payment_reference": f"ZX-PAY-{doc['name']}"})
        elif action == "Confirm Enrolment":
            current = session.save({**current, "enrolled_on": day})
        try:
            workflow.apply_workflow(session, current, action, comment)
        except Exception as error:
            state = current.get("workflow_state")
            raise RuntimeError(f"{user}: {action} on {doctype} {doc['name']} in {state}: {error}") from error

    return run


def _disburse(session: Any, application: dict[str, Any], day: str) -> None:
    loan = application["benefit_kind"] == b.LOAN
    session.insert(
        {
            "doctype": "Disbursement",
            "subsidy_application": application["name"],
            "amount": application["amount"],
            "payment_date": day,
            "payment_method": "Loan Interest Subsidy" if loan else "Bank Transfer",
            "bank_reference": f"YH-{application['name']}",
            "paid_by": "finance@demo",
            "docstatus": 1,
        }
    )


def reconfirmed_yearly(site: Any, today: date) -> int:
    """年审: the seed's continuing benefits (relief, insurance, pension) started up to five years
    ago; the township confirmed each every year, so the next reconfirmation date is the first
    anniversary of the one set at the start that is still to come (none is overdue at once)."""
    from townflow.rules.public_notice import add_months

    spec = site.project.workflows[b.SUBSIDY].reconfirmation
    if spec is None:
        return 0
    column = spec.date_field  # a Date field of the spec, checked by `townflow check`
    rows = site.db.fetchall(
        f'SELECT name, {column} AS due FROM "tabSubsidy Application" '  # noqa: S608 - spec field name
        f"WHERE {column} IS NOT NULL AND {column} != '' AND {column} <= ?",
        (today.isoformat(),),
    )
    with site.transaction():
        for row in rows:
            due = date.fromisoformat(row["due"])
            while due <= today:
                due = add_months(due, spec.every_months)
            site.db.execute(
                f'UPDATE "tabSubsidy Application" SET {column} = ? WHERE name = ?',  # noqa: S608
                (due.isoformat(), row["name"]),
            )
    return len(rows)
