"""Response headers every answer carries: no caching of personal data, and browser hardening.

Everything this app serves except static assets is about people (names, ID numbers, pregnancy
and benefit records), so API answers and pages are `Cache-Control: no-store`: a shared office
computer's browser cache or a proxy must not keep them after logout.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Tight by default; the pages keep scripts and styles in /static, so no inline code is needed.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)

#: Paths whose answers hold nothing personal and may be cached by the browser.
CACHEABLE_PREFIXES = ("/static/", "/assets/")


@dataclass
class WebSettings:
    """Knobs of the web layer; `create_app(site, settings=...)` takes them."""

    #: idle time after which a login session ends (Frappe's default session_expiry is 06:00)
    session_ttl_seconds: float = 6 * 3600
    #: failed logins allowed per user and client address in `login_window_seconds`
    login_max_failures: int = 5
    login_window_seconds: float = 60.0
    #: failed logins allowed per client address, whatever user names it tries
    login_max_failures_per_address: int = 20
    #: the largest request body read at all (uploads included); refused with 413 before parsing
    max_body_bytes: int = 12 * 1024 * 1024
    #: set when served over HTTPS (behind a proxy): the session cookie gets `Secure`
    secure_cookies: bool = False
    content_security_policy: str = DEFAULT_CSP
    #: where the login answer sends a desk user ("home_page" in Frappe's answer)
    home_page: str = "/app"


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (no body buffering) adding the headers to every response."""

    def __init__(self, app: ASGIApp, settings: WebSettings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        cacheable = path.startswith(CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"cache-control" or cacheable
                ]
                present = {k.lower() for k, _ in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"SAMEORIGIN",
                    b"referrer-policy": b"same-origin",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                    b"content-security-policy": self.settings.content_security_policy.encode("latin-1"),
                }
                if not cacheable:
                    extra[b"cache-control"] = b"no-store"
                    extra[b"pragma"] = b"no-cache"
                headers.extend((k, v) for k, v in extra.items() if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
