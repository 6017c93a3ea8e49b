"""``/v1/filings``: create, list, get and submit filings."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from api.deps import AppDep, PrincipalDep, ServicesDep, client_address
from api.errors import ForbiddenError, problem_responses
from api.redaction import for_viewer
from api.schemas import (
    CancelledOut,
    FilingCreate,
    FilingOut,
    FilingPageOut,
    FilingSummaryOut,
    SubmittedOut,
    VerdictOut,
)
from intake.domain import FilingId, FilingStatus
from intake.errors import (
    EmptyFilingError,
    FilingNotFoundError,
    FilingNotRequiredError,
    InvalidApplicantError,
    InvalidFilingError,
    InvalidIdNumberError,
    InvalidPhoneError,
    InvalidRegionCodeError,
    InvalidTransitionError,
)
from intake.review import Actor

router = APIRouter(prefix="/v1/filings", tags=["filings"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        ForbiddenError,
        InvalidIdNumberError,
        InvalidPhoneError,
        InvalidRegionCodeError,
        InvalidApplicantError,
        InvalidFilingError,
        FilingNotRequiredError,
    ),
)
async def create_filing(body: FilingCreate, principal: AppDep, services: ServicesDep) -> FilingOut:
    """Create a draft filing owned by the calling key.

    Treatment inside a filing-free zone of the insured region's pack (Wujiang
    insured treated in Shanghai, say) is refused with `filing.not_required`.
    """
    filing = await run_in_threadpool(services.filings.create, principal, body.to_request())
    return FilingOut.of_details(filing, [], None)


@router.get("", responses=problem_responses())
async def list_filings(
    principal: PrincipalDep,
    services: ServicesDep,
    status_filter: Annotated[list[FilingStatus] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[UUID | None, Query(description="`next_after` of the previous page")] = None,
) -> FilingPageOut:
    """List the filings the caller may see (an app key: its own), a page at a time."""
    filings = await run_in_threadpool(
        services.filings.list,
        principal,
        statuses=tuple(status_filter or ()),
        limit=limit,
        after=FilingId(after) if after else None,
    )
    return FilingPageOut(
        items=[FilingSummaryOut.of(f) for f in filings],
        next_after=filings[-1].id if len(filings) == limit else None,
    )


@router.get("/{filing_id}", responses=problem_responses(FilingNotFoundError))
async def get_filing(
    filing_id: UUID, request: Request, principal: PrincipalDep, services: ServicesDep
) -> FilingOut:
    """A filing with its documents, its latest verdict (null until verified) and the
    reviewer's decision (null unless a person decided it). A reviewer's view is audited."""
    details = await run_in_threadpool(services.filings.get_or_raise, principal, FilingId(filing_id))
    if principal.sees_all:
        await run_in_threadpool(
            services.review.record_view,
            Actor(principal=principal, address=client_address(request)),
            FilingId(filing_id),
            target="",
            action="view",
        )
    return for_viewer(
        principal,
        FilingOut.of_details(
            details.filing,
            details.documents,
            details.verification,
            details.readings,
            details.review,
        ),
    )


@router.post(
    "/{filing_id}/submit",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(
        ForbiddenError, FilingNotFoundError, InvalidTransitionError, EmptyFilingError
    ),
)
async def submit_filing(filing_id: UUID, principal: AppDep, services: ServicesDep) -> SubmittedOut:
    """Submit a draft (or a filing that needed materials).

    A filing with no document yet is `409 filing.no_documents`: upload, then submit.
    """
    filing = await run_in_threadpool(services.submission.submit, principal, FilingId(filing_id))
    return SubmittedOut(id=filing.id, status=filing.status, submitted_at=filing.submitted_at)


@router.post(
    "/{filing_id}/cancel",
    responses=problem_responses(ForbiddenError, FilingNotFoundError, InvalidTransitionError),
)
async def cancel_filing(filing_id: UUID, principal: AppDep, services: ServicesDep) -> CancelledOut:
    """Cancel a filing. Drafts and temporary filings may be cancelled at any time; an
    approved long-term filing only after the pack's lock (6 months), else `409` with the reason.
    """
    outcome = await run_in_threadpool(services.verification.cancel, principal, FilingId(filing_id))
    return CancelledOut(id=outcome.filing.id, status=outcome.filing.status, reason=outcome.reason)


@router.get("/{filing_id}/verifications", responses=problem_responses(FilingNotFoundError))
async def list_verifications(
    filing_id: UUID, principal: PrincipalDep, services: ServicesDep
) -> list[VerdictOut]:
    """Every verification run of the filing, oldest first; none is ever overwritten."""
    records = await run_in_threadpool(
        services.filings.verifications, principal, FilingId(filing_id)
    )
    return [for_viewer(principal, VerdictOut.of(r)) for r in records]
