"""Users: passwords hashed and never returned, token auth, generate_keys, Administrator."""

from __future__ import annotations

import pytest
from site_support import ADMIN_PASSWORD, make_user, password_of

from townflow.runtime.errors import AuthenticationError, ValidationError

CLERK_PASSWORD = password_of("clerk")


def test_administrator_exists_with_the_configured_password(site):
    assert site.authenticate("Administrator", ADMIN_PASSWORD) == "Administrator"
    with pytest.raises(AuthenticationError) as err:
        site.authenticate("Administrator", "wrong")
    assert err.value.http_status == 401
    with pytest.raises(AuthenticationError):
        site.authenticate("nobody", "x")


def test_password_is_hashed_and_never_returned(site):
    make_user(site, "clerk", ["Village Clerk"])
    assert site.authenticate("clerk", CLERK_PASSWORD) == "clerk"
    user = site.session("Administrator").get("User", "clerk")
    assert user["new_password"] is None
    stored = site.db.scalar('SELECT password FROM "__Auth" WHERE name = ?', ("clerk",))
    assert stored.startswith("$argon2") and CLERK_PASSWORD not in stored
    dump = "\n".join(site.db.conn.iterdump())
    assert CLERK_PASSWORD not in dump


def test_changing_the_password_through_save(site):
    make_user(site, "clerk", ["Village Clerk"])
    admin = site.session("Administrator")
    user = admin.get("User", "clerk")
    admin.save({**user, "new_password": "New-secret-2026"})
    assert site.authenticate("clerk", "New-secret-2026") == "clerk"
    with pytest.raises(AuthenticationError):
        site.authenticate("clerk", CLERK_PASSWORD)


def test_disabled_user_cannot_log_in(site):
    make_user(site, "clerk", ["Village Clerk"])
    admin = site.session("Administrator")
    admin.save({**admin.get("User", "clerk"), "enabled": 0})
    with pytest.raises(AuthenticationError):
        site.authenticate("clerk", CLERK_PASSWORD)
    assert site.session("clerk").roles == frozenset()  # and an open session can do nothing


def test_generate_keys_and_token_auth(site):
    make_user(site, "script", ["Township Clerk"])
    secret = site.generate_keys("script")
    api_key = site.session("Administrator").get("User", "script")["api_key"]
    assert site.authenticate_token(api_key, secret) == "script"
    assert site.session("Administrator").get("User", "script")["api_secret"] == "*****"
    with pytest.raises(AuthenticationError):
        site.authenticate_token(api_key, "wrong")
    newer = site.generate_keys("script")
    assert site.session("Administrator").get("User", "script")["api_key"] == api_key  # key kept
    with pytest.raises(AuthenticationError):
        site.authenticate_token(api_key, secret)  # the old secret no longer works
    assert site.authenticate_token(api_key, newer) == "script"


def test_roles_and_user_permissions_are_what_sessions_use(site):
    make_user(site, "clerk", ["Village Clerk"], Village=["V1"])
    session = site.session("clerk")
    assert {"Village Clerk", "All"} <= session.roles
    assert session.ctx.allowed("village") == frozenset({"V1"})


def test_user_permission_must_name_an_existing_record(site):
    from townflow.runtime.errors import ValidationError

    make_user(site, "clerk", ["Village Clerk"])
    admin = site.session("Administrator")
    with pytest.raises(ValidationError) as err:
        admin.insert(
            {"doctype": "User Permission", "user": "clerk", "allow": "Village", "for_value": "Atlantis"}
        )
    assert err.value.fields == ["for_value"]
    with pytest.raises(ValidationError) as err:
        admin.insert({"doctype": "User Permission", "user": "clerk", "allow": "Spaceship", "for_value": "x"})
    assert err.value.fields == ["allow"]


def test_new_site_takes_the_admin_password_from_the_environment(tmp_path, project, monkeypatch):
    from townflow.runtime import Site

    monkeypatch.setenv("TOWNFLOW_ADMIN_PASSWORD", "from-env")
    site = Site.open(tmp_path / "envsite", project)
    assert site.authenticate("Administrator", "from-env") == "Administrator"
    assert "System Manager" in site.session("Administrator").get("User", "Administrator")["roles"][0]["role"]
    site.close()


def test_system_doctypes_are_ordinary_documents_for_system_managers(site):
    make_user(site, "sysman", ["System Manager"])
    manager = site.session("sysman")
    comment = manager.insert(
        {
            "doctype": "Comment",
            "comment_type": "Comment",
            "reference_doctype": "Village",
            "reference_name": "V1",
            "content": "核对完毕",
        }
    )
    assert manager.get("Comment", comment["name"])["content"] == "核对完毕"
    assert {r["name"] for r in manager.get_list("Role")} >= {"Village Clerk", "System Manager"}
    assert manager.get_count("User") >= 2


def test_any_user_may_pick_users_in_link_fields_but_not_list_them(site):
    make_user(site, "clerk", ["Village Clerk"])
    make_user(site, "wang.head", ["Township Clerk"])
    clerk = site.session("clerk")
    assert {"value": "wang.head", "description": "wang.head"} in clerk.search_link("User", "wang")
    from townflow.runtime.errors import PermissionError

    with pytest.raises(PermissionError):
        clerk.get_list("User")
    with pytest.raises(PermissionError):
        clerk.get("User", "wang.head")


def test_a_login_with_a_control_character_is_refused_and_names_the_field(site):
    from townflow.runtime.errors import ValidationError

    admin = site.session("Administrator")
    with pytest.raises(ValidationError) as err:
        admin.insert({"doctype": "User", "email": "pool\x1fVillage Head", "full_name": "x"})
    assert [m.field for m in err.value.messages] == ["email"]
    assert site.db.scalar('SELECT count(*) FROM "tabUser" WHERE full_name = ?', ("x",)) == 0


@pytest.mark.parametrize(
    ("password", "says"),
    [("123", "至少8位"), ("abcdefghij", "字母和数字"), ("12345678", "字母和数字"), ("clerk2026x", "用户名")],
)
def test_every_password_write_follows_the_rule(site, password, says):
    admin = site.session("Administrator")
    with pytest.raises(ValidationError) as refused:
        admin.insert({"doctype": "User", "email": "clerk", "full_name": "李会计", "new_password": password})
    assert refused.value.messages[0].field == "new_password" and says in refused.value.messages[0].zh
    assert not admin.get_count("User", {"name": "clerk"})  # nothing half-written
    make_user(site, "clerk", ["Village Clerk"])
    with pytest.raises(ValidationError, match="password"):
        admin.save({**admin.get("User", "clerk"), "new_password": password})
    assert site.authenticate("clerk", CLERK_PASSWORD) == "clerk"  # the old one still works


def test_a_temporary_password_is_marked_until_the_user_sets_their_own(site):
    make_user(site, "clerk", ["Village Clerk"])
    with site.db.transaction():
        site.users.require_password_change("clerk")
    assert site.users.must_change_password("clerk")
    # an admin resetting it again leaves the mark; the user setting their own clears it
    admin = site.session("Administrator")
    admin.save({**admin.get("User", "clerk"), "new_password": "Reset-2026-a"})
    assert site.users.must_change_password("clerk")
    own = site.session("clerk", ignore_permissions=True)
    own.save({**own.get("User", "clerk"), "new_password": "Mine-2026-b"})
    assert not site.users.must_change_password("clerk")
    assert site.authenticate("clerk", "Mine-2026-b") == "clerk"
