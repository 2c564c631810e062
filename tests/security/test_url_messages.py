"""L9: no page shows message text taken from the URL (issue 12, point 11).

`/inbox?error=...` used to print whatever the link said as the site's own warning. Now the bulk
action keeps its messages in the user's session and the URL carries only a random key and counts.
"""

from __future__ import annotations

from .conftest import HEAD, page_csrf, page_login

PHISH = "系统升级：请把密码发给 13800000000"


def test_the_inbox_shows_no_text_from_the_url(app):
    client = page_login(app, HEAD)
    for query in (
        {"error": PHISH},
        {"done": "1", "failed": "1", "error": PHISH},
        {"done": PHISH, "failed": PHISH},
        {"done": "1", "result": PHISH},
    ):
        page = client.get("/inbox", params=query)
        assert page.status_code == 200
        assert PHISH not in page.text, query  # (the language link keeps the query, URL-encoded)


def test_bulk_action_failures_are_still_shown_to_who_ran_them(app):
    client = page_login(app, HEAD)
    token = page_csrf(client, "/inbox")
    answer = client.post(
        "/inbox/bulk",
        data={
            "csrf_token": token,
            "action": "Approve",
            "doc": "Subsidy Application::NO-SUCH-DOC",
            "tab": "todo",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert "NO-SUCH-DOC" not in location and "error=" not in location
    shown = client.get(location)
    assert "NO-SUCH-DOC" in shown.text  # the failure, from the session
    again = client.get(location)
    assert "NO-SUCH-DOC" not in again.text  # shown once
    other = page_login(app, HEAD)
    assert "NO-SUCH-DOC" not in other.get(location).text  # not to another session
