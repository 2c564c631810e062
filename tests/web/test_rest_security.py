"""What a careful admin checks before putting the site on the office network: errors as Frappe
gives them, CSRF on cookie sessions, login throttling, tokens, no caching of personal data,
and users and their villages managed through the same API as on Frappe.
"""

from __future__ import annotations

import json

import pytest
import requests

from townflow.client import (
    AuthenticationError,
    FrappeClient,
    PermissionError,
    TimestampMismatchError,
    TooManyRequestsError,
)

from .conftest import USER_PASSWORD
from .scenario import VILLAGE_A, VILLAGE_B, create_users, new_family


@pytest.fixture(scope="module")
def users(live_site):
    create_users(live_site)
    return live_site


TIMEOUT = 30


def _request(method: str, url: str, **kwargs) -> requests.Response:
    return requests.request(method, url, timeout=TIMEOUT, **kwargs)


def _get(url: str, **kwargs) -> requests.Response:
    return _request("GET", url, **kwargs)


def _post(url: str, **kwargs) -> requests.Response:
    return _request("POST", url, **kwargs)


def _login(url: str, usr: str, pwd: str = USER_PASSWORD) -> requests.Session:
    http = requests.Session()
    answer = http.post(url + "/api/method/login", data={"usr": usr, "pwd": pwd})  # a form post, as a browser
    assert answer.status_code == 200, answer.text
    token = http.get(url + "/api/method/townflow.api.csrf_token").json()["message"]
    http.csrf_token = token  # type: ignore[attr-defined]
    return http


def _messages(answer: requests.Response) -> list[str]:
    return [json.loads(m)["message"] for m in json.loads(answer.json()["_server_messages"])]


