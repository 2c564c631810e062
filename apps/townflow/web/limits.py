"""Request size limits applied before anything reads or parses a body (issue 12, M2).

`BodySizeLimitMiddleware` is the outermost middleware: a `Content-Length` over the limit is
answered 413 at once, and a body sent without a length (chunked) is counted as it streams in and
cut off with 413 as soon as it passes the limit, so neither the JSON parser, the form parser nor
the upload route ever holds more than `max_bytes` of it. The answer is Frappe-shaped
(`exc_type` "RequestEntityTooLarge", a message naming the limit).
"""

from __future__ import annotations

from typing import Any

from townflow.web.errors import TownflowError, error_response


class RequestEntityTooLarge(TownflowError):
    exc_type = "RequestEntityTooLarge"
    http_status = 413


def too_large(max_bytes: int) -> RequestEntityTooLarge:
    megabytes = max_bytes / (1024 * 1024)
    return RequestEntityTooLarge(
        f"Request body too large: at most {megabytes:g} MB",
        zh=f"请求内容过大：不超过 {megabytes:g} MB",
    )


class BodySizeLimitMiddleware:
    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0 or declared > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        received = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large(self.max_bytes)  # answered 413 by the app's error handlers
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestEntityTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Any, receive: Any, send: Any) -> None:
        await error_response(too_large(self.max_bytes), headers={"Connection": "close"})(scope, receive, send)
