"""``/v1/filings/{id}/documents``: upload a document, read one back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import (
    AppDep,
    CpuPoolDep,
    MetricsDep,
    PrincipalDep,
    ServicesDep,
    SettingsDep,
    client_address,
)
from api.errors import (
    ApiError,
    ForbiddenError,
    RequestInvalidError,
    problem_for,
    problem_responses,
)
from api.idempotency import Replay, find_replay, remember, request_hash
from api.metrics import Metrics
from api.redaction import for_viewer
from api.schemas import DocumentOut
from api.uploads import receive_upload
from api.web.frames import frame_tag, reading_frame
from intake.domain import DocumentId, FilingId
from intake.errors import (
    DocumentNotFoundError,
    EmptyUploadError,
    FilingNotFoundError,
    IdempotencyConflictError,
    IntakeError,
    InvalidTransitionError,
    UploadTooLargeError,
)
from intake.review import Actor
from ocr.domain import DocumentKind
from ocr.errors import (
    CorruptFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    ImageTooSmallError,
    OcrEngineBusyError,
    OcrError,
    TooManyPagesError,
    UnsupportedFileTypeError,
)

router = APIRouter(prefix="/v1/filings/{filing_id}/documents", tags=["documents"])

_UPLOAD_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "JPEG, PNG, WebP, HEIC or PDF; the type is read "
                            "from the bytes, not the name.",
                        },
                        "declared_kind": {
                            "type": "string",
                            "enum": [k.value for k in DocumentKind],
                            "description": "What the app believes the document is.",
                        },
                    },
                }
            }
        },
    }
}


def _declared_kind(value: str | None) -> DocumentKind | None:
    if value is None:
        return None
    try:
        return DocumentKind(value)
    except ValueError:
        raise RequestInvalidError(
            f"unknown declared_kind {value!r}", field="declared_kind"
        ) from None


@contextmanager
def _counted_refusal(metrics: Metrics) -> Iterator[None]:
    try:
        yield
    except (ApiError, IntakeError, OcrError) as error:
        metrics.uploads.labels(problem_for(error)[1]).inc()
        raise


@router.post(
    "",
    status_code=201,
    response_model=DocumentOut,
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {
            "model": DocumentOut,
            "description": "The same bytes were already uploaded to "
            "this filing: the existing document, nothing stored again.",
        },
        **problem_responses(
            ForbiddenError,
            FilingNotFoundError,
            InvalidTransitionError,
            IdempotencyConflictError,
            UploadTooLargeError,
            UnsupportedFileTypeError,
            EmptyUploadError,
            CorruptFileError,
            EncryptedPdfError,
            TooManyPagesError,
            ImageTooLargeError,
            ImageTooSmallError,
            RequestInvalidError,
            OcrEngineBusyError,
        ),
    },
)
async def upload_document(
    filing_id: UUID,
    request: Request,
    principal: AppDep,
    services: ServicesDep,
    settings: SettingsDep,
    cpu: CpuPoolDep,
    metrics: MetricsDep,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=200, description="Replays the first response."),
    ] = None,
) -> JSONResponse:
    """Upload a photo or PDF; its type, size, pages and image quality are checked at once.

    ``201`` with the new document, or ``200`` with the existing one when the
    same bytes were uploaded to this filing before. ``quality.ok`` is false
    with ``problems`` when a page should be photographed again.
    """
    with _counted_refusal(metrics):
        upload = await receive_upload(
            request, max_bytes=settings.max_upload_bytes, tmp_dir=settings.upload_tmp_dir
        )
        kind = _declared_kind(upload.declared_kind)
        fingerprint = request_hash(
            str(filing_id).encode(), upload.data, (upload.declared_kind or "").encode()
        )
        if idempotency_key:
            replay = await run_in_threadpool(
                find_replay,
                services.uow_factory,
                owner=principal.key_id,
                key=idempotency_key,
                fingerprint=fingerprint,
            )
            if replay is not None:
                metrics.uploads.labels("replayed").inc()
                return JSONResponse(replay.body, status_code=replay.status_code)
        # Only decoding and quality hold a slot of the bounded CPU pool; the
        # database and blob I/O around it run on the ordinary thread pool, so
        # slow storage never turns into `503 ocr.busy`.
        added = await run_in_threadpool(
            lambda: services.submission.find_existing(
                principal, FilingId(filing_id), data=upload.data
            )
        )
        if added is None:
            prepared = await cpu.run(services.submission.prepare, upload.data)
            added = await run_in_threadpool(
                lambda: services.submission.store(
                    principal, FilingId(filing_id), prepared, declared_kind=kind
                )
            )
    response = Replay(
        status_code=201 if added.created else 200,
        body=DocumentOut.of(added.document).model_dump(mode="json"),
    )
    if idempotency_key:
        await run_in_threadpool(
            remember,
            services.uow_factory,
            owner=principal.key_id,
            key=idempotency_key,
            fingerprint=fingerprint,
            replay=response,
        )
    metrics.uploads.labels("created" if added.created else "duplicate").inc()
    if added.created:
        metrics.upload_bytes.inc(len(upload.data))
    return JSONResponse(response.body, status_code=response.status_code)


@router.get(
    "/{document_id}",
    responses=problem_responses(FilingNotFoundError, DocumentNotFoundError),
)
async def get_document(
    filing_id: UUID, document_id: UUID, principal: PrincipalDep, services: ServicesDep
) -> DocumentOut:
    """A document with each page's size and quality measures."""
    document = await run_in_threadpool(
        services.submission.get_document_or_raise,
        principal,
        FilingId(filing_id),
        DocumentId(document_id),
    )
    readings = await run_in_threadpool(services.filings.readings_of, document)
    return for_viewer(principal, DocumentOut.of(document, readings))


