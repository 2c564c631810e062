"""Permissions as a clerk notices them: own village only, masked ID numbers, 404 for the unseen."""

from __future__ import annotations

import pytest
from site_support import make_user

from townflow.runtime.errors import DoesNotExistError, LinkValidationError, PermissionError


def test_village_clerk_lists_counts_and_searches_only_own_village(site, people):
    clerk = site.session("clerk1")
    assert [h["name"] for h in clerk.get_list("Household")] == [people["h1"]["name"]]
    assert clerk.get_count("Household") == 1
    assert clerk.get_count("Person") == 1  # persons follow their own (fetched) village
    assert [r["value"] for r in clerk.search_link("Household", "")] == [people["h1"]["name"]]
    assert [r["value"] for r in clerk.search_link("Village", "")] == ["V1"]
    assert clerk.get_list("Household", filters={"village": "V2"}) == []


def test_record_outside_scope_is_not_found_on_every_path(site, people):
    clerk = site.session("clerk1")
    h2 = people["h2"]
    for attempt in (
        lambda: clerk.get("Household", h2["name"]),
        lambda: clerk.save({**h2, "head_name": "x"}),
        lambda: clerk.delete("Household", h2["name"]),
        lambda: clerk.versions("Household", h2["name"]),
    ):
        with pytest.raises(DoesNotExistError) as err:
            attempt()
        assert err.value.http_status == 404
    assert site.session("Administrator").get("Household", h2["name"])["head_name"] == "李四"


def test_seen_but_not_allowed_is_403(site, people):
    clerk = site.session("clerk1")
    with pytest.raises(PermissionError) as err:
        clerk.delete("Village", "V1")
    assert err.value.http_status == 403
    make_user(site, "reader", ["Township Approver"])
    with pytest.raises(PermissionError):  # Township Approver reads Villages but may not change them
        site.session("reader").save({**site.session("reader").get("Village", "V2"), "code": "9"})


def test_clerk_cannot_create_or_move_records_into_another_village(site, people):
    clerk = site.session("clerk1")
    with pytest.raises(LinkValidationError):
        clerk.insert({"doctype": "Household", "village": "V2", "head_name": "x"})
    with pytest.raises(LinkValidationError):  # a Person in a V2 household: the household is unseen
        clerk.insert(
            {"doctype": "Person", "household": people["h2"]["name"], "full_name": "x", "gender": "Male"}
        )
    h1 = clerk.get("Household", people["h1"]["name"])
    with pytest.raises(LinkValidationError):
        clerk.save({**h1, "village": "V2"})
    assert site.session("Administrator").get_count("Household", {"village": "V2"}) == 1


def test_scope_is_checked_on_insert_even_when_the_link_is_visible(site, people):
    # Township Approver may read every Village, but only the Village Clerk row grants creating
    # Households, and only in V1: a V2 household passes the Link check and fails the scope.
    make_user(site, "mixed", ["Village Clerk", "Township Approver"], Village=["V1"])
    with pytest.raises(PermissionError):
        site.session("mixed").insert({"doctype": "Household", "village": "V2", "head_name": "x"})
    assert site.session("mixed").insert({"doctype": "Household", "village": "V1", "head_name": "y"})
    assert site.session("Administrator").get_count("Household", {"village": "V2"}) == 1


def test_several_villages_and_several_roles_add_up(site, people):
    make_user(site, "both", ["Village Clerk"], Village=["V1", "V2"])
    assert site.session("both").get_count("Household") == 2
    make_user(site, "clerk_and_township", ["Village Clerk", "Township Clerk"], Village=["V1"])
    assert site.session("clerk_and_township").get_count("Household") == 2


def test_no_role_no_access(site, people):
    make_user(site, "nobody", [])
    nobody = site.session("nobody")
    with pytest.raises(PermissionError):
        nobody.get_list("Household")
    with pytest.raises(PermissionError):
        nobody.get("Household", people["h1"]["name"])
    with pytest.raises(PermissionError):
        nobody.insert({"doctype": "Household", "village": "V1", "head_name": "x"})
    assert not nobody.has_permission("Household", "read")


def test_clerk_cannot_read_system_doctypes(site, people):
    with pytest.raises(PermissionError):
        site.session("clerk1").get_list("User")
    with pytest.raises(PermissionError):
        site.session("clerk1").insert(
            {"doctype": "Custom Field", "dt": "Person", "fieldname": "x", "label": "x"}
        )


def test_sensitive_fields_masked_below_their_permlevel_and_audited_in_full(site, people):
    p1 = people["p1"]["name"]
    clerk_view = site.session("clerk1").get("Person", p1)
    assert clerk_view["id_number"] == "******************"
    assert clerk_view["mobile"] == "138****5678"
    listed = site.session("clerk1").get_list("Person", fields=["name", "id_number"])
    assert listed == [{"name": p1, "id_number": "******************"}]

    def reads_by_staff():  # (the Administrator who filed the person read it in the insert's answer)
        return [
            e
            for e in site.audit.entries("Person", p1)
            if e["action"] == "sensitive_read" and e["user"] != "Administrator"
        ]

    assert reads_by_staff() == []
    township_view = site.session("township").get("Person", p1)
    assert township_view["id_number"] == "11010519491231002X"
    reads = reads_by_staff()
    assert reads[0]["user"] == "township"
    assert reads[0]["data"] == {"fields": ["id_number", "mobile"]}


