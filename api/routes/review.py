"""``/v1/review``: the reviewers' queue, claims, evidence, corrections and decisions.

Reviewer and admin keys only (an app key gets ``403 auth.forbidden``); the
audit log is for admins. ``POST /v1/filings/{id}/review-request`` is the
applicant's side: an app asks for a person instead of the machine's answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from api.deps import AdminDep, AppDep, ReviewerDep, ServicesDep, client_address
from api.errors import ForbiddenError, problem_responses
from api.redaction import for_viewer
from api.review_schemas import (
    AuditOut,
    ClaimOut,
    CorrectionIn,
    DecidedOut,
    DecisionIn,
    DecisionOut,
    QueueOut,
    RevealIn,
    RevealOut,
    ReviewFilingOut,
    ReviewRequestIn,
    StatsOut,
)
from api.schemas import FilingSummaryOut, VerdictOut
from intake.domain import DocumentId, FilingId, FilingType, Principal
from intake.errors import (
    ClaimHeldError,
    ClaimRequiredError,
    DocumentNotFoundError,
    FilingNotFoundError,
    InvalidReviewError,
    InvalidTransitionError,
    MaterialsMissingError,
)
from intake.review import Actor

router = APIRouter(prefix="/v1/review", tags=["review"])
applicant_router = APIRouter(prefix="/v1/filings", tags=["filings"])

_REGION = r"^\d{6}$"


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor(principal=principal, address=client_address(request))


@router.get("/queue", responses=problem_responses(ForbiddenError))
async def list_review_queue(
    principal: ReviewerDep,
    services: ServicesDep,
    region: Annotated[
        str | None,
        Query(pattern=_REGION, description="Insured region; a city or province holds its parts."),
    ] = None,
    filing_type: FilingType | None = None,
    check: Annotated[
        str | None,
        Query(pattern=r"^[a-z_.]{1,64}$", description="Keep filings where this check is open."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[UUID | None, Query(description="`next_after` of the previous page")] = None,
) -> QueueOut:
    """Filings waiting for a person, oldest submission first: `needs_review`, and
    `provisional` ones whose proof has arrived; with the SLA clock and counts per state."""
    page = await run_in_threadpool(
        services.review.queue,
        insured_region=region,
        filing_type=filing_type.value if filing_type else None,
        check=check,
        limit=limit,
        after=FilingId(after) if after else None,
    )
    return QueueOut.of(page, now=services.clock.now(), limit=limit)


@router.get(
    "/filings/{filing_id}", responses=problem_responses(ForbiddenError, FilingNotFoundError)
)
async def get_review_filing(
    filing_id: UUID, request: Request, principal: ReviewerDep, services: ServicesDep
) -> ReviewFilingOut:
    """The filing with all its evidence: pages (image URLs, every line and field box,
    seals), verdicts, corrections, decisions, claim and SLA. The view is audited."""
    opened = await run_in_threadpool(
        services.review.open, _actor(principal, request), FilingId(filing_id)
    )
    return for_viewer(principal, ReviewFilingOut.of_review(opened, services.clock.now()))


@router.post(
    "/filings/{filing_id}/claim",
    responses=problem_responses(
        ForbiddenError, FilingNotFoundError, InvalidTransitionError, ClaimHeldError
    ),
)
async def claim_filing(
    filing_id: UUID, request: Request, principal: ReviewerDep, services: ServicesDep
) -> ClaimOut:
    """Take (or renew) the lock on a waiting filing for the pack's `claim_minutes`;
    `409 review.claimed` while another reviewer holds it."""
    claim = await run_in_threadpool(
        services.review.claim, _actor(principal, request), FilingId(filing_id)
    )
    return ClaimOut.of(claim)


@router.post(
    "/filings/{filing_id}/release",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(ForbiddenError, FilingNotFoundError),
)
async def release_filing(
    filing_id: UUID, request: Request, principal: ReviewerDep, services: ServicesDep
) -> None:
    """Give the filing back to the queue (nothing happens if the caller held no claim)."""
    await run_in_threadpool(
        services.review.release, _actor(principal, request), FilingId(filing_id)
    )


@router.post(
    "/filings/{filing_id}/corrections",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        ForbiddenError,
        FilingNotFoundError,
        DocumentNotFoundError,
        ClaimRequiredError,
        InvalidReviewError,
    ),
)
async def correct_field(
    filing_id: UUID,
    body: CorrectionIn,
    request: Request,
    principal: ReviewerDep,
    services: ServicesDep,
) -> VerdictOut:
    """Set a reviewer value for a field (or `kind`) of a document found on a page. Both
    values are kept; the filing is verified again and the new verdict returned."""
    record = await run_in_threadpool(
        lambda: services.review.correct(
            _actor(principal, request),
            FilingId(filing_id),
            document_id=DocumentId(body.document_id),
            field_name=body.field,
            value=body.value,
            page=body.page,
            index=body.index,
        )
    )
    return VerdictOut.of(record)


@router.post(
    "/filings/{filing_id}/decision",
    responses=problem_responses(
        ForbiddenError,
        FilingNotFoundError,
        ClaimRequiredError,
        InvalidTransitionError,
        InvalidReviewError,
        MaterialsMissingError,
    ),
)
async def decide_filing(
    filing_id: UUID,
    body: DecisionIn,
    request: Request,
    principal: ReviewerDep,
    services: ServicesDep,
) -> DecidedOut:
    """`approve`, `reject` with the pack's reason codes, or `request_materials` with a
    message to the applicant. The claim ends with the decision."""
    filing, decision = await run_in_threadpool(
        lambda: services.review.decide(
            _actor(principal, request),
            FilingId(filing_id),
            action=body.action,
            reasons=body.reasons,
            note=body.note,
            message=body.message,
        )
    )
    return DecidedOut(filing=FilingSummaryOut.of(filing), decision=DecisionOut.of(decision))


@router.post(
    "/filings/{filing_id}/reveal-id-number",
    responses=problem_responses(ForbiddenError, FilingNotFoundError, InvalidReviewError),
)
async def reveal_id_number(
    filing_id: UUID,
    body: RevealIn,
    request: Request,
    principal: ReviewerDep,
    services: ServicesDep,
) -> RevealOut:
    """The applicant's full ID number, for a stated reason; the reveal is audited."""
    number = await run_in_threadpool(
        lambda: services.review.reveal_id_number(
            _actor(principal, request), FilingId(filing_id), reason=body.reason
        )
    )
    return RevealOut(id_number=number)


