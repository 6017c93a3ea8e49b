"""The filing domain: filings, applicants, documents and their statuses.

Plain types only; no framework imports. Validation of applicant data
(ID number, phone, region codes) lives in :mod:`intake.identity`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NewType
from uuid import UUID

from ocr.domain import DocumentKind, PageReading, Quality
from ocr.images import FileType

FilingId = NewType("FilingId", UUID)
DocumentId = NewType("DocumentId", UUID)
VerificationId = NewType("VerificationId", UUID)
RecordId = NewType("RecordId", UUID)


class FilingType(StrEnum):
    RETIREE_RESETTLED = "retiree_resettled"
    LONG_TERM_RESIDENT = "long_term_resident"
    STATIONED_WORKER = "stationed_worker"
    REFERRAL = "referral"
    OTHER_TEMPORARY = "other_temporary"
    EMERGENCY = "emergency"


class Scheme(StrEnum):
    EMPLOYEE = "employee"
    RESIDENT = "resident"


class FilingStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PROVISIONAL = "provisional"
    NEEDS_MATERIALS = "needs_materials"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class DocumentStatus(StrEnum):
    RECEIVED = "received"
    ANALYSED = "analysed"
    FAILED = "failed"


class Role(StrEnum):
    APP = "app"
    REVIEWER = "reviewer"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: a role and a stable, non-secret key identifier."""

    role: Role
    key_id: str

    @property
    def sees_all(self) -> bool:
        return self.role in (Role.REVIEWER, Role.ADMIN)


@dataclass(frozen=True, slots=True, kw_only=True)
class Applicant:
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    name: str
    phone: str
    address: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Proxy:
    """The person filing on the applicant's behalf (为他人备案)."""

    name: str
    id_number: str
    phone: str
    relation: str | None = None


