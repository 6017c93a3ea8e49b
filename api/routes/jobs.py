"""``/v1/jobs``: bulk re-verification jobs (admin keys only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import AdminDep, ServicesDep, SettingsDep
from api.errors import ForbiddenError, RequestInvalidError, problem_responses
from api.redaction import for_viewer
from intake.domain import FilingId, FilingStatus, FilingType, JobFilter, JobId, JobItem
from intake.errors import InvalidJobError, JobNotFoundError
from intake.reverify import JobProgress

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

_REGION = r"^\d{6}$"


class JobFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: list[FilingStatus] = Field(default_factory=list, max_length=9)
    filing_type: list[FilingType] = Field(default_factory=list, max_length=6)
    insured_region: str | None = Field(
        default=None, pattern=_REGION, description="A city or province holds its parts."
    )
    treatment_region: str | None = Field(default=None, pattern=_REGION)
    submitted_from: date | None = Field(default=None, description="Inclusive, China time.")
    submitted_until: date | None = Field(default=None, description="Inclusive, China time.")
    failing_check: str | None = Field(
        default=None, pattern=r"^[a-z_.]{1,64}$", examples=["referral.destination"]
    )
    policy_version: str | None = Field(
        default=None, max_length=100, description="Of the filing's latest verification."
    )

    def to_filter(self) -> JobFilter:
        return JobFilter(
            statuses=tuple(self.status),
            filing_types=tuple(self.filing_type),
            insured_region=self.insured_region,
            treatment_region=self.treatment_region,
            submitted_from=self.submitted_from,
            submitted_until=self.submitted_until,
            failing_check=self.failing_check,
            policy_version=self.policy_version,
        )


class ReverifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: JobFilterIn = Field(default_factory=JobFilterIn)
    policy: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="A candidate pack directory under `INTAKE_POLICY_CANDIDATES_DIR`, to "
        "preview a change; the current packs when null.",
    )
    reread: bool = Field(default=False, description="Read the pages again with the current engine.")
    dry_run: bool = Field(default=False, description="Compute and report; change no filing.")


class JobOut(BaseModel):
    id: UUID
    status: str = Field(description="running, done or cancelled")
    created_at: datetime
    created_by: str
    finished_at: datetime | None
    filter: dict[str, Any]
    policy: str | None
    reread: bool
    dry_run: bool
    total: int
    done: int
    failed: int
    cancelled: int
    pending: int
    changed: int
    transitions: dict[str, int] = Field(description="`old → new` decision counts.")
    by_region: dict[str, dict[str, int]]
    by_type: dict[str, dict[str, int]]
    reasons: dict[str, int] = Field(description="Check codes that changed, over changed filings.")

    @classmethod
    def of(cls, progress: JobProgress) -> JobOut:
        job = progress.job
        return cls(
            id=job.id,
            status=job.status.value,
            created_at=job.created_at,
            created_by=job.created_by,
            finished_at=job.finished_at,
            filter=job.filter.export(),
            policy=job.policy_dir,
            reread=job.reread,
            dry_run=job.dry_run,
            total=job.total,
            done=progress.done,
            failed=progress.failed,
            cancelled=progress.cancelled,
            pending=progress.pending,
            changed=progress.changed,
            transitions=progress.transitions,
            by_region=progress.by_region,
            by_type=progress.by_type,
            reasons=progress.reasons,
        )


class CheckChangeOut(BaseModel):
    code: str
    old: str | None
    new: str | None
    message: str


class JobChangeOut(BaseModel):
    filing_id: UUID
    insured_region: str
    filing_type: str
    old_decision: str | None
    new_decision: str | None
    old_status: str | None
    new_status: str | None
    note: str = Field(description="Why a filing was not moved (under review, claimed).")
    checks: list[CheckChangeOut]

    @classmethod
    def of(cls, item: JobItem) -> JobChangeOut:
        return cls(
            filing_id=item.filing_id,
            insured_region=item.insured_region,
            filing_type=item.filing_type,
            old_decision=item.old_decision,
            new_decision=item.new_decision,
            old_status=item.old_status,
            new_status=item.new_status,
            note=item.note,
            checks=[CheckChangeOut.model_validate(c) for c in item.changes],
        )


class JobChangesOut(BaseModel):
    items: list[JobChangeOut]
    next_after: UUID | None


@router.post(
    "/reverify",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(ForbiddenError, RequestInvalidError),
)
async def start_reverify_job(
    body: ReverifyIn, principal: AdminDep, services: ServicesDep, settings: SettingsDep
) -> JobOut:
    """Re-verify the stored filings a filter selects, with the current packs or a
    candidate (a preview with `dry_run`). Progress at `GET /v1/jobs/{id}`."""
    policy_dir = None
    if body.policy is not None:
        policy_dir = str(settings.policy_candidates_resolved / body.policy)
    try:
        job = await run_in_threadpool(
            lambda: services.reverify.start(
                principal,
                where=body.filter.to_filter(),
                policy_dir=policy_dir,
                reread=body.reread,
                dry_run=body.dry_run,
            )
        )
    except InvalidJobError as error:
        raise RequestInvalidError(error.reason, field=error.field) from error
    progress = await run_in_threadpool(services.reverify.progress, job.id)
    return JobOut.of(progress)


@router.get("/{job_id}", responses=problem_responses(ForbiddenError, JobNotFoundError))
async def get_job(job_id: UUID, principal: AdminDep, services: ServicesDep) -> JobOut:
    """Progress (total, done, failed, changed) and old → new decisions by region and type."""
    return JobOut.of(await run_in_threadpool(services.reverify.progress, JobId(job_id)))


@router.get("/{job_id}/changes", responses=problem_responses(ForbiddenError, JobNotFoundError))
async def list_job_changes(
    job_id: UUID,
    principal: AdminDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[UUID | None, Query(description="`next_after` of the previous page")] = None,
) -> JobChangesOut:
    """The filings whose decision changed, with each check that changed (old → new)."""
    items = await run_in_threadpool(
        lambda: services.reverify.changes(
            JobId(job_id), limit=limit, after=FilingId(after) if after else None
        )
    )
    return for_viewer(
        principal,
        JobChangesOut(
            items=[JobChangeOut.of(i) for i in items],
            next_after=items[-1].filing_id if len(items) == limit else None,
        ),
    )


@router.post("/{job_id}/cancel", responses=problem_responses(ForbiddenError, JobNotFoundError))
async def cancel_job(job_id: UUID, principal: AdminDep, services: ServicesDep) -> JobOut:
    """Stop a job: pending filings are cancelled, finished ones stay as they are."""
    await run_in_threadpool(services.reverify.cancel, JobId(job_id))
    return JobOut.of(await run_in_threadpool(services.reverify.progress, JobId(job_id)))
