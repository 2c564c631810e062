"""`townflow demo`: users for every role, households and persons in every village, and
applications of all three processes in every workflow state.

Everything goes through the runtime's public API as the real roles would do it: the Administrator
creates users and registries, village clerks file applications, and each application is moved
by the workflow engine (`townflow.runtime.workflow.apply_workflow`) as the approvers of each step,
never by writing a state. Certificates that expired did so by the scheduler (`site.tick`) after
being issued on an earlier day of the site's clock.

Idempotent: users, households and applications that already exist (by demo user, by household
head and village, by the applications a demo clerk filed) are left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from townflow.demodata.people import households_for_village
from townflow.runtime.system_doctypes import ADMINISTRATOR
from townflow.runtime.users import SEEDS_PUBLISHED_PASSWORDS

DEMO_PASSWORD = "demo"  # noqa: S105 - the demo's published password, printed by the command
#: Villages that get a clerk and a head (and the applications); every village gets households.
STAFFED_VILLAGES = 3
#: Households in each staffed village: enough eligible families for every application.
STAFFED_HOUSEHOLDS = 14


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    roles: tuple[str, ...]
    permissions: tuple[tuple[str, str], ...] = ()  # (allow, for_value) User Permissions


@dataclass
class DemoContext:
    """What the flows need: the site, the demo users by role, the registries by village."""

    site: Any
    villages: list[str]
    users: dict[str, DemoUser]
    households: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def session(self, email: str) -> Any:
        return self.site.session(email)

    @property
    def admin(self) -> Any:
        return self.site.session(ADMINISTRATOR)


def demo_users(villages: list[str], staffed: int = STAFFED_VILLAGES) -> list[DemoUser]:
    """One user per role; a clerk and a head for each staffed village; two leaders (countersign)."""
    out: list[DemoUser] = []
    for i, village in enumerate(villages[:staffed], start=1):
        out.append(
            DemoUser(
                f"clerk.v{i:02d}@demo", f"{village}计生专干", ("Village Clerk",), (("Village", village),)
            )
        )
        out.append(
            DemoUser(
                f"head.v{i:02d}@demo", f"{village}村委会主任", ("Village Head",), (("Village", village),)
            )
        )
    out += [
        DemoUser("township.clerk@demo", "街道计生办科员", ("Township Clerk",)),
        DemoUser("approver@demo", "街道计生办主任", ("Township Approver",)),
        DemoUser("leader1@demo", "领导小组组长", ("Township Leader",)),
        DemoUser("leader2@demo", "领导小组副组长", ("Township Leader",)),
        DemoUser("civil@demo", "民政办专员", ("Civil Affairs Officer",), (("Department", "民政办"),)),
        DemoUser("education@demo", "教育办专员", ("Education Officer",), (("Department", "教育办"),)),
        DemoUser("health@demo", "卫生办专员", ("Health Officer",), (("Department", "卫生办"),)),
        DemoUser("finance@demo", "财政所专员", ("Finance Officer",), (("Department", "财政所"),)),
        DemoUser("hr@demo", "人社所专员", ("Human Resources Officer",), (("Department", "人社所"),)),
        DemoUser("ic@demo", "工商所专员", ("Industry and Commerce Officer",), (("Department", "工商所"),)),
        DemoUser("tax@demo", "税务所专员", ("Tax Officer",), (("Department", "税务所"),)),
        DemoUser("fpo@demo", "计生办专员", ("Family Planning Officer",), (("Department", "计生办"),)),
        DemoUser(
            "facility@demo",
            "卫生院妇产科",
            ("Facility Officer",),
            (("Designated Facility", "高新街道卫生院"),),
        ),
        DemoUser("sysadmin@demo", "系统管理员", ("System Manager",)),
    ]
    return out


def ensure_user(site: Any, user: DemoUser) -> bool:
    """Create the user with roles and User Permissions (as an admin script would); True if new."""
    admin = site.session(ADMINISTRATOR)
    setattr(admin, SEEDS_PUBLISHED_PASSWORDS, True)  # the demo's password is published, not a rule's
    if admin.get_count("User", {"name": user.email}):
        return False
    admin.insert(
        {
            "doctype": "User",
            "email": user.email,
            "first_name": user.full_name,
            "full_name": user.full_name,
            "user_type": "System User",
            "new_password": DEMO_PASSWORD,
            "roles": [{"role": r} for r in user.roles],
        }
    )
    for allow, value in user.permissions:
        admin.insert({"doctype": "User Permission", "user": user.email, "allow": allow, "for_value": value})
    return True


def _household_fields(village: str, members: list[dict[str, Any]], index: int) -> dict[str, Any]:
    """A girl family; every other one low-income, every third a one-girl family with a certificate."""
    daughters = sum(1 for m in members if m["relationship"] == "Daughter")
    one_girl = daughters == 1
    fields: dict[str, Any] = {
        "doctype": "Household",
        "village": village,
        "head_name": members[0]["full_name"],
        "residence_type": "Rural",
        "address": f"{village}{index + 1}号",
        "phone": members[0]["mobile"],
        "second_child_entitled": 1 if one_girl else 0,
        "income_status": "Low-income" if index % 2 else "Normal",
    }
    if index % 2:
        fields["low_income_certificate_no"] = f"DB-{village}-{index + 1:03d}"
    if one_girl:
        fields["only_child_certificate_no"] = f"DSZN-{village}-{index + 1:03d}"
        fields["only_child_certificate_date"] = "2015-06-01"
    return fields


def ensure_registries(ctx: DemoContext, per_village: int) -> int:
    """Households and their members in every village; answers how many households were added."""
    admin = ctx.admin
    added = 0
    for number, village in enumerate(ctx.villages, start=1):
        count = STAFFED_HOUSEHOLDS if number <= STAFFED_VILLAGES else per_village
        existing = {
            h["head_name"]: h
            for h in admin.get_list(
                "Household", fields=["name", "head_name"], filters={"village": village}, limit_page_length=0
            )
        }
        rows: list[dict[str, Any]] = []
        for index, household in enumerate(households_for_village(number, count)):
            members = [p.as_fields() for p in household.members]
            row = existing.get(household.head_name)
            if row is None:
                one_girl = sum(1 for m in members if m["relationship"] == "Daughter") == 1
                with ctx.site.transaction():
                    # the type, children and daughters are computed from the members registered
                    row = admin.insert(_household_fields(village, members, index))
                    for member in members:
                        if one_girl and member["relationship"] == "Daughter":
                            member["is_only_child"] = 1
                        member["marital_status"] = (
                            "Married" if member["relationship"] in ("Head", "Spouse") else None
                        )
                        admin.insert({"doctype": "Person", "household": row["name"], **member})
                added += 1
            people = admin.get_list(
                "Person",
                fields=["name", "full_name", "relationship", "gender", "is_only_child", "date_of_birth"],
                filters={"household": row["name"]},
                order_by="name asc",
                limit_page_length=0,
            )
            full = admin.get("Household", row["name"])
            rows.append({**full, "people": people})
        ctx.households[village] = rows
    return added


def load_demo(site: Any, *, households_per_village: int = 4, out: TextIO | None = None) -> str:
    """Load everything (idempotently) and answer the text that tells people how to log in."""
    from townflow.demodata.flows import ensure_applications

    out = out or sys.stdout

    def log(text: str) -> None:
        print(text, file=out, flush=True)

    villages = [
        v["name"]
        for v in site.session(ADMINISTRATOR).get_list("Village", fields=["name"], limit_page_length=0)
    ]
    villages.sort(key=lambda name: _village_code(site, name))
    users = demo_users(villages)
    created = sum(ensure_user(site, u) for u in users)
    log(f"demo: {created} new users ({len(users)} demo users in all)")
    ctx = DemoContext(site=site, villages=villages, users={u.email: u for u in users}, log=log)
    added = ensure_registries(ctx, households_per_village)
    log(f"demo: {added} new households in {len(villages)} villages")
    failures = ensure_applications(ctx)
    from townflow.demodata.monitoring import ensure_monitoring

    log(ensure_monitoring(ctx))  # pregnancies with visits due and overdue, the roster's figures
    lines = ["", "Demo users (password: demo):"]
    lines += [f"  {u.email:<22} {', '.join(u.roles):<24} {u.full_name}" for u in users]
    lines.append(
        "  Administrator          System Manager           password: TOWNFLOW_ADMIN_PASSWORD when the site "
        "was created (`make run` uses admin)"
    )
    if failures:
        lines += ["", f"{len(failures)} demo applications could not be completed:"] + [
            f"  {f}" for f in failures
        ]
    return "\n".join(lines)


def _village_code(site: Any, name: str) -> str:
    row = site.db.fetchone('SELECT village_code FROM "tabVillage" WHERE name = ?', (name,))
    return (row["village_code"] if row else None) or name
