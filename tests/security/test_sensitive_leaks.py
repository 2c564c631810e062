"""Sensitive values (ID numbers, pregnancy details, bank accounts) reach only the roles that may
read them in full: through every path, not just `get`.

A Village Head reads her village's persons with the ID number masked (******************); a
Township Clerk reads pregnancy records with the pregnancy fields masked. Each test takes one
of those users and one path a curious user would try.
"""

from __future__ import annotations

import pytest

from townflow.demodata.people import id_number

from .conftest import CLERK, HEAD, TOWNSHIP_CLERK, api_login, exc_type, one, params, village_of

PREGNANCY = "Pregnancy Record"


@pytest.fixture(scope="module")
def persons(site):
    """Persons of the clerk's village with an ID number, read as the Administrator."""
    return site.session("Administrator").get_list(
        "Person",
        fields=["name", "id_number"],
        filters={"village": village_of(site, CLERK), "id_number": ["is", "set"]},
        limit_page_length=0,
    )


def test_listing_id_numbers_shows_them_masked(app, persons):
    head = api_login(app, HEAD)
    rows = head.get("/api/resource/Person", params=params(fields=["name", "id_number"], limit_page_length=0))
    assert rows.status_code == 200
    shown = {r["name"]: r["id_number"] for r in rows.json()["data"]}
    for person in persons:
        assert shown[person["name"]] != person["id_number"]
        assert set(shown[person["name"]]) == {"*"}


@pytest.mark.parametrize(
    "query",
    [
        {"filters": [["id_number", "like", "4105%"]]},
        {"or_filters": [["id_number", "like", "4105%"]]},
        {"filters": {"id_number": ["in", ["410501200708191022"]]}},
        {"order_by": "id_number asc"},
        {"order_by": "modified desc, id_number desc"},
    ],
)
def test_a_masked_field_is_no_oracle_for_filters_or_sort_order(app, query):
    """Filtering on a masked ID number answers yes/no questions about it; sorting by it ranks the
    hidden digits (birth dates). Both must be refused like reading the field."""
    head = api_login(app, HEAD)
    answer = head.get("/api/resource/Person", params=params(fields=["name"], **query))
    assert answer.status_code == 403 and exc_type(answer) == "PermissionError", answer.text


def test_pregnancy_fields_cannot_be_ranked_by_the_township_clerk(app):
    clerk = api_login(app, TOWNSHIP_CLERK)
    for field in ("gestational_weeks", "lmp_date", "expected_delivery_date"):
        answer = clerk.get(f"/api/resource/{PREGNANCY}", params=params(order_by=f"{field} desc"))
        assert answer.status_code == 403, (field, answer.text)
    assert clerk.get(f"/api/resource/{PREGNANCY}", params=params(order_by="modified desc")).status_code == 200


def test_get_value_and_get_count_do_not_filter_on_masked_fields(app, persons):
    head = api_login(app, HEAD)
    full = persons[0]["id_number"]
    for method, extra in [
        ("frappe.client.get_value", {"fieldname": "name"}),
        ("frappe.client.get_count", {}),
        ("frappe.desk.reportview.get_count", {}),
    ]:
        answer = head.get(
            f"/api/method/{method}", params=params(doctype="Person", filters={"id_number": full}, **extra)
        )
        assert answer.status_code == 403, (method, answer.text)


def test_link_search_does_not_match_on_masked_fields(app, persons):
    head = api_login(app, HEAD)
    found = head.get("/search/link", params={"doctype": "Person", "txt": persons[0]["id_number"][4:14]})
    assert found.status_code == 200 and found.json()["message"] == []


def test_versions_show_a_changed_id_number_masked(app, site, persons):
    person = persons[-1]
    clerk = site.session(CLERK)
    stored = clerk.get("Person", person["name"])
    new_number = id_number(__import__("datetime").date(1990, 1, 1), True, 77)
    # the birth date and gender follow the number (a contradiction is refused)
    clerk.save({**stored, "id_number": new_number, "date_of_birth": "1990-01-01", "gender": "Female"})
    head = api_login(app, HEAD)
    for path, args in [
        ("/api/method/townflow.api.timeline", None),
        (f"/app/person/{person['name']}", None),
    ]:
        if args is None and path.startswith("/api"):
            answer = head.get(path, params={"doctype": "Person", "name": person["name"]})
            if answer.status_code == 417:  # Person has no workflow: its timeline is on the form only
                continue
        else:
            answer = head.get(path)
        assert answer.status_code == 200, answer.text
        assert new_number not in answer.text and person["id_number"] not in answer.text
    history = site.session(HEAD).versions("Person", person["name"])
    change = next(c for v in history for c in v["data"]["changed"] if c[0] == "id_number")
    assert "*" in change[1] and "*" in change[2]


