"""Ports: the Protocols that storage and task adapters implement.

Use cases receive these by constructor injection; they never import an
adapter. A unit of work groups the repositories of one transaction:

    with uow_factory() as uow:
        uow.filings.add(filing)
        uow.commit()

Leaving the block without ``commit()`` rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

import numpy as np
import numpy.typing as npt

from intake.domain import (
    AuditRecord,
    Correction,
    DeliveryAttempt,
    DeliveryId,
    Document,
    DocumentId,
    Filing,
    FilingId,
    FilingStatus,
    JobFilter,
    JobId,
    JobItem,
    JobItemStatus,
    JobStatus,
    PageFingerprint,
    ReverifyJob,
    ReviewClaim,
    ReviewDecision,
    StoredReading,
    VerificationRecord,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookId,
)
from ocr.domain import PageReading, PdfPageLayer, Quality

FingerprintsVersion = tuple[int, int, datetime | None]
"""(pages, pages with their image, newest document time): see ``fingerprints_version``."""


class FilingRepository(Protocol):
    def add(self, filing: Filing) -> None: ...

    def get(self, filing_id: FilingId) -> Filing | None: ...

    def get_many(self, filing_ids: Sequence[FilingId]) -> list[Filing]:
        """The filings with these ids that exist, in no particular order."""
        ...

    def list_by_applicants(self, id_numbers: Sequence[str]) -> list[Filing]:
        """Every filing of these applicants."""
        ...

    def update(self, filing: Filing) -> None: ...

    def list(
        self,
        *,
        owner: str | None = None,
        statuses: tuple[FilingStatus, ...] = (),
        limit: int = 100,
        after: FilingId | None = None,
        applicant_id_number: str | None = None,
        valid_until_before: date | None = None,
    ) -> list[Filing]:
        """Filings oldest first, filtered by every argument given.

        ``valid_until_before`` keeps filings whose ``valid_until`` is set and
        earlier than that day (the expiry sweep).
        """
        ...


class DocumentRepository(Protocol):
    def add(self, document: Document) -> None:
        """Insert a document together with its pages.

        Raises:
            DuplicateDocumentError: The filing already holds a document with these
                bytes (two uploads of one file racing); the transaction is spoiled.
        """
        ...

    def get(self, document_id: DocumentId) -> Document | None: ...

    def update(self, document: Document) -> None:
        """Persist status, kind, failure reason and pages of a document."""
        ...

    def list_for_filing(self, filing_id: FilingId) -> list[Document]: ...

    def list_for_filings(self, filing_ids: Sequence[FilingId]) -> dict[FilingId, list[Document]]:
        """Each filing's documents, oldest first (every id is a key)."""
        ...

    def find_by_sha256(self, filing_id: FilingId, sha256: str) -> Document | None: ...

    def fingerprints(self, *, exclude_filing: FilingId | None = None) -> list[PageFingerprint]:
        """Hashes of every stored page image, for duplicate detection across filings.

        A page whose image the analysis task has not made yet has none and is left out.
        """
        ...

    def delete_for_filing(self, filing_id: FilingId) -> list[str]:
        """Delete a filing's documents with their pages (retention).

        Returns:
            The blob keys they referenced: originals and the page images made.
        """
        ...

    def fingerprints_version(self) -> FingerprintsVersion:
        """Changes whenever a page is stored, removed or given its image.

        (pages, pages with their image, newest document time): an upload adds
        pages without images, the analysis task gives them their images and
        perceptual hashes later, retention removes pages.
        """
        ...

    def referenced_blobs(self) -> set[str]:
        """Every blob key (SHA-256) that a document or page row points at (page images made)."""
        ...


class ReadingRepository(Protocol):
    """The reading cache, keyed by (page image SHA-256, engine version)."""

    def get(self, image_sha256: str, engine_version: str) -> StoredReading | None: ...

    def get_many(self, keys: Sequence[str], engine_version: str) -> dict[str, StoredReading]:
        """The stored readings of these keys for one engine version, by key."""
        ...

    def put(self, reading: StoredReading) -> None:
        """Store a reading; storing the same key again keeps the first."""
        ...

    def replace(self, reading: StoredReading) -> None:
        """Store a reading in place of the one under the same key (a page read again)."""
        ...

    def delete(self, keys: Sequence[str]) -> None:
        """Delete every engine version's reading of these page keys (retention)."""
        ...


