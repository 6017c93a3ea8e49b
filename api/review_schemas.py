"""Request and response bodies of ``/v1/review``: what reviewers send and see."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import DocumentOut, FilingOut, FilingSummaryOut, VerdictOut
from intake.domain import (
    AuditRecord,
    Correction,
    FilingStatus,
    ReviewAction,
    ReviewClaim,
    ReviewDecision,
)
from intake.review import QueueItem, QueuePage, ReviewFiling
from intake.sla import SlaClock


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SlaOut(BaseModel):
    """The review clock: due at the end of the pack's working days after submission."""

    due_at: datetime
    working_days: int
    overdue: bool
    remaining_s: int = Field(description="Seconds until due; negative once overdue.")
    calendar_complete: bool = Field(
        description="false when a day fell outside the official holiday calendar "
        "and only weekends were skipped."
    )

    @classmethod
    def of(cls, sla: SlaClock, now: datetime) -> SlaOut:
        return cls(
            due_at=sla.due_at,
            working_days=sla.working_days,
            overdue=sla.overdue(now),
            remaining_s=int(sla.remaining(now).total_seconds()),
            calendar_complete=sla.calendar_complete,
        )


class ClaimOut(BaseModel):
    filing_id: UUID
    reviewer: str
    claimed_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, claim: ReviewClaim) -> ClaimOut:
        return cls(
            filing_id=claim.filing_id,
            reviewer=claim.reviewer,
            claimed_at=claim.claimed_at,
            expires_at=claim.expires_at,
        )


class QueueItemOut(FilingSummaryOut):
    open_checks: list[str] = Field(description="The blocking checks that did not pass.")
    requested_by_applicant: bool = Field(
        description="The applicant asked for a person after the machine asked for materials."
    )
    review_request_note: str | None = None
    claim: ClaimOut | None
    sla: SlaOut | None

    @classmethod
    def of_item(cls, item: QueueItem, now: datetime) -> QueueItemOut:
        return cls(
            **cls.fields_of(item.filing),
            open_checks=list(item.filing.open_checks),
            requested_by_applicant=item.requested_by_applicant,
            review_request_note=item.filing.review_request_note,
            claim=ClaimOut.of(item.claim) if item.claim else None,
            sla=SlaOut.of(item.sla, now) if item.sla else None,
        )


class QueueOut(BaseModel):
    items: list[QueueItemOut]
    counts: dict[FilingStatus, int] = Field(description="Filings per state, service-wide.")
    next_after: UUID | None = Field(description="Pass as `after` for the next page.")

    @classmethod
    def of(cls, page: QueuePage, *, now: datetime, limit: int) -> QueueOut:
        return cls(
            items=[QueueItemOut.of_item(i, now) for i in page.items],
            counts=page.counts,
            next_after=page.items[-1].filing.id if len(page.items) == limit else None,
        )


class CorrectionIn(_In):
    document_id: UUID
    page: int = Field(default=1, ge=1, le=1000)
    index: int = Field(default=0, ge=0, le=100, description="Which document on the page.")
    field: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z_]+$",
        description="A field name (`name`, `destination`, ...) or `kind`.",
        examples=["destination"],
    )
    value: str = Field(min_length=1, max_length=1000, examples=["上海市"])


class CorrectionOut(BaseModel):
    id: UUID
    document_id: UUID
    page: int
    index: int
    field: str
    machine_value: str | None
    reviewer_value: str
    reviewer: str
    created_at: datetime

    @classmethod
    def of(cls, c: Correction) -> CorrectionOut:
        return cls(
            id=c.id,
            document_id=c.document_id,
            page=c.page,
            index=c.index,
            field=c.field,
            machine_value=c.machine_value,
            reviewer_value=c.reviewer_value,
            reviewer=c.reviewer,
            created_at=c.created_at,
        )


class DecisionIn(_In):
    action: ReviewAction
    reasons: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="For `reject`: reason codes of the insured region's pack "
        "(`GET /v1/review/filings/{id}` lists them).",
    )
    note: str = Field(default="", max_length=1000, description="For the file; not shown.")
    message: str = Field(
        default="",
        max_length=1000,
        description="What the applicant reads; required for `request_materials`. For "
        "`reject` the reasons' texts when empty.",
    )


