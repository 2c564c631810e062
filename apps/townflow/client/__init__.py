"""A requests client for any Frappe-compatible site (the embedded runtime or Frappe v15)."""

from townflow.client.client import FrappeClient
from townflow.client.errors import (
    AuthenticationError,
    CSRFTokenError,
    DoesNotExistError,
    DuplicateEntryError,
    FrappeClientConfigError,
    FrappeClientError,
    FrappeError,
    LinkValidationError,
    MandatoryError,
    MethodNotFoundError,
    NotAFrappeSiteError,
    PermissionError,
    SiteUnreachableError,
    TimestampMismatchError,
    TooManyRequestsError,
    ValidationError,
)

__all__ = [
    "AuthenticationError",
    "CSRFTokenError",
    "DoesNotExistError",
    "DuplicateEntryError",
    "FrappeClient",
    "FrappeClientConfigError",
    "FrappeClientError",
    "FrappeError",
    "LinkValidationError",
    "MandatoryError",
    "MethodNotFoundError",
    "NotAFrappeSiteError",
    "PermissionError",
    "SiteUnreachableError",
    "TimestampMismatchError",
    "TooManyRequestsError",
    "ValidationError",
]