class VerificationRepository(Protocol):
    def add(self, record: VerificationRecord) -> None: ...

    def latest(self, filing_id: FilingId) -> VerificationRecord | None: ...

    def latest_for(self, filing_ids: Sequence[FilingId]) -> dict[FilingId, VerificationRecord]:
        """The most recent run of each of these filings that has one."""
        ...

    def list_for_filing(self, filing_id: FilingId) -> list[VerificationRecord]:
        """Every run for the filing, oldest first."""
        ...

    def scrub(self, filing_id: FilingId) -> None:
        """Remove the values read from documents from a filing's runs, keeping each
        check's code, outcome and message (retention: anonymous statistics stay)."""
        ...


class ReviewRepository(Protocol):
    """Claims, corrections and decisions of the reviewers."""

    def claim(
        self, filing_id: FilingId, *, reviewer: str, now: datetime, until: datetime
    ) -> ReviewClaim:
        """Take or renew the lock on a filing unless another reviewer holds it.

        Atomic: of two reviewers racing for a free filing, one gets it.

        Returns:
            The claim in force afterwards (the caller's, or the other holder's).
        """
        ...

    def get_claim(self, filing_id: FilingId) -> ReviewClaim | None: ...

    def claims(self, filing_ids: list[FilingId]) -> dict[FilingId, ReviewClaim]: ...

    def release(self, filing_id: FilingId, *, reviewer: str) -> bool:
        """Drop the reviewer's lock; ``False`` when they held none."""
        ...

    def add_correction(self, correction: Correction) -> None: ...

    def corrections(self, filing_id: FilingId | None = None) -> list[Correction]:
        """Corrections oldest first: of one filing, or of every filing."""
        ...

    def corrections_for(self, filing_ids: Sequence[FilingId]) -> list[Correction]:
        """The corrections of these filings, oldest first."""
        ...

    def add_decision(self, decision: ReviewDecision) -> None: ...

    def scrub(self, filing_id: FilingId) -> None:
        """Blank the values and notes of a filing's corrections and decisions (retention)."""
        ...

    def decisions(self, filing_id: FilingId | None = None) -> list[ReviewDecision]:
        """Decisions oldest first: of one filing, or of every filing."""
        ...

    def queue(
        self,
        *,
        statuses: tuple[FilingStatus, ...],
        insured_region: str | None = None,
        filing_type: str | None = None,
        check: str | None = None,
        limit: int = 50,
        after: FilingId | None = None,
    ) -> list[Filing]:
        """Filings in these statuses, oldest submission first, filtered as given.

        ``insured_region`` matches a region and the regions under it (``320500``
        holds ``320509``); ``check`` keeps filings whose open checks hold it.
        """
        ...

    def count_by_status(self, statuses: tuple[FilingStatus, ...]) -> dict[FilingStatus, int]: ...


