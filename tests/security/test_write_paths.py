"""Write-path bypasses: what a user may not set by sending it along with a save.

The fields the system fills — workflow state, docstatus, the department an application is routed
to, certificate serials and validity, approval notice serials, a household's birth-quota status —
are `read_only` in the spec. A village clerk who sends them in a POST or PUT must not get them
stored: the REST API has to hold the line the form already holds by not rendering inputs.
"""

from __future__ import annotations

from typing import Any

import pytest

from townflow.runtime import workflow
from townflow.runtime.errors import TownflowError

from .conftest import APPROVER, CIVIL, CLERK, HEAD, OTHER_CLERK, api_login, exc_type, one, village_of

CERTIFICATE = "Termination Certificate Application"
SUBSIDY = "Subsidy Application"
NEW_PERSON = {
    "full_name": "新人",
    "gender": "Female",
    "date_of_birth": "2000-01-01",
    "relationship": "Daughter",
}


def _new_pregnancy(site, clerk: str = CLERK) -> dict[str, Any]:
    """A woman of the clerk's village with an ongoing pregnancy and no certificate yet."""
    session = site.session(clerk)
    household = one(site, "Household", village=village_of(site, clerk))["name"]
    woman = session.insert(
        {
            "doctype": "Person",
            "household": household,
            "full_name": "测试孕妇",
            "gender": "Female",
            "date_of_birth": "1995-05-05",
            "relationship": "Spouse",
        }
    )
    record = session.insert(
        {
            "doctype": "Pregnancy Record",
            "person": woman["name"],
            "responsible_visitor": "村计生专干",
            "lmp_date": (site.now().date().replace(day=1)).isoformat(),
            "gestational_weeks": 8,
            "pregnancy_order": 1,
        }
    )
    return {"person": woman["name"], "pregnancy_record": record["name"], "household": household}


def _certificate_values(site, pregnancy: dict[str, Any]) -> dict[str, Any]:
    facility = one(site, "Designated Facility", is_designated=1)["name"]
    return {
        "doctype": CERTIFICATE,
        "person": pregnancy["person"],
        "pregnancy_record": pregnancy["pregnancy_record"],
        "gestational_weeks": 10,
        "reason_category": "Contraceptive Failure",
        "reason": "避孕失败，本人自愿申请终止妊娠",
        "facility": facility,
    }


def _act(site, user: str, doc: dict[str, Any], action: str) -> dict[str, Any]:
    return workflow.apply_workflow(
        site.session(user), {"doctype": doc["doctype"], "name": doc["name"]}, action
    )


def test_a_clerk_cannot_choose_the_serial_and_validity_of_a_certificate(app, site, admin):
    clerk = api_login(app, CLERK)
    forged = {"certificate_serial": "YC-2026-99999", "valid_from": "2026-01-01", "valid_until": "2099-12-31"}
    values = {**_certificate_values(site, _new_pregnancy(site)), **forged}
    answer = clerk.post(f"/api/resource/{CERTIFICATE}", json=values)
    assert answer.status_code == 200, answer.text
    doc = answer.json()["data"]
    for user, action in [(CLERK, "Submit"), (HEAD, "Verify"), (APPROVER, "Approve")]:
        _act(site, user, doc, action)
    issued = admin.get(CERTIFICATE, doc["name"])
    assert issued["workflow_state"] == "Issued"
    assert issued["certificate_serial"] != forged["certificate_serial"]
    assert issued["valid_until"] != forged["valid_until"]


def test_a_clerk_cannot_route_a_draft_to_a_department(app, site, admin):
    """Departments see only what the workflow routed to them; a draft is routed nowhere."""
    clerk = api_login(app, CLERK)
    household = one(site, "Household", village=village_of(site, CLERK), income_status=["!=", "Normal"])[
        "name"
    ]
    applicant = one(site, "Person", household=household)["name"]
    answer = clerk.post(
        f"/api/resource/{SUBSIDY}",
        json={
            "household": household,
            "applicant": applicant,
            "benefit_kind": "Low-income Relief",
            "amount": 500,
            "hardship_description": "因病致贫",
            "monthly_household_income": 600,
            "department": "民政办",
            "approval_notice_serial": "FAKE-0001",
        },
    )
    assert answer.status_code == 200, answer.text
    name = answer.json()["data"]["name"]
    stored = admin.get(SUBSIDY, name)
    assert not stored["department"]
    assert not stored["approval_notice_serial"]
    civil = api_login(app, CIVIL)
    assert civil.get(f"/api/resource/{SUBSIDY}/{name}").status_code == 404


