"""Errors to RFC 9457 problem details: one table, one handler.

Every error a route can return has a stable ``code`` here; routes declare
theirs with :func:`problem_responses` so ``/openapi.json`` lists them with
examples. The body is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and ``code`` (plus ``field``/``errors`` where useful).
"""

from __future__ import annotations

import re
from typing import Any, Final

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.messages import ACTIONS, message_for, upload_too_large
from intake.errors import (
    ClaimHeldError,
    ClaimRequiredError,
    DocumentNotFoundError,
    EmptyFilingError,
    EmptyUploadError,
    FilingNotFoundError,
    FilingNotRequiredError,
    IdempotencyConflictError,
    IntakeError,
    InvalidApplicantError,
    InvalidFilingError,
    InvalidIdNumberError,
    InvalidPhoneError,
    InvalidRegionCodeError,
    InvalidReviewError,
    InvalidTransitionError,
    InvalidWebhookEventsError,
    InvalidWebhookUrlError,
    JobNotFoundError,
    MaterialsMissingError,
    TooManyWebhooksError,
    UploadTooLargeError,
    WebhookError,
    WebhookNotFoundError,
)
from ocr.errors import (
    ActiveContentError,
    CorruptFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    ImageTooSmallError,
    OcrEngineBusyError,
    OcrError,
    TooManyPagesError,
    UnsupportedFileTypeError,
)
from storage.errors import StorageError, StorageUnavailableError

log = structlog.get_logger(__name__)

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"


class ApiError(Exception):
    """Errors only the HTTP edge knows about."""


class AuthMissingError(ApiError):
    def __init__(self) -> None:
        super().__init__("an Authorization: Bearer <key> header is required")


class AuthInvalidError(ApiError):
    def __init__(self) -> None:
        super().__init__("the API key is not valid")


class ForbiddenError(ApiError):
    def __init__(self, *, role: str, needed: tuple[str, ...]) -> None:
        super().__init__(f"this needs the {' or '.join(needed)} role; the key has the {role} role")
        self.role = role
        self.needed = needed


class RequestInvalidError(ApiError):
    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


ERRORS: Final[dict[type[Exception], tuple[int, str, str]]] = {
    AuthMissingError: (401, "auth.missing", "Authentication required"),
    AuthInvalidError: (401, "auth.invalid", "Invalid API key"),
    ForbiddenError: (403, "auth.forbidden", "Not allowed for this role"),
    FilingNotFoundError: (404, "filing.not_found", "Filing not found"),
    DocumentNotFoundError: (404, "document.not_found", "Document not found"),
    EmptyFilingError: (409, "filing.no_documents", "No documents to submit"),
    InvalidTransitionError: (409, "filing.invalid_transition", "Not allowed in this status"),
    IdempotencyConflictError: (409, "idempotency.conflict", "Idempotency-Key reused"),
    JobNotFoundError: (404, "job.not_found", "Job not found"),
    ClaimHeldError: (409, "review.claimed", "Claimed by another reviewer"),
    ClaimRequiredError: (409, "review.not_claimed", "Claim the filing first"),
    MaterialsMissingError: (409, "review.materials_missing", "Material groups missing"),
    InvalidReviewError: (422, "review.invalid", "Invalid review request"),
    UploadTooLargeError: (413, "upload.too_large", "Upload too large"),
    UnsupportedFileTypeError: (415, "upload.unsupported_type", "Unsupported file type"),
    EmptyUploadError: (422, "upload.empty", "Empty upload"),
    CorruptFileError: (422, "upload.corrupt", "File could not be decoded"),
    EncryptedPdfError: (422, "upload.encrypted_pdf", "Encrypted PDF"),
    ActiveContentError: (422, "upload.active_content", "File carries active content"),
    TooManyPagesError: (422, "upload.too_many_pages", "Too many pages"),
    ImageTooLargeError: (422, "upload.too_many_pixels", "Image has too many pixels"),
    ImageTooSmallError: (422, "upload.too_few_pixels", "Image too small to read"),
    InvalidIdNumberError: (422, "applicant.invalid_id_number", "Invalid ID number"),
    InvalidPhoneError: (422, "applicant.invalid_phone", "Invalid phone number"),
    InvalidRegionCodeError: (422, "applicant.invalid_region_code", "Invalid region code"),
    InvalidApplicantError: (422, "applicant.invalid", "Invalid applicant"),
    FilingNotRequiredError: (422, "filing.not_required", "No filing needed"),
    InvalidFilingError: (422, "filing.invalid", "Invalid filing"),
    RequestInvalidError: (422, "request.invalid", "Invalid request"),
    RequestValidationError: (422, "request.invalid", "Invalid request"),
    OcrEngineBusyError: (503, "ocr.busy", "Busy, retry shortly"),
    StorageUnavailableError: (503, "storage.unavailable", "Storage unavailable"),
    WebhookNotFoundError: (404, "webhook.not_found", "Webhook not found"),
    InvalidWebhookUrlError: (422, "webhook.invalid_url", "Webhook URL refused"),
    InvalidWebhookEventsError: (422, "webhook.invalid_events", "Unknown webhook events"),
    TooManyWebhooksError: (409, "webhook.too_many", "Too many webhooks"),
    WebhookError: (422, "webhook.invalid", "Invalid webhook"),
}
"""``{ErrorClass: (status, code, title)}``; a subclass not listed uses its nearest listed base."""

