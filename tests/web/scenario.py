"""Users and families for the REST tests, made through the REST API as an admin script would.

Village A (东关村) and village B (西关村) each get a clerk and a head; the township gets an approver
and two leaders (so countersigning needs both); departments and the facility get an officer.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from townflow.client import FrappeClient
from townflow.demodata.people import households_for_village

from .conftest import LiveSite

VILLAGE_A, VILLAGE_B = "东关村", "西关村"
FACILITY = "高新街道卫生院"

USERS: dict[str, tuple[list[str], dict[str, str]]] = {
    "clerk.a@rest": (["Village Clerk"], {"Village": VILLAGE_A}),
    "head.a@rest": (["Village Head"], {"Village": VILLAGE_A}),
    "clerk.b@rest": (["Village Clerk"], {"Village": VILLAGE_B}),
    "head.b@rest": (["Village Head"], {"Village": VILLAGE_B}),
    "approver@rest": (["Township Approver"], {}),
    "leader1@rest": (["Township Leader"], {}),
    "leader2@rest": (["Township Leader"], {}),
    "finance@rest": (["Finance Officer"], {"Department": "财政所"}),
    "education@rest": (["Education Officer"], {"Department": "教育办"}),
    "health@rest": (["Health Officer"], {"Department": "卫生办"}),
    "facility@rest": (["Facility Officer"], {"Designated Facility": FACILITY}),
}

_families = itertools.count(60)  # demo_people's seeds 60+ are not used by any village of the demo


def create_users(live: LiveSite) -> None:
    for email, (roles, perms) in USERS.items():
        live.add_user(email, roles, **{k.replace(" ", "_"): v for k, v in perms.items()})


def new_family(clerk: FrappeClient, village: str, *, one_girl: bool = True) -> dict[str, Any]:
    """A girl family filed by the village clerk: the Household, then its members as Persons."""
    while True:
        household = households_for_village(next(_families), 1)[0]
        if one_girl == (sum(p.relationship == "Daughter" for p in household.members) == 1):
            break
    daughters = sum(p.relationship == "Daughter" for p in household.members)
    row = clerk.insert(
        {
            "doctype": "Household",
            "village": village,
            "head_name": household.head_name,
            "residence_type": "Rural",
            "address": f"{village}测试路1号",
            "household_type": "One-girl" if one_girl else "Two-girl",
            "is_girl_household": 1,
            "number_of_children": daughters,
            "number_of_daughters": daughters,
            "second_child_entitled": int(one_girl),
            "income_status": "Low-income",
            "low_income_certificate_no": f"DB-{household.head_name}",
            "only_child_certificate_no": f"DSZN-{household.head_name}" if one_girl else None,
        }
    )
    people = {}
    for person in household.members:
        fields = person.as_fields()
        if one_girl and person.relationship == "Daughter":
            fields["is_only_child"] = 1
        people[person.relationship] = clerk.insert({"doctype": "Person", "household": row["name"], **fields})
    return {**row, "people": people}


def pregnancy(clerk: FrappeClient, woman: str, weeks: int) -> dict[str, Any]:
    lmp = date.today() - timedelta(weeks=weeks)
    return clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": woman,
            "responsible_visitor": "村计生专干",
            "registered_on": (lmp + timedelta(weeks=6)).isoformat(),
            "lmp_date": lmp.isoformat(),
            "gestational_weeks": weeks,
            "outcome": "Ongoing",
        }
    )


def relief_application(clerk: FrappeClient, village: str) -> dict[str, Any]:
    """The fields a clerk fills for a low-income relief (低保) application of a new family."""
    family = new_family(clerk, village)
    return {
        "doctype": "Subsidy Application",
        "household": family["name"],
        "applicant": family["people"]["Head"]["name"],
        "benefit_kind": "Low-income Relief",
        "amount": 500,
        "hardship_description": "因病致贫",
        "monthly_household_income": 600,
    }


def act(client: FrappeClient, doc: dict[str, Any], action: str, comment: str | None = None) -> dict[str, Any]:
    """Take `action` the way a UI does it: list the user's transitions, then apply the action."""
    fresh = client.get_doc(doc["doctype"], doc["name"])
    actions = [t["action"] for t in client.get_transitions(fresh)]
    assert action in actions, f"{action!r} not offered to {client.user}; offered: {actions}"
    return client.apply_workflow(fresh, action, comment)
