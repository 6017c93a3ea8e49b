"""How the OpenAPI document and its docs pages are made.

Operation ids are the handlers' names (``create_filing``, ``upload_document``),
short and stable, so a generated client reads ``create_filing.sync(...)``
rather than ``create_filing_v1_filings_post``. Swagger UI (``/docs``) and
ReDoc (``/redoc``) load their scripts and styles from the ``fastapi-offline``
package, served under :data:`DOCS_ASSETS_URL`: no page fetches anything from
another host.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi.routing import APIRoute

__all__ = ["DOCS_ASSETS_URL", "SWAGGER_UI_PARAMETERS", "operation_id"]

DOCS_ASSETS_URL: Final = "/docs-assets"
"""Where Swagger UI's and ReDoc's scripts, styles and icon are served from."""

SWAGGER_UI_PARAMETERS: Final[dict[str, Any]] = {"validatorUrl": None}
"""No validator badge: Swagger UI would send the document to a public validator."""


def operation_id(route: APIRoute) -> str:
    """A route's operationId: its name, which is its handler's name unless ``name=`` says else."""
    return route.name
