"""The standard demo's pregnancy monitoring (孕情监测): pregnancies with their follow-up visits, the
family's signatures, contraception on the women's roster, migrants and a handover waiting, so the
village clerk's 随访 tab has work at first login and the roster (育龄妇女档案) has figures.

In each staffed village, five women get an ongoing pregnancy whose last visit puts it somewhere
on the schedule (Campaign Settings: a visit every 30 days, a check every 60, work opening 3 days
before it is due, escalation after 5 working days):

- up to date (visited 6 days ago);
- a visit due within the notice days (visited 28 days ago: "剩余N个工作日");
- overdue (visited 34 days ago, that last visit unsigned: it counts against the village);
- overdue long enough to be escalated to the township clerk (visited 48 days ago);
- past its expected date plus the grace days with no outcome ("孕情必有结果").

Signed visits carry a signature drawn on a phone screen (a PNG stored as the clerk's private
upload, as the 随访 page stores one). Every woman of child-bearing age in every village gets her
contraception recorded (one in five left out: the roster shows her incomplete); village 1 gets an
inflow migrant, village 2 an outflow migrant (her liaison letter prints), and village 1's clerk has
handed one woman over to village 2, waiting in that clerk's inbox for confirmation.

Everything goes through the runtime's sessions (validation, hooks, attachments); `tick` then
opens the work. Idempotent: a site that already has the demo's inflow migrant gets nothing new.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from townflow.runtime import attachments

#: the demo's inflow migrant comes from here (and marks the monitoring demo as loaded)
INFLOW_FROM = "河南省周口市川汇区"
OUTFLOW_TO = "广东省东莞市长安镇"
VISITORS = ("王敏", "李桂兰", "张红梅")
CONTRACEPTION = ("IUD", "Sterilization", "Oral", "Implant", "Condom")


def _png(width: int = 180, height: int = 60, seed: int = 0) -> bytes:
    """A small grayscale PNG with a pen stroke, as a signature drawn on a phone looks."""
    import math

    pixels = [[255] * width for _ in range(height)]
    for x in range(10, width - 10):
        y = int(height / 2 + 14 * math.sin((x + seed * 7) / 11) * math.cos(x / 37))
        for dy in (-1, 0, 1):
            if 0 <= y + dy < height:
                pixels[y + dy][x] = 20
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _signature(site: Any, clerk: str, seed: int) -> str:
    """Store a drawn signature as `clerk`'s private upload (saving the visit attaches it)."""
    token = secrets.token_hex(8)
    folder = Path(site.path) / "private" / "files" / token
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "signature.png").write_bytes(_png(seed=seed))
    url = f"{attachments.PRIVATE_PREFIX}{token}/signature.png"
    attachments.register_upload(site, url, clerk)
    return url


#: (label, weeks pregnant, days since the last visit, days since the last check, last visit signed)
CASES = (
    ("up to date", 20, 6, 36, True),
    ("visit due soon", 16, 28, 28, True),
    ("overdue", 24, 34, 34, False),
    ("escalated", 28, 48, 78, True),
    ("outcome overdue", 43, 20, 20, True),
)


