"""Typed errors for answers from a Frappe-compatible site.

A Frappe site tells what went wrong with an HTTP status, `exc_type` and `_server_messages`;
these classes carry all three so callers can `except TimestampMismatchError` instead of
parsing bodies. The same classes are raised for the embedded runtime and for a real Frappe
site, since both answer the same way.
"""

from __future__ import annotations

import json
from typing import Any


class FrappeClientError(Exception):
    """Base class: anything the client could not do."""


class FrappeClientConfigError(FrappeClientError, ValueError):
    """The client was set up wrongly (bad URL, malformed token): a programming error."""


class SiteUnreachableError(FrappeClientError):
    """Nothing answered at the URL (connection refused, DNS failure, timeout)."""


class NotAFrappeSiteError(FrappeClientError):
    """Something answered, but not with Frappe's JSON (a wrong URL, a proxy error page)."""


class FrappeError(FrappeClientError):
    """The site answered with an error. `status`, `exc_type` and `messages` say which."""

    def __init__(
        self, status: int, exc_type: str | None, messages: list[str], body: Any = None, url: str = ""
    ):
        self.status = status
        self.exc_type = exc_type or ""
        self.messages = messages
        self.body = body
        self.url = url
        text = "; ".join(messages) or (exc_type or "error")
        super().__init__(f"{status} {self.exc_type or 'error'}: {text}" + (f" ({url})" if url else ""))

    @property
    def fields(self) -> list[str]:
        """Field names the site named (the embedded runtime names every offending field)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("fields"), list):
            return [str(f) for f in self.body["fields"]]
        return []


class AuthenticationError(FrappeError):
    """401: wrong user/password, a bad or revoked API token, or an expired session."""


class PermissionError(FrappeError):
    """403: the user may not do this."""


class CSRFTokenError(FrappeError):
    """A cookie-authenticated change without the session's CSRF token."""


class DoesNotExistError(FrappeError):
    """404: no such document (or one the user may not see), DocType or method."""


class MethodNotFoundError(DoesNotExistError):
    """The site has no such method (e.g. `townflow.api.*` on a Frappe site without the app).

    The embedded runtime answers 404; Frappe v15 answers 417 "Failed to get method for command".
    """


class ValidationError(FrappeError):
    """417 and friends: the document or the arguments were refused."""


class MandatoryError(ValidationError):
    pass


class LinkValidationError(ValidationError):
    pass


class TimestampMismatchError(FrappeError):
    """The document changed since it was read: reload and try again."""


class DuplicateEntryError(FrappeError):
    pass


class TooManyRequestsError(FrappeError):
    """429: rate limited (e.g. too many failed logins)."""


_BY_EXC_TYPE: dict[str, type[FrappeError]] = {
    "AuthenticationError": AuthenticationError,
    "SessionExpired": AuthenticationError,
    "InvalidAuthorizationToken": AuthenticationError,
    "PermissionError": PermissionError,
    "CSRFTokenError": CSRFTokenError,
    "DoesNotExistError": DoesNotExistError,
    "PageDoesNotExistError": DoesNotExistError,
    "ValidationError": ValidationError,
    "MandatoryError": MandatoryError,
    "LinkValidationError": LinkValidationError,
    "TimestampMismatchError": TimestampMismatchError,
    "DuplicateEntryError": DuplicateEntryError,
    "UniqueValidationError": DuplicateEntryError,
    "TooManyRequestsError": TooManyRequestsError,
    "RateLimitExceededError": TooManyRequestsError,
}

_BY_STATUS: dict[int, type[FrappeError]] = {
    401: AuthenticationError,
    403: PermissionError,
    404: DoesNotExistError,
    409: DuplicateEntryError,
    417: ValidationError,
    429: TooManyRequestsError,
}


def server_messages(body: Any) -> list[str]:
    """Decode Frappe's `_server_messages` (JSON string of JSON strings) into plain texts."""
    if not isinstance(body, dict):
        return []
    out: list[str] = []
    raw = body.get("_server_messages")
    if isinstance(raw, str):
        try:
            items = json.loads(raw)
        except ValueError:
            items = [raw]
        for item in items if isinstance(items, list) else [items]:
            try:
                decoded = json.loads(item) if isinstance(item, str) else item
            except ValueError:
                decoded = item
            message = decoded.get("message") if isinstance(decoded, dict) else decoded
            if message:
                out.append(str(message))
    if not out and isinstance(body.get("message"), str):
        out.append(body["message"])  # e.g. login failures: {"message": "Invalid login credentials"}
    if not out and isinstance(body.get("exception"), str):
        out.append(body["exception"])
    return out


def error_for(status: int, body: Any, url: str = "", *, method_call: bool = False) -> FrappeError:
    """The most specific error class for an error answer."""
    exc_type = body.get("exc_type") if isinstance(body, dict) else None
    cls = _BY_EXC_TYPE.get(exc_type or "") or _BY_STATUS.get(status, FrappeError)
    if status == 409 and exc_type is None:
        cls = TimestampMismatchError
    if method_call and (
        (status == 404 and cls is DoesNotExistError)
        # Frappe v15 answers an unknown method with 417 "Failed to get method for command ..."
        or any("Failed to get method" in m for m in server_messages(body))
    ):
        cls = MethodNotFoundError
    return cls(status, exc_type, server_messages(body), body, url)
