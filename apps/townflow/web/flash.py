"""Messages a page shows after a redirect, kept in the server-side session (issue 12, L9).

A redirect after a POST must not carry the messages it wants shown in its URL: anyone could
then send a link that makes the site show their text as its own message. `put` keeps the
messages in the user's web session and answers a random key for the URL; `take` gives them
back once, to the same session only. A key from somebody else's link shows nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request

_KEY = "flash"
_MAX_KEPT = 20


def _store(request: Request) -> dict[str, Any] | None:
    web_session = _web_session(request)
    if web_session is None:
        return None
    return web_session.data.setdefault(_KEY, {})


def _web_session(request: Request) -> Any:
    return getattr(getattr(request.state, "principal", None), "web_session", None)


def _keep(request: Request) -> None:
    """Store the session's messages, so the next page (on any worker) finds them."""
    web_session = _web_session(request)
    if web_session is not None:
        request.app.state.sessions.save(web_session)


def put(request: Request, messages: list[str]) -> str:
    """Keep `messages` for the next page of this session; the key to put in the redirect URL."""
    key = secrets.token_urlsafe(12)
    kept = _store(request)
    if kept is not None:
        while len(kept) >= _MAX_KEPT:
            kept.pop(next(iter(kept)))
        kept[key] = list(messages)
        _keep(request)
    return key


def take(request: Request, key: str | None) -> list[str] | None:
    """The messages kept under `key` for this session (once), or None."""
    kept = _store(request)
    if not key or kept is None:
        return None
    messages = kept.pop(key, None)
    if messages is not None:
        _keep(request)
    return messages
