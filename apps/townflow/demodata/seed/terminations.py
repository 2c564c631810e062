"""A termination as the campaign allows it (凭证引产): certificate first, then the facility.

The village clerk files the certificate application for an ongoing pregnancy, the village head
verifies, the family-planning office issues it (under the health-review threshold of weeks);
at the designated facility the doctor dispenses the drugs under supervision, and the facility
submits the termination report (which marks the certificate used); the clerk closes the
pregnancy record with its outcome and reason (孕情必有结果，流引产必有原因).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from townflow.demodata.seed.population import FamilyPlan
from townflow.demodata.seed.timeline import Timeline, at
from townflow.runtime import workflow

CERTIFICATE = "Termination Certificate Application"
REASON = "避孕失败，夫妻双方自愿申请终止妊娠"


def terminate(
    timeline: Timeline, family: FamilyPlan, state: Any, record: dict[str, Any], lmp: date, rng
) -> None:
    from townflow.demodata.seed.registry import FACILITY, FACILITY_USER, clerk, head_user

    filed = lmp + timedelta(weeks=10, days=2)  # after the record was filed (8 weeks and some days)
    operation = filed + timedelta(days=5)
    certificate: dict[str, Any] = {}

    def apply() -> None:
        session = timeline.session(clerk(family))
        doc = session.insert(
            {
                "doctype": CERTIFICATE,
                "person": state.people[family.wife.id_number],
                "pregnancy_record": record["name"],
                "gestational_weeks": (filed - lmp).days // 7,
                "reason_category": "Contraceptive Failure",
                "reason": REASON,
                "facility": FACILITY,
                "planned_date": operation.isoformat(),
            }
        )
        certificate["name"] = doc["name"]
        workflow.apply_workflow(session, doc, "Submit")

    def act(user: str, action: str):
        def run() -> None:
            session = timeline.session(user)
            workflow.apply_workflow(session, session.get(CERTIFICATE, certificate["name"]), action)

        return run

    def operate() -> None:
        facility = timeline.session(FACILITY_USER)
        moment = timeline.clock.now
        for drug, quantity in (("Mifepristone", 6),):  # the certificate covers one dispensing
            facility.insert(
                {
                    "doctype": "Drug Dispensing Record",
                    "facility": FACILITY,
                    "prescription_no": f"CF-{certificate['name']}-{drug[:3].upper()}",
                    "prescribing_doctor": "王淑芬",
                    "doctor_licence_no": "110371626000123",
                    "drug": drug,
                    "batch_no": f"{moment:%Y%m}{rng.randrange(100, 999)}",
                    "quantity": quantity,
                    "unit": "片",
                    "patient": state.people[family.wife.id_number],
                    "pregnancy_record": record["name"],
                    "termination_certificate": certificate["name"],
                    "dispensed_on": moment.strftime("%Y-%m-%d %H:%M:%S"),
                    "supervising_doctor": "王淑芬",
                    "under_supervision": 1,
                    "observation_hours": 6,
                }
            )
        facility.insert(
            {
                "doctype": "Termination Report",
                "facility": FACILITY,
                "certificate": certificate["name"],
                "person": state.people[family.wife.id_number],
                "operation_date": operation.isoformat(),
                "procedure": "Medical Abortion",
                "gestational_weeks": (operation - lmp).days // 7,
                "surgeon": "王淑芬",
                "reason": REASON,
                "maternal_condition": "Good",
                "docstatus": 1,
            }
        )

    def close_record() -> None:
        session = timeline.session(clerk(family))
        doc = session.get("Pregnancy Record", record["name"])
        if doc.get("outcome") == "Ongoing":
            doc.update(outcome="Termination", outcome_date=operation.isoformat(), outcome_reason=REASON)
            session.save(doc)

    timeline.add(at(filed, 9, 30), apply)
    timeline.add(at(filed, 16, 10), act(head_user(family), "Verify"))
    timeline.add(at(filed + timedelta(days=1), 10), act("approver@demo", "Approve"))
    timeline.add(at(operation, 9), operate)
    timeline.add(at(operation + timedelta(days=1), 11), close_record)
