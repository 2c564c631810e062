"""Frappe's `form_dict`: one dict of arguments from the query string, a form body or a JSON body.

Frappe lets a caller pass the same argument any of these ways, and scripts rely on it
(`requests.post(url, data={...})`, `json={...}`, `?doc=...`). Values that Frappe parses as JSON
when they arrive as strings (`fields`, `filters`, `doc`, ...) are parsed by the endpoint that
needs them, with `parse_json_arg`, so a malformed value is a 417, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from townflow.web.errors import ValidationError

#: Largest request body we read (attachments go through their own route later).
MAX_BODY_BYTES = 5 * 1024 * 1024


def cached(request: Request, key: str) -> Any:
    """`getattr(request.state, key, None)` without the AttributeError a missing key raises inside
    Starlette's State (measured: a visible share of the event loop's time per request)."""
    return request.scope.get("state", {}).get(key)


async def form_dict(request: Request) -> dict[str, Any]:
    """Query arguments overlaid by the body's arguments (form or JSON object)."""
    cached_args = cached(request, "form_dict")
    if cached_args is not None:
        return cached_args
    args: dict[str, Any] = dict(request.query_params)
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        args.update(await _body_args(request))
    request.state.form_dict = args
    return args


async def body_dict(request: Request) -> dict[str, Any]:
    """The body's arguments only (no query string), for what must not travel in a URL."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return {}
    return await _body_args(request)


async def _body_args(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ValidationError("Request body too large", zh="请求内容过大")
    if not body.strip():
        return {}
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        # Frappe reads unknown bodies as JSON too; text that is not JSON is ignored there.
        try:
            value = json.loads(body)
        except ValueError:
            return {}
    else:
        value = _load_json(body)
    if not isinstance(value, dict):
        raise ValidationError("Request body must be a JSON object", zh="请求内容必须是 JSON 对象")
    return value


def _load_json(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(
            f"Request body is not valid JSON: {exc}", zh="请求内容不是有效的 JSON"
        ) from None


def parse_json_arg(value: Any, name: str, *, default: Any = None) -> Any:
    """Parse an argument Frappe accepts as JSON text or as an already-decoded value."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in '[{"' or text in {"null", "true", "false"} or text[:1].isdigit() or text[:1] == "-":
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                raise ValidationError(
                    f"Argument {name} is not valid JSON", zh=f"参数 {name} 不是有效的 JSON"
                ) from None
        return value
    return value


def int_arg(value: Any, name: str, *, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """Frappe's `cint` for paging arguments, but refusing garbage with a 417 instead of guessing."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(f"Argument {name} must be an integer", zh=f"参数 {name} 必须是整数") from None
    if number > 2**63 - 1 or number < -(2**63):
        raise ValidationError(f"Argument {name} is too large", zh=f"参数 {name} 数值过大")
    if number < minimum:
        raise ValidationError(
            f"Argument {name} must be at least {minimum}", zh=f"参数 {name} 不能小于 {minimum}"
        )
    if maximum is not None and number > maximum:
        number = maximum
    return number


def require(args: dict[str, Any], name: str) -> Any:
    value = args.get(name)
    if value is None or value == "":
        raise ValidationError(f"Missing argument: {name}", zh=f"缺少参数：{name}")
    return value
