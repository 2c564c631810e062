"""`townflow demo --site DIR --profile seed`: the township of the campaign report, five years on.

About 2,500 households in the 45 villages with their people (Chinese names, valid ID numbers),
the births of five years with their pregnancy records, B-ultrasound scans, follow-up visits,
miscarriages, certified terminations with their drug records, and ongoing pregnancies; and the
campaign's benefits granted through the real workflow until the Benefit Tally shows the seed's
figures (`figures.SEED_FIGURES`). On a site that already holds the standard demo, only what is
missing is added, so both can live in one site.

The site must run on a `SteppingClock` (`Site.open(..., now=clock)`): the history is replayed in
time order on it (`timeline.Timeline`) and the clock is left at the real time afterwards.
"""

from __future__ import annotations

import sys
import time
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from townflow.demodata.seed import applications, benefits, figures, population, registry
from townflow.demodata.seed.timeline import Timeline
from townflow.demodata.standard import DemoUser, demo_users, ensure_user
from townflow.runtime.clock import SteppingClock
from townflow.runtime.system_doctypes import ADMINISTRATOR


def seed_users(villages: list[str]) -> list[DemoUser]:
    """The standard demo's users, with a clerk and a head in every village."""
    return demo_users(villages, staffed=len(villages))


def village_names(site: Any) -> list[str]:
    rows = site.db.fetchall('SELECT name, village_code FROM "tabVillage" ORDER BY village_code, name')
    return [r["name"] for r in rows]


def already_seeded(site: Any) -> bool:
    return bool(
        site.session(ADMINISTRATOR).get_count(
            "Ultrasound Machine", {"registration_no": registry.MACHINES[0][0]}
        )
    )


def load_seed(
    site: Any, clock: SteppingClock, *, today: date | None = None, out: TextIO | None = None
) -> str:
    """Build the seed township on `site` (once); answers a summary of what was written."""
    out = out or sys.stdout
    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"seed: {text}", file=out, flush=True)

    if already_seeded(site):
        return "seed: this site already holds the seed township; nothing added"
    today = today or clock.now.date()
    villages = village_names(site)
    users = seed_users(villages)
    with site.transaction():
        created = sum(ensure_user(site, user) for user in users)
    log(f"{created} new users (a clerk and a head in each of {len(villages)} villages)")
    counts, loan_total = figures.still_to_grant(site.session(ADMINISTRATOR))
    families = population.plan_township(villages, today)
    plans = benefits.plan_benefits(families, today, counts, loan_total)
    start = today - timedelta(days=round(population.YEARS * 365.25))
    real_now = max(clock.now, datetime.now())
    clock.now = datetime.combine(start - timedelta(days=registry.REGISTERED_BEFORE + 30), datetime.min.time())
    timeline = Timeline(site, clock, today)
    registry.register_equipment(timeline, start)
    states = {f.number: registry.FamilyState() for f in families}
    for family in families:
        registry.register_family(timeline, family, states[family.number], start)
    others = registry.other_pregnancies(timeline, families, states, today)
    for number, plan in enumerate(plans, start=1):
        applications.add_application(timeline, plan, states[plan.family.number], number)
    log(f"{len(families)} households, {len(plans)} applications, {timeline.count} events to replay")
    ran = timeline.run(lambda done: log(f"{done} events") if done % 4000 < 400 else None)
    clock.now = max(clock.now, real_now)
    # the scheduler's monitoring pass: the ongoing pregnancies' due and overdue visits open as work
    from townflow.runtime import monitoring

    opened = monitoring.sync_due(site, clock.now)
    log(f"{opened['opened']} visit to-dos opened, {opened['escalated']} escalated to the township")
    moved = applications.reconfirmed_yearly(site, today)
    log(f"{moved} continuing benefits reconfirmed yearly up to today (年审)")
    births = sum(1 for f in families for c in f.children if c.in_window)
    seconds = time.perf_counter() - started
    return (
        f"seed: {len(families)} households in {len(villages)} villages, {births} births, "
        f"{others['ongoing']} ongoing pregnancies, {others['miscarriage']} miscarriages, "
        f"{others['termination']} certified terminations, {len(plans)} applications; "
        f"{ran} events in {seconds:.0f} s"
    )