def test_versions_of_child_rows_hide_fields_the_reader_may_not_see(site):
    """A field at a higher permlevel in a child table (here added by an admin) is hidden from the
    Village Head in the document, and so it must be in the Version rows that record it."""
    admin = site.session("Administrator")
    if not site.metas.get("Pregnancy Follow Up Visit").get_field("private_note"):
        admin.insert(
            {
                "doctype": "Custom Field",
                "dt": "Pregnancy Follow Up Visit",
                "fieldname": "private_note",
                "label": "内部备注",
                "fieldtype": "Data",
                "permlevel": 1,
                "insert_after": "findings",
            }
        )
    record = one(site, PREGNANCY, ["name"], village=village_of(site, CLERK), outcome="Ongoing")["name"]
    clerk = site.session(CLERK)
    doc = clerk.get(PREGNANCY, record)
    visit = {
        "visit_date": site.now().date().isoformat(),
        "visit_type": "Home Visit",
        "visitor": "村计生专干",
        "findings": "情况正常",
        "private_note": "SECRET-NOTE-4711",
    }
    clerk.save({**doc, "visits": [*doc["visits"], visit]})
    head = site.session(HEAD)
    assert all(v.get("private_note") is None for v in head.get(PREGNANCY, record)["visits"])
    assert "SECRET-NOTE-4711" not in repr(head.versions(PREGNANCY, record))


def test_visit_rows_do_not_reveal_the_gestational_weeks_masked_on_the_record(site):
    record = one(site, PREGNANCY, ["name"], village=village_of(site, CLERK), outcome="Ongoing")["name"]
    clerk = site.session(CLERK)
    doc = clerk.get(PREGNANCY, record)
    visit = {
        "visit_date": site.now().date().isoformat(),
        "visit_type": "Pregnancy Check",
        "visitor": "村计生专干",
        "findings": "孕情稳定",
        "gestational_weeks": 19,
    }
    clerk.save({**doc, "visits": [*doc["visits"], visit]})
    township = site.session(TOWNSHIP_CLERK)
    shown = township.get(PREGNANCY, record)
    assert shown["gestational_weeks"] == "****"
    assert all(v["gestational_weeks"] in (None, "****") for v in shown["visits"])


def test_pages_and_prints_show_masked_values_only(app, site):
    admin = site.session("Administrator")
    application = one(
        site,
        "Subsidy Application",
        ["name", "applicant_id_number", "bank_account"],
        village=village_of(site, CLERK),
        docstatus=1,
    )
    for user in (HEAD, TOWNSHIP_CLERK):
        client = api_login(app, user)
        for path in (
            f"/app/subsidy-application/{application['name']}",
            f"/print/subsidy-application/{application['name']}",
        ):
            page = client.get(path)
            assert page.status_code in (200, 403, 409), (user, path, page.status_code)
            assert application["applicant_id_number"] not in page.text, (user, path)
            assert application["bank_account"] not in page.text, (user, path)
    assert admin.get("Subsidy Application", application["name"])["bank_account"]


def test_inbox_items_carry_no_sensitive_values(app, site):
    for user in (HEAD, "approver@demo", "leader1@demo"):
        client = api_login(app, user)
        for tab in ("todo", "done", "cc"):
            answer = client.get(
                "/api/method/townflow.api.inbox", params={"tab": tab, "limit_page_length": 100}
            )
            assert answer.status_code == 200
            for item in answer.json()["message"]["items"]:
                assert not set(item) & {"id_number", "applicant_id_number", "bank_account", "lmp_date"}


def test_audit_log_and_versions_are_not_readable_by_staff(app):
    for user in (CLERK, HEAD, TOWNSHIP_CLERK):
        client = api_login(app, user)
        for doctype in ("Version", "Comment", "User", "User Permission", "Custom Field", "Has Role"):
            answer = client.get(f"/api/resource/{doctype}")
            assert answer.status_code == 403, (user, doctype)


def _sensitive_reads(site, user: str, doctype: str, name: str) -> int:
    return site.db.scalar(
        "SELECT COUNT(*) FROM __audit_log WHERE action = 'sensitive_read' AND user = ? AND ref_doctype = ? "
        "AND ref_name = ?",
        (user, doctype, name),
    )


def test_reading_full_id_numbers_in_the_history_is_audited(site, persons):
    """Whoever reads an ID number in full leaves an audit row, also when it is read in a Version diff."""
    person = persons[0]
    clerk = site.session(CLERK)
    stored = clerk.get("Person", person["name"])
    new_number = id_number(__import__("datetime").date(1991, 2, 3), True, 55)
    clerk.save({**stored, "id_number": new_number, "date_of_birth": "1991-02-03", "gender": "Female"})
    reader = "approver@demo"  # reads Person ID numbers in full (permlevel 1)
    before = _sensitive_reads(site, reader, "Person", person["name"])
    history = site.session(reader).versions("Person", person["name"])
    assert any(c[0] == "id_number" and "*" not in str(c[2]) for v in history for c in v["data"]["changed"])
    assert _sensitive_reads(site, reader, "Person", person["name"]) == before + 1
