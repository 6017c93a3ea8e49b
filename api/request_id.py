"""Every request gets an id: the caller's ``X-Request-ID`` when it is sane, a new one otherwise.

The id goes back in the response's ``X-Request-ID`` header and is bound to
structlog's context variables for the request, so every log event the request
causes carries ``request_id`` (and so do the in-process tasks it dispatches, and
Celery tasks, which take it along in a message header). A pure ASGI middleware
rather than ``BaseHTTPMiddleware``: the context it binds is the one the route
runs in, and nothing buffers the response.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.identity import mask_id_numbers_in

log = structlog.get_logger(__name__)

HEADER: Final = "X-Request-ID"
LOG_KEY: Final = "request_id"
_SANE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def accept_request_id(value: str | None) -> str:
    """The caller's id when it is 8-128 plain characters and no ID number; a new one otherwise.

    Anything else (spaces, quotes, control characters, a person's ID number
    pasted into the header) would end up in every log line of the request.
    """
    if value is not None and _SANE.fullmatch(value) and mask_id_numbers_in(value) == value:
        return value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id bound to the current context, if any (to hand on to a task)."""
    value = structlog.contextvars.get_contextvars().get(LOG_KEY)
    return value if isinstance(value, str) else None


class RequestIdMiddleware:
    """Binds the request's id for its whole life and returns it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(Headers(scope=scope).get(HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(**{LOG_KEY: request_id}):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                # The server logs the traceback too, but outside the request's context:
                # this event is the one that can be found by the request's id.
                log.exception("api.request.failed", method=scope["method"], path=scope["path"])
                raise
