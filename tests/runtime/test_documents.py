"""Documents: create, read, update, delete, lists, child tables, docstatus rules, versions, locking."""

from __future__ import annotations

import pytest

from townflow.runtime.errors import (
    DocstatusTransitionError,
    DoesNotExistError,
    LinkExistsError,
    LinkValidationError,
    QueryError,
    TimestampMismatchError,
    UpdateAfterSubmitError,
    ValidationError,
)


def new_application(session, household: str, **values) -> dict:
    doc = {"doctype": "Application", "household": household, "kind": "Loan", "amount": 2000}
    doc.update(values)
    return session.insert(doc)


def test_insert_names_by_series_and_sets_standard_fields(admin):
    h = admin.insert({"doctype": "Household", "village": "V1", "head_name": "张三", "members": "4"})
    assert h["name"] == "HH-00001"
    assert (h["owner"], h["modified_by"], h["docstatus"]) == ("Administrator", "Administrator", 0)
    assert h["members"] == 4  # coerced from the string a form posts
    assert admin.insert({"doctype": "Household", "village": "V1", "head_name": "李四"})["name"] == "HH-00002"


def test_format_autoname_and_fetch_from(admin, people):
    p = admin.get("Person", people["p1"]["name"])
    assert p["name"] == "PER-2026-0001"
    assert p["village"] == "V1"  # fetched from household.village


def test_get_returns_child_rows_in_order_and_save_replaces_them(admin, people):
    app = new_application(
        admin, people["h1"]["name"], items=[{"item": "a", "qty": 1}, {"item": "b", "qty": 2}]
    )
    assert [r["item"] for r in app["items"]] == ["a", "b"]
    assert [r["idx"] for r in app["items"]] == [1, 2]
    app["items"] = [app["items"][1], {"item": "c", "qty": 3}]
    saved = admin.save(app)
    again = admin.get("Application", app["name"])
    assert [r["item"] for r in again["items"]] == ["b", "c"]
    assert again["items"][0]["name"] == app["items"][0]["name"]
    assert saved["modified"] == again["modified"]


def test_get_list_filters_in_every_frappe_form(admin, people):
    hh = people["h1"]["name"]
    for amount in (1000, 2000, 3000):
        new_application(admin, hh, amount=amount, remark=f"r{amount}")

    def amounts(**kw):
        return sorted(r["amount"] for r in admin.get_list("Application", fields=["amount"], **kw))

    assert amounts(filters={"amount": 2000}) == [2000]
    assert amounts(filters={"amount": [">", 1500]}) == [2000, 3000]
    assert amounts(filters=[["amount", "in", [1000, 3000]]]) == [1000, 3000]
    assert amounts(filters=[["Application", "amount", "between", [1500, 3500]]]) == [2000, 3000]
    assert amounts(filters=[["remark", "like", "%3000"]]) == [3000]
    assert amounts(filters=[["remark", "not like", "%3000"]]) == [1000, 2000]
    assert amounts(filters=[["department", "is", "not set"]]) == [1000, 2000, 3000]
    assert amounts(filters='{"amount": ["<=", 2000]}') == [1000, 2000]
    assert amounts(or_filters=[["amount", "=", 1000], ["amount", "=", 3000]]) == [1000, 3000]
    assert amounts(filters=[["amount", "!=", 1000]]) == [2000, 3000]
    assert amounts(filters=[["amount", "not in", [1000]]]) == [2000, 3000]


def test_get_list_order_paging_and_child_filter(admin, people):
    hh = people["h1"]["name"]
    for amount in (1000, 2000, 3000):
        new_application(admin, hh, amount=amount, items=[{"item": f"i{amount}"}])
    rows = admin.get_list(
        "Application", fields=["name", "amount"], order_by="amount desc", limit_page_length=2
    )
    assert [r["amount"] for r in rows] == [3000, 2000]
    rows = admin.get_list(
        "Application", fields=["amount"], order_by="amount desc", limit_start=2, limit_page_length=2
    )
    assert [r["amount"] for r in rows] == [1000]
    rows = admin.get_list(
        "Application", fields=["amount"], filters=[["Application Item", "item", "=", "i2000"]]
    )
    assert [r["amount"] for r in rows] == [2000]
    assert admin.get_count("Application", filters={"amount": [">", 1000]}) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fields": ["amount; DROP TABLE x"]},
        {"filters": {"no_such_field": 1}},
        {"filters": [["amount", "regexp", "1"]]},
        {"order_by": "amount desc; DROP TABLE tabApplication"},
        {"order_by": "nonexistent asc"},
    ],
)
def test_get_list_refuses_unknown_columns_and_operators(admin, kwargs):
    with pytest.raises(QueryError):
        admin.get_list("Application", **kwargs)


def test_save_with_stale_modified_is_a_conflict_and_changes_nothing(admin, people):
    first = admin.get("Household", people["h1"]["name"])
    second = dict(first)
    first["head_name"] = "first writer"
    admin.save(first)
    second["head_name"] = "second writer"
    with pytest.raises(TimestampMismatchError) as err:
        admin.save(second)
    assert err.value.http_status == 409
    assert admin.get("Household", people["h1"]["name"])["head_name"] == "first writer"


