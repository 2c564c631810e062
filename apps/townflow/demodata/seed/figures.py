"""The seed's figures: what the campaign report says the township achieved (../shared/seed).

`SEED_FIGURES` is what `townflow demo --profile seed` brings a site's Benefit Tally to; the
tests read the same numbers back through the report. What counts as granted (approved or paid)
is the report's own definition (reports/benefit_tally.yaml), not repeated here.
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
BENEFIT_TALLY = "Benefit Tally"


def benefit_tally(session: Any) -> dict[str, dict[str, float]]:
    """The Benefit Tally as `session` sees it (the report of reports/benefit_tally.yaml, through
    the runtime's report engine): per benefit kind, applications, households and amount."""
    from townflow.runtime.reports import run_report

    result = run_report(session, BENEFIT_TALLY, {})
    return {row["benefit"]: row for row in result.result if row.get("benefit")}


def still_to_grant(session: Any) -> tuple[dict[str, int], float]:
    """How many granted applications of each kind the site lacks (households for a subsidy,
    students for student aid), and the loan yuan it lacks."""
    tally = benefit_tally(session)
    counts = {}
    for kind, target in SEED_FIGURES.items():
        row = tally.get(kind, {})
        have = row.get("households" if b.KIND_DOCTYPE[kind] == b.SUBSIDY else "applications") or 0
        counts[kind] = max(target - int(have), 0)
    return counts, LOAN_TOTAL_YUAN - float(tally.get(b.LOAN, {}).get("amount") or 0)
