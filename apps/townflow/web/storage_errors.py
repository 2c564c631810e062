"""A full disk or a read-only database answers 503 "storage unavailable" (issue 12, L6).

The request was fine; the server cannot store it now. The write was rolled back whole (nothing
half-written, nothing acknowledged), the writer thread keeps serving (townflow.runtime.db leaves
no transaction open after a refused COMMIT), and the client may retry after `Retry-After`.
Any other database error stays an internal error (500), logged without detail to the client.
"""

from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request

from townflow.web.errors import TownflowError, error_response

log = logging.getLogger("townflow.web")

#: SQLite result codes that mean "the storage refused", not "the request was wrong".
STORAGE_ERRORS = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOLFS")
RETRY_AFTER_SECONDS = 30


class StorageUnavailable(TownflowError):
    exc_type = "StorageUnavailable"
    http_status = 503
    retry_after = RETRY_AFTER_SECONDS


def is_storage_error(exc: BaseException) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return isinstance(exc, sqlite3.Error) and name.startswith(STORAGE_ERRORS)


def install(app: FastAPI) -> None:
    async def on_database_error(request: Request, exc: sqlite3.Error):
        if not is_storage_error(exc):
            raise exc  # an internal error: the outer middleware answers 500 and logs it
        log.error("storage unavailable on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            StorageUnavailable(
                "storage unavailable: nothing was saved, try again shortly",
                zh="存储暂不可用：未保存，请稍后重试",
            )
        )

    app.add_exception_handler(sqlite3.Error, on_database_error)
