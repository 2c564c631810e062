"""On the real Frappe site: approval notice numbers, sensitive fields shown masked, and Campaign
Settings that survive `bench migrate`."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from frappe_support import act, run_bench

from townflow.rules.masking import mask

pytestmark = pytest.mark.frappe


def _id_number() -> str:
    """A fresh woman's ID number with a valid GB 11643 check digit (Person.id_number is unique,
    and the suite may run again on the same site)."""
    # the 17th digit is even: a woman's number (the runtimes check the gender against it)
    body = f"110105{random.randint(1950, 1999)}{random.randint(1, 12):02d}15{random.randint(0, 499) * 2:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _relief(clerk, org, household, amount: int) -> dict:
    return clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household["household"],
            "village": org["a"],
            "applicant": household["mother"],
            "benefit_kind": "Low-income Relief",
            "amount": amount,
            "hardship_description": "因病致贫",
            "monthly_household_income": 700,
        }
    )


def test_approval_notice_numbers_follow_each_other(admin, users, org, household):
    """Two subsidies approved one after the other get consecutive numbers of the year."""
    numbers = []
    for amount in (500, 550):
        app = _relief(users["clerk_a"], org, household, amount)
        for who, action in [
            ("clerk_a", "Submit"),
            ("head_a", "Verify"),
            ("head_a", "End Notice"),
            ("approver", "Forward"),
            ("civil", "Approve"),
            ("approver", "End Notice"),
            ("approver", "Issue Notice"),
        ]:
            act(users[who], app, action)
        numbers.append(admin.get_doc(app["doctype"], app["name"])["approval_notice_serial"])
    prefix = f"BZTZ-{date.today().year}-"
    assert all(re.fullmatch(re.escape(prefix) + r"\d{5,}", n) for n in numbers), numbers
    first, second = (int(n.rsplit("-", 1)[1]) for n in numbers)
    assert second == first + 1


def test_a_role_below_the_permlevel_sees_the_id_number_masked(admin, users, org, household):
    clerk, head = users["clerk_a"], users["head_a"]
    id_number = _id_number()
    masked = mask(id_number, "id_number")  # the one masking rule (townflow.rules.masking)
    person = clerk.insert(
        {
            "doctype": "Person",
            "household": household["household"],
            "village": org["a"],
            "full_name": "王秀梅",
            "gender": "Female",
            "date_of_birth": f"{id_number[6:10]}-{id_number[10:12]}-15",
            "relationship": "Other",
            "id_number": id_number,
        }
    )
    # The clerk (permlevel 1 on Person) reads the full number, and its masked copy.
    assert (person["id_number"], person["id_number_masked"]) == (id_number, masked)
    # The village head has no permlevel 1 on Person: no full number, the masked one instead.
    seen = head.get_doc("Person", person["name"])
    assert not seen.get("id_number")
    assert seen["id_number_masked"] == masked
    listed = head.get_list("Person", fields=["name", "id_number_masked"], filters={"name": person["name"]})
    assert listed == [{"name": person["name"], "id_number_masked": masked}]
    # The masked copy is the system's: a user cannot write one of their own.
    clerk.update({"doctype": "Person", "name": person["name"], "id_number_masked": "0000"})
    assert admin.get_doc("Person", person["name"])["id_number_masked"] == masked

    # A fetched sensitive field gets its masked copy too (the applicant's ID on a subsidy).
    app = clerk.insert(
        {
            "doctype": "Subsidy Application",
            "household": household["household"],
            "village": org["a"],
            "applicant": person["name"],
            "benefit_kind": "Low-income Relief",
            "amount": 300,
            "hardship_description": "年老体弱",
            "monthly_household_income": 500,
        }
    )
    stored = admin.get_doc("Subsidy Application", app["name"])
    assert (stored["applicant_id_number"], stored["applicant_id_number_masked"]) == (id_number, masked)

    # Child rows too: a follow-up visit's findings are masked for the village head.
    record = clerk.insert(
        {
            "doctype": "Pregnancy Record",
            "person": person["name"],
            "household": household["household"],
            "village": org["a"],
            "responsible_visitor": "张医生",
            "registered_on": date.today().isoformat(),
            "lmp_date": date.today().isoformat(),
            "outcome": "Ongoing",
            "visits": [
                {
                    "visit_date": date.today().isoformat(),
                    "visit_type": "Home Visit",
                    "visitor": "张医生",
                    "findings": "情况正常",
                }
            ],
        }
    )
    assert record["visits"][0]["findings_masked"] == "****"
    row = head.get_doc("Pregnancy Record", record["name"])["visits"][0]
    assert (row.get("findings"), row["findings_masked"]) == (None, "****")

    # Opening the record in the desk is logged (track_views): who read which person.
    head.call("frappe.desk.form.load.getdoc", doctype="Person", name=person["name"])
    views = admin.get_list(
        "View Log",
        fields=["viewed_by"],
        filters={"reference_doctype": "Person", "reference_name": person["name"]},
    )
    assert head.email in [v["viewed_by"] for v in views]


def _settings(admin) -> dict:
    return admin.get_doc("Campaign Settings", "Campaign Settings")


def test_campaign_settings_come_from_the_spec_and_survive_a_migrate(admin, project):
    spec = project.settings
    installed = _settings(admin)
    for field, value in spec.items():
        assert installed.get(field) == value, field
    changed = spec["certificate_validity_days"] + 15
    try:
        # An admin changes one value on the site and empties another.
        admin.update(
            {
                "doctype": "Campaign Settings",
                "name": "Campaign Settings",
                "certificate_validity_days": changed,
                "honour_household_title": "",
            }
        )
        assert not _settings(admin).get("honour_household_title")
        run_bench("migrate")
        after = _settings(admin)
        # The admin's value stays (a fixture would have put the spec's back); the empty one is filled.
        assert after["certificate_validity_days"] == changed
        assert after["honour_household_title"] == spec["honour_household_title"]
    finally:
        admin.update(
            {
                "doctype": "Campaign Settings",
                "name": "Campaign Settings",
                "certificate_validity_days": spec["certificate_validity_days"],
            }
        )
