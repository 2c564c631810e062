"""Permissions.where() remembers its SQL: a change of roles, User Permissions or restrictions
must still show at once, on lists and on the record checks of get and save."""

from __future__ import annotations

import pytest
from site_support import make_user

from townflow.runtime.errors import DoesNotExistError


def test_a_new_user_permission_shows_in_the_next_session(site, people):
    clerk = site.session("clerk1")
    assert clerk.get_count("Household") == 1
    site.session("Administrator").insert(
        {"doctype": "User Permission", "user": "clerk1", "allow": "Village", "for_value": "V2"}
    )
    widened = site.session("clerk1")
    assert widened.get_count("Household") == 2
    assert widened.get("Household", people["h2"]["name"])["head_name"] == "李四"
    assert site.session("clerk2").get_count("Household") == 1  # the other clerk is untouched


def test_removed_user_permission_and_role_narrow_the_next_session(site, people):
    make_user(site, "both", ["Village Clerk"], Village=["V1", "V2"])
    assert site.session("both").get_count("Household") == 2
    site.db.execute('DELETE FROM "tabUser Permission" WHERE user = ? AND for_value = ?', ("both", "V2"))
    narrowed = site.session("both")
    assert narrowed.get_count("Household") == 1
    with pytest.raises(DoesNotExistError):
        narrowed.get("Household", people["h2"]["name"])
    site.db.execute('DELETE FROM "tabHas Role" WHERE parent = ?', ("both",))
    assert site.perms.where(site.metas.get("Household"), site.session("both").ctx) == ("0", [])


def test_the_same_context_changed_in_place_is_not_answered_from_memory(site, people):
    ctx = site.session("clerk1").ctx
    meta = site.metas.get("Household")
    assert site.perms.record_allowed(site.db, meta, ctx, "read", people["h1"]["name"])
    assert not site.perms.record_allowed(site.db, meta, ctx, "read", people["h2"]["name"])
    ctx.user_permissions.append({"allow": "Village", "for_value": "V2", "apply_to_all_doctypes": 1})
    assert site.perms.record_allowed(site.db, meta, ctx, "read", people["h2"]["name"])
    ctx.roles = frozenset({"All", "Guest"})
    assert not site.perms.record_allowed(site.db, meta, ctx, "read", people["h1"]["name"])


def test_a_restriction_added_after_a_list_applies_to_the_next_one(site, people):
    admin = site.session("Administrator")
    loan = admin.insert({"doctype": "Application", "household": people["h1"]["name"], "kind": "Loan"})
    admin.insert({"doctype": "Application", "household": people["h2"]["name"], "kind": "One-time"})
    make_user(site, "approver", ["Township Approver", "Township Clerk"])
    approver = site.session("approver")
    assert approver.get_count("Application") == 2
    site.perms.restrict("Application", "Township Approver", "kind", ["Loan"])
    assert [d["name"] for d in approver.get_list("Application")] == [loan["name"]]


def test_changing_the_returned_parameters_does_not_change_the_next_answer(site, people):
    ctx = site.session("clerk1").ctx
    meta = site.metas.get("Household")
    sql, params = site.perms.where(meta, ctx)
    params.append("V2")
    params[0] = "V2"
    assert site.perms.where(meta, ctx) == (sql, ["V1"])


def test_field_levels_follow_the_roles_of_each_context(site, people):
    meta = site.metas.get("Person")
    clerk = site.session("clerk1")
    township = site.session("township")
    assert site.perms.readable_levels(meta, clerk.ctx) == {0}
    assert site.perms.readable_levels(meta, township.ctx) == {0, 1}  # the township clerk reads level 1
    assert site.perms.writable_levels(meta, township.ctx) == {0, 1}
    levels = site.perms.readable_levels(meta, township.ctx)
    levels.add(5)  # a caller's copy: the next answer is not changed by it
    assert site.perms.readable_levels(meta, township.ctx) == {0, 1}
    township.ctx.roles = frozenset({"All", "Guest"})  # the same context, its roles changed in place
    assert site.perms.readable_levels(meta, township.ctx) == set()
    assert clerk.get("Person", people["p1"]["name"])["mobile"] != people["p1"]["mobile"]  # masked
