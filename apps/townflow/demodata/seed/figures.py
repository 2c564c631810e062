"""The seed's figures: what the campaign report says the township achieved (../shared/seed).

`SEED_FIGURES` is what `townflow demo --profile seed` brings a site's Benefit Tally to; the
tests read the same numbers back through the report. An application counts once it is granted:
approved or paid (GRANTED_STATES, by process).
"""

from __future__ import annotations

from typing import Any

from townflow.demodata.seed import benefits as b

#: granted applications per benefit kind (students for student aid, households for subsidies)
SEED_FIGURES = {
    b.REWARD: 126,
    b.BONUS: 186,
    b.LOAN: 462,
    b.RELIEF: 87,
    b.UNIVERSITY: 26,
    b.DROPOUT: 7,
    b.INSURANCE: 982,
}
LOAN_TOTAL_YUAN = 2_000_000
VILLAGES = 45
VILLAGES_WITH_ELDERLY_APARTMENT = 26
GRANTED_STATES = {
    b.SUBSIDY: ("Approved", "Disbursed"),
    b.STUDENT_AID: ("Approved", "Paid", "Enrolled"),
}
KIND_FIELD = {b.SUBSIDY: "benefit_kind", b.STUDENT_AID: "aid_kind"}


def granted(session: Any, kind: str) -> list[dict[str, Any]]:
    """Granted applications of `kind` the session may read: name, household and amount."""
    doctype = b.KIND_DOCTYPE[kind]
    return session.get_list(
        doctype,
        fields=["name", "household", "amount"],
        filters={KIND_FIELD[doctype]: kind, "workflow_state": ["in", list(GRANTED_STATES[doctype])]},
        limit_page_length=0,
    )


def still_to_grant(session: Any) -> tuple[dict[str, int], float]:
    """How many granted applications of each kind the site lacks, and the loan yuan it lacks."""
    counts = {}
    for kind, target in SEED_FIGURES.items():
        rows = granted(session, kind)
        have = len({r["household"] for r in rows}) if b.KIND_DOCTYPE[kind] == b.SUBSIDY else len(rows)
        counts[kind] = max(target - have, 0)
    loans = sum(float(r["amount"] or 0) for r in granted(session, b.LOAN))
    return counts, LOAN_TOTAL_YUAN - loans
