"""`/openapi.json`: FastAPI's description of the real routes, with the site's DocTypes enumerated.

FastAPI derives paths, parameters and bodies from the routes themselves (the method routes
declare theirs in `townflow.web.whitelist`), so the description cannot drift from the code.
Here we only add what FastAPI cannot know: the DocType names a `{doctype}` path accepts, the
two ways to authenticate, and Frappe's error body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from townflow.web import identity

ERROR_SCHEMA = {
    "type": "object",
    "description": "Frappe's error answer",
    "properties": {
        "exc_type": {"type": "string", "example": "PermissionError"},
        "exception": {"type": "string"},
        "_server_messages": {"type": "string", "description": 'JSON list of JSON {"message": ...} strings'},
    },
}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    doctypes = sorted(identity.doctype_names(app.state.site))
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["FrappeError"] = ERROR_SCHEMA
    components["securitySchemes"] = {
        "token": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`token <api_key>:<api_secret>`; keys from "
            "frappe.core.doctype.user.user.generate_keys",
        },
        "sid": {"type": "apiKey", "in": "cookie", "name": "sid", "description": "from /api/method/login"},
    }
    schema["security"] = [{"token": []}, {"sid": []}]
    error_response = {
        "description": "Frappe error (exc_type, _server_messages)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FrappeError"}}},
    }
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("name") == "doctype" and doctypes:
                    parameter["schema"] = {"type": "string", "enum": doctypes, "title": "DocType"}
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's default; our validation errors are Frappe's 417
            responses.setdefault("4XX", error_response)
            if path == "/api/method/login":
                operation["security"] = []
    return schema


def install_openapi(app: FastAPI) -> None:
    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if "schema" not in cache:
            cache["schema"] = build_openapi(app)
        return cache["schema"]

    app.openapi = openapi  # type: ignore[method-assign]
