"""Verification and the rest of a filing's lifecycle after submission.

The pipeline, per filing::

    submitted ──(every document read)──> verify ──> approved | provisional
                                                  | needs_materials | needs_review
    approved | provisional ──(valid_until passed)──> expired
    approved | provisional ──cancel (pack rules)──> cancelled

Each verification run is stored as its own row (policy version, engine
version, every check) and never overwritten, so a decision can be explained
and compared later. Verification is pure given the cached readings: it reads
rows, calls :func:`verifiers.verify_filing`, and writes one row and a status.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final
from uuid import UUID, uuid4

import numpy as np
import structlog

from intake.domain import (
    Correction,
    Document,
    DocumentStatus,
    Filing,
    FilingId,
    FilingStatus,
    Page,
    PageFingerprint,
    Principal,
    StoredReading,
    VerificationId,
    VerificationRecord,
)
from intake.errors import InvalidTransitionError
from intake.events import Decider, Event, Events, NoEvents
from intake.filings import COMMITMENT_TYPES, visible_filing_or_raise
from intake.ports import Clock, FingerprintsVersion, UnitOfWork, UnitOfWorkFactory
from intake.workflow import can_transition, ensure_transition
from ocr.domain import DocumentKind, Field
from verifiers import (
    Decision,
    DuplicateHit,
    Evidence,
    FilingFacts,
    Outcome,
    PolicyBook,
    UnreadDocument,
    UnreadReason,
    Verdict,
    evidence_from_page,
    may_cancel,
    verify_filing,
)

__all__ = [
    "CancelOutcome",
    "FilingEvidence",
    "VerificationService",
    "apply_corrections",
    "filing_facts",
    "open_checks",
]

log = structlog.get_logger(__name__)

_ACTIVE: Final = (FilingStatus.APPROVED, FilingStatus.PROVISIONAL)

_DECISION_STATUS: Final = {
    Decision.APPROVE: FilingStatus.APPROVED,
    Decision.NEEDS_MATERIALS: FilingStatus.NEEDS_MATERIALS,
    Decision.REVIEW: FilingStatus.NEEDS_REVIEW,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FilingEvidence:
    """What the stored readings of a filing's documents give the verifier."""

    found: list[Evidence] = field(default_factory=list)
    unread: list[UnreadDocument] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOutcome:
    filing: Filing
    reason: str


def filing_facts(
    filing: Filing, *, others: Sequence[Filing] = (), filed_on: date | None = None
) -> FilingFacts:
    """Describe a filing to the verifier.

    Args:
        filing: The filing.
        others: The applicant's other filings (for the multi-city limit and the
            once-only commitment rule).
        filed_on: Judge date rules as of this day instead of the filing's own day.

    Returns:
        The facts ``verifiers.verify_filing`` takes.
    """
    long_term = {t.value for t in COMMITMENT_TYPES}
    return FilingFacts(
        filing_type=filing.filing_type.value,
        insured_region=filing.insured_region,
        treatment_region=filing.treatment_region,
        scheme=filing.scheme.value,
        start_date=filing.start_date,
        filed_on=filed_on or filing.filed_on,
        applicant_name=filing.applicant.name,
        applicant_id_number=filing.applicant.id_number,
        commitment=filing.commitment,
        evoucher_verified=filing.evoucher_verified,
        contact_address=filing.contact.address if filing.contact else None,
        other_long_term_regions=tuple(
            o.treatment_region
            for o in others
            if o.id != filing.id and o.status in _ACTIVE and o.filing_type.value in long_term
        ),
        used_commitment_before=any(
            o.id != filing.id and o.commitment and o.status is FilingStatus.EXPIRED for o in others
        ),
    )


