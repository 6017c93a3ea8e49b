"""How the OpenAPI document and its docs pages are made.

Operation ids are the handlers' names (``create_filing``, ``upload_document``),
short and stable, so a generated client reads ``create_filing.sync(...)``
rather than ``create_filing_v1_filings_post``. Swagger UI (``/docs``) and
ReDoc (``/redoc``) load their scripts and styles from the ``fastapi-offline``
package, served under :data:`DOCS_ASSETS_URL`: no page fetches anything from
another host: ReDoc's bundle still shows its maker's logo from their CDN,
so the docs pages carry a Content-Security-Policy that keeps the browser on
this server (:class:`DocsContentPolicy`).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi.routing import APIRoute
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "DOCS_ASSETS_URL",
    "DOCS_CONTENT_POLICY",
    "SWAGGER_UI_PARAMETERS",
    "DocsContentPolicy",
    "operation_id",
]

DOCS_ASSETS_URL: Final = "/docs-assets"
"""Where Swagger UI's and ReDoc's scripts, styles and icon are served from."""

SWAGGER_UI_PARAMETERS: Final[dict[str, Any]] = {"validatorUrl": None}
"""No validator badge: Swagger UI would send the document to a public validator."""


def operation_id(route: APIRoute) -> str:
    """A route's operationId: its name, which is its handler's name unless ``name=`` says else."""
    return route.name


DOCS_PAGES: Final = frozenset({"/docs", "/redoc"})

DOCS_CONTENT_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        # The pages start Swagger UI and ReDoc with a short inline script.
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        # ReDoc searches in a worker it builds from a blob.
        "worker-src 'self' blob:",
        "connect-src 'self'",
    )
)


class DocsContentPolicy:
    """ASGI middleware: the docs pages may load nothing from another host.

    Pure ASGI, like :class:`api.request_id.RequestIdMiddleware`: every other
    request passes straight through, with no ``BaseHTTPMiddleware`` layer of its own.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in DOCS_PAGES:
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = DOCS_CONTENT_POLICY
            await send(message)

        await self.app(scope, receive, send_with_policy)