class AuditRepository(Protocol):
    def add(self, record: AuditRecord) -> None: ...

    def list(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        filing_id: FilingId | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        """Records newest first, filtered by every argument given."""
        ...


class JobRepository(Protocol):
    """Bulk jobs: a job and one item per filing, each finished exactly once."""

    def select_filings(self, where: JobFilter) -> list[tuple[FilingId, str, str]]:
        """The filings a filter takes: id, insured region and filing type, oldest first."""
        ...

    def add(self, job: ReverifyJob, items: Sequence[JobItem]) -> None: ...

    def get(self, job_id: JobId) -> ReverifyJob | None: ...

    def list_jobs(self, *, status: JobStatus | None = None, limit: int = 100) -> list[ReverifyJob]:
        """Jobs newest first."""
        ...

    def update(self, job: ReverifyJob) -> None: ...

    def pending(self, job_id: JobId, *, limit: int | None = None) -> list[FilingId]: ...

    def items(
        self,
        job_id: JobId,
        *,
        filing_ids: Sequence[FilingId] | None = None,
        changed_only: bool = False,
        status: JobItemStatus | None = None,
        limit: int | None = None,
        after: FilingId | None = None,
    ) -> list[JobItem]:
        """A job's items in filing-id order, filtered as given."""
        ...

    def finish(self, item: JobItem) -> bool:
        """Record a pending item's outcome; ``False`` when it was finished already."""
        ...

    def cancel_pending(self, job_id: JobId, *, at: datetime) -> int: ...

    def summary(self, job_id: JobId) -> list[dict[str, Any]]:
        """Item counts (``n``) grouped by status, changed, old and new decision, region, type."""
        ...


class IdempotencyRecord(Protocol):
    request_hash: str
    status_code: int
    body: dict[str, Any]


class IdempotencyRepository(Protocol):
    def get(self, *, owner: str, key: str) -> IdempotencyRecord | None: ...

    def put(
        self,
        *,
        owner: str,
        key: str,
        request_hash: str,
        status_code: int,
        body: dict[str, Any],
        created_at: datetime,
    ) -> None: ...


class WebhookRepository(Protocol):
    """Apps' webhook endpoints and the outbox of deliveries to them, with each attempt."""

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    def get_endpoint(self, webhook_id: WebhookId) -> WebhookEndpoint | None: ...

    def list_endpoints(self, *, owner: str) -> list[WebhookEndpoint]:
        """The owner's endpoints, oldest first."""
        ...

    def endpoints_for(self, *, owner: str, event: str) -> list[WebhookEndpoint]:
        """The owner's endpoints subscribed to this event kind, oldest first."""
        ...

    def delete_endpoint(self, webhook_id: WebhookId) -> bool:
        """Delete an endpoint with its deliveries; ``False`` when there was none."""
        ...

    def add_delivery(self, delivery: WebhookDelivery) -> None: ...

    def delete_for_filing(self, filing_id: FilingId) -> int:
        """Delete the deliveries about a filing, bodies and attempts (retention); how many."""
        ...

    def get_delivery(self, delivery_id: DeliveryId) -> WebhookDelivery | None:
        """A delivery without its ``attempt_log`` (the sender reads only the counters)."""
        ...

    def list_deliveries(
        self, webhook_id: WebhookId, *, limit: int = 50, before: DeliveryId | None = None
    ) -> list[WebhookDelivery]:
        """An endpoint's deliveries newest first, each with its attempts.

        ``before`` continues after that delivery (the last of the previous page).
        """
        ...

    def due(self, *, now: datetime, limit: int) -> list[DeliveryId]:
        """Pending deliveries whose next attempt is due and that no worker holds, oldest first."""
        ...

    def claim(self, delivery_id: DeliveryId, *, now: datetime, until: datetime) -> bool:
        """Take the lease on a due delivery until ``until``, unless a worker holds it.

        Atomic: of two workers racing for one delivery, one gets it.
        """
        ...

    def record_attempt(self, delivery: WebhookDelivery, attempt: DeliveryAttempt) -> None:
        """Log an attempt and store the delivery's new state, releasing the lease."""
        ...


class UnitOfWork(Protocol):
    filings: FilingRepository
    documents: DocumentRepository
    readings: ReadingRepository
    verifications: VerificationRepository
    idempotency: IdempotencyRepository
    reviews: ReviewRepository
    audit: AuditRepository
    jobs: JobRepository
    webhooks: WebhookRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Commit, then run the actions registered with :meth:`after_commit`."""
        ...

    def rollback(self) -> None:
        """Discard the work and the actions registered since the last commit."""
        ...

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the transaction has committed (never if it rolls back)."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class BlobStore(Protocol):
    """Content-addressed blob storage: a blob's key is its SHA-256 (hex)."""

    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        """Store ``data`` durably and return its SHA-256; storing it again is a no-op."""
        ...

    def get(self, sha256: str) -> bytes:
        """Return the blob, verifying its checksum.

        Raises:
            BlobNotFoundError: no blob under that key.
            BlobChecksumMismatchError: the stored bytes do not hash to the key.
        """
        ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...

    def keys(self) -> Iterator[str]:
        """Every stored key, in no particular order."""
        ...

    def is_ready(self) -> bool:
        """Whether the store answers (for readiness probes)."""
        ...


class PageReader(Protocol):
    """Reads one page image into a :class:`~ocr.domain.PageReading` (``ocr.reader.Reader``)."""

    @property
    def version(self) -> str:
        """Engine, models and pipeline version: the reading cache's key part."""
        ...

    def read_page(
        self,
        image: npt.NDArray[np.uint8],
        *,
        page: int = 1,
        text_layer: PdfPageLayer | None = None,
        quality: Quality | None = None,
    ) -> PageReading:
        """Read one page; ``quality`` is the measurement taken at upload, reused as is.

        ``text_layer`` is a PDF page's layer (``ocr.images.pdf_text_layers``):
        compared with the pixels, never read in their place.
        """
        ...


class TaskDispatcher(Protocol):
    """Runs follow-up work after a request's transaction has committed."""

    def analyse_document(self, document_id: DocumentId) -> None: ...

    def verify_filing(self, filing_id: FilingId) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, tz-aware UTC."""
        ...

    def today(self) -> date:
        """Today's date in China Standard Time, the day every date rule is judged by."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookResponse:
    """What one POST to a webhook endpoint came to."""

    status_code: int | None
    """The answer's status; ``None`` when none came (refused, timed out, unreachable)."""
    error: str | None = None
    """Why there was no answer, or a short note on a non-2xx one."""


class WebhookTransport(Protocol):
    """Sends one signed webhook body (an HTTP client with bounded timeouts, no redirects)."""

    def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> WebhookResponse:
        """POST ``body``; never raises for network failures, which come back as ``error``."""
        ...