_FALLBACK: Final = (500, "internal", "Internal error")

HTTP_CODES: Final[dict[int, str]] = {404: "route.not_found", 405: "route.method_not_allowed"}
"""Codes of the routing errors Starlette raises; any other status is ``http.<status>``."""


def problem_for(error: Exception) -> tuple[int, str, str]:
    """The ``(status, code, title)`` of an error, by its class or nearest listed base."""
    for cls in type(error).__mro__:
        if cls in ERRORS:
            return ERRORS[cls]
    return _FALLBACK


def problem_body(
    *, status: int, code: str, title: str, detail: str, message: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A problem's JSON body; ``message`` defaults to the code's Chinese message."""
    body = {
        "type": f"urn:intake:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "message": message or message_for(code),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(error: Exception) -> JSONResponse:
    """Render an error as an RFC 9457 problem response."""
    status, code, title = problem_for(error)
    detail = str(error) if status < 500 else title
    extra: dict[str, Any] = {"field": getattr(error, "field", None)}
    if isinstance(error, UploadTooLargeError):
        extra["limit"] = error.limit
    if isinstance(error, ForbiddenError):
        extra["required_roles"] = list(error.needed)
    if isinstance(error, ClaimHeldError):
        extra["claimed_until"] = str(error.expires_at)
    if isinstance(error, MaterialsMissingError):
        extra["missing"] = error.groups
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    message = _message_of(error, code)
    return JSONResponse(
        problem_body(
            status=status, code=code, title=title, detail=detail, message=message, **extra
        ),
        status_code=status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def _message_of(error: Exception, code: str) -> str:
    """The Chinese message an app shows for ``error``: as specific as the error allows."""
    if isinstance(error, FilingNotRequiredError):
        return error.message
    if isinstance(error, UploadTooLargeError):
        return upload_too_large(error.limit)
    if code == "filing.invalid_transition" and isinstance(error, InvalidTransitionError):
        return ACTIONS.get(error.action, message_for(code))
    return message_for(
        code, field=getattr(error, "field", None), reason=getattr(error, "reason", None)
    )


async def _handle_known(request: Request, error: Exception) -> JSONResponse:
    status, code, _ = problem_for(error)
    if status >= 500:
        log.warning("api.request.unavailable", code=code, error=str(error), path=request.url.path)
    return problem_response(error)


async def _handle_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)  # noqa: S101  # registered for this class only
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in error.errors()
    ]
    body = problem_body(
        status=422,
        code="request.invalid",
        title="Invalid request",
        detail="the request does not match the schema",
        message=_validation_message(errors),
        errors=errors,
    )
    return JSONResponse(body, status_code=422, media_type=PROBLEM_CONTENT_TYPE)


_LOCATIONS: Final = frozenset({"body", "query", "path", "header", "cookie"})


def _validation_message(errors: list[dict[str, Any]]) -> str:
    """The message of a schema mismatch: the first error, naming its field in Chinese."""
    if not errors:
        return message_for("request.invalid")
    first = errors[0]
    loc = [str(part) for part in first["loc"] if not isinstance(part, int)]
    field = ".".join(loc[1:] if loc and loc[0] in _LOCATIONS else loc)
    return message_for("request.invalid", field=field or None, reason=str(first["type"]))


async def _handle_http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)  # noqa: S101  # registered for this class only
    if error.status_code == 400:
        # A body that cannot be parsed (not JSON, not UTF-8) is a request of the wrong
        # shape, answered like every other: 422 request.invalid.
        body = problem_body(
            status=422,
            code="request.invalid",
            title="Invalid request",
            detail=f"the body could not be read: {error.detail}",
        )
        return JSONResponse(body, status_code=422, media_type=PROBLEM_CONTENT_TYPE)
    code = HTTP_CODES.get(error.status_code, f"http.{error.status_code}")
    body = problem_body(
        status=error.status_code, code=code, title=str(error.detail), detail=str(error.detail)
    )
    headers = dict(getattr(error, "headers", None) or {})
    if error.status_code == 405:
        # RFC 9110: a 405 names every method the path takes, across all its routes.
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return JSONResponse(
        body, status_code=error.status_code, media_type=PROBLEM_CONTENT_TYPE, headers=headers
    )


def _allowed_methods(request: Request) -> list[str]:
    """The methods the OpenAPI document lists for the request's path.

    Of the path templates that match, the most literal wins, as in routing:
    ``/v1/jobs/reverify`` is not ``/v1/jobs/{job_id}``.
    """
    matching: dict[int, set[str]] = {}
    for template, operations in request.app.openapi().get("paths", {}).items():
        literal = re.split(r"\{[^/{}]+\}", template)
        if re.fullmatch("[^/]+".join(re.escape(part) for part in literal), request.url.path):
            methods = matching.setdefault(len(literal), set())
            methods.update(m.upper() for m in operations if m.lower() in _HTTP_METHODS)
    return sorted(matching[min(matching)]) if matching else []


_HTTP_METHODS: Final = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem-details handlers on ``app``, and the ``Problem`` schema in its
    OpenAPI document (every problem response refers to that one schema)."""
    for base in (ApiError, IntakeError, OcrError, StorageError):
        app.add_exception_handler(base, _handle_known)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    _add_problem_schema(app)


def _add_problem_schema(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI caches the document on first build; adding the schema to the
        # cached dict once is enough.
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(PROBLEM_SCHEMA_NAME, _PROBLEM_SCHEMA)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it


PROBLEM_SCHEMA_NAME: Final = "Problem"

_PROBLEM_REF: Final = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}

_PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "title": PROBLEM_SCHEMA_NAME,
    "description": "RFC 9457 problem details: `detail` in English for developers, "
    "`message` in Chinese for the applicant, `code` stable for programs.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "message"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "field": {"type": "string"},
        "message": {"type": "string", "description": "A reason in Chinese the app can show"},
        "limit": {"type": "integer", "description": "`upload.too_large`: the most bytes"},
        "errors": {"type": "array", "items": {"type": "object"}},
        "required_roles": {"type": "array", "items": {"type": "string"}},
        "claimed_until": {"type": "string"},
        "missing": {"type": "array", "items": {"type": "string"}},
    },
}


def problem_responses(*errors: type[Exception]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for the errors a route may return, with one example per code."""
    grouped: dict[int, dict[str, Any]] = {}
    for cls in (
        AuthMissingError,
        AuthInvalidError,
        ForbiddenError,
        RequestValidationError,
        *errors,
    ):
        status, code, title = ERRORS[cls]
        examples = grouped.setdefault(status, {})
        examples[code] = {
            "summary": title,
            "value": problem_body(status=status, code=code, title=title, detail=title),
        }
    return {
        status: {
            "description": " / ".join(sorted(examples)),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": _PROBLEM_REF, "examples": examples}},
        }
        for status, examples in sorted(grouped.items())
    }
