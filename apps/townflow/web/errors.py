"""Errors answered as Frappe answers them.

A Frappe client (ours, `frappeclient`, a browser script) recognises a failure by three things:
the HTTP status, `exc_type` (the exception's class name) and `_server_messages` (a JSON string
holding a list of JSON strings, each `{"message": ..., "title": ..., "indicator": "red"}`).
Every error leaving this app gets exactly that shape, so a script written against a Frappe site
reads our errors unchanged.

There is one error hierarchy, the runtime's (`townflow.runtime.errors.TownflowError`): the
errors both layers raise (PermissionError, DoesNotExistError, ValidationError,
AuthenticationError) are the runtime's classes, re-exported here, and the few only the web layer
raises (SessionExpired, CSRFTokenError, TooManyRequestsError) subclass its base. So one handler
renders them all, and a page catching the runtime's PermissionError also catches a guest's.

Never a 500 for bad input: request validation failures (bad query parameters, malformed JSON,
unknown routes) are mapped to Frappe's 4xx exceptions here, and an unexpected exception becomes
a 500 with no traceback or internal detail in the body.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from townflow.runtime.errors import (
    AuthenticationError,
    DoesNotExistError,
    PermissionError,
    TownflowError,
    ValidationError,
)
from townflow.web.jsonutil import FrappeJSONResponse

__all__ = [
    "AuthenticationError",
    "CSRFTokenError",
    "DoesNotExistError",
    "PermissionError",
    "SessionExpired",
    "TooManyRequestsError",
    "ValidationError",
    "error_body",
    "error_response",
    "install_error_handlers",
    "server_messages",
]

log = logging.getLogger("townflow.web")


class SessionExpired(TownflowError):
    exc_type = "SessionExpired"
    http_status = 401


class CSRFTokenError(TownflowError):
    """Frappe answers a missing or wrong CSRF token with 400 and `CSRFTokenError`."""

    exc_type = "CSRFTokenError"
    http_status = 400


class TooManyRequestsError(TownflowError):
    """Too many failed logins; `retry_after` (seconds) becomes the Retry-After header."""

    exc_type = "TooManyRequestsError"
    http_status = 429
    retry_after: int = 0


def _answer(exc_type: str, http_status: int, en: str, zh: str | None = None) -> TownflowError:
    """An error for an answer no class names (a 405, an unexpected 500, another HTTP status)."""
    err = TownflowError(en, zh)
    err.exc_type, err.http_status = exc_type, http_status
    return err


def server_messages(messages: list[dict[str, Any]]) -> str:
    """Frappe's `_server_messages`: a JSON string of a list of JSON strings."""
    return json.dumps([json.dumps(m, ensure_ascii=False) for m in messages], ensure_ascii=False)


def _message_entries(exc: TownflowError) -> list[dict[str, Any]]:
    """One msgprint entry per problem, naming the offending field where there is one."""
    entries: list[dict[str, Any]] = []
    for m in exc.messages:
        entry: dict[str, Any] = {
            "message": m.en or str(m),
            "title": "Message",
            "indicator": "red",
            "raise_exception": 1,
        }
        if m.zh:
            entry["message_zh"] = m.zh
        if m.field:
            entry["field"] = m.field
        entries.append(entry)
    return entries


def error_body(exc: TownflowError) -> dict[str, Any]:
    """The JSON body Frappe sends for `exc` (v1 API with tracebacks off, plus `exception`)."""
    body: dict[str, Any] = {
        "exc_type": exc.exc_type,
        "exception": f"frappe.exceptions.{exc.exc_type}: {exc}",
        "_server_messages": server_messages(_message_entries(exc)),
    }
    if exc.fields:
        body["fields"] = exc.fields
    return body


def error_response(exc: TownflowError, *, headers: dict[str, str] | None = None) -> JSONResponse:
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers = {**(headers or {}), "Retry-After": str(int(retry_after))}
    return FrappeJSONResponse(
        error_body(exc),
        status_code=int(exc.http_status),
        headers=headers,
        media_type="application/json",
    )


def _internal_error() -> TownflowError:
    return _answer("Exception", 500, "Internal server error", "服务器内部错误")


class UnexpectedErrorMiddleware:
    """Turns an unexpected exception into Frappe's 500 answer *inside* the app's middleware.

    Starlette answers unhandled exceptions in its outermost middleware, past every other one,
    so the answer would miss the security and no-store headers; caught here, it gets them.
    The traceback goes to the log, never to the client.
    """

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(_internal_error())(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Map every failure to Frappe's answer. Called by `create_app`."""

    async def on_frappe_error(request: Request, exc: TownflowError) -> JSONResponse:
        if int(exc.http_status) >= 500:
            log.error("server error on %s %s: %r", request.method, request.url.path, exc)
        return error_response(exc)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'query')}: {e.get('msg')}"
            for e in exc.errors()
        )
        return error_response(ValidationError(f"Invalid request: {problems}"))

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            err = DoesNotExistError(f"Not found: {request.url.path}")
        elif exc.status_code == 405:
            message = f"Method {request.method} not allowed on {request.url.path}"
            err = _answer("PermissionError", 405, message)
        else:
            err = _answer("ValidationError", exc.status_code, str(exc.detail))
        return error_response(err, headers=getattr(exc, "headers", None))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, TownflowError):
            return error_response(exc)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(_internal_error())

    app.add_exception_handler(TownflowError, on_frappe_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
