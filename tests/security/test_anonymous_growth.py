"""M2: anonymous requests cannot grow storage (issue 12, point 3).

A failed login writes an audit row that can never be deleted; the name in it is capped. Login is
rate-limited per client address as well as per user name, so a spray of names stops. A body over
the limit is refused with 413 before anything parses it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from townflow.web.sessions import LoginRateLimiter

from .conftest import exc_type


def _audit_bytes(site) -> int:
    return site.db.scalar(
        "SELECT COALESCE(SUM(LENGTH(COALESCE(user, '')) + LENGTH(COALESCE(data, ''))), 0) FROM __audit_log"
    )


@pytest.fixture
def fresh_limiter(app):
    """This test's own limiter: the spray below must not throttle the other tests' logins."""
    limiter = LoginRateLimiter(max_failures=5, window_seconds=60, max_failures_per_address=20)
    previous = app.state.login_limiter
    app.state.login_limiter = limiter
    yield limiter
    app.state.login_limiter = previous


def test_huge_user_names_write_a_few_bytes_to_the_audit_log(app, site, fresh_limiter):
    client = TestClient(app)
    before = _audit_bytes(site)
    for i in range(3):
        answer = client.post("/api/method/login", json={"usr": f"{i}" + "x" * 1_000_000, "pwd": "guess"})
        assert answer.status_code == 401, answer.text[:200]
    grown = _audit_bytes(site) - before
    assert grown < 3 * 400, grown
    rows = site.db.fetchall(
        "SELECT user FROM __audit_log WHERE action = 'login_failed' ORDER BY id DESC LIMIT 3"
    )
    assert all(len(r["user"]) <= 140 for r in rows)


def test_one_address_cannot_spray_user_names(app, fresh_limiter):
    client = TestClient(app)
    answers = [
        client.post("/api/method/login", json={"usr": f"nobody{i}@spray", "pwd": "guess"}).status_code
        for i in range(25)
    ]
    assert answers[:20] == [401] * 20
    assert set(answers[20:]) == {429}, answers
    refused = client.post("/api/method/login", json={"usr": "another@spray", "pwd": "guess"})
    assert refused.status_code == 429 and exc_type(refused) == "TooManyRequestsError"
    assert int(refused.headers["retry-after"]) > 0


@pytest.mark.parametrize("path", ["/api/method/login", "/api/resource/Person", "/login", "/files/upload"])
def test_an_oversized_body_is_refused_before_it_is_read(app, path):
    client = TestClient(app)
    limit = app.state.settings.max_body_bytes
    answer = client.post(
        path, content=b"{" + b" " * limit + b"}", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413 and exc_type(answer) == "RequestEntityTooLarge", answer.text[:200]


def test_a_body_without_a_length_is_cut_off_at_the_limit(app):
    client = TestClient(app)
    limit = app.state.settings.max_body_bytes
    chunk = b" " * (1024 * 1024)

    def stream():
        yield b"{"
        for _ in range(limit // len(chunk) + 2):
            yield chunk
        yield b"}"

    answer = client.post("/api/method/login", content=stream(), headers={"content-type": "application/json"})
    assert answer.status_code == 413, answer.text[:200]