class DecisionOut(BaseModel):
    id: UUID
    action: ReviewAction
    reasons: list[str]
    message: str
    note: str
    reviewer: str
    decided_at: datetime
    from_status: FilingStatus
    to_status: FilingStatus
    machine_checks: list[str]

    @classmethod
    def of(cls, d: ReviewDecision) -> DecisionOut:
        return cls(
            id=d.id,
            action=d.action,
            reasons=list(d.reasons),
            message=d.message,
            note=d.note,
            reviewer=d.reviewer,
            decided_at=d.created_at,
            from_status=d.from_status,
            to_status=d.to_status,
            machine_checks=list(d.machine_checks),
        )


class DecidedOut(BaseModel):
    filing: FilingSummaryOut
    decision: DecisionOut


class ReviewDocumentOut(DocumentOut):
    lines: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Every text line read, with its page, box and confidence (for drawing).",
    )
    image_urls: list[str] = Field(description="Each page's normalised image, in page order.")


class ReviewFilingOut(FilingOut):
    """A filing with everything a reviewer decides it on."""

    documents_detail: list[ReviewDocumentOut]
    verifications: list[VerdictOut]
    corrections: list[CorrectionOut]
    decisions: list[DecisionOut]
    claim: ClaimOut | None
    sla: SlaOut | None
    open_checks: list[str]
    requested_by_applicant: bool
    review_request_note: str | None
    reject_reasons: dict[str, str] = Field(description="Reason code to the applicant's text.")

    @classmethod
    def of_review(cls, opened: ReviewFiling, now: datetime) -> ReviewFilingOut:
        filing = opened.filing
        base = FilingOut.of_details(
            filing,
            opened.documents,
            opened.verifications[-1] if opened.verifications else None,
            {d: [r for r in pages if r is not None] for d, pages in opened.readings.items()},
        )
        details = []
        for document in opened.documents:
            readings = [r for r in opened.readings.get(document.id, []) if r is not None]
            out = DocumentOut.of(document, readings)
            details.append(
                ReviewDocumentOut(
                    **out.model_dump(),
                    lines=[
                        {"page": r.page, **line.export()}
                        for r in readings
                        for found in r.documents
                        for line in found.lines
                    ],
                    image_urls=[
                        f"/v1/filings/{filing.id}/documents/{document.id}/pages/{p.number}/image"
                        for p in document.pages
                    ],
                )
            )
        return cls(
            **base.model_dump(),
            documents_detail=details,
            verifications=[VerdictOut.of(v) for v in opened.verifications],
            corrections=[CorrectionOut.of(c) for c in opened.corrections],
            decisions=[DecisionOut.of(d) for d in opened.decisions],
            claim=ClaimOut.of(opened.claim) if opened.claim else None,
            sla=SlaOut.of(opened.sla, now) if opened.sla else None,
            open_checks=list(filing.open_checks),
            requested_by_applicant=filing.review_requested_at is not None,
            review_request_note=filing.review_request_note,
            reject_reasons=opened.reject_reasons,
        )


class RevealIn(_In):
    reason: str = Field(min_length=1, max_length=500, examples=["与户口簿核对身份证号码"])


class RevealOut(BaseModel):
    id_number: str


class ReviewRequestIn(_In):
    note: str = Field(default="", max_length=1000, examples=["我已上传全部材料，请人工审核"])


class AuditOut(BaseModel):
    id: UUID
    at: datetime
    actor: str
    role: str
    action: str
    address: str
    filing_id: UUID | None
    target: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, r: AuditRecord) -> AuditOut:
        return cls(
            id=r.id,
            at=r.at,
            actor=r.actor,
            role=r.role,
            action=r.action,
            address=r.address,
            filing_id=r.filing_id,
            target=r.target,
            detail=r.detail,
        )


class FieldStatsOut(BaseModel):
    reviewed: int
    changed: int
    change_rate: float


class StatsOut(BaseModel):
    decisions: dict[str, int] = Field(description="Decisions per action.")
    fields: dict[str, dict[str, FieldStatsOut]] = Field(
        description="Per kind and field of reviewed documents: how often reviewers changed "
        "the machine's value (`kind` for the kind itself)."
    )
    routing: dict[str, dict[str, int]] = Field(
        description="Per check that sent filings to a person: the reviewers' decisions."
    )
