"""Errors of the embedded runtime, named and numbered as Frappe names and numbers them.

The web layer turns any `TownflowError` into Frappe's error answer: HTTP `http_status`,
`exc_type` (the class name Frappe uses, e.g. "TimestampMismatchError") and `_server_messages`.
Errors about fields carry every offending field at once (`fields`, `messages`), so a form can
mark them all in one round trip instead of one per submit.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldMessage:
    """One problem with one field, in both languages the UI shows."""

    field: str | None
    zh: str
    en: str

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "zh": self.zh, "en": self.en}


class TownflowError(Exception):
    """Base of every runtime error: `exc_type` and `http_status` are what Frappe answers."""

    exc_type = "Exception"
    http_status = 500

    def __init__(self, en: str, zh: str | None = None, *, messages: list[FieldMessage] | None = None):
        self.messages: list[FieldMessage] = list(messages or [])
        if not self.messages:
            self.messages = [FieldMessage(None, zh or en, en)]
        super().__init__(en)

    @property
    def fields(self) -> list[str]:
        """Every field named by this error, in the order found, without duplicates."""
        seen: list[str] = []
        for m in self.messages:
            if m.field and m.field not in seen:
                seen.append(m.field)
        return seen

    def as_dict(self) -> dict:
        return {
            "exc_type": self.exc_type,
            "http_status": self.http_status,
            "message": str(self),
            "fields": self.fields,
            "messages": [m.as_dict() for m in self.messages],
        }


class ValidationError(TownflowError):
    exc_type = "ValidationError"
    http_status = 417

    @classmethod
    def from_messages(cls, messages: list[FieldMessage]) -> ValidationError:
        """One error naming every offending field; its text joins all English messages."""
        err = cls("; ".join(m.en for m in messages), "；".join(m.zh for m in messages), messages=messages)
        return err


class MandatoryError(ValidationError):
    exc_type = "MandatoryError"


class LinkValidationError(ValidationError):
    exc_type = "LinkValidationError"


class UpdateAfterSubmitError(ValidationError):
    exc_type = "UpdateAfterSubmitError"


class DocstatusTransitionError(ValidationError):
    exc_type = "DocstatusTransitionError"


class LinkExistsError(ValidationError):
    """Deleting a document another document still links to (Frappe refuses it too)."""

    exc_type = "LinkExistsError"


class PermissionError(TownflowError):  # shadows the builtin on purpose: Frappe's name
    exc_type = "PermissionError"
    http_status = 403


class AuthenticationError(TownflowError):
    exc_type = "AuthenticationError"
    http_status = 401


class DoesNotExistError(TownflowError):
    exc_type = "DoesNotExistError"
    http_status = 404

    @classmethod
    def of(cls, doctype: str, name: str) -> DoesNotExistError:
        return cls(f"{doctype} {name} not found", f"{doctype} {name} 不存在")


class TimestampMismatchError(TownflowError):
    exc_type = "TimestampMismatchError"
    http_status = 409


class DuplicateEntryError(TownflowError):
    exc_type = "DuplicateEntryError"
    http_status = 409


class QueryError(TownflowError):
    """A malformed list query (unknown field, operator, order): the client's fault, not ours."""

    exc_type = "DataError"
    http_status = 417


@dataclass
class ErrorCollector:
    """Gathers field problems so validation can report every field at once."""

    messages: list[FieldMessage] = field(default_factory=list)
    error_class: type[ValidationError] = ValidationError

    def add(self, fieldname: str | None, en: str, zh: str, *, kind: type[ValidationError] | None = None):
        self.messages.append(FieldMessage(fieldname, zh, en))
        # The most specific kind wins only if every message is of that kind (Frappe raises
        # MandatoryError for missing values alone); mixed problems are a plain ValidationError.
        kind = kind or ValidationError
        if len(self.messages) == 1:
            self.error_class = kind
        elif self.error_class is not kind:
            self.error_class = ValidationError

    @property
    def fields(self) -> list[str]:
        return [m.field for m in self.messages if m.field]

    def raise_if_any(self) -> None:
        if self.messages:
            raise self.error_class.from_messages(self.messages)
