"""`/api/method/<dotted.name>` routes, declared the way Frappe's `@frappe.whitelist` declares them.

Each method is a plain function `fn(session, args) -> value` run in a worker thread (the runtime
is synchronous SQLite); the route answers `{"message": value}` as Frappe's handler does. Each
method is its own FastAPI route, so `/openapi.json` lists exactly the methods that exist with
their arguments (query parameters for GET, a JSON body for POST) and schemathesis can call them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from townflow.web.auth import current_session
from townflow.web.requestdata import form_dict
from townflow.web.threads import run_durably, run_for

Handler = Callable[[Any, dict[str, Any]], Any]

JSON_TEXT = {"type": "string", "description": "JSON text"}


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    description: str = ""


def _query_parameters(params: Sequence[Param]) -> list[dict[str, Any]]:
    out = []
    for p in params:
        schema = p.schema if p.schema.get("type") in {"string", "integer", "number", "boolean"} else JSON_TEXT
        out.append(
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "schema": schema,
                "description": p.description,
            }
        )
    return out


def _request_body(params: Sequence[Param]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: {**p.schema, "description": p.description} for p in params},
    }
    required = [p.name for p in params if p.required]
    if required:
        schema["required"] = required
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def whitelisted(
    router: APIRouter,
    method: str,
    *,
    http_methods: Sequence[str] = ("GET", "POST"),
    params: Sequence[Param] = (),
    summary: str = "",
    tags: Sequence[str] = ("methods",),
    durable: bool = False,
) -> Callable[[Handler], Handler]:
    """Register `fn(session, args)` as `/api/method/<method>` for the given HTTP methods.

    `durable=True`: `fn` is one write (a workflow action), run whole on the group committer and
    awaited on the event loop (townflow.web.threads.run_durably) instead of in a thread."""

    def decorator(fn: Handler) -> Handler:
        async def endpoint(request: Request) -> Any:
            args = await form_dict(request)
            session = await current_session(request)
            if durable and request.method not in ("GET", "HEAD"):
                result = await run_durably(request.app.state.site, fn, session, args)
            else:
                result = await run_for(request, fn, session, args)
            if isinstance(result, Response):
                return result
            return {} if result is None else {"message": result}

        doc = summary or (fn.__doc__ or "").strip().split("\n")[0]
        for http_method in http_methods:
            extra: dict[str, Any] = {}
            if http_method == "GET":
                extra["parameters"] = _query_parameters(params)
            elif params:
                extra["requestBody"] = _request_body(params)
            router.add_api_route(
                f"/api/method/{method}",
                endpoint,
                methods=[http_method],
                name=f"{method} ({http_method})",
                summary=doc,
                operation_id=f"{method.replace('.', '_')}_{http_method.lower()}",
                openapi_extra=extra,
                tags=list(tags),
            )
        return fn

    return decorator
