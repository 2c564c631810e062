"""Frappe 15's REST API v2 (frappe/api/v2.py) on the embedded runtime, for clients that speak v2 only.

    GET    /api/v2/document/<DocType>                 list (`fields`, `filters`, `order_by`,
                                                      `limit_start`, `limit`: default 20)
    POST   /api/v2/document/<DocType>                 create
    GET    /api/v2/document/<DocType>/<name>          read
    PATCH  /api/v2/document/<DocType>/<name>          update (PUT too)
    DELETE /api/v2/document/<DocType>/<name>          delete (202)
    GET    /api/v2/doctype/<DocType>/count            count (`filters`)
    GET/POST /api/v2/method/<dotted.name>             a whitelisted method (login, logout, ping too)

Each v2 path is answered by the v1 route that does the same thing (so one implementation checks
permissions, scope and values), and the answer is put in v2's shape, as Frappe 15 builds it:
`{"data": ...}` for every result (a method's too: v1 says `message`; a method returning nothing
answers `{}`), and errors as `{"errors": [{"type": "PermissionError", "message": ...}]}` with the
same HTTP status. Login answers as v1's `/api/method/login` does (`message`, `full_name`): Frappe
runs the same LoginManager for both. Controller methods (`/method/<DocType>/<method>`,
`/document/.../method/...`) are not offered: the runtime has no controller code (404).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

PREFIX = "/api/v2/"
#: v2 answers of these methods are v1's, unchanged (Frappe's LoginManager writes them).
PASSED_THROUGH = {"/api/method/login"}


def _v1_target(method: str, path: str, query: str) -> tuple[str, str, str] | None:
    """(HTTP method, v1 path, query string) answering a v2 request, or None (no such route)."""
    parts = [p for p in path[len(PREFIX) :].split("/") if p != ""]
    if len(parts) == 2 and parts[0] == "method":
        return method, f"/api/method/{parts[1]}", query
    if parts[:1] == ["document"] and len(parts) == 2 and method in ("GET", "POST"):
        if method == "GET":  # v2 pages by `limit` (default 20), not limit_page_length
            args = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "limit_page_length"]
            limit = dict(args).get("limit") or "20"
            query = urlencode([*[(k, v) for k, v in args if k != "limit"], ("limit_page_length", limit)])
        return method, f"/api/resource/{parts[1]}", query
    if parts[:1] == ["document"] and len(parts) >= 3 and "method" not in parts[2:]:
        target = "PUT" if method == "PATCH" else method
        if target in ("GET", "PUT", "DELETE"):
            return target, f"/api/resource/{parts[1]}/{'/'.join(parts[2:])}", query
    if len(parts) == 3 and parts[0] == "doctype" and parts[2] == "count" and method == "GET":
        return "GET", "/api/method/frappe.client.get_count", f"doctype={quote(parts[1])}&{query}".rstrip("&")
    return None


def v2_error(body: dict[str, Any]) -> dict[str, Any]:
    """A v1 error body in v2's shape: the exception's type, with its message merged in."""
    error: dict[str, Any] = {"type": body.get("exc_type") or "Exception"}
    messages = []
    try:
        messages = [json.loads(m) for m in json.loads(body.get("_server_messages") or "[]")]
    except (TypeError, ValueError):
        messages = []
    if messages:
        first = {k: v for k, v in messages[0].items() if k != "raise_exception"}
        error.update(first)
    out: dict[str, Any] = {"errors": [error]}
    if len(messages) > 1:
        out["_server_messages"] = json.dumps([json.dumps(m, ensure_ascii=False) for m in messages[1:]])
    return out


def v2_body(status: int, body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    if status >= 400:
        return v2_error(body)
    if "message" in body:
        rest = {k: v for k, v in body.items() if k != "message"}
        return {**rest, "data": body["message"]}
    return body


class ApiV2Middleware:
    """Routes `/api/v2/...` to the v1 routes and reshapes their answers (see module docstring)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = _v1_target(scope["method"], scope["path"], query)
        if target is None:
            await _not_found(send)
            return
        method, path, query = target
        inner = {
            **scope,
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
        }
        if path in PASSED_THROUGH:
            await self.app(inner, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def buffered(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await _send_reshaped(send, start, b"".join(chunks))

        await self.app(inner, receive, buffered)


async def _send_reshaped(send: Any, start: dict[str, Any], raw: bytes) -> None:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
    body = raw
    if b"json" in content_type and raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if parsed is not None:
            body = json.dumps(v2_body(start["status"], parsed), ensure_ascii=False).encode("utf-8")
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": start["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _not_found(send: Any) -> None:
    body = json.dumps({"errors": [{"type": "DoesNotExistError", "message": "Not found"}]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})