_IMAGE_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The normalised page (JPEG).",
    },
    304: {"description": "Not modified (the `If-None-Match` ETag matches)."},
}


@router.get(
    "/{document_id}/pages/{page}/image",
    response_class=Response,
    responses={**_IMAGE_RESPONSES, **problem_responses(FilingNotFoundError, DocumentNotFoundError)},
)
async def get_page_image(
    filing_id: UUID,
    document_id: UUID,
    page: int,
    request: Request,
    principal: PrincipalDep,
    services: ServicesDep,
    cpu: CpuPoolDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The normalised page image, to the owning app key and to reviewers.

    A page whose image the background analysis has not made yet is `404`.
    The page is shown in the frame its reading's boxes refer to (flattened and
    turned upright as the reader saw it), so every box of the document's
    `found` fields and of the verdict's evidence lands on its text. The
    `ETag` names the image and that frame. Every fetch by a reviewer or admin
    is written to the audit log.
    """
    document = await run_in_threadpool(
        services.submission.get_document_or_raise,
        principal,
        FilingId(filing_id),
        DocumentId(document_id),
    )
    if not 1 <= page <= len(document.pages):
        raise DocumentNotFoundError(f"{document_id} page {page}")
    stored_page = document.pages[page - 1]
    if not stored_page.has_image:
        # The analysis task makes the page image shortly after the upload.
        raise DocumentNotFoundError(f"{document_id} page {page} image (not made yet)")
    readings = await run_in_threadpool(services.filings.readings_of, document)
    reading = next((r for r in readings if r.page == page), None)
    if principal.sees_all:
        await run_in_threadpool(
            services.review.record_view,
            Actor(principal=principal, address=client_address(request)),
            FilingId(filing_id),
            target=f"document:{document_id}/page:{page}",
            action="view_page_image",
        )
    etag = frame_tag(stored_page.image_sha256, reading)
    headers = {"ETag": etag, "Cache-Control": "private, max-age=86400, immutable"}
    if if_none_match is not None and etag.strip('"') in if_none_match:
        return Response(status_code=304, headers=headers)
    data = await run_in_threadpool(services.blobs.get, stored_page.image_sha256)
    image = await cpu.run(reading_frame, data, reading)
    return Response(content=image, media_type="image/jpeg", headers=headers)