def test_a_clerk_cannot_lift_a_households_birth_quota_suspension(app, site, admin):
    household = one(site, "Household", ["name"], village=village_of(site, CLERK))["name"]
    site.session("Administrator", ignore_permissions=True).db_set(
        "Household", household, {"birth_quota_status": "Suspended"}
    )
    clerk = api_login(app, CLERK)
    answer = clerk.put(f"/api/resource/Household/{household}", json={"birth_quota_status": "Active"})
    assert answer.status_code in (200, 403, 417), answer.text
    assert admin.get("Household", household)["birth_quota_status"] == "Suspended"


def test_state_and_docstatus_move_only_by_workflow_actions(app, site, admin):
    clerk = api_login(app, CLERK)
    doc = clerk.post(f"/api/resource/{CERTIFICATE}", json=_certificate_values(site, _new_pregnancy(site)))
    name = doc.json()["data"]["name"]
    for change in [{"workflow_state": "Issued"}, {"docstatus": 1}]:
        answer = clerk.put(f"/api/resource/{CERTIFICATE}/{name}", json=change)
        assert answer.status_code == 417, (change, answer.text)
    submitted = clerk.post(
        "/api/method/frappe.client.submit", json={"doc": {"doctype": CERTIFICATE, "name": name}}
    )
    assert submitted.status_code in (403, 417), submitted.text
    stored = admin.get(CERTIFICATE, name)
    assert (stored["workflow_state"], stored["docstatus"]) == ("Draft", 0)


def test_owner_creation_and_modified_by_are_the_servers(app, site, admin):
    clerk = api_login(app, CLERK)
    values = {
        **_certificate_values(site, _new_pregnancy(site)),
        "owner": APPROVER,
        "creation": "2001-01-01 00:00:00",
        "modified_by": APPROVER,
        "docstatus": 0,
    }
    name = clerk.post(f"/api/resource/{CERTIFICATE}", json=values).json()["data"]["name"]
    stored = admin.get(CERTIFICATE, name)
    assert stored["owner"] == CLERK and stored["modified_by"] == CLERK
    assert not stored["creation"].startswith("2001")
    # the approver is not the applicant, so she cannot withdraw it either
    clerk.put(f"/api/resource/{CERTIFICATE}/{name}", json={"owner": APPROVER})
    assert admin.get(CERTIFICATE, name)["owner"] == CLERK


def test_a_record_cannot_be_moved_to_another_village(app, site, admin):
    clerk = api_login(app, CLERK)
    mine = one(site, "Household", village=village_of(site, CLERK))["name"]
    answer = clerk.put(f"/api/resource/Household/{mine}", json={"village": village_of(site, OTHER_CLERK)})
    # her User Permission limits the Village records themselves (as on Frappe): the other village
    # is "no such Village" to her, refused like any Link she may not pick
    assert answer.status_code == 417 and exc_type(answer) == "LinkValidationError", answer.text
    assert answer.json()["fields"] == ["village"]
    assert admin.get("Household", mine)["village"] == village_of(site, CLERK)
    # nor a person moved into another village's household (that household is "not found" for her)
    person = one(site, "Person", household=mine)["name"]
    theirs = one(site, "Household", village=village_of(site, OTHER_CLERK))["name"]
    answer = clerk.put(f"/api/resource/Person/{person}", json={"household": theirs})
    assert answer.status_code == 417 and exc_type(answer) == "LinkValidationError", answer.text
    assert admin.get("Person", person)["household"] == mine