def _visits(today: date, lmp: date, last_ago: int, check_ago: int, url: str | None, last_signed: bool):
    """Visits every 30 days back from the last one to the eighth week; the one nearest
    `check_ago` days back is the bimonthly check (双月查)."""
    first = lmp + timedelta(weeks=8)
    days = []
    day = today - timedelta(days=last_ago)
    while day >= first:
        days.append(day)
        day -= timedelta(days=30)
    days.reverse()
    check_day = today - timedelta(days=check_ago)
    check = min(days, key=lambda d: abs((d - check_day).days)) if days else None
    rows = []
    for index, day in enumerate(days):
        signed = url is not None and (last_signed or index < len(days) - 1)
        row = {
            "visit_date": day.isoformat(),
            "visit_type": "Pregnancy Check" if day == check else "Home Visit",
            "visitor": VISITORS[index % len(VISITORS)],
            "gestational_weeks": min((day - lmp).days // 7, 45),
            "findings": "孕妇情况良好，已告知按时产检",
            "family_signature": 1 if signed else 0,
        }
        if signed:
            row.update(signed_by="家属", signature_method="Drawn on Screen", signature_image=url)
        rows.append(row)
    return rows


def _women(household: dict[str, Any], today: date) -> list[dict[str, Any]]:
    from townflow.rules.roster import of_child_bearing_age

    found = []
    for person in household.get("people") or []:
        born = person.get("date_of_birth")
        if person.get("gender") != "Female" or not born:
            continue
        if of_child_bearing_age(date.fromisoformat(str(born)[:10]), today):
            found.append(person)
    return found


def _wife(household: dict[str, Any], today: date) -> dict[str, Any] | None:
    return next((p for p in _women(household, today) if p.get("relationship") == "Spouse"), None)


def ensure_monitoring(ctx: Any) -> str:
    """Load the monitoring demo once; answers one line saying what was added."""
    from townflow.demodata.standard import STAFFED_VILLAGES

    site, admin = ctx.site, ctx.admin
    if admin.get_count("Person", {"registered_residence": INFLOW_FROM}):
        return "demo: pregnancy monitoring already loaded"
    today = site.now().date()
    pregnant: set[str] = {
        r["person"] for r in admin.get_list("Pregnancy Record", fields=["person"], limit_page_length=0)
    }
    records, visits = 0, 0
    for number, village in enumerate(ctx.villages[:STAFFED_VILLAGES], start=1):
        clerk_email = f"clerk.v{number:02d}@demo"
        clerk = ctx.session(clerk_email)
        wives = [_wife(h, today) for h in ctx.households.get(village, [])]
        free = [w for w in wives if w is not None and w["name"] not in pregnant]
        for case, wife in zip(CASES, free, strict=False):
            _label, weeks, last_ago, check_ago, last_signed = case
            lmp = today - timedelta(weeks=weeks)
            url = _signature(site, clerk_email, records)
            rows = _visits(today, lmp, last_ago, check_ago, url, last_signed)
            clerk.insert(
                {
                    "doctype": "Pregnancy Record",
                    "person": wife["name"],
                    "responsible_visitor": VISITORS[number % len(VISITORS)],
                    "registered_on": (lmp + timedelta(weeks=8)).isoformat(),
                    "lmp_date": lmp.isoformat(),
                    "expected_delivery_date": (lmp + timedelta(days=280)).isoformat(),
                    "gestational_weeks": weeks,
                    "outcome": "Ongoing",
                    "visits": rows,
                }
            )
            pregnant.add(wife["name"])
            records += 1
            visits += len(rows)
    recorded = _contraception(ctx, today, pregnant)
    migrants = _migrants(ctx, today, pregnant)
    done = site.tick(site.now())
    return (
        f"demo: {records} pregnancies with {visits} follow-up visits, contraception of {recorded} women, "
        f"{migrants}; tick opened {done.get('visits_opened', 0)} visit to-dos "
        f"({done.get('visits_escalated', 0)} escalated)"
    )


def _contraception(ctx: Any, today: date, pregnant: set[str]) -> int:
    """Every woman of child-bearing age not pregnant gets her contraception recorded (but one in
    five: her record stays incomplete on the roster)."""
    admin = ctx.admin
    count = 0
    for village in ctx.villages:
        for index, household in enumerate(ctx.households.get(village, [])):
            for woman in _women(household, today):
                if woman["name"] in pregnant or (index + count) % 5 == 4:
                    continue
                doc = admin.get("Person", woman["name"])
                method = CONTRACEPTION[count % len(CONTRACEPTION)]
                if woman.get("relationship") != "Spouse":
                    method = "Not Using"
                doc.update(
                    contraception_method=method,
                    contraception_checked_on=(today - timedelta(days=7 + (count * 13) % 80)).isoformat(),
                )
                admin.save(doc)
                count += 1
    return count


def _migrants(ctx: Any, today: date, pregnant: set[str]) -> str:
    """An inflow woman in village 1, an outflow woman in village 2, and a handover from village
    1 to village 2 waiting for the receiving clerk."""
    from townflow.runtime import migrants

    admin = ctx.admin
    one, two = ctx.villages[0], ctx.villages[1]

    def woman_of(village: str, skip: int = 0) -> dict[str, Any] | None:
        wives = [_wife(h, today) for h in reversed(ctx.households.get(village, []))]
        found = [w for w in wives if w is not None and w["name"] not in pregnant]
        return found[skip] if len(found) > skip else None

    inflow, outflow, moving = woman_of(one), woman_of(two), woman_of(one, 1)
    done = []
    if inflow is not None:
        doc = admin.get("Person", inflow["name"])
        doc.update(
            is_migrant=1,
            migrant_direction="Inflow",
            registered_residence=INFLOW_FROM,
            moved_in_on=(today - timedelta(days=200)).isoformat(),
            current_address=f"{one}三组出租屋",
        )
        admin.save(doc)
        done.append("1 inflow")
    if outflow is not None:
        doc = admin.get("Person", outflow["name"])
        doc.update(
            is_migrant=1,
            migrant_direction="Outflow",
            registered_residence=two,
            outflow_destination=OUTFLOW_TO,
            moved_out_on=(today - timedelta(days=90)).isoformat(),
        )
        admin.save(doc)
        done.append("1 outflow")
    target = next(iter(ctx.households.get(two, [])), None)
    if moving is not None and target is not None:
        migrants.request_handover(
            ctx.session("clerk.v01@demo"), moving["name"], target["name"], "随丈夫迁居，转入本街道另一村"
        )
        done.append("1 handover waiting")
    return "migrants: " + (", ".join(done) or "none")
