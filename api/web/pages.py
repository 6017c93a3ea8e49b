"""The reviewers' pages (GET): sign-in form, queue, filing, page images and statistics."""

from __future__ import annotations

from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import CpuPoolDep, ServicesDep
from api.web.access import (
    ReviewWeb,
    SessionDep,
    WebDep,
    actor_of,
    local_path,
)
from api.web.frames import frame_tag, reading_frame
from api.web.labels import ACTIONS, FIELDS, KINDS, STATUSES
from api.web.session import ReviewSession, is_https
from api.web.views import filing_view, queue_row
from api.wiring import Services
from intake.domain import DocumentId, FilingId, FilingStatus, FilingType, Page
from intake.errors import FilingNotFoundError
from ocr.domain import PageReading
from verifiers.codes import CheckCode
from verifiers.policy import NATIONAL

__all__ = ["render_filing", "router"]

router = APIRouter(prefix="/review", include_in_schema=False)

_COUNTED: Final = (
    FilingStatus.NEEDS_REVIEW,
    FilingStatus.PROVISIONAL,
    FilingStatus.NEEDS_MATERIALS,
    FilingStatus.APPROVED,
    FilingStatus.REJECTED,
)
_IMAGE_CACHE: Final = "private, max-age=3600"


@router.get("/login")
async def login_page(
    request: Request,
    web: WebDep,
    next_path: Annotated[str, Query(alias="next", max_length=512)] = "/review",
) -> Response:
    token = web.codec.new_login_token()
    context = {"next": local_path(next_path), "login_token": token, "error": ""}
    response = web.render(request, "login.html", context, session=None)
    web.codec.write_login_token(response, token, https=is_https(request))
    return response


@router.get("")
async def queue_page(
    request: Request,
    session: SessionDep,
    web: WebDep,
    services: ServicesDep,
    insured_region: Annotated[str, Query(max_length=6)] = "",
    filing_type: Annotated[str, Query(max_length=32)] = "",
    check: Annotated[str, Query(max_length=64)] = "",
    after: Annotated[str, Query(max_length=36)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    cursor = _uuid(after)
    page = await run_in_threadpool(
        services.review.queue,
        insured_region=insured_region.strip() or None,
        filing_type=filing_type or None,
        check=check or None,
        limit=limit,
        after=FilingId(cursor) if cursor else None,
    )
    now = web.clock.now()
    rows = [queue_row(i, now=now, book=services.book, me=session.key_id) for i in page.items]
    national = services.book.packs[NATIONAL]
    context = {
        "rows": rows,
        "counts": [(STATUSES[s], page.counts.get(s, 0), s.value) for s in _COUNTED],
        "filters": {"insured_region": insured_region, "filing_type": filing_type, "check": check},
        "filing_types": [
            (
                t.value,
                national.filing_types[t.value].name if t.value in national.filing_types else t,
            )
            for t in FilingType
        ],
        "checks": [c.value for c in CheckCode],
        "next_after": rows[-1].id if len(rows) == limit else "",
        "limit": limit,
        "paged": cursor is not None,
        "now": now,
    }
    return web.render(request, "queue.html", context, session=session)


@router.get("/filings/{filing_id}")
async def filing_page(
    request: Request, filing_id: UUID, session: SessionDep, web: WebDep, services: ServicesDep
) -> Response:
    return await render_filing(request, web, services, session, FilingId(filing_id))


async def render_filing(
    request: Request,
    web: ReviewWeb,
    services: Services,
    session: ReviewSession,
    filing_id: FilingId,
    *,
    revealed: str | None = None,
) -> Response:
    """The filing page (opening a filing is audited as a view)."""
    try:
        opened = await run_in_threadpool(
            services.review.open, actor_of(request, session), filing_id
        )
    except FilingNotFoundError:
        return web.render(request, "missing.html", {}, session=session, status_code=404)
    view = filing_view(opened, now=web.clock.now(), book=services.book, me=session.key_id)
    return web.render(
        request, "filing.html", {"filing": view, "revealed": revealed}, session=session
    )


@router.get("/filings/{filing_id}/documents/{document_id}/pages/{number}/image")
async def page_image(
    request: Request,
    filing_id: UUID,
    document_id: UUID,
    number: int,
    session: SessionDep,
    services: ServicesDep,
    cpu: CpuPoolDep,
) -> Response:
    """The page image in its reading's frame; every fetch is audited, a matching ETag gets 304."""
    found = await run_in_threadpool(
        _page_of, services, FilingId(filing_id), DocumentId(document_id), number
    )
    if found is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    page, reading = found
    await run_in_threadpool(
        services.review.record_view,
        actor_of(request, session),
        FilingId(filing_id),
        target=f"document:{document_id}/page:{number}",
        action="view_page_image",
    )
    etag = frame_tag(page.image_sha256, reading)
    headers = {"ETag": etag, "Cache-Control": _IMAGE_CACHE, "X-Content-Type-Options": "nosniff"}
    if _etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    stored = await run_in_threadpool(services.blobs.get, page.image_sha256)
    image = await cpu.run(reading_frame, stored, reading)
    return Response(image, media_type="image/jpeg", headers=headers)


@router.get("/stats")
async def stats_page(
    request: Request, session: SessionDep, web: WebDep, services: ServicesDep
) -> Response:
    stats = await run_in_threadpool(services.review.stats)
    context = {
        "stats": stats.export(),
        "action_labels": {str(action): label for action, label in ACTIONS.items()},
        "kind_labels": KINDS,
        "field_labels": FIELDS,
    }
    return web.render(request, "stats.html", context, session=session)


def _page_of(
    services: Services, filing_id: FilingId, document_id: DocumentId, number: int
) -> tuple[Page, PageReading | None] | None:
    with services.uow_factory() as uow:
        document = uow.documents.get(document_id)
        if document is None or document.filing_id != filing_id:
            return None
        page = next((p for p in document.pages if p.number == number), None)
        if page is None or not page.has_image:
            return None
        stored = uow.readings.get(document.reading_key(page), services.reader.version)
    return page, stored.reading if stored else None


def _etag_matches(header: str, etag: str) -> bool:
    candidates = {c.strip().removeprefix("W/") for c in header.split(",") if c.strip()}
    return "*" in candidates or etag in candidates


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