def test_fields_above_write_permlevel_keep_their_value(site, people):
    clerk = site.session("clerk1")
    p = clerk.get("Person", people["p1"]["name"])
    p["full_name"] = "王芳芳"
    p["id_number"] = "110105194912310021"  # not writable at permlevel 1: ignored, like Frappe
    clerk.save(p)
    stored = site.session("Administrator").get("Person", p["name"])
    assert (stored["full_name"], stored["id_number"]) == ("王芳芳", "11010519491231002X")
    township = site.session("township")
    full = township.get("Person", p["name"])
    masked_echo = {**full, "id_number": "******************"}
    township.save(masked_echo)  # a masked value sent back keeps the original
    assert site.session("Administrator").get("Person", p["name"])["id_number"] == "11010519491231002X"


def test_filtering_on_an_unreadable_field_is_refused(site, people):
    with pytest.raises(PermissionError):
        site.session("clerk1").get_list("Person", filters={"id_number": ["like", "1101%"]})


def test_if_owner_rows_reach_only_own_documents(site, people):
    # Township Clerk lets them see the households they apply for, not the applications.
    make_user(site, "applicant_a", ["Applicant", "Township Clerk"])
    make_user(site, "applicant_b", ["Applicant", "Township Clerk"])
    a, b = site.session("applicant_a"), site.session("applicant_b")
    mine = a.insert({"doctype": "Application", "household": people["h1"]["name"], "kind": "Loan"})
    assert [d["name"] for d in a.get_list("Application")] == [mine["name"]]
    assert b.get_list("Application") == []
    with pytest.raises(DoesNotExistError):
        b.get("Application", mine["name"])


def test_department_scope_sees_what_is_routed_to_it(site, people):
    admin = site.session("Administrator")
    routed = admin.insert(
        {"doctype": "Application", "household": people["h1"]["name"], "department": "Civil"}
    )
    admin.insert({"doctype": "Application", "household": people["h2"]["name"]})
    make_user(site, "civil", ["Civil Affairs Officer"], Department=["Civil"])
    officer = site.session("civil")
    assert [d["name"] for d in officer.get_list("Application")] == [routed["name"]]
    with pytest.raises(PermissionError):
        officer.insert({"doctype": "Application", "household": people["h1"]["name"], "department": "Civil"})


def test_denials_are_audited_even_when_the_write_rolls_back(site, people):
    clerk = site.session("clerk1")
    with pytest.raises(DoesNotExistError):
        clerk.delete("Household", people["h2"]["name"])
    denied = [e for e in site.audit.entries("Household", people["h2"]["name"]) if e["action"] == "denied"]
    assert denied and denied[0]["user"] == "clerk1" and denied[0]["data"] == {"ptype": "delete"}
    assert site.audit.verify().ok


def test_child_rows_follow_their_parent(site, people):
    admin = site.session("Administrator")
    admin.insert(
        {"doctype": "Application", "household": people["h2"]["name"], "items": [{"item": "v2 only"}]}
    )
    clerk = site.session("clerk1")
    assert clerk.get_list("Application Item", fields=["item"]) == []
    assert clerk.get_list("Application", filters=[["Application Item", "item", "=", "v2 only"]]) == []


def test_unchanged_links_need_not_be_visible_to_the_saver(site, people):
    # The civil affairs officer may not browse Households, yet edits the application routed to
    # them: the household link they did not touch is checked for existence only.
    admin = site.session("Administrator")
    app = admin.insert({"doctype": "Application", "household": people["h1"]["name"], "department": "Civil"})
    make_user(site, "civil2", ["Civil Affairs Officer"], Department=["Civil"])
    officer = site.session("civil2")
    mine = officer.get("Application", app["name"])
    saved = officer.save({**mine, "remark": "checked"})
    assert saved["remark"] == "checked"
    with pytest.raises(LinkValidationError):
        officer.save({**saved, "household": people["h2"]["name"]})


def test_group_by_counts_are_scoped_like_lists(site, people):
    admin = site.session("Administrator")
    admin.insert(
        {"doctype": "Person", "household": people["h1"]["name"], "full_name": "甲", "gender": "Male"}
    )
    assert site.session("clerk1").get_group_by_count("Person", "gender") == [
        {"name": "Female", "count": 1},
        {"name": "Male", "count": 1},
    ]
    assert site.session("township").get_group_by_count("Person", "gender")[0] == {
        "name": "Female",
        "count": 2,
    }
    with pytest.raises(PermissionError):
        site.session("clerk1").get_group_by_count("Person", "id_number")


def test_restrictions_narrow_a_roles_rows_on_every_path(site, people):
    admin = site.session("Administrator")
    loan = admin.insert({"doctype": "Application", "household": people["h1"]["name"], "kind": "Loan"})
    reward = admin.insert({"doctype": "Application", "household": people["h2"]["name"], "kind": "One-time"})
    make_user(site, "approver", ["Township Approver", "Township Clerk"])  # the clerk role sees households
    site.perms.restrict("Application", "Township Approver", "kind", ["Loan"])
    approver = site.session("approver")
    assert [d["name"] for d in approver.get_list("Application")] == [loan["name"]]
    assert approver.get_count("Application") == 1
    with pytest.raises(DoesNotExistError):
        approver.get("Application", reward["name"])
    with pytest.raises(PermissionError):  # creating one it could not then see
        approver.insert({"doctype": "Application", "household": people["h1"]["name"], "kind": "One-time"})
    assert approver.insert({"doctype": "Application", "household": people["h1"]["name"], "kind": "Loan"})
    assert site.session("clerk1").get_count("Application") == 2  # V1 rows of any kind: other roles untouched
