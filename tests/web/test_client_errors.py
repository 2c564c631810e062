"""The client tells a user what is wrong with the site they pointed it at, in words they can act on.

These run against tiny stand-in HTTP servers that answer the way a real Frappe v15 site answers
(bodies copied from frappe/api and frappe/app.py handle_exception), so they need no runtime.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from townflow.client import (
    AuthenticationError,
    FrappeClient,
    FrappeClientConfigError,
    MethodNotFoundError,
    NotAFrappeSiteError,
    PermissionError,
    SiteUnreachableError,
    TimestampMismatchError,
    ValidationError,
)


def _server_messages(*texts: str) -> str:
    return json.dumps([json.dumps({"message": t, "title": "Message", "indicator": "red"}) for t in texts])


# path -> (status, body or raw text)
FRAPPE_ANSWERS: dict[str, tuple[int, object]] = {
    "/api/method/ping": (200, {"message": "pong"}),
    # Frappe v15 has no townflow.api.* without the app: handler.execute_cmd throws ValidationError.
    "/api/method/townflow.api.inbox": (
        417,
        {
            "exc_type": "ValidationError",
            "_server_messages": _server_messages(
                "Failed to get method for command townflow.api.inbox with No module named 'townflow'"
            ),
        },
    ),
    "/api/resource/Subsidy%20Application/SUB-1": (
        409,
        {
            "exc_type": "TimestampMismatchError",
            "_server_messages": _server_messages("Document has been modified after you have opened it"),
        },
    ),
    "/api/resource/Person": (
        403,
        {"exc_type": "PermissionError", "_server_messages": _server_messages("No permission")},
    ),
    "/api/resource/Household": (
        417,
        {
            "exc_type": "MandatoryError",
            "_server_messages": _server_messages("Value missing for Household: Village"),
        },
    ),
    "/api/method/frappe.auth.get_logged_user": (401, {"exc_type": "AuthenticationError"}),
}


class _Handler(BaseHTTPRequestHandler):
    html = False

    def _answer(self) -> None:
        if self.html:
            body = b"<html><body>It works!</body></html>"
            self.send_response(404 if "/api/" in self.path else 200)
            self.send_header("Content-Type", "text/html")
        else:
            status, payload = FRAPPE_ANSWERS.get(
                self.path.split("?")[0], (404, {"exc_type": "DoesNotExistError"})
            )
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


class _HtmlHandler(_Handler):
    html = True


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def frappe_like() -> Iterator[str]:
    yield from _serve(_Handler)


@pytest.fixture
def not_frappe() -> Iterator[str]:
    yield from _serve(_HtmlHandler)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_wrong_port_says_connection_refused():
    client = FrappeClient(f"http://127.0.0.1:{_closed_port()}", token="k:s", timeout=5)
    with pytest.raises(SiteUnreachableError, match="connection refused"):
        client.ping()


def test_a_web_server_that_is_not_frappe_is_named_as_such(not_frappe):
    client = FrappeClient(not_frappe, token="k:s")
    with pytest.raises(NotAFrappeSiteError, match="Frappe"):
        client.get_list("Person")


def test_site_without_townflow_app_raises_method_not_found(frappe_like):
    client = FrappeClient(frappe_like, token="k:s")
    assert client.ping() == "pong"
    with pytest.raises(MethodNotFoundError) as caught:
        client.inbox()
    assert caught.value.status == 417
    assert "townflow.api.inbox" in str(caught.value)


def test_errors_carry_status_exc_type_and_messages(frappe_like):
    client = FrappeClient(frappe_like, token="k:s")
    with pytest.raises(TimestampMismatchError) as stale:
        client.update({"doctype": "Subsidy Application", "name": "SUB-1", "modified": "2020-01-01"})
    assert (stale.value.status, stale.value.exc_type) == (409, "TimestampMismatchError")
    assert stale.value.messages == ["Document has been modified after you have opened it"]
    with pytest.raises(PermissionError):
        client.get_list("Person")
    with pytest.raises(ValidationError, match="Value missing for Household: Village"):
        client.insert({"doctype": "Household"})
    with pytest.raises(AuthenticationError):
        client.get_logged_user()


@pytest.mark.parametrize("token", ["no-colon", ":secret", "key:"])
def test_malformed_token_is_refused_before_any_request(token):
    with pytest.raises(FrappeClientConfigError):
        FrappeClient("http://127.0.0.1:1", token=token)


def test_url_must_be_http():
    with pytest.raises(FrappeClientConfigError):
        FrappeClient("ftp://example.org", token="k:s")
