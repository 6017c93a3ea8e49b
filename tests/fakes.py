"""Fakes of intake's ports: dict-backed, in memory, with the adapters' semantics."""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import structlog

from intake.domain import (
    AuditRecord,
    Correction,
    DeliveryAttempt,
    DeliveryId,
    DeliveryStatus,
    Document,
    DocumentId,
    Filing,
    FilingId,
    FilingStatus,
    JobId,
    PageFingerprint,
    ReviewClaim,
    ReviewDecision,
    StoredReading,
    VerificationRecord,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookId,
    scrubbed_verdict,
)
from intake.errors import DuplicateDocumentError
from intake.events import Event
from intake.ports import (
    AuditRepository,
    DocumentRepository,
    FilingRepository,
    FingerprintsVersion,
    IdempotencyRepository,
    JobRepository,
    ReadingRepository,
    ReviewRepository,
    UnitOfWork,
    VerificationRepository,
    WebhookRepository,
)
from ocr.domain import (
    DocumentKind,
    DocumentReading,
    PageReading,
    PageSource,
    PdfPageLayer,
    Quality,
)
from ocr.images import hamming_distance, perceptual_hash
from ocr.provenance import compare_text_layer

_CHINA = ZoneInfo("Asia/Shanghai")


class FakeBlobNotFoundError(KeyError):
    """Raised by FakeBlobStore.get for a missing key."""


class FakeBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.content_types: dict[str, str] = {}

    def put(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        key = hashlib.sha256(data).hexdigest()
        self.blobs.setdefault(key, data)
        self.content_types.setdefault(key, content_type)
        return key

    def get(self, sha256: str) -> bytes:
        try:
            return self.blobs[sha256]
        except KeyError:
            raise FakeBlobNotFoundError(sha256) from None

    def exists(self, sha256: str) -> bool:
        return sha256 in self.blobs

    def delete(self, sha256: str) -> None:
        self.blobs.pop(sha256, None)

    def keys(self) -> Iterator[str]:
        return iter(list(self.blobs))

    def is_ready(self) -> bool:
        return True


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2025, 3, 10, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone(_CHINA).date()

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class RequestIdHandlers:
    """Task handlers that keep the request id each document or filing task ran under.

    ``started`` is set when a task ran; with ``blocked`` a task then waits for
    ``release`` (a queue that is not drained). The other tasks do nothing.
    """

    def __init__(self, *, blocked: bool = False) -> None:
        self.seen: list[object] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not blocked:
            self.release.set()

    def analyse_document(self, document_id: DocumentId) -> None:
        self.seen.append(structlog.contextvars.get_contextvars().get("request_id"))
        self.started.set()
        assert self.release.wait(10)

    def verify_filing(self, filing_id: FilingId) -> None:
        self.analyse_document(DocumentId(filing_id))

    def expire_filings(self) -> None:
        return None

    def reverify_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> None:
        return None

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> None:
        return None


@dataclass
class FakeTaskDispatcher:
    analysed: list[DocumentId] = field(default_factory=list)
    verified: list[FilingId] = field(default_factory=list)

    def analyse_document(self, document_id: DocumentId) -> None:
        self.analysed.append(document_id)

    def verify_filing(self, filing_id: FilingId) -> None:
        self.verified.append(filing_id)


@dataclass
class _Store:
    """What a committed database holds; units of work copy it and write it back on commit."""

    filings: dict[FilingId, Filing] = field(default_factory=dict)
    documents: dict[DocumentId, Document] = field(default_factory=dict)
    readings: dict[tuple[str, str], StoredReading] = field(default_factory=dict)
    verifications: list[VerificationRecord] = field(default_factory=list)
    idempotency: dict[tuple[str, str], FakeIdempotencyRecord] = field(default_factory=dict)
    claims: dict[FilingId, ReviewClaim] = field(default_factory=dict)
    corrections: list[Correction] = field(default_factory=list)
    decisions: list[ReviewDecision] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    webhooks: dict[WebhookId, WebhookEndpoint] = field(default_factory=dict)
    deliveries: dict[DeliveryId, WebhookDelivery] = field(default_factory=dict)
    leases: dict[DeliveryId, datetime] = field(default_factory=dict)


@dataclass
class FakeIdempotencyRecord:
    request_hash: str
    status_code: int
    body: dict[str, Any]


class FakeFilingRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, filing: Filing) -> None:
        if filing.id in self._store.filings:
            raise KeyError(filing.id)
        self._store.filings[filing.id] = copy.deepcopy(filing)

    def get(self, filing_id: FilingId) -> Filing | None:
        found = self._store.filings.get(filing_id)
        return copy.deepcopy(found)

    def get_many(self, filing_ids: Sequence[FilingId]) -> list[Filing]:
        return [
            copy.deepcopy(self._store.filings[i]) for i in filing_ids if i in self._store.filings
        ]

    def list_by_applicants(self, id_numbers: Sequence[str]) -> list[Filing]:
        wanted = set(id_numbers)
        return [
            copy.deepcopy(f)
            for f in self._store.filings.values()
            if f.applicant.id_number in wanted
        ]

    def update(self, filing: Filing) -> None:
        self._store.filings[filing.id] = copy.deepcopy(filing)

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
        rows = sorted(self._store.filings.values(), key=lambda f: str(f.id))
        rows = [
            f
            for f in rows
            if (owner is None or f.owner == owner)
            and (not statuses or f.status in statuses)
            and (after is None or str(f.id) > str(after))
            and (applicant_id_number is None or f.applicant.id_number == applicant_id_number)
            and (
                valid_until_before is None
                or (f.valid_until is not None and f.valid_until < valid_until_before)
            )
        ]
        return copy.deepcopy(rows[:limit])


class FakeDocumentRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, document: Document) -> None:
        if document.id in self._store.documents:
            raise KeyError(document.id)
        if any(
            d.filing_id == document.filing_id and d.sha256 == document.sha256
            for d in self._store.documents.values()
        ):
            raise DuplicateDocumentError(filing_id=document.filing_id, sha256=document.sha256)
        self._store.documents[document.id] = copy.deepcopy(document)

    def get(self, document_id: DocumentId) -> Document | None:
        return copy.deepcopy(self._store.documents.get(document_id))

    def update(self, document: Document) -> None:
        self._store.documents[document.id] = copy.deepcopy(document)

    def list_for_filing(self, filing_id: FilingId) -> list[Document]:
        found = [d for d in self._store.documents.values() if d.filing_id == filing_id]
        return copy.deepcopy(sorted(found, key=lambda d: d.created_at))

    def list_for_filings(self, filing_ids: Sequence[FilingId]) -> dict[FilingId, list[Document]]:
        return {i: self.list_for_filing(i) for i in filing_ids}

    def find_by_sha256(self, filing_id: FilingId, sha256: str) -> Document | None:
        for document in self._store.documents.values():
            if document.filing_id == filing_id and document.sha256 == sha256:
                return copy.deepcopy(document)
        return None

    def fingerprints(self, *, exclude_filing: FilingId | None = None) -> list[PageFingerprint]:
        prints: list[PageFingerprint] = []
        for document in self._store.documents.values():
            if document.filing_id == exclude_filing:
                continue
            filing = self._store.filings[document.filing_id]
            prints.extend(
                PageFingerprint(
                    filing_id=document.filing_id,
                    document_id=document.id,
                    applicant_id_number=filing.applicant.id_number,
                    page_number=page.number,
                    image_sha256=page.image_sha256,
                    phash=page.phash,
                )
                for page in document.pages
                if page.has_image
            )
        return prints

    def delete_for_filing(self, filing_id: FilingId) -> list[str]:
        documents = [d for d in self._store.documents.values() if d.filing_id == filing_id]
        for document in documents:
            del self._store.documents[document.id]
        return [d.sha256 for d in documents] + [
            p.image_sha256 for d in documents for p in d.pages if p.has_image
        ]

    def fingerprints_version(self) -> FingerprintsVersion:
        documents = list(self._store.documents.values())
        pages = [p for d in documents for p in d.pages]
        newest = max((d.created_at for d in documents), default=None)
        return len(pages), sum(p.has_image for p in pages), newest

    def referenced_blobs(self) -> set[str]:
        keys = set()
        for document in self._store.documents.values():
            keys.add(document.sha256)
            keys.update(page.image_sha256 for page in document.pages if page.has_image)
        return keys


class FakeReadingRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def get(self, image_sha256: str, engine_version: str) -> StoredReading | None:
        return self._store.readings.get((image_sha256, engine_version))

    def get_many(self, keys: Sequence[str], engine_version: str) -> dict[str, StoredReading]:
        found = {k: self._store.readings.get((k, engine_version)) for k in keys}
        return {k: v for k, v in found.items() if v is not None}

    def put(self, reading: StoredReading) -> None:
        self._store.readings.setdefault((reading.image_sha256, reading.engine_version), reading)

    def replace(self, reading: StoredReading) -> None:
        self._store.readings[(reading.image_sha256, reading.engine_version)] = reading

    def delete(self, keys: Sequence[str]) -> None:
        gone = set(keys)
        for key in [k for k in self._store.readings if k[0] in gone]:
            del self._store.readings[key]


class FakeVerificationRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, record: VerificationRecord) -> None:
        self._store.verifications.append(record)

    def latest(self, filing_id: FilingId) -> VerificationRecord | None:
        runs = self.list_for_filing(filing_id)
        return runs[-1] if runs else None

    def list_for_filing(self, filing_id: FilingId) -> list[VerificationRecord]:
        return [r for r in self._store.verifications if r.filing_id == filing_id]

    def scrub(self, filing_id: FilingId) -> None:
        self._store.verifications = [
            replace(r, verdict=scrubbed_verdict(r.verdict)) if r.filing_id == filing_id else r
            for r in self._store.verifications
        ]

    def latest_for(self, filing_ids: Sequence[FilingId]) -> dict[FilingId, VerificationRecord]:
        found = {i: self.latest(i) for i in filing_ids}
        return {i: r for i, r in found.items() if r is not None}


class FakeIdempotencyRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def get(self, *, owner: str, key: str) -> FakeIdempotencyRecord | None:
        return self._store.idempotency.get((owner, key))

    def put(
        self,
        *,
        owner: str,
        key: str,
        request_hash: str,
        status_code: int,
        body: dict[str, Any],
        created_at: datetime,
    ) -> None:
        self._store.idempotency.setdefault(
            (owner, key), FakeIdempotencyRecord(request_hash, status_code, body)
        )


class FakeReviewRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def claim(
        self, filing_id: FilingId, *, reviewer: str, now: datetime, until: datetime
    ) -> ReviewClaim:
        held = self._store.claims.get(filing_id)
        if held is None or held.reviewer == reviewer or held.expires_at <= now:
            held = ReviewClaim(
                filing_id=filing_id, reviewer=reviewer, claimed_at=now, expires_at=until
            )
            self._store.claims[filing_id] = held
        return held

    def get_claim(self, filing_id: FilingId) -> ReviewClaim | None:
        return self._store.claims.get(filing_id)

    def claims(self, filing_ids: list[FilingId]) -> dict[FilingId, ReviewClaim]:
        return {i: self._store.claims[i] for i in filing_ids if i in self._store.claims}

    def release(self, filing_id: FilingId, *, reviewer: str) -> bool:
        held = self._store.claims.get(filing_id)
        if held is None or held.reviewer != reviewer:
            return False
        del self._store.claims[filing_id]
        return True

    def add_correction(self, correction: Correction) -> None:
        self._store.corrections.append(correction)

    def corrections(self, filing_id: FilingId | None = None) -> list[Correction]:
        return [c for c in self._store.corrections if filing_id in (None, c.filing_id)]

    def corrections_for(self, filing_ids: Sequence[FilingId]) -> list[Correction]:
        return [c for c in self._store.corrections if c.filing_id in set(filing_ids)]

    def add_decision(self, decision: ReviewDecision) -> None:
        self._store.decisions.append(decision)

    def scrub(self, filing_id: FilingId) -> None:
        self._store.corrections = [
            replace(c, machine_value=None, reviewer_value="") if c.filing_id == filing_id else c
            for c in self._store.corrections
        ]
        self._store.decisions = [
            replace(d, note="", message="") if d.filing_id == filing_id else d
            for d in self._store.decisions
        ]

    def decisions(self, filing_id: FilingId | None = None) -> list[ReviewDecision]:
        return [d for d in self._store.decisions if filing_id in (None, d.filing_id)]

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
        def waiting(filing: Filing) -> bool:
            if filing.status is FilingStatus.NEEDS_REVIEW:
                return filing.status in statuses
            if filing.status is FilingStatus.PROVISIONAL and filing.status in statuses:
                return any(
                    d.filing_id == filing.id and d.created_at > filing.updated_at
                    for d in self._store.documents.values()
                )
            return False

        found = sorted(
            (
                f
                for f in self._store.filings.values()
                if waiting(f)
                and (not insured_region or f.insured_region.startswith(insured_region.rstrip("0")))
                and (not filing_type or f.filing_type.value == filing_type)
                and (not check or check in f.open_checks)
            ),
            key=lambda f: (f.submitted_at or f.created_at, str(f.id)),
        )
        if after is not None:
            ids = [f.id for f in found]
            found = found[ids.index(after) + 1 :] if after in ids else []
        return found[:limit]

    def count_by_status(self, statuses: tuple[FilingStatus, ...]) -> dict[FilingStatus, int]:
        return {s: sum(f.status is s for f in self._store.filings.values()) for s in statuses}


class FakeAuditRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, record: AuditRecord) -> None:
        self._store.audit.append(record)

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
        found = [
            r
            for r in reversed(self._store.audit)
            if actor in (None, r.actor)
            and action in (None, r.action)
            and filing_id in (None, r.filing_id)
            and (since is None or r.at >= since)
            and (until is None or r.at < until)
        ]
        return found[:limit]


class FakeJobRepository:
    """Bulk jobs are tested on SQLite (``storage.sql.memory``); the fakes hold none."""

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"jobs.{name}: bulk-job tests run on an in-memory SQLite")


class FakeWebhookRepository:
    """Endpoints and deliveries in dicts; a delivery keeps its attempts in ``attempt_log``."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self._store.webhooks[endpoint.id] = endpoint

    def get_endpoint(self, webhook_id: WebhookId) -> WebhookEndpoint | None:
        return self._store.webhooks.get(webhook_id)

    def list_endpoints(self, *, owner: str) -> list[WebhookEndpoint]:
        found = [e for e in self._store.webhooks.values() if e.owner == owner]
        return sorted(found, key=lambda e: (e.created_at, e.id))

    def endpoints_for(self, *, owner: str, event: str) -> list[WebhookEndpoint]:
        return [e for e in self.list_endpoints(owner=owner) if event in e.events]

    def delete_endpoint(self, webhook_id: WebhookId) -> bool:
        if self._store.webhooks.pop(webhook_id, None) is None:
            return False
        for delivery in list(self._store.deliveries.values()):
            if delivery.endpoint_id == webhook_id:
                del self._store.deliveries[delivery.id]
        return True

    def add_delivery(self, delivery: WebhookDelivery) -> None:
        self._store.deliveries[delivery.id] = delivery

    def delete_for_filing(self, filing_id: FilingId) -> int:
        gone = [d.id for d in self._store.deliveries.values() if d.filing_id == filing_id]
        for delivery_id in gone:
            del self._store.deliveries[delivery_id]
        return len(gone)

    def get_delivery(self, delivery_id: DeliveryId) -> WebhookDelivery | None:
        delivery = self._store.deliveries.get(delivery_id)
        return replace(delivery, attempt_log=()) if delivery is not None else None

    def list_deliveries(
        self, webhook_id: WebhookId, *, limit: int = 50, before: DeliveryId | None = None
    ) -> list[WebhookDelivery]:
        found = sorted(
            (d for d in self._store.deliveries.values() if d.endpoint_id == webhook_id),
            key=lambda d: (d.created_at, d.id),
            reverse=True,
        )
        if before is not None:
            ids = [d.id for d in found]
            found = found[ids.index(before) + 1 :] if before in ids else []
        return found[:limit]

    def due(self, *, now: datetime, limit: int) -> list[DeliveryId]:
        found = [d for d in self._store.deliveries.values() if self._is_due(d, now)]
        found.sort(key=lambda d: (d.next_attempt_at or now, d.id))
        return [d.id for d in found[:limit]]

    def _is_due(self, delivery: WebhookDelivery, now: datetime) -> bool:
        lease = self._store.leases.get(delivery.id)
        return (
            delivery.status is DeliveryStatus.PENDING
            and delivery.next_attempt_at is not None
            and delivery.next_attempt_at <= now
            and (lease is None or lease <= now)
        )

    def claim(self, delivery_id: DeliveryId, *, now: datetime, until: datetime) -> bool:
        delivery = self._store.deliveries.get(delivery_id)
        if delivery is None or not self._is_due(delivery, now):
            return False
        self._store.leases[delivery_id] = until
        return True

    def record_attempt(self, delivery: WebhookDelivery, attempt: DeliveryAttempt) -> None:
        stored = self._store.deliveries.get(delivery.id)
        if stored is None:
            return
        self._store.leases.pop(delivery.id, None)
        self._store.deliveries[delivery.id] = replace(
            delivery, attempt_log=(*stored.attempt_log, attempt)
        )


class FakeUnitOfWork:
    """A unit of work over a copy of the committed state; ``commit`` writes the copy back."""

    filings: FilingRepository
    documents: DocumentRepository
    readings: ReadingRepository
    verifications: VerificationRepository
    idempotency: IdempotencyRepository
    reviews: ReviewRepository
    audit: AuditRepository
    jobs: JobRepository
    webhooks: WebhookRepository

    def __init__(self, committed: _Store) -> None:
        self._committed = committed
        self.committed = False
        self._after_commit: list[Callable[[], None]] = []
        self._bind(copy.deepcopy(committed))

    def _bind(self, store: _Store) -> None:
        self._working = store
        self.filings = FakeFilingRepository(store)
        self.documents = FakeDocumentRepository(store)
        self.readings = FakeReadingRepository(store)
        self.verifications = FakeVerificationRepository(store)
        self.idempotency = FakeIdempotencyRepository(store)
        self.reviews = FakeReviewRepository(store)
        self.audit = FakeAuditRepository(store)
        self.jobs = FakeJobRepository()
        self.webhooks = FakeWebhookRepository(store)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        for name in (
            "filings",
            "documents",
            "readings",
            "verifications",
            "idempotency",
            "claims",
            "corrections",
            "decisions",
            "audit",
            "webhooks",
            "deliveries",
            "leases",
        ):
            setattr(self._committed, name, copy.deepcopy(getattr(self._working, name)))
        self.committed = True
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def rollback(self) -> None:
        self._after_commit = []
        self._bind(copy.deepcopy(self._committed))

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)


class FakeDatabase:
    """The committed state plus a factory of units of work over it."""

    def __init__(self) -> None:
        self.store = _Store()
        self.units: list[FakeUnitOfWork] = []

    def uow_factory(self) -> FakeUnitOfWork:
        unit = FakeUnitOfWork(self.store)
        self.units.append(unit)
        return unit

    @property
    def factory(self) -> Callable[[], FakeUnitOfWork]:
        return self.uow_factory


class FakeReader:
    """A page reader that returns readings registered for an image's perceptual hash.

    Tests register the documents a photo should read as (``register``); any other
    image reads as one ``unknown`` document. The normalised JPEG the service
    stores keeps the perceptual hash of the uploaded photo, so a registration by
    the original image finds the stored page.
    """

    version = "fake-reader-1"

    def __init__(self) -> None:
        self._by_phash: dict[str, tuple[DocumentReading, ...]] = {}
        self.calls = 0

    def register(
        self, image: npt.NDArray[np.uint8], documents: tuple[DocumentReading, ...]
    ) -> None:
        self._by_phash[perceptual_hash(image)] = documents

    def read_page(
        self,
        image: npt.NDArray[np.uint8],
        *,
        page: int = 1,
        text_layer: PdfPageLayer | None = None,
        quality: Quality | None = None,
    ) -> PageReading:
        self.calls += 1
        ours = perceptual_hash(image)
        documents = next(
            (docs for key, docs in self._by_phash.items() if hamming_distance(key, ours) <= 4),
            (
                DocumentReading(
                    index=0,
                    box=(0.0, 0.0, 1.0, 1.0),
                    kind=DocumentKind.UNKNOWN,
                    kind_confidence=0.9,
                ),
            ),
        )
        return PageReading(
            page=page,
            documents=documents,
            quality=quality or Quality(width=int(image.shape[1]), height=int(image.shape[0])),
            engine="fake",
            engine_version=self.version,
            source=text_layer.source if text_layer else PageSource.RASTER,
            text_layer=(
                compare_text_layer(
                    text_layer,
                    read=[line.text for document in documents for line in document.lines],
                    image=image,
                )
                if text_layer
                else None
            ),
        )


class RecordedEvents:
    """An event subscriber that keeps what was published, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        self.events.extend(events)