@router.get("/stats", responses=problem_responses(ForbiddenError))
async def get_review_stats(principal: ReviewerDep, services: ServicesDep) -> StatsOut:
    """What reviewers teach: per kind and field, how often they changed the machine's
    value; per routing check, how they decided the filings it sent them."""
    stats = await run_in_threadpool(services.review.stats)
    exported: dict[str, Any] = stats.export()
    return StatsOut.model_validate(exported)


@router.get("/audit", responses=problem_responses(ForbiddenError))
async def list_audit_events(
    principal: AdminDep,
    services: ServicesDep,
    actor: Annotated[str | None, Query(max_length=128)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    filing_id: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    """Who saw or did what, when and from where; newest first (admin keys only)."""
    records = await run_in_threadpool(
        lambda: services.review.audit_log(
            actor=actor,
            action=action,
            filing_id=FilingId(filing_id) if filing_id else None,
            since=since,
            until=until,
            limit=limit,
        )
    )
    return [AuditOut.of(r) for r in records]


@applicant_router.post(
    "/{filing_id}/review-request",
    responses=problem_responses(ForbiddenError, FilingNotFoundError, InvalidTransitionError),
)
async def request_review(
    filing_id: UUID,
    body: ReviewRequestIn,
    request: Request,
    principal: AppDep,
    services: ServicesDep,
) -> FilingSummaryOut:
    """The applicant's right to a human look (PIPL art. 24): a filing the machine answered
    with `needs_materials` goes to a reviewer instead, marked as the applicant's request."""
    filing = await run_in_threadpool(
        lambda: services.review.request_review(
            _actor(principal, request), FilingId(filing_id), note=body.note
        )
    )
    return FilingSummaryOut.of(filing)
