"""What a 会办 branch costs the lists of the officers it reaches: a Finance officer's first page of
Subsidy Applications (newest first) and their count, with the branch reach OR-ed into the
department scope (townflow.runtime.approval_moves: `department IN (...) OR name IN (branches)`),
against the same calls with the reach taken out, in the same process on the same site (the
baseline). Half the seeded applications are routed to 财政所; one in a hundred has a 会办 branch.

    python -m benchmarks.bench_approval_moves --size 10000

Prints median and p95 (ms), pages per second and the ratio to the baseline. Never a pass/fail.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks import seeding
from benchmarks.baselines import percentiles

DOCTYPE = seeding.DOCTYPE


def _template(site, village: str):
    """seeding's template, with the daughter that makes the household a girl household (its type
    is computed from its members now; seeding._template's own household no longer qualifies)."""
    clerk = site.session("clerk.0")
    household = clerk.insert(
        {"doctype": "Household", "village": village, "head_name": "张建国", "residence_type": "Rural",
         "address": "一组", "income_status": "Normal"}
    )  # fmt: skip
    person = clerk.insert(
        {"doctype": "Person", "household": household["name"], "full_name": "李秀英", "gender": "Female",
         "date_of_birth": "1990-05-04", "relationship": "Head"}
    )  # fmt: skip
    clerk.insert(
        {"doctype": "Person", "household": household["name"], "full_name": "张小燕", "gender": "Female",
         "date_of_birth": "2016-04-01", "relationship": "Daughter"}
    )  # fmt: skip
    app = clerk.insert(
        {"doctype": DOCTYPE, "household": household["name"], "applicant": person["name"],
         "benefit_kind": "Fee Waiver", "amount": 50, "registration_fee": 20, "treatment_fees": 500,
         "hospital_name": "县人民医院", "treatment_date": "2024-12-20"}
    )  # fmt: skip
    row = 'SELECT * FROM "tab{}" WHERE name = ?'
    return (
        dict(site.db.fetchone(row.format("Household"), (household["name"],))),
        dict(site.db.fetchone(row.format("Person"), (person["name"],))),
        dict(site.db.fetchone(row.format(DOCTYPE), (app["name"],))),
    )


def _prepare(site) -> None:
    admin = site.session("Administrator")
    admin.insert(
        {
            "doctype": "User",
            "email": "finance.1",
            "full_name": "finance.1",
            "roles": [{"role": "Finance Officer"}],
        }
    )
    admin.insert(
        {"doctype": "User Permission", "user": "finance.1", "allow": "Department", "for_value": "财政所"}
    )
    with site.transaction():
        site.db.execute(
            """UPDATE "tabSubsidy Application" SET department = ?
               WHERE CAST(substr(name, 5) AS INTEGER) % 2 = 0""",
            ("财政所",),
        )
        site.db.execute(
            """INSERT INTO "tabWorkflow Branch" (reference_doctype, reference_name, step_id, workflow_state,
               department, role, status, creation, modified)
               SELECT ?, name, 0, 'Pending Joint Review', '财政所', 'Finance Officer', 'Open',
               modified, modified FROM "tabSubsidy Application"
               WHERE CAST(substr(name, 5) AS INTEGER) % 100 = 1""",
            (DOCTYPE,),
        )
    site.db.execute("ANALYZE")


def _time(call, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def run(size: int, repeats: int = 100) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        site = seeding.open_site(Path(tmp) / "site", seeding.Clock(seeding.START))
        try:
            seeding._template = _template  # see _template
            seeding.seed(site, size)
            _prepare(site)
            finance = site.session("finance.1")
            calls = {
                "first page, newest first": lambda: finance.get_list(DOCTYPE, order_by="modified desc"),
                "count": lambda: finance.get_count(DOCTYPE),
            }
            page, total = calls["first page, newest first"](), calls["count"]()
            branched = site.db.scalar('SELECT count(*) FROM "tabWorkflow Branch"')
            print(
                f"finance reaches {total} applications ({branched} through a branch); a page has {len(page)}"
            )
            widen = list(site.perms.widen)
            rows = []
            for label, call in calls.items():
                with_reach = _time(call, repeats)
                site.perms.widen.clear()
                site.perms._where_cache.clear()
                without = _time(call, repeats)
                site.perms.widen.extend(widen)
                site.perms._where_cache.clear()
                median, p95 = percentiles(with_reach)
                base_median, base_p95 = percentiles(without)
                rows.append(
                    {
                        "benchmark": f"finance officer {label} (会办 reach)",
                        "size": size,
                        "value": f"median {median:.2f} ms, p95 {p95:.2f} ms, {1000 / median:.0f}/s",
                        "baseline": f"without the reach: median {base_median:.2f} ms, p95 {base_p95:.2f} ms",
                        "ratio": f"{median / base_median:.2f}x",
                    }
                )
            return rows
        finally:
            site.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    for row in run(args.size, args.repeats):
        print(" | ".join(str(row[k]) for k in ("benchmark", "size", "value", "baseline", "ratio")))


if __name__ == "__main__":
    main()