def test_a_document_cannot_link_to_another_villages_household(app, site):
    clerk = api_login(app, CLERK)
    theirs = one(site, "Household", village=village_of(site, OTHER_CLERK))["name"]
    answer = clerk.post(
        "/api/resource/Person",
        json={"household": theirs, **NEW_PERSON},
    )
    assert answer.status_code == 417 and "household" in answer.json()["fields"], answer.text
    # the refusal reads exactly like a household that does not exist at all
    missing = clerk.post(
        "/api/resource/Person",
        json={"household": "HH-99999", **NEW_PERSON},
    )
    assert answer.json()["_server_messages"].replace(theirs, "?") == missing.json()[
        "_server_messages"
    ].replace("HH-99999", "?")


def test_a_higher_permlevel_field_is_not_written_by_a_role_without_that_level(app, site, admin):
    """Village clerks read honour_household (permlevel 1) but only the township grants it."""
    household = one(site, "Household", ["name", "honour_household"], village=village_of(site, CLERK))
    clerk = api_login(app, CLERK)
    clerk.put(f"/api/resource/Household/{household['name']}", json={"honour_household": 1})
    assert admin.get("Household", household["name"])["honour_household"] == household["honour_household"]


def test_workflow_actions_need_the_role_the_step_names(site):
    pregnancy = _new_pregnancy(site)
    doc = site.session(CLERK).insert(_certificate_values(site, pregnancy))
    with pytest.raises(TownflowError):
        _act(site, APPROVER, doc, "Submit")  # the approver is not the applicant's clerk
    _act(site, CLERK, doc, "Submit")
    for user in (CLERK, APPROVER, OTHER_CLERK):  # only the village head of that village verifies
        with pytest.raises(TownflowError):
            _act(site, user, doc, "Verify")
    other_head = "head.v02@demo"
    with pytest.raises(TownflowError) as refused:
        _act(site, other_head, doc, "Verify")
    assert refused.value.http_status == 404  # another village's head does not even see it


def test_only_the_applicant_withdraws_and_delegates_stay_in_scope(site):
    doc = site.session(CLERK).insert(_certificate_values(site, _new_pregnancy(site)))
    _act(site, CLERK, doc, "Submit")
    with pytest.raises(TownflowError):
        workflow.withdraw(site.session(HEAD), {"doctype": CERTIFICATE, "name": doc["name"]})
    # the head may hand her to-do only to someone who holds the role AND reaches the village
    for target in ("head.v02@demo", CLERK, "nobody@demo"):
        with pytest.raises(TownflowError):
            workflow.delegate(site.session(HEAD), {"doctype": CERTIFICATE, "name": doc["name"]}, target)
    workflow.withdraw(site.session(CLERK), {"doctype": CERTIFICATE, "name": doc["name"]})


def test_cancel_and_amend_need_their_rights(app, site):
    issued = one(site, CERTIFICATE, ["name"], workflow_state="Issued")["name"]
    for user in (CLERK, HEAD, "leader1@demo"):  # the spec gives cancel to the Township Approver only
        client = api_login(app, user)
        answer = client.post(
            "/api/method/frappe.client.cancel", json={"doctype": CERTIFICATE, "name": issued}
        )
        assert answer.status_code in (403, 404, 417), (user, answer.text)
    assert site.session("Administrator").get(CERTIFICATE, issued)["docstatus"] == 1


@pytest.mark.parametrize(
    ("doctype", "state", "user"),
    [
        (CERTIFICATE, "Pending Leader Countersign", "leader1@demo"),  # one leader of two
        (SUBSIDY, "Pending Approval Notice", APPROVER),
        ("Student Aid Application", "Pending Education Review", "education@demo"),
    ],
)
def test_submit_and_cancel_do_not_go_around_the_workflow(app, site, admin, doctype, state, user):
    """A role holding the DocPerm `submit` right (for the workflow's own steps) must not submit a
    document by `frappe.client.submit`: that would approve it without the remaining steps — one
    leader of a countersign, no certificate serial, no department decision."""
    name = one(site, doctype, ["name"], workflow_state=state, docstatus=0)["name"]
    client = api_login(app, user)
    answer = client.post("/api/method/frappe.client.submit", json={"doc": {"doctype": doctype, "name": name}})
    assert answer.status_code in (403, 417), answer.text[:300]
    stored = admin.get(doctype, name)
    assert (stored["workflow_state"], stored["docstatus"]) == (state, 0)