class VerificationService:
    """Verifies submitted filings and runs the later lifecycle (expiry, cancellation)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        book: PolicyBook,
        clock: Clock,
        engine_version: Callable[[], str],
        new_id: Callable[[], UUID] = uuid4,
        events: Events | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._book = book
        self._clock = clock
        self._engine_version = engine_version
        self._new_id = new_id
        self._events = events or NoEvents()
        self._index_lock = threading.Lock()
        self._index: tuple[FingerprintsVersion, FingerprintIndex] | None = None

    def verify_filing(self, filing_id: FilingId) -> VerificationRecord | None:
        """Verify a submitted filing whose documents are all analysed.

        A filing that is not ``submitted``, or still has a document being read,
        is left alone (the last document's analysis dispatches verification
        again), so a task delivered twice does no harm.

        Args:
            filing_id: The filing.

        Returns:
            The stored verification run, or ``None`` when nothing was done.
        """
        started = time.perf_counter()
        with self._uow_factory() as uow:
            filing = uow.filings.get(filing_id)
            if filing is None or filing.status is not FilingStatus.SUBMITTED:
                return None
            documents = uow.documents.list_for_filing(filing_id)
            if any(d.status is DocumentStatus.RECEIVED for d in documents):
                return None
            verdict = self._verdict(uow, filing)
            record = self._record(filing, verdict)
            uow.verifications.add(record)
            decided = self._apply(filing, verdict)
            uow.filings.update(decided)
            self._events.publish(
                uow,
                [
                    Event.filing_decided(
                        decided,
                        by=Decider.MACHINE,
                        at=record.created_at,
                        seconds=time.perf_counter() - started,
                    )
                ],
            )
            uow.commit()
        log.info(
            "intake.filing.verified",
            filing_id=str(filing_id),
            decision=verdict.decision.value,
            policy=verdict.policy,
        )
        return record

    def judge(self, filing_id: FilingId) -> Verdict | None:
        """The verdict a filing would get now, neither recorded nor applied (a dry run).

        The same facts, evidence and duplicates as :meth:`verify_filing`, in any
        status: ``intake verify`` uses it for a filing without documents, which
        cannot be submitted.

        Args:
            filing_id: The filing.

        Returns:
            The verdict, or ``None`` when there is no such filing.
        """
        with self._uow_factory() as uow:
            filing = uow.filings.get(filing_id)
            if filing is None:
                return None
            return self._verdict(uow, filing)

    def reverify(self, filing_id: FilingId) -> VerificationRecord | None:
        """Verify a filing again in its current status and record the run (after a correction).

        The filing's status does not move (a reviewer decides); its open checks
        follow the new verdict.

        Returns:
            The stored run, or ``None`` when there is no such filing.
        """
        with self._uow_factory() as uow:
            filing = uow.filings.get(filing_id)
            if filing is None:
                return None
            verdict = self._verdict(uow, filing)
            record = self._record(filing, verdict)
            uow.verifications.add(record)
            uow.filings.update(replace(filing, open_checks=open_checks(verdict)))
            uow.commit()
        log.info("intake.filing.reverified", filing_id=str(filing_id), decision=record.decision)
        return record

    def evidence(
        self,
        uow: UnitOfWork,
        documents: Sequence[Document],
        readings: Mapping[str, StoredReading] | None = None,
    ) -> FilingEvidence:
        """Every document found on the filing's pages, and every document or page that gave none.

        A document whose analysis failed, a page with no stored reading for the
        current reader, and a page on which the reader found no document are
        named in ``unread``: the verifier sends the filing to a person rather
        than judge it without them.

        Args:
            uow: An open unit of work.
            documents: The filing's documents.
            readings: The stored readings by page key, when loaded already (a batch).
        """
        if readings is None:
            keys = [d.reading_key(p) for d in documents for p in d.pages]
            readings = uow.readings.get_many(keys, self._engine_version())
        filing_evidence = FilingEvidence()
        for document in documents:
            if document.status is DocumentStatus.FAILED or not document.pages:
                reason = (
                    UnreadReason.FAILED
                    if document.status is DocumentStatus.FAILED
                    else UnreadReason.NO_READING
                )
                filing_evidence.unread.append(
                    UnreadDocument(document_id=str(document.id), reason=reason)
                )
                continue
            for page in document.pages:
                _add_page(filing_evidence, readings.get(document.reading_key(page)), document, page)
        return filing_evidence

    def verdicts(
        self, uow: UnitOfWork, filings: Sequence[Filing], *, book: PolicyBook | None = None
    ) -> dict[FilingId, Verdict]:
        """The verdict each filing would get now, loaded and judged as one batch.

        The same facts, evidence, corrections and duplicates as a single
        verification, in a fixed number of queries whatever the batch size:
        bulk re-verification runs thousands of filings a second through it.

        Args:
            uow: An open unit of work.
            filings: The filings.
            book: The packs to judge by (a candidate, to preview a change); the
                service's own when omitted.
        """
        book = book or self._book
        ids = [f.id for f in filings]
        documents = uow.documents.list_for_filings(ids)
        keys = [d.reading_key(p) for docs in documents.values() for d in docs for p in d.pages]
        readings = uow.readings.get_many(keys, self._engine_version())
        others: dict[str, list[Filing]] = {}
        for other in uow.filings.list_by_applicants([f.applicant.id_number for f in filings]):
            others.setdefault(other.applicant.id_number, []).append(other)
        corrections: dict[FilingId, list[Correction]] = {}
        for correction in uow.reviews.corrections_for(ids):
            corrections.setdefault(correction.filing_id, []).append(correction)
        fingerprints = self._fingerprints(uow)
        verdicts: dict[FilingId, Verdict] = {}
        for filing in filings:
            read = self.evidence(uow, documents.get(filing.id, []), readings)
            found = apply_corrections(read.found, corrections.get(filing.id, []))
            pack = book.for_region(filing.insured_region)
            verdicts[filing.id] = verify_filing(
                filing_facts(filing, others=others.get(filing.applicant.id_number, [])),
                found,
                book_or_pack=book,
                duplicates=fingerprints.hits(
                    filing, found, max_distance=pack.thresholds.near_copy_max_distance
                ),
                unread=read.unread,
            )
        return verdicts

    def expire_filings(self) -> list[FilingId]:
        """Expire approved and provisional filings whose ``valid_until`` has passed.

        Returns:
            The filings expired by this run.
        """
        today = self._clock.today()
        now = self._clock.now()
        expired: list[Filing] = []
        with self._uow_factory() as uow:
            for filing in uow.filings.list(
                statuses=_ACTIVE, valid_until_before=today, limit=10_000
            ):
                ended = replace(filing, status=FilingStatus.EXPIRED, updated_at=now)
                uow.filings.update(ended)
                expired.append(ended)
            self._events.publish(uow, [Event.filing_expired(f, at=now) for f in expired])
            uow.commit()
        if expired:
            log.info("intake.filings.expired", count=len(expired))
        return [f.id for f in expired]

    def cancel(self, principal: Principal, filing_id: FilingId) -> CancelOutcome:
        """Cancel a filing when the pack's cancellation rules allow it today.

        Drafts and filings waiting for materials may always be withdrawn; an
        approved or provisional long-term filing is locked for the pack's months.

        Raises:
            FilingNotFoundError: The caller may not see the filing.
            InvalidTransitionError: The status or the cancellation lock forbids it.
        """
        today = self._clock.today()
        with self._uow_factory() as uow:
            filing = visible_filing_or_raise(uow, principal, filing_id)
            ensure_transition(filing.status, FilingStatus.CANCELLED, action="cancel")
            reason = "备案已撤销"
            if filing.status in _ACTIVE:
                pack = self._book.for_region(filing.insured_region)
                allowed, reason = may_cancel(
                    filing_facts(filing), today=today, pack=pack, valid_from=filing.valid_from
                )
                if not allowed:
                    raise InvalidTransitionError(
                        current=filing.status.value, action="cancel", reason=reason
                    )
            cancelled = replace(filing, status=FilingStatus.CANCELLED, updated_at=self._clock.now())
            uow.filings.update(cancelled)
            uow.commit()
        log.info("intake.filing.cancelled", filing_id=str(filing_id))
        return CancelOutcome(filing=cancelled, reason=reason)

    def _fingerprints(self, uow: UnitOfWork) -> FingerprintIndex:
        """Every stored page's hashes, loaded again only when a page was stored or removed."""
        version = uow.documents.fingerprints_version()
        with self._index_lock:
            cached = self._index
        if cached is not None and cached[0] == version:
            return cached[1]
        index = FingerprintIndex(uow.documents.fingerprints())
        with self._index_lock:
            self._index = (version, index)
        return index

    def _verdict(self, uow: UnitOfWork, filing: Filing) -> Verdict:
        return self.verdicts(uow, [filing])[filing.id]

    def _record(self, filing: Filing, verdict: Verdict) -> VerificationRecord:
        return VerificationRecord(
            id=VerificationId(self._new_id()),
            filing_id=filing.id,
            created_at=self._clock.now(),
            decision=verdict.decision.value,
            policy=verdict.policy,
            policy_version=verdict.policy_version,
            engine_version=self._engine_version(),
            verdict=verdict.export(),
        )

    def _apply(self, filing: Filing, verdict: Verdict) -> Filing:
        status = _DECISION_STATUS[verdict.decision]
        if verdict.decision is Decision.APPROVE and verdict.provisional:
            status = FilingStatus.PROVISIONAL
        if not can_transition(filing.status, status):
            raise InvalidTransitionError(current=filing.status.value, action="verify")
        granted = status in _ACTIVE
        return replace(
            filing,
            status=status,
            valid_from=verdict.valid_from if granted else None,
            valid_until=verdict.valid_until if granted else None,
            open_checks=open_checks(verdict),
            updated_at=self._clock.now(),
        )