@dataclass(slots=True, kw_only=True)
class Filing:
    id: FilingId
    owner: str
    applicant: Applicant
    filing_type: FilingType
    insured_region: str
    treatment_region: str
    scheme: Scheme
    start_date: date
    filed_on: date
    created_at: datetime
    updated_at: datetime
    contact: Contact | None = None
    on_behalf_of: Proxy | None = None
    commitment: bool = False
    evoucher_verified: bool = False
    status: FilingStatus = FilingStatus.DRAFT
    valid_from: date | None = None
    valid_until: date | None = None
    submitted_at: datetime | None = None
    open_checks: tuple[str, ...] = ()
    """Codes of the latest verdict's blocking checks that did not pass (queue filter)."""
    review_requested_at: datetime | None = None
    """When the applicant asked for a person to look at the filing (PIPL art. 24)."""
    review_request_note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One page of a document: its quality, and the normalised image kept as a blob."""

    number: int
    image_sha256: str
    width: int
    height: int
    quality: Quality
    phash: str = ""
    """Perceptual hash (hex) of the page image, to find near-copies."""

    @property
    def has_image(self) -> bool:
        """Whether the normalised image is made (by the analysis task, after the upload).

        Until then ``image_sha256`` and ``phash`` are empty; the number, size
        and quality are measured at upload.
        """
        return bool(self.image_sha256)


@dataclass(slots=True, kw_only=True)
class Document:
    id: DocumentId
    filing_id: FilingId
    sha256: str
    size: int
    content_type: str
    page_count: int
    created_at: datetime
    declared_kind: DocumentKind | None = None
    status: DocumentStatus = DocumentStatus.RECEIVED
    failure_reason: str | None = None
    pages: list[Page] = field(default_factory=list)
    kind: DocumentKind | None = None
    kind_confidence: float | None = None

    @property
    def quality_ok(self) -> bool:
        return all(p.quality.ok for p in self.pages)

    def reading_key(self, page: Page) -> str:
        """The reading cache's key for one of this document's pages.

        A photo's reading depends on its pixels alone. A PDF page's reading
        also holds what the file's text layer claims beside the pixels (a
        layer the page does not show, a born-digital page), so it is keyed by
        the pixels and the file: the same scan under another layer is read
        again, never given this file's findings.
        """
        if self.content_type != FileType.PDF.content_type:
            return page.image_sha256
        return hashlib.sha256(f"{page.image_sha256}:{self.sha256}".encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredReading:
    """A page reading cached by its page key and the engine version.

    The key (``image_sha256``) is ``Document.reading_key``: the page image's
    SHA-256, or for a PDF page a SHA-256 of the image and its file.
    """

    image_sha256: str
    engine_version: str
    reading: PageReading


@dataclass(frozen=True, slots=True, kw_only=True)
class PageFingerprint:
    """Where a page image appears: used to find the same photo in other filings."""

    filing_id: FilingId
    document_id: DocumentId
    applicant_id_number: str
    page_number: int
    image_sha256: str
    phash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationRecord:
    """One verification run of a filing, kept forever and never overwritten."""

    id: VerificationId
    filing_id: FilingId
    created_at: datetime
    decision: str
    policy: str
    policy_version: str
    engine_version: str
    verdict: dict[str, Any]


class ReviewAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_MATERIALS = "request_materials"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewClaim:
    """A reviewer's lock on a filing, held until ``expires_at``."""

    filing_id: FilingId
    reviewer: str
    claimed_at: datetime
    expires_at: datetime

    def held_by(self, reviewer: str, now: datetime) -> bool:
        return self.reviewer == reviewer and self.expires_at > now


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction:
    """A reviewer's value for a field of one document found on a page, or for its kind.

    The machine's value stays beside it; the latest correction of a field wins.
    """

    id: RecordId
    filing_id: FilingId
    document_id: DocumentId
    page: int
    index: int
    """Which document on the page (a page may hold two cards)."""
    field: str
    """A reading field name, or ``kind``."""
    machine_value: str | None
    reviewer_value: str
    reviewer: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewDecision:
    """A reviewer's decision on a filing, kept forever."""

    id: RecordId
    filing_id: FilingId
    action: ReviewAction
    reasons: tuple[str, ...]
    note: str
    message: str
    """What the applicant is told (the reasons' texts, or the materials asked for)."""
    reviewer: str
    created_at: datetime
    from_status: FilingStatus
    to_status: FilingStatus
    machine_checks: tuple[str, ...] = ()
    """The open checks that routed the filing to a person, when it was decided."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """Who saw or did what, when, from where."""

    id: RecordId
    at: datetime
    actor: str
    role: str
    action: str
    address: str
    filing_id: FilingId | None = None
    target: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


JobId = NewType("JobId", UUID)


class JobStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class JobItemStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobFilter:
    """Which stored filings a bulk job takes; every field given must match."""

    statuses: tuple[FilingStatus, ...] = ()
    filing_types: tuple[FilingType, ...] = ()
    insured_region: str | None = None
    """A region code; a city or province (``320500``, ``320000``) holds its parts."""
    treatment_region: str | None = None
    submitted_from: date | None = None
    submitted_until: date | None = None
    """Inclusive, in China time."""
    failing_check: str | None = None
    """Keep filings whose latest verdict left this blocking check open."""
    policy_version: str | None = None
    """Keep filings whose latest verification used this pack version."""

    def export(self) -> dict[str, Any]:
        return {
            "statuses": [s.value for s in self.statuses],
            "filing_types": [t.value for t in self.filing_types],
            "insured_region": self.insured_region,
            "treatment_region": self.treatment_region,
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else None,
            "submitted_until": self.submitted_until.isoformat() if self.submitted_until else None,
            "failing_check": self.failing_check,
            "policy_version": self.policy_version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobFilter:
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            statuses=tuple(FilingStatus(s) for s in data.get("statuses") or ()),
            filing_types=tuple(FilingType(t) for t in data.get("filing_types") or ()),
            insured_region=data.get("insured_region"),
            treatment_region=data.get("treatment_region"),
            submitted_from=day(data.get("submitted_from")),
            submitted_until=day(data.get("submitted_until")),
            failing_check=data.get("failing_check"),
            policy_version=data.get("policy_version"),
        )


@dataclass(slots=True, kw_only=True)
class ReverifyJob:
    """A bulk re-verification: which filings, with which pack, and how far it got."""

    id: JobId
    created_at: datetime
    created_by: str
    filter: JobFilter
    policy_dir: str | None
    """A candidate pack directory (a preview of a change); ``None`` for the current packs."""
    reread: bool
    dry_run: bool
    status: JobStatus = JobStatus.RUNNING
    total: int = 0
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobItem:
    """One filing of a job; done exactly once (the key is job and filing)."""

    job_id: JobId
    filing_id: FilingId
    status: JobItemStatus = JobItemStatus.PENDING
    insured_region: str = ""
    filing_type: str = ""
    old_decision: str | None = None
    new_decision: str | None = None
    old_status: str | None = None
    new_status: str | None = None
    changed: bool = False
    changes: tuple[dict[str, Any], ...] = ()
    """The checks whose outcome changed: code, old, new, message."""
    note: str = ""
    """Why the filing was not moved (under review, claimed) or why it failed."""
    verification_id: VerificationId | None = None
    finished_at: datetime | None = None


def scrubbed_verdict(verdict: dict[str, Any]) -> dict[str, Any]:
    """A stored verdict without the values read from documents (retention).

    Each check keeps its code, outcome, message and the kind and field it
    looked at; the value read and its box go.
    """
    checks = []
    for check in verdict.get("checks", []):
        evidence = [{**ref, "value": None, "box": None} for ref in check.get("evidence") or []]
        checks.append({**check, "evidence": evidence})
    return {**verdict, "checks": checks}


# Webhooks: an app's callback URLs and the outbox of deliveries to them.

WebhookId = NewType("WebhookId", UUID)
DeliveryId = NewType("DeliveryId", UUID)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEndpoint:
    """A callback URL an app key registered, with the events it wants and its signing secret."""

    id: WebhookId
    owner: str
    url: str
    events: tuple[str, ...]
    """Event kinds (``document.analysed``, ``filing.decided``, ``filing.expired``)."""
    secret: str
    """The HMAC key of the ``Intake-Signature`` header; shown to the app once."""
    created_at: datetime
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryAttempt:
    """One POST of a delivery: the answer's status code, or why there was none."""

    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDelivery:
    """One event bound for one endpoint: the outbox row, sent until a 2xx or the last retry.

    ``body`` is the exact JSON sent, fixed when the event happened, so every
    attempt sends the same bytes.
    """

    id: DeliveryId
    endpoint_id: WebhookId
    owner: str
    event: str
    event_id: UUID
    filing_id: FilingId | None
    """The filing the event is about; ``None`` for a test ping."""
    created_at: datetime
    body: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    """When the next attempt is due; ``None`` once delivered or failed."""
    delivered_at: datetime | None = None
    attempt_log: tuple[DeliveryAttempt, ...] = ()
    """Every attempt, oldest first (filled by the delivery log's queries)."""