def test_login_answer_and_cookie_are_frappes(users):
    answer = _post(users.url + "/api/method/login", json={"usr": "clerk.a@rest", "pwd": USER_PASSWORD})
    body = answer.json()
    assert body["message"] == "Logged In"
    assert body["home_page"] and body["full_name"]
    cookie = answer.headers["set-cookie"].lower()
    assert "sid=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_wrong_password_is_401_and_logout_ends_the_session(users):
    wrong = _post(users.url + "/api/method/login", json={"usr": "head.b@rest", "pwd": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["exc_type"] == "AuthenticationError"
    http = _login(users.url, "head.b@rest")
    me = http.get(users.url + "/api/method/frappe.auth.get_logged_user")
    assert me.json() == {"message": "head.b@rest"}
    http.post(users.url + "/api/method/logout")
    after = http.get(users.url + "/api/method/frappe.auth.get_logged_user")
    assert after.status_code == 403


def test_cookie_session_changes_need_the_csrf_token(users):
    http = _login(users.url, "clerk.b@rest")
    doc = {
        "doctype": "Household",
        "village": VILLAGE_B,
        "head_name": "测试",
        "address": "x",
        "household_type": "One-girl",
    }
    refused = http.post(users.url + "/api/resource/Household", json=doc)
    assert refused.status_code == 400
    assert refused.json()["exc_type"] == "CSRFTokenError"
    wrong = http.post(
        users.url + "/api/resource/Household", json=doc, headers={"X-Frappe-CSRF-Token": "guess"}
    )
    assert wrong.json()["exc_type"] == "CSRFTokenError"
    ok = http.post(
        users.url + "/api/resource/Household", json=doc, headers={"X-Frappe-CSRF-Token": http.csrf_token}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["data"]["village"] == VILLAGE_B
    # reads need no token, and the token is also available to a page's script
    token = http.get(users.url + "/api/method/townflow.api.csrf_token").json()["message"]
    assert token == http.csrf_token
    # a script's session that never asked for the token changes things without it, as on Frappe
    client = FrappeClient(users.url, usr="clerk.b@rest", pwd=USER_PASSWORD)
    assert client.csrf_token is None
    assert client.insert(doc)["village"] == VILLAGE_B


def test_failed_logins_are_throttled_per_user_and_address(users):
    users.add_user("throttled@rest", ["Township Clerk"])
    url = users.url + "/api/method/login"
    statuses = [_post(url, json={"usr": "throttled@rest", "pwd": f"bad-{i}"}).status_code for i in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    locked = _post(url, json={"usr": "throttled@rest", "pwd": USER_PASSWORD})
    assert locked.status_code == 429  # even the right password waits out the window
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.json()["exc_type"] == "TooManyRequestsError"
    with pytest.raises(TooManyRequestsError):
        FrappeClient(users.url, usr="throttled@rest", pwd=USER_PASSWORD)
    # another user from the same address is not affected
    assert _post(url, json={"usr": "leader1@rest", "pwd": USER_PASSWORD}).status_code == 200


def test_bad_tokens_are_401(users):
    for header in ["token nokey:nosecret", "token malformed", "Basic !!!", "Bearer abc"]:
        answer = _get(users.url + "/api/resource/Village", headers={"Authorization": header})
        assert answer.status_code == 401, header
        assert answer.json()["exc_type"] == "AuthenticationError"
    with pytest.raises(AuthenticationError):
        FrappeClient(users.url, token="wrong:secret").get_list("Village")


def test_only_system_manager_generates_keys(users):
    clerk = users.login("clerk.a@rest")
    with pytest.raises(PermissionError):
        clerk.generate_keys("clerk.a@rest")


def test_stale_document_is_409_and_changes_nothing(users):
    clerk = users.login("clerk.a@rest")
    family = new_family(clerk, VILLAGE_A)
    household = clerk.get_doc("Household", family["name"])
    clerk.update({**household, "address": "新地址1号"})
    with pytest.raises(TimestampMismatchError) as stale:
        clerk.update({**household, "address": "旧页面上的修改"})
    assert stale.value.status == 409
    assert clerk.get_doc("Household", family["name"])["address"] == "新地址1号"
    # a partial update without `modified` is applied, as on Frappe
    assert clerk.update({"doctype": "Household", "name": family["name"], "phone": "13800000000"})["phone"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"a string"', b'{"doctype": ', b"\xff\xfe"],
    ids=["broken", "list", "string", "truncated", "binary"],
)
def test_malformed_json_is_a_4xx_not_a_500(users, body):
    token = _token(users)
    for method, path in [
        ("POST", "/api/resource/Household"),
        ("PUT", "/api/resource/Household/HH-00001"),
        ("POST", "/api/method/frappe.model.workflow.apply_workflow"),
        ("POST", "/api/method/login"),
    ]:
        answer = _request(
            method,
            users.url + path,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": token},
        )
        assert 400 <= answer.status_code < 500, (method, path, answer.status_code, answer.text)
        assert answer.json()["exc_type"]


@pytest.mark.parametrize(
    "params",
    [
        {"filters": "{broken"},
        {"filters": json.dumps([["no_such_field", "=", 1]])},
        {"fields": json.dumps(["name; drop table tabUser"])},
        {"order_by": "name; drop table tabUser"},
        {"limit_page_length": "many"},
        {"limit_start": "-1"},
    ],
)
def test_bad_list_arguments_are_refused_with_417(users, params):
    answer = _get(users.url + "/api/resource/Person", params=params, headers={"Authorization": _token(users)})
    assert answer.status_code == 417, answer.text
    assert _messages(answer)


def test_unknown_doctype_and_document_are_404(users):
    headers = {"Authorization": _token(users)}
    assert _get(users.url + "/api/resource/No Such Thing", headers=headers).status_code == 404
    missing = _get(users.url + "/api/resource/Household/HH-99999", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["exc_type"] == "DoesNotExistError"


def test_personal_data_is_never_cached_and_headers_harden_the_browser(users):
    answer = _get(users.url + "/api/resource/Person", headers={"Authorization": _token(users)})
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors" in answer.headers["Content-Security-Policy"]
    error = _get(users.url + "/api/resource/Person/PER-999999", headers={"Authorization": _token(users)})
    assert error.headers["Cache-Control"] == "no-store"


def test_users_roles_and_villages_are_managed_as_on_frappe(users):
    admin = users.admin
    admin.insert(
        {
            "doctype": "User",
            "email": "newclerk@rest",
            "first_name": "新专干",
            "new_password": USER_PASSWORD,
            "roles": [{"role": "Village Clerk"}],
        }
    )
    permission = admin.insert(
        {"doctype": "User Permission", "user": "newclerk@rest", "allow": "Village", "for_value": VILLAGE_B}
    )
    user = admin.get_doc("User", "newclerk@rest")
    assert [r["role"] for r in user["roles"]] == ["Village Clerk"]
    assert "new_password" not in user or user["new_password"] in (None, "", "*****")
    newclerk = FrappeClient(users.url, usr="newclerk@rest", pwd=USER_PASSWORD)
    villages = {r["village"] for r in newclerk.get_list("Household", fields=["village"], limit_page_length=0)}
    assert villages <= {VILLAGE_B}
    # moving the clerk to another village is one update of the User Permission
    admin.update({**permission, "for_value": VILLAGE_A})
    villages = {r["village"] for r in newclerk.get_list("Household", fields=["village"], limit_page_length=0)}
    assert villages <= {VILLAGE_A}
    # a clerk cannot manage users
    with pytest.raises(PermissionError):
        newclerk.get_list("User")
    # disabling the user ends her access, open sessions included
    admin.update({"doctype": "User", "name": "newclerk@rest", "enabled": 0})
    with pytest.raises(PermissionError):
        newclerk.get_list("Household")
    with pytest.raises(AuthenticationError):
        FrappeClient(users.url, usr="newclerk@rest", pwd=USER_PASSWORD)


_TOKENS: dict[str, str] = {}


def _token(users) -> str:
    """An admin API token (Authorization header value), made once."""
    if users.url not in _TOKENS:
        secret = users.admin.generate_keys("Administrator")
        key = users.admin.get_doc("User", "Administrator")["api_key"]
        _TOKENS[users.url] = f"token {key}:{secret}"
    return _TOKENS[users.url]
