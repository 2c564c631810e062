"""`/api/resource/<DocType>[/<name>]`: Frappe's v1 REST on documents (frappe/api/v1.py).

- GET list: `fields`, `filters`, `or_filters` (JSON text), `order_by`, `limit_start`,
  `limit_page_length` (or `limit`; default 20, 0 for all) -> `{"data": [rows]}`
- POST create: the document as a JSON body, or as JSON text in a `data` form field -> `{"data": doc}`
- GET one -> `{"data": doc}`; PUT update (only the keys sent change; send `modified` to be told
  about a concurrent change with 409) -> `{"data": doc}`; DELETE -> 202 `{"data": "ok"}`

Every call goes through the runtime `Session`, which checks permissions, scope, field names
and values; a document the user may not see is a 404, as on Frappe with user permissions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from townflow.web.auth import SessionDep
from townflow.web.errors import ValidationError
from townflow.web.jsonutil import FrappeJSONResponse
from townflow.web.requestdata import form_dict, int_arg, parse_json_arg
from townflow.web.threads import run_durably, run_read

router = APIRouter(tags=["resource"])

#: Largest page a single list call answers; `limit_page_length=0` ("all") is capped to this.
MAX_PAGE_LENGTH = 10_000

DOC_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "object", "additionalProperties": True, "description": "the document's fields"}
        }
    },
}


def list_args(args: dict[str, Any]) -> dict[str, Any]:
    fields = parse_json_arg(args.get("fields"), "fields", default=None)
    if fields is not None:
        if isinstance(fields, str):
            fields = [fields]
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise ValidationError("Argument fields must be a JSON list of field names", zh="参数 fields 无效")
    order_by = args.get("order_by")
    if order_by is not None and not isinstance(order_by, str):
        raise ValidationError("Argument order_by must be text", zh="参数 order_by 必须是文本")
    length = args.get("limit_page_length")
    if length in (None, ""):
        length = args.get("limit")
    page = int_arg(length, "limit_page_length", default=20, maximum=MAX_PAGE_LENGTH)
    return {
        "fields": fields,
        "filters": parse_json_arg(args.get("filters"), "filters"),
        "or_filters": parse_json_arg(args.get("or_filters"), "or_filters"),
        "order_by": order_by or None,
        "limit_start": int_arg(args.get("limit_start"), "limit_start", default=0),
        "limit_page_length": page or MAX_PAGE_LENGTH,
    }


async def _document_body(request: Request) -> dict[str, Any]:
    """Frappe's get_request_form_data: a `data` form/query field holding JSON, else the body."""
    args = dict(await form_dict(request))
    content_type = request.headers.get("content-type", "")
    data = args.get("data") if "json" not in content_type else None
    if data is not None:
        data = parse_json_arg(data, "data")
        if not isinstance(data, dict):
            raise ValidationError("Argument data must be a JSON object", zh="参数 data 必须是 JSON 对象")
        return data
    args.pop("csrf_token", None)
    return args


@router.get(
    "/api/resource/{doctype}",
    summary="List documents the user may see",
)
async def document_list(
    request: Request,
    doctype: str,
    session: SessionDep,
    fields: Annotated[str | None, Query(description='JSON list of field names, e.g. ["name"]')] = None,
    filters: Annotated[str | None, Query(description="JSON: a dict or a list of [field, op, value]")] = None,
    or_filters: Annotated[str | None, Query(description="JSON, like filters, combined with OR")] = None,
    order_by: Annotated[str | None, Query(description="e.g. modified desc")] = None,
    limit_start: Annotated[int | None, Query(ge=0)] = None,
    limit_page_length: Annotated[int | None, Query(ge=0, description="page size; 0 for all")] = None,
    limit: Annotated[int | None, Query(ge=0, description="alias of limit_page_length")] = None,
) -> dict[str, Any]:
    args = list_args(await form_dict(request))
    rows = await run_read(session.get_list, doctype, **args)
    return {"data": rows}


@router.post("/api/resource/{doctype}", summary="Create a document", openapi_extra={"requestBody": DOC_BODY})
async def create_doc(request: Request, doctype: str, session: SessionDep) -> dict[str, Any]:
    data = await _document_body(request)
    if not data.get("name"):
        data.pop("name", None)
    doc = {**data, "doctype": doctype}
    return {"data": await run_durably(request.app.state.site, session.insert, doc)}


@router.get("/api/resource/{doctype}/{name:path}", summary="Read a document")
async def read_doc(doctype: str, name: str, session: SessionDep) -> dict[str, Any]:
    return {"data": await run_read(session.get, doctype, name)}


@router.put(
    "/api/resource/{doctype}/{name:path}",
    summary="Update a document (send `modified` to detect concurrent changes)",
    openapi_extra={"requestBody": DOC_BODY},
)
async def update_doc(request: Request, doctype: str, name: str, session: SessionDep) -> dict[str, Any]:
    data = await _document_body(request)
    data.pop("flags", None)

    # Like Frappe's update_doc: only the keys sent change (the runtime merges them into the
    # stored document); a `modified` sent along must match, else 409.
    doc = {**data, "doctype": doctype, "name": name}

    def update() -> dict[str, Any]:
        return session.save(doc, check_modified=bool(data.get("modified")))

    return {"data": await run_durably(request.app.state.site, update)}


@router.delete("/api/resource/{doctype}/{name:path}", summary="Delete a document", status_code=202)
async def delete_doc(request: Request, doctype: str, name: str, session: SessionDep) -> FrappeJSONResponse:
    await run_durably(request.app.state.site, session.delete, doctype, name)
    return FrappeJSONResponse({"data": "ok"}, status_code=202)