def open_checks(verdict: Verdict) -> tuple[str, ...]:
    """The codes of a verdict's blocking checks that did not pass, sorted."""
    return tuple(
        sorted({c.code for c in verdict.checks if c.blocking and c.outcome is not Outcome.PASS})
    )


def apply_corrections(
    found: Sequence[Evidence], corrections: Sequence[Correction]
) -> list[Evidence]:
    """The evidence with the reviewers' values in place of the machine's.

    A corrected field keeps the box it was read from (or none, for a value the
    machine did not find) and counts as certain; the latest correction of a
    field wins. A corrected kind replaces the machine's kind, with certainty.
    """
    latest: dict[tuple[str, int, int], dict[str, str]] = {}
    for correction in corrections:
        key = (str(correction.document_id), correction.page, correction.index)
        latest.setdefault(key, {})[correction.field] = correction.reviewer_value
    if not latest:
        return list(found)
    corrected = []
    for item in found:
        values = latest.get(item.key)
        if not values:
            corrected.append(item)
            continue
        reading = item.reading
        fields = dict(reading.fields)
        for name, value in values.items():
            if name == "kind":
                continue
            old = fields.get(name)
            fields[name] = Field(value=value, confidence=1.0, box=old.box if old else None)
        kind = DocumentKind(values["kind"]) if "kind" in values else reading.kind
        confidence = 1.0 if "kind" in values else reading.kind_confidence
        reading = replace(reading, kind=kind, kind_confidence=confidence, fields=fields)
        corrected.append(replace(item, reading=reading))
    return corrected


