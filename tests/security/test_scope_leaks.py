"""Scope: a village clerk reaches her own village only, a department only what was routed to it.

Every door is tried with another village's record; each must answer as for a record that does
not exist (404, an empty list, a zero count), never with a hint that it is there.
"""

from __future__ import annotations

import pytest

from .conftest import CIVIL, CLERK, FACILITY, OTHER_CLERK, api_login, exc_type, one, params, village_of

SUBSIDY = "Subsidy Application"
CERTIFICATE = "Termination Certificate Application"


@pytest.fixture(scope="module")
def theirs(site):
    """A submitted subsidy application of the other clerk's village."""
    return one(site, SUBSIDY, ["name"], village=village_of(site, OTHER_CLERK), docstatus=["!=", 2])["name"]


def test_reads_of_another_villages_record_answer_not_found(app, site, theirs):
    clerk = api_login(app, CLERK)
    for path, query in [
        (f"/api/resource/{SUBSIDY}/{theirs}", None),
        ("/api/method/frappe.client.get", {"doctype": SUBSIDY, "name": theirs}),
        ("/api/method/townflow.api.timeline", {"doctype": SUBSIDY, "name": theirs}),
        (f"/app/subsidy-application/{theirs}", None),
        (f"/print/subsidy-application/{theirs}", None),
        (f"/files/subsidy-application/{theirs}/supporting_documents", None),
    ]:
        answer = clerk.get(path, params=query)
        assert answer.status_code == 404, (path, answer.status_code)
        missing = clerk.get(
            path.replace(theirs, "LYDX-2026-99999"), params=query and {**query, "name": "LYDX-2026-99999"}
        )
        assert missing.status_code == 404, path


def test_lists_counts_and_searches_leave_another_village_out(app, site, theirs):
    clerk = api_login(app, CLERK)
    other = village_of(site, OTHER_CLERK)
    assert clerk.get(f"/api/resource/{SUBSIDY}", params=params(filters={"name": theirs})).json()["data"] == []
    for method in ("frappe.client.get_count", "frappe.desk.reportview.get_count"):
        answer = clerk.get(
            f"/api/method/{method}", params=params(doctype=SUBSIDY, filters={"village": other})
        )
        assert answer.json()["message"] == 0, method
    for filters in ({"name": theirs}, theirs):
        answer = clerk.get(
            "/api/method/frappe.client.get_value",
            params=params(doctype=SUBSIDY, fieldname="name", filters=filters),
        )
        assert answer.status_code == 200 and not answer.json().get("message"), answer.text
    assert clerk.get("/search/link", params={"doctype": SUBSIDY, "txt": theirs}).json()["message"] == []
    households = clerk.get("/search/link", params={"doctype": "Household", "txt": ""}).json()["message"]
    mine = {r["name"] for r in site.session(CLERK).get_list("Household", limit_page_length=0)}
    assert households and {h["value"] for h in households} <= mine
    mine_count = site.session(CLERK).get_count("Person")
    assert (
        clerk.get("/api/method/frappe.client.get_count", params={"doctype": "Person"}).json()["message"]
        == mine_count
    )
    assert mine_count < site.session("Administrator").get_count("Person")


def test_child_rows_are_not_listed_or_read_on_their_own(app, site):
    clerk = api_login(app, CLERK)
    listed = clerk.get(
        "/api/resource/Pregnancy Follow Up Visit", params=params(fields=["*"], limit_page_length=0)
    )
    assert listed.status_code in (200, 403)
    if listed.status_code == 200:
        mine = {r["name"] for r in site.session(CLERK).get_list("Pregnancy Record", limit_page_length=0)}
        assert all(row["parent"] in mine for row in listed.json()["data"])
    assert clerk.get("/api/resource/Pregnancy Follow Up Visit/anything").status_code in (403, 404)


def test_actions_on_another_villages_record_answer_not_found(app, site, theirs):
    clerk = api_login(app, CLERK)
    doc = {"doctype": SUBSIDY, "name": theirs}
    for method, body in [
        ("townflow.api.comment", {"doctype": SUBSIDY, "name": theirs, "content": "看看"}),
        ("frappe.model.workflow.get_transitions", {"doc": doc}),
        ("frappe.model.workflow.apply_workflow", {"doc": doc, "action": "Approve"}),
        ("townflow.api.withdraw", {"doc": doc}),
        ("townflow.api.return_to", {"doc": doc, "comment": "x"}),
        ("townflow.api.delegate", {"doc": doc, "to_user": CLERK}),
    ]:
        answer = clerk.post(f"/api/method/{method}", json=body)
        assert answer.status_code == 404, (method, answer.text)
    assert clerk.put(f"/api/resource/{SUBSIDY}/{theirs}", json={"remarks": "x"}).status_code == 404
    bulk = clerk.post(
        "/api/method/townflow.api.bulk_apply",
        json={"doctype": SUBSIDY, "names": [theirs], "action": "Approve"},
    )
    assert bulk.json()["message"]["failed"][0]["http_status"] == 404


