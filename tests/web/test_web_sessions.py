"""Login sessions end when they should: after the idle timeout, at logout, and never by guessing.

These run the app in-process with a controllable clock for the session store, so the timeout
is tested without waiting for it.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from townflow.runtime.site import Site
from townflow.spec.project import load_project
from townflow.web.app import create_app
from townflow.web.security import WebSettings
from townflow.web.sessions import SessionStore, SharedLoginRateLimiter

from .conftest import ADMIN_PASSWORD, ROOT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site.open(
        tmp_path_factory.mktemp("sessions") / "site", load_project(ROOT), admin_password=ADMIN_PASSWORD
    )
    yield site
    site.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def http(site, clock):
    app = create_app(site, settings=WebSettings(session_ttl_seconds=900), pages=False)
    app.state.sessions = SessionStore(site, ttl_seconds=900, clock=clock)
    with TestClient(app) as client:
        yield client


def _login(http) -> str:
    answer = http.post("/api/method/login", data={"usr": "Administrator", "pwd": ADMIN_PASSWORD})
    assert answer.status_code == 200
    return http.get("/api/method/townflow.api.csrf_token").json()["message"]


def test_idle_session_times_out(http, clock):
    _login(http)
    clock.now += 899
    assert http.get("/api/method/frappe.auth.get_logged_user").json() == {"message": "Administrator"}
    clock.now += 899  # activity keeps it alive: 899 s since the last request
    assert http.get("/api/method/frappe.auth.get_logged_user").status_code == 200
    clock.now += 901
    expired = http.get("/api/method/frappe.auth.get_logged_user")
    assert expired.status_code == 403
    assert expired.json()["exc_type"] == "PermissionError"


def test_csrf_token_is_accepted_as_a_form_field(http):
    token = _login(http)
    answer = http.post(
        "/api/method/townflow.api.comment",
        data={"doctype": "Household", "name": "HH-00001", "content": "x"},
    )
    assert answer.json()["exc_type"] == "CSRFTokenError"
    answer = http.post(
        "/api/method/townflow.api.comment",
        data={"doctype": "Household", "name": "HH-00001", "content": "x", "csrf_token": token},
    )
    assert answer.json().get("exc_type") != "CSRFTokenError"


def test_a_made_up_session_id_is_a_guest(http):
    http.cookies.set("sid", "made-up")
    assert http.get("/api/resource/Village").status_code == 403


def test_unknown_routes_and_methods_answer_frappe_json(http):
    answer = http.get("/api/method/no.such.method")
    assert answer.status_code == 404
    assert answer.json()["exc_type"] == "DoesNotExistError"
    assert http.patch("/api/method/login").status_code == 405


def test_an_unexpected_error_is_a_bare_500_with_the_usual_headers(site):
    app = create_app(site, pages=False)

    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.json()["exc_type"] == "Exception"
    assert "secret internal detail" not in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_two_stores_on_one_site_share_sessions_logout_and_expiry(site, clock):
    USER = "两进程@example.com"
    # two server processes serving one site each hold a store over the same database
    first = SessionStore(site, ttl_seconds=900, clock=clock)
    second = SessionStore(site, ttl_seconds=900, clock=clock)
    kept = first.create(USER, data={"flash": {"k": ["saved"]}})
    seen = second.get(kept.sid)
    assert (seen.user, seen.csrf_token, seen.data) == (
        USER,
        kept.csrf_token,
        {"flash": {"k": ["saved"]}},
    )
    seen.data["flash"].pop("k")
    second.save(seen)
    assert first.get(kept.sid).data == {"flash": {}}
    second.delete(kept.sid)  # logout on the second process
    assert first.get(kept.sid) is None
    idle = first.create(USER)
    clock.now += 901  # idle past the timeout: ended for both
    assert second.get(idle.sid) is None
    assert first.get(idle.sid) is None
    assert first.count(USER) == 0


def test_campaign_settings_saved_by_one_worker_are_read_by_the_other(site, tmp_path):
    # a second process on the same file (`townflow serve --workers 2`) holds its own Site
    other = Site.open(site.path, load_project(ROOT))
    try:
        assert other.settings()["one_time_reward_amount"] == site.settings()["one_time_reward_amount"]
        admin = site.session("Administrator")
        current = admin.get("Campaign Settings", "Campaign Settings")
        admin.save({**current, "one_time_reward_amount": 1234})
        other.session("Administrator")  # each request opens a session: it sees the change
        assert other.settings()["one_time_reward_amount"] == 1234
    finally:
        other.close()


def test_failed_logins_counted_by_one_worker_lock_out_on_the_other(site, clock):
    first, second = (
        SharedLoginRateLimiter(site, max_failures=3, window_seconds=60, clock=clock) for _ in range(2)
    )
    for _ in range(3):
        assert first.retry_after("victim@x", "10.0.0.9") == 0
        first.record_failure("victim@x", "10.0.0.9")
    # the other worker refuses the fourth guess, for the rest of the window
    assert second.retry_after("Victim@x ", "10.0.0.9") == 61
    assert second.retry_after("victim@x", "10.0.0.7") == 0  # the user elsewhere still gets in
    clock.now += 30
    assert second.retry_after("victim@x", "10.0.0.9") == 31
    clock.now += 31
    assert first.retry_after("victim@x", "10.0.0.9") == 0  # the window has passed
    first.record_failure("victim@x", "10.0.0.9")
    second.record_success("victim@x", "10.0.0.9")  # a good login clears the user's count
    assert site.db.scalar('SELECT COUNT(*) FROM "__LoginFailures" WHERE key LIKE ?', ("victim@x%",)) == 0