def _add_page(
    filing_evidence: FilingEvidence,
    stored: StoredReading | None,
    document: Document,
    page: Page,
) -> None:
    """Add one page's documents to the evidence, or name the page as unread."""
    if stored is None or not stored.reading.documents:
        reason = UnreadReason.NO_READING if stored is None else UnreadReason.NO_DOCUMENT
        filing_evidence.unread.append(
            UnreadDocument(document_id=str(document.id), reason=reason, page=page.number)
        )
        return
    filing_evidence.found.extend(
        evidence_from_page(
            str(document.id), stored.reading, image_sha256=page.image_sha256, phash=page.phash
        )
    )


class FingerprintIndex:
    """Every stored page's hashes, to find another applicant's copy of a page at once.

    A page is a copy of ours when its SHA-256 equals one of ours, or its
    perceptual hash lies within the pack's near-copy distance (Hamming, over
    all stored pages at once with NumPy).
    """

    def __init__(self, fingerprints: Sequence[PageFingerprint]) -> None:
        self._all = list(fingerprints)
        self._by_sha: dict[str, list[int]] = {}
        for index, fingerprint in enumerate(self._all):
            self._by_sha.setdefault(fingerprint.image_sha256, []).append(index)
        values = [_phash_int(f.phash) for f in self._all]
        self._hashes = np.array([v or 0 for v in values], dtype=np.uint64)
        self._has_hash = np.array([v is not None for v in values], dtype=bool)

    def hits(
        self, filing: Filing, evidence: Sequence[Evidence], *, max_distance: int
    ) -> list[DuplicateHit]:
        """Other applicants' pages that copy one of this filing's pages."""
        ours = {(e.image_sha256, e.phash) for e in evidence if e.image_sha256}
        if not ours or not self._all:
            return []
        found: set[int] = set()
        for sha, phash in ours:
            found.update(self._by_sha.get(sha, ()))
            value = _phash_int(phash)
            if value is not None:
                distance = np.bitwise_count(self._hashes ^ np.uint64(value))
                found.update(np.flatnonzero(self._has_hash & (distance <= max_distance)).tolist())
        hits = []
        for index in sorted(found):
            other = self._all[index]
            if (
                other.filing_id == filing.id
                or other.applicant_id_number == filing.applicant.id_number
            ):
                continue
            hits.append(
                DuplicateHit(
                    other_filing_id=str(other.filing_id),
                    other_document_id=str(other.document_id),
                    other_page=other.page_number,
                    image_sha256=other.image_sha256,
                    phash=other.phash,
                )
            )
        return hits


def _phash_int(phash: str) -> int | None:
    """A 64-bit perceptual hash (16 hex digits) as an integer; ``None`` for any other."""
    if len(phash) != 16:
        return None
    try:
        return int(phash, 16)
    except ValueError:
        return None