def test_cancel_of_an_issued_certificate_goes_through_the_workflow(app, site, admin):
    issued = one(site, CERTIFICATE, ["name"], workflow_state="Issued")["name"]
    approver = api_login(app, APPROVER)
    answer = approver.post("/api/method/frappe.client.cancel", json={"doctype": CERTIFICATE, "name": issued})
    assert answer.status_code in (403, 417), answer.text[:300]
    stored = admin.get(CERTIFICATE, issued)
    assert (stored["workflow_state"], stored["docstatus"]) == ("Issued", 1)


def test_no_self_approval_where_the_spec_forbids_it(site):
    """A village official holding both the clerk's and the head's role may not verify her own filing."""
    admin = site.session("Administrator")
    email = "clerk.and.head@security"
    if not admin.get_count("User", {"name": email}):
        admin.insert(
            {
                "doctype": "User",
                "email": email,
                "first_name": "兼职",
                "new_password": "Dual-role-2026",
                "roles": [{"role": "Village Clerk"}, {"role": "Village Head"}],
            }
        )
        admin.insert(
            {
                "doctype": "User Permission",
                "user": email,
                "allow": "Village",
                "for_value": village_of(site, CLERK),
            }
        )
    doc = site.session(email).insert(_certificate_values(site, _new_pregnancy(site, CLERK)))
    _act(site, email, doc, "Submit")
    with pytest.raises(TownflowError):
        _act(site, email, doc, "Verify")
    assert admin.get(CERTIFICATE, doc["name"])["workflow_state"] == "Pending Village Verification"
    _act(site, HEAD, doc, "Verify")  # the other head of the village may


def test_staff_cannot_grant_themselves_roles_villages_or_keys(app, site):
    clerk = api_login(app, CLERK)
    other = village_of(site, OTHER_CLERK)
    grant = clerk.post(
        "/api/resource/User Permission", json={"user": CLERK, "allow": "Village", "for_value": other}
    )
    assert grant.status_code == 403
    roles = clerk.put(f"/api/resource/User/{CLERK}", json={"roles": [{"role": "System Manager"}]})
    assert roles.status_code in (403, 404)
    keys = clerk.post("/api/method/frappe.core.doctype.user.user.generate_keys", json={"user": CLERK})
    assert keys.status_code == 403
    custom = clerk.post(
        "/api/resource/Custom Field",
        json={"dt": "Person", "fieldname": "x", "label": "x", "fieldtype": "Data"},
    )
    assert custom.status_code == 403
    assert site.session(CLERK).get_count("Household", {"village": other}) == 0


def test_a_disabled_users_api_token_stops_working(app, site):
    from fastapi.testclient import TestClient

    admin = api_login(app, "Administrator", "admin-security-test")
    email = "script.clerk@security"
    admin.post(
        "/api/resource/User",
        json={
            "email": email,
            "first_name": "脚本",
            "new_password": "Script-2026-x",
            "roles": [{"role": "Village Clerk"}],
        },
    )
    secret = admin.post(
        "/api/method/frappe.core.doctype.user.user.generate_keys", json={"user": email}
    ).json()["message"]["api_secret"]
    key = site.session("Administrator").get("User", email)["api_key"]
    script = TestClient(app, headers={"Authorization": f"token {key}:{secret}"})
    assert script.get("/api/method/frappe.auth.get_logged_user").json()["message"] == email
    admin.put(f"/api/resource/User/{email}", json={"enabled": 0})
    assert script.get("/api/method/frappe.auth.get_logged_user").status_code == 401
    assert (
        TestClient(app, headers={"Authorization": f"token {key}:wrong"})
        .get("/api/resource/Person")
        .status_code
        == 401
    )


def test_amend_needs_the_amend_right(site):
    cancelled = site.session("Administrator").get_list(
        CERTIFICATE, filters={"docstatus": 2}, limit_page_length=1
    )
    assert cancelled, "the demo puts one certificate in Revoked (docstatus 2)"
    for user in (CLERK, APPROVER):
        with pytest.raises(TownflowError) as refused:
            site.session(user).amend(CERTIFICATE, cancelled[0]["name"])
        assert refused.value.http_status in (403, 404)