def test_save_without_modified_is_refused(admin, people):
    doc = {"doctype": "Household", "name": people["h1"]["name"], "head_name": "x"}
    with pytest.raises(ValidationError):
        admin.save(doc)
    assert admin.save(doc, check_modified=False)["head_name"] == "x"


def test_submit_cancel_amend_follow_frappe_docstatus(admin, people):
    app = new_application(admin, people["h1"]["name"], items=[{"item": "a"}])
    submitted = admin.submit(app)
    assert submitted["docstatus"] == 1
    with pytest.raises(DocstatusTransitionError):
        admin.submit(submitted)
    submitted["remark"] = "allowed on submit"
    submitted = admin.save(submitted)
    assert submitted["remark"] == "allowed on submit"
    submitted["amount"] = 4000
    with pytest.raises(UpdateAfterSubmitError) as err:
        admin.save(submitted)
    assert "amount" in str(err.value)
    with pytest.raises(ValidationError):
        admin.delete("Application", app["name"])
    cancelled = admin.cancel("Application", app["name"])
    assert cancelled["docstatus"] == 2
    with pytest.raises(ValidationError):
        admin.save({**cancelled, "remark": "no"})
    amended = admin.amend("Application", app["name"])
    assert amended["name"] == app["name"] + "-1"
    assert amended["amended_from"] == app["name"]
    assert amended["docstatus"] == 0
    assert [r["item"] for r in amended["items"]] == ["a"]
    admin.submit(amended)
    admin.cancel("Application", amended["name"])
    assert admin.amend("Application", amended["name"])["name"] == app["name"] + "-2"


def test_docstatus_cannot_be_changed_by_save(admin, people):
    app = new_application(admin, people["h1"]["name"])
    with pytest.raises(DocstatusTransitionError):
        admin.save({**app, "docstatus": 1})


def test_insert_with_docstatus_1_submits(admin, people):
    app = new_application(admin, people["h1"]["name"], docstatus=1)
    assert admin.get("Application", app["name"])["docstatus"] == 1


def test_delete_removes_document_and_children_but_not_linked_ones(admin, people):
    app = new_application(admin, people["h1"]["name"], items=[{"item": "a"}])
    with pytest.raises(LinkExistsError):
        admin.delete("Household", people["h1"]["name"])
    admin.delete("Application", app["name"])
    with pytest.raises(DoesNotExistError):
        admin.get("Application", app["name"])
    assert admin.site.db.scalar('SELECT COUNT(*) FROM "tabApplication Item"') == 0


def test_versions_record_field_and_row_diffs(admin, people):
    app = new_application(admin, people["h1"]["name"], items=[{"item": "a"}])
    app["amount"] = 3000
    app["items"].append({"item": "b"})
    app = admin.save(app)
    app["items"][0]["qty"] = 5
    admin.save(app)
    history = admin.versions("Application", app["name"])
    assert history[0]["data"]["changed"] == [["amount", 2000.0, 3000.0]]
    assert history[0]["data"]["added"][0][0] == "items"
    assert history[0]["data"]["added"][0][1]["item"] == "b"
    assert history[1]["data"]["row_changed"][0][:2] == ["items", 1]
    assert history[1]["data"]["row_changed"][0][3] == [["qty", None, 5]]
    assert all(v["owner"] == "Administrator" for v in history)


def test_save_without_changes_writes_no_version(admin, people):
    h = admin.get("Household", people["h1"]["name"])
    admin.save(h)
    assert admin.versions("Household", h["name"]) == []


def test_single_doctype_reads_and_saves_through_singles(admin):
    settings = admin.get("Campaign Settings")
    assert settings["loan_max"] == 5000
    settings["loan_max"] = 6000
    admin.save(settings)
    assert admin.get("Campaign Settings", "Campaign Settings")["loan_max"] == 6000
    assert admin.site.settings()["loan_max"] == 6000


def test_search_link_matches_name_and_title(admin, people):
    found = admin.search_link("Household", "张")
    assert found == [{"value": people["h1"]["name"], "description": "张三"}]
    assert {r["value"] for r in admin.search_link("Village", "")} == {"V1", "V2"}


def test_a_cancelled_document_cannot_be_newly_linked(admin, people):
    admin.insert(
        {
            "doctype": "Custom Field",
            "dt": "Household",
            "fieldname": "last_application",
            "label": "最近申请",
            "fieldtype": "Link",
            "options": "Application",
        }
    )
    app = new_application(admin, people["h1"]["name"], docstatus=1)
    household = admin.get("Household", people["h1"]["name"])
    household = admin.save({**household, "last_application": app["name"]})
    admin.cancel("Application", app["name"])
    household = admin.save({**household, "head_name": "unchanged link is fine"})
    other = admin.get("Household", people["h2"]["name"])
    with pytest.raises(LinkValidationError) as err:
        admin.save({**other, "last_application": app["name"]})
    assert "cancelled" in str(err.value)
    amended = admin.amend("Application", app["name"])  # amended_from may point at it
    assert amended["amended_from"] == app["name"]