def test_a_department_sees_only_what_was_routed_to_it(app, site):
    civil = api_login(app, CIVIL)
    rows = civil.get(
        f"/api/resource/{SUBSIDY}", params=params(fields=["name", "department"], limit_page_length=0)
    ).json()["data"]
    assert rows and all(r["department"] == "民政办" for r in rows)
    drafts = site.session("Administrator").get_list(SUBSIDY, filters={"workflow_state": "Draft"})
    for draft in drafts:
        assert civil.get(f"/api/resource/{SUBSIDY}/{draft['name']}").status_code == 404
    counts = civil.get("/api/method/townflow.api.inbox", params={"tab": "todo"}).json()["message"]["counts"]
    assert counts["todo"] <= len(rows)


def test_a_facility_sees_certificates_not_applications_in_progress(app, site):
    facility = api_login(app, FACILITY)
    rows = facility.get(
        f"/api/resource/{CERTIFICATE}", params=params(fields=["name", "workflow_state"], limit_page_length=0)
    ).json()["data"]
    assert rows
    assert {r["workflow_state"] for r in rows} <= {"Issued", "Used", "Expired", "Revoked"}
    facility_name = one(site, "User Permission", ["for_value"], user=FACILITY, allow="Designated Facility")
    admin = site.session("Administrator")
    at_facility = admin.get_list(
        CERTIFICATE,
        fields=["name", "workflow_state"],
        filters={"facility": facility_name["for_value"]},
        limit_page_length=0,
    )
    in_progress = [
        r["name"] for r in at_facility if r["workflow_state"] not in ("Issued", "Used", "Expired", "Revoked")
    ]
    issued = [r["name"] for r in at_facility if r["workflow_state"] == "Issued"]
    assert in_progress and issued, "the demo data has applications in progress and issued at this facility"
    assert facility.get(f"/api/resource/{CERTIFICATE}/{in_progress[0]}").status_code == 404
    answer = facility.get(f"/api/resource/{CERTIFICATE}/{issued[0]}")
    assert answer.status_code == 200 and answer.json()["data"]["reason"]  # permlevel 1, once issued
    count = facility.get(
        "/api/method/frappe.client.get_count",
        params=params(doctype=CERTIFICATE, filters={"name": ["in", in_progress]}),
    )
    assert count.json()["message"] == 0


def test_no_permission_on_a_doctype_is_403_without_naming_records(app):
    facility = api_login(app, FACILITY)
    answer = facility.get(f"/api/resource/{SUBSIDY}")
    assert answer.status_code == 403 and exc_type(answer) == "PermissionError"


def test_a_clerk_without_a_village_reaches_nothing(app, site):
    """Deny by default: the Village Clerk role alone, with no User Permission, reaches no record."""
    admin = site.session("Administrator")
    email = "clerk.no.village@security"
    if not admin.get_count("User", {"name": email}):
        admin.insert(
            {
                "doctype": "User",
                "email": email,
                "first_name": "无村",
                "new_password": "No-village-2026",
                "roles": [{"role": "Village Clerk"}],
            }
        )
    client = api_login(app, email, "No-village-2026")
    for doctype in ("Person", "Household", SUBSIDY, CERTIFICATE, "Pregnancy Record"):
        assert client.get(f"/api/resource/{doctype}").json()["data"] == [], doctype
        assert (
            client.get("/api/method/frappe.client.get_count", params={"doctype": doctype}).json()["message"]
            == 0
        )
    household = one(site, "Household", village=village_of(site, CLERK))["name"]
    answer = client.post(
        "/api/resource/Person",
        json={
            "household": household,
            "full_name": "x",
            "gender": "Female",
            "date_of_birth": "2000-01-01",
            "relationship": "Daughter",
        },
    )
    assert answer.status_code in (403, 417)


def test_inbox_counts_and_items_stay_in_the_users_village(app, site):
    other = village_of(site, OTHER_CLERK)
    for user in ("head.v01@demo", CLERK):
        client = api_login(app, user)
        for tab in ("todo", "done", "cc", "overdue"):
            answer = client.get(
                "/api/method/townflow.api.inbox", params={"tab": tab, "limit_page_length": 500}
            )
            message = answer.json()["message"]
            assert message["counts"][tab] == len(message["items"]), (user, tab)
            for item in message["items"]:
                doc = site.session("Administrator").get(item["reference_doctype"], item["reference_name"])
                assert doc.get("village") != other, (user, item)
