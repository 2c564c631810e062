"""Errors answered as Frappe answers them.

A Frappe client (ours, `frappeclient`, a browser script) recognises a failure by three things:
the HTTP status, `exc_type` (the exception's class name) and `_server_messages` (a JSON string
holding a list of JSON strings, each `{"message": ..., "title": ..., "indicator": "red"}`).
Every error leaving this app, the runtime's and the web layer's own, gets exactly that shape,
so a script written against a Frappe site reads our errors unchanged.

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

from townflow.web.jsonutil import FrappeJSONResponse

log = logging.getLogger("townflow.web")


class WebError(Exception):
    """An error the web layer raises itself (authentication, CSRF, rate limit, bad request).

    The runtime's errors (`townflow.runtime.errors.TownflowError`) have the same two attributes,
    so both go through one handler.
    """

    exc_type = "ValidationError"
    http_status = 417

    def __init__(self, message: str, *, zh: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.zh = zh or message
        self.extra = extra or {}


class AuthenticationError(WebError):
    exc_type = "AuthenticationError"
    http_status = 401


class SessionExpired(WebError):
    exc_type = "SessionExpired"
    http_status = 401


class PermissionError(WebError):
    exc_type = "PermissionError"
    http_status = 403


class CSRFTokenError(WebError):
    """Frappe answers a missing or wrong CSRF token with 400 and `CSRFTokenError`."""

    exc_type = "CSRFTokenError"
    http_status = 400


class DoesNotExistError(WebError):
    exc_type = "DoesNotExistError"
    http_status = 404


class ValidationError(WebError):
    exc_type = "ValidationError"
    http_status = 417


class TooManyRequestsError(WebError):
    exc_type = "TooManyRequestsError"
    http_status = 429


def server_messages(messages: list[dict[str, Any]]) -> str:
    """Frappe's `_server_messages`: a JSON string of a list of JSON strings."""
    return json.dumps([json.dumps(m, ensure_ascii=False) for m in messages], ensure_ascii=False)


def _message_entries(exc: Exception) -> list[dict[str, Any]]:
    """One msgprint entry per problem; runtime errors name each offending field."""
    entries: list[dict[str, Any]] = []
    for m in getattr(exc, "messages", None) or []:
        en = getattr(m, "en", None) or str(m)
        entry = {"message": en, "title": "Message", "indicator": "red", "raise_exception": 1}
        zh = getattr(m, "zh", None)
        if zh:
            entry["message_zh"] = zh
        if getattr(m, "field", None):
            entry["field"] = m.field
        entries.append(entry)
    if not entries:
        entry = {"message": str(exc), "title": "Message", "indicator": "red", "raise_exception": 1}
        zh = getattr(exc, "zh", None)
        if zh:
            entry["message_zh"] = zh
        entries.append(entry)
    return entries


def error_body(exc: Exception) -> dict[str, Any]:
    """The JSON body Frappe sends for `exc` (v1 API with tracebacks off, plus `exception`)."""
    exc_type = getattr(exc, "exc_type", None) or type(exc).__name__
    body: dict[str, Any] = {
        "exc_type": exc_type,
        "exception": f"frappe.exceptions.{exc_type}: {exc}",
        "_server_messages": server_messages(_message_entries(exc)),
    }
    fields = getattr(exc, "fields", None)
    if fields:
        body["fields"] = list(fields)
    body.update(getattr(exc, "extra", None) or {})
    return body


def is_frappe_error(exc: BaseException) -> bool:
    """True for errors that carry Frappe's `exc_type` and an HTTP status (runtime's and ours)."""
    return isinstance(getattr(exc, "http_status", None), int) and isinstance(
        getattr(exc, "exc_type", None), str
    )


def error_response(exc: Exception, *, headers: dict[str, str] | None = None) -> JSONResponse:
    status = int(exc.http_status)  # type: ignore[attr-defined]
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers = {**(headers or {}), "Retry-After": str(int(retry_after))}
    return FrappeJSONResponse(
        error_body(exc),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def _internal_error() -> WebError:
    err = WebError("Internal server error", zh="服务器内部错误")
    err.exc_type, err.http_status = "Exception", 500
    return err


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

    async def on_frappe_error(request: Request, exc: Exception) -> JSONResponse:
        if int(exc.http_status) >= 500:  # type: ignore[attr-defined]
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
            err: WebError = DoesNotExistError(f"Not found: {request.url.path}")
        elif exc.status_code == 405:
            err = WebError(f"Method {request.method} not allowed on {request.url.path}")
            err.exc_type, err.http_status = "PermissionError", 405
        else:
            err = WebError(str(exc.detail))
            err.exc_type, err.http_status = "ValidationError", exc.status_code
        return error_response(err, headers=getattr(exc, "headers", None))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_frappe_error(exc):
            return error_response(exc)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(_internal_error())

    app.add_exception_handler(WebError, on_frappe_error)
    try:  # the runtime's base error; absent only while the runtime is being written
        from townflow.runtime.errors import TownflowError

        app.add_exception_handler(TownflowError, on_frappe_error)
    except ImportError:  # pragma: no cover
        pass
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
