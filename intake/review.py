"""The reviewers' use cases: the queue, claims, corrections, decisions, audit and what they teach.

A filing that the machine will not approve waits in the queue (``needs_review``,
or ``provisional`` once the proof it owed has arrived). A reviewer claims it (a
lock for the pack's ``review.claim_minutes``), sees every page and check,
corrects fields or kinds, and decides::

    needs_review ──approve──> approved (provisional when only a commitment proves it)
    needs_review ──reject (pack reason codes)──> rejected
    needs_review ──request_materials──> needs_materials
    provisional (proof arrived) ──approve | reject──> approved | rejected
    needs_materials ──the applicant asks for a person──> needs_review

A correction keeps the machine's value beside the reviewer's and runs
verification again through :class:`~intake.verification.VerificationService`,
the one path to a verdict. Every view and action is written to the audit log
in the same transaction as the action itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID, uuid4

import structlog

from intake.domain import (
    AuditRecord,
    Correction,
    Document,
    DocumentId,
    Filing,
    FilingId,
    FilingStatus,
    Principal,
    RecordId,
    ReviewAction,
    ReviewClaim,
    ReviewDecision,
    VerificationRecord,
)
from intake.errors import (
    ClaimHeldError,
    ClaimRequiredError,
    DocumentNotFoundError,
    FilingNotFoundError,
    InvalidReviewError,
    InvalidTransitionError,
    MaterialsMissingError,
)
from intake.events import Decider, Event, Events, NoEvents
from intake.filings import page_readings
from intake.identity import mask_id_number
from intake.ports import Clock, UnitOfWork, UnitOfWorkFactory
from intake.sla import SlaClock, sla_clock
from intake.verification import VerificationService
from intake.workflow import ensure_transition
from ocr.domain import DocumentKind, PageReading
from verifiers import PolicyBook

__all__ = [
    "QUEUE_STATUSES",
    "Actor",
    "FieldStats",
    "QueueItem",
    "QueuePage",
    "ReviewFiling",
    "ReviewService",
    "ReviewStats",
    "mask_id_number",
]

log = structlog.get_logger(__name__)

QUEUE_STATUSES: Final = (FilingStatus.NEEDS_REVIEW, FilingStatus.PROVISIONAL)
_COUNTED: Final = (
    FilingStatus.NEEDS_REVIEW,
    FilingStatus.PROVISIONAL,
    FilingStatus.NEEDS_MATERIALS,
    FilingStatus.APPROVED,
    FilingStatus.REJECTED,
)
_TARGETS: Final = {
    ReviewAction.APPROVE: FilingStatus.APPROVED,
    ReviewAction.REJECT: FilingStatus.REJECTED,
    ReviewAction.REQUEST_MATERIALS: FilingStatus.NEEDS_MATERIALS,
}
_MAX_TEXT: Final = 1000
_KIND_VALUES: Final = frozenset(kind.value for kind in DocumentKind)


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Who acts, and from which address (for the audit log)."""

    principal: Principal
    address: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueItem:
    filing: Filing
    claim: ReviewClaim | None
    sla: SlaClock | None
    """``None`` only for a filing that was never submitted."""

    @property
    def requested_by_applicant(self) -> bool:
        return self.filing.review_requested_at is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePage:
    items: list[QueueItem]
    counts: dict[FilingStatus, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFiling:
    """A filing with everything a reviewer needs to decide it."""

    filing: Filing
    documents: list[Document]
    readings: dict[DocumentId, list[PageReading | None]]
    """Each document's page readings, in page order (``None`` for a page not read)."""
    verifications: list[VerificationRecord]
    corrections: list[Correction]
    decisions: list[ReviewDecision]
    claim: ReviewClaim | None
    sla: SlaClock | None
    reject_reasons: dict[str, str]


@dataclass(slots=True, kw_only=True)
class FieldStats:
    """How often reviewers changed the machine's value of one kind's field."""

    reviewed: int = 0
    changed: int = 0

    @property
    def change_rate(self) -> float:
        return self.changed / self.reviewed if self.reviewed else 0.0


@dataclass(slots=True, kw_only=True)
class ReviewStats:
    """What reviewers' work says about the machine, on live traffic."""

    decisions: dict[str, int] = field(default_factory=dict)
    fields: dict[str, dict[str, FieldStats]] = field(default_factory=dict)
    """Kind, then field (``kind`` for the kind itself), over the documents reviewers corrected."""
    routing: dict[str, dict[str, int]] = field(default_factory=dict)
    """For each check code that sent filings to a person: how the reviewers decided them."""

    def export(self) -> dict[str, Any]:
        return {
            "decisions": dict(self.decisions),
            "fields": {
                kind: {
                    name: {
                        "reviewed": s.reviewed,
                        "changed": s.changed,
                        "change_rate": round(s.change_rate, 4),
                    }
                    for name, s in sorted(by_field.items())
                }
                for kind, by_field in sorted(self.fields.items())
            },
            "routing": {code: dict(sorted(d.items())) for code, d in sorted(self.routing.items())},
        }


class ReviewService:
    """The reviewers' use cases; callers have checked the role, the service checks the rules."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        book: PolicyBook,
        clock: Clock,
        verification: VerificationService,
        reader_version: Callable[[], str] | None = None,
        new_id: Callable[[], UUID] = uuid4,
        events: Events | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._book = book
        self._clock = clock
        self._verification = verification
        self._reader_version = reader_version
        self._new_id = new_id
        self._events = events or NoEvents()

    # -- the queue -----------------------------------------------------------------

    def queue(
        self,
        *,
        insured_region: str | None = None,
        filing_type: str | None = None,
        check: str | None = None,
        limit: int = 50,
        after: FilingId | None = None,
    ) -> QueuePage:
        """Filings waiting for a person, oldest submission first, with counts per state."""
        with self._uow_factory() as uow:
            filings = uow.reviews.queue(
                statuses=QUEUE_STATUSES,
                insured_region=insured_region,
                filing_type=filing_type,
                check=check,
                limit=limit,
                after=after,
            )
            claims = uow.reviews.claims([f.id for f in filings])
            counts = uow.reviews.count_by_status(_COUNTED)
        now = self._clock.now()
        items = [
            QueueItem(
                filing=f,
                claim=_live(claims.get(f.id), now),
                sla=self._sla(f),
            )
            for f in filings
        ]
        return QueuePage(items=items, counts=counts)

    # -- claims --------------------------------------------------------------------

    def claim(self, actor: Actor, filing_id: FilingId) -> ReviewClaim:
        """Take (or renew) the lock on a waiting filing.

        Raises:
            FilingNotFoundError: No such filing.
            InvalidTransitionError: The filing is not waiting for a reviewer.
            ClaimHeldError: Another reviewer holds it.
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            filing = _filing(uow, filing_id)
            if filing.status not in QUEUE_STATUSES:
                raise InvalidTransitionError(current=filing.status.value, action="claim")
            minutes = self._book.for_region(filing.insured_region).review.claim_minutes
            held = uow.reviews.claim(
                filing_id,
                reviewer=actor.principal.key_id,
                now=now,
                until=now + timedelta(minutes=minutes),
            )
            if held.reviewer != actor.principal.key_id:
                raise ClaimHeldError(
                    filing_id=filing_id, holder=held.reviewer, expires_at=held.expires_at
                )
            self._audit(uow, actor, "claim", filing_id, detail={"until": held.expires_at})
            uow.commit()
        return held

    def release(self, actor: Actor, filing_id: FilingId) -> bool:
        """Give a filing back to the queue; ``False`` when the caller held no claim on it."""
        with self._uow_factory() as uow:
            _filing(uow, filing_id)
            released = uow.reviews.release(filing_id, reviewer=actor.principal.key_id)
            if released:
                self._audit(uow, actor, "release", filing_id)
            uow.commit()
        return released

    # -- what a reviewer sees --------------------------------------------------------

    def open(self, actor: Actor, filing_id: FilingId) -> ReviewFiling:
        """A filing with all its evidence and history; the view is audited.

        Raises:
            FilingNotFoundError: No such filing.
        """
        with self._uow_factory() as uow:
            filing = _filing(uow, filing_id)
            documents = uow.documents.list_for_filing(filing_id)
            readings = self._page_readings(uow, documents)
            opened = ReviewFiling(
                filing=filing,
                documents=documents,
                readings=readings,
                verifications=uow.verifications.list_for_filing(filing_id),
                corrections=uow.reviews.corrections(filing_id),
                decisions=uow.reviews.decisions(filing_id),
                claim=_live(uow.reviews.get_claim(filing_id), self._clock.now()),
                sla=self._sla(filing),
                reject_reasons=dict(
                    self._book.for_region(filing.insured_region).review.reject_reasons
                ),
            )
            self._audit(uow, actor, "view", filing_id)
            uow.commit()
        return opened

    def record_view(self, actor: Actor, filing_id: FilingId, *, target: str, action: str) -> None:
        """Audit a reviewer's look at something of a filing (a page image)."""
        with self._uow_factory() as uow:
            self._audit(uow, actor, action, filing_id, target=target)
            uow.commit()

    def reveal_id_number(self, actor: Actor, filing_id: FilingId, *, reason: str) -> str:
        """The applicant's full ID number, for a stated reason; audited.

        Raises:
            FilingNotFoundError: No such filing.
            InvalidReviewError: No reason given.
        """
        reason = reason.strip()
        if not reason:
            raise InvalidReviewError("a reason is required", field="reason")
        with self._uow_factory() as uow:
            filing = _filing(uow, filing_id)
            self._audit(
                uow, actor, "reveal_id_number", filing_id, detail={"reason": reason[:_MAX_TEXT]}
            )
            uow.commit()
        return filing.applicant.id_number

    # -- corrections and decisions ---------------------------------------------------

    def correct(
        self,
        actor: Actor,
        filing_id: FilingId,
        *,
        document_id: DocumentId,
        field_name: str,
        value: str,
        page: int = 1,
        index: int = 0,
    ) -> VerificationRecord:
        """Record a reviewer's value for a field (or ``kind``) and verify the filing again.

        Raises:
            FilingNotFoundError, DocumentNotFoundError: Not found (or not this filing's).
            ClaimRequiredError: The caller does not hold the filing's claim.
            InvalidReviewError: An unknown page, document on the page, kind or empty value.
        """
        value = value.strip()
        if not value or len(value) > _MAX_TEXT:
            raise InvalidReviewError(f"a value of 1 to {_MAX_TEXT} characters", field="value")
        if field_name == "kind" and value not in _KIND_VALUES:
            raise InvalidReviewError(f"not a document kind: {value!r}", field="value")
        if not field_name.replace("_", "").isalpha() or len(field_name) > 64:
            raise InvalidReviewError(f"not a field name: {field_name!r}", field="field")
        version = self._reader_version() if self._reader_version else None
        with self._uow_factory() as uow:
            filing = self._claimed(uow, actor, filing_id)
            document = uow.documents.get(document_id)
            if document is None or document.filing_id != filing.id:
                raise DocumentNotFoundError(document_id)
            if not 1 <= page <= len(document.pages):
                raise InvalidReviewError(f"the document has no page {page}", field="page")
            stored = (
                uow.readings.get(document.reading_key(document.pages[page - 1]), version)
                if version
                else None
            )
            found = next(
                (d for d in (stored.reading.documents if stored else ()) if d.index == index),
                None,
            )
            if found is None:
                raise InvalidReviewError(
                    f"no document {index} was read on page {page}", field="index"
                )
            machine = found.kind.value if field_name == "kind" else found.field_value(field_name)
            correction = Correction(
                id=RecordId(self._new_id()),
                filing_id=filing.id,
                document_id=document.id,
                page=page,
                index=index,
                field=field_name,
                machine_value=machine,
                reviewer_value=value,
                reviewer=actor.principal.key_id,
                created_at=self._clock.now(),
            )
            uow.reviews.add_correction(correction)
            self._audit(
                uow,
                actor,
                "correct",
                filing_id,
                target=f"document:{document.id}/page:{page}/index:{index}",
                detail={"field": field_name, "changed": machine != value},
            )
            uow.commit()
        record = self._verification.reverify(filing_id)
        if record is None:  # pragma: no cover - the filing was found above
            raise FilingNotFoundError(filing_id)
        return record

    def decide(
        self,
        actor: Actor,
        filing_id: FilingId,
        *,
        action: ReviewAction,
        reasons: Sequence[str] = (),
        note: str = "",
        message: str = "",
    ) -> tuple[Filing, ReviewDecision]:
        """Approve, reject (with the pack's reason codes) or ask for materials.

        Approval takes its validity from the verdict the filing has now
        (corrections applied); a filing whose material groups are still missing
        cannot be approved. The claim ends with the decision.

        Raises:
            FilingNotFoundError: No such filing.
            ClaimRequiredError: The caller does not hold the filing's claim.
            InvalidTransitionError: The filing's status does not allow the action.
            InvalidReviewError: Unknown or missing reason codes, or no message.
            MaterialsMissingError: Approval while material groups are missing.
        """
        note, message = note.strip()[:_MAX_TEXT], message.strip()[:_MAX_TEXT]
        with self._uow_factory() as uow:
            filing = self._claimed(uow, actor, filing_id)
            pack = self._book.for_region(filing.insured_region)
            known = pack.review.reject_reasons
            target = _TARGETS[action]
            valid_from, valid_until = filing.valid_from, filing.valid_until
            if action is ReviewAction.REJECT:
                unknown = sorted(set(reasons) - set(known))
                if not reasons or unknown:
                    raise InvalidReviewError(
                        f"give one or more of {sorted(known)}; unknown: {unknown}",
                        field="reasons",
                    )
                message = message or "；".join(known[r] for r in reasons)
            elif action is ReviewAction.REQUEST_MATERIALS:
                if not message:
                    raise InvalidReviewError(
                        "tell the applicant which materials to add", field="message"
                    )
            else:
                verdict = self._verification.judge(filing_id)
                if verdict is None:  # pragma: no cover - the filing was found above
                    raise FilingNotFoundError(filing_id)
                if verdict.missing:
                    raise MaterialsMissingError(groups=[m.code for m in verdict.missing])
                if verdict.provisional:
                    target = FilingStatus.PROVISIONAL
                valid_from, valid_until = verdict.valid_from, verdict.valid_until
                message = message or "经人工审核，备案已通过"
            ensure_transition(filing.status, target, action=action.value)
            now = self._clock.now()
            decision = ReviewDecision(
                id=RecordId(self._new_id()),
                filing_id=filing.id,
                action=action,
                reasons=tuple(reasons) if action is ReviewAction.REJECT else (),
                note=note,
                message=message,
                reviewer=actor.principal.key_id,
                created_at=now,
                from_status=filing.status,
                to_status=target,
                machine_checks=filing.open_checks,
            )
            decided = replace(
                filing,
                status=target,
                valid_from=valid_from,
                valid_until=valid_until,
                updated_at=now,
                review_requested_at=None,
                review_request_note=None,
            )
            uow.filings.update(decided)
            uow.reviews.add_decision(decision)
            uow.reviews.release(filing_id, reviewer=actor.principal.key_id)
            self._audit(
                uow,
                actor,
                "decide",
                filing_id,
                detail={"action": action.value, "reasons": list(decision.reasons)},
            )
            self._events.publish(uow, [Event.filing_decided(decided, by=Decider.REVIEWER, at=now)])
            uow.commit()
        log.info("intake.review.decided", filing_id=str(filing_id), action=action.value)
        return decided, decision

    def request_review(self, actor: Actor, filing_id: FilingId, *, note: str) -> Filing:
        """The applicant asks for a person instead of the machine's ``needs_materials``.

        Raises:
            FilingNotFoundError: The caller may not see the filing.
            InvalidTransitionError: The filing is not in ``needs_materials``.
        """
        with self._uow_factory() as uow:
            filing = uow.filings.get(filing_id)
            if filing is None or filing.owner != actor.principal.key_id:
                raise FilingNotFoundError(filing_id)
            if filing.status is not FilingStatus.NEEDS_MATERIALS:
                raise InvalidTransitionError(
                    current=filing.status.value,
                    action="request_review",
                    reason="a person can be asked for only after the machine asked for materials",
                )
            ensure_transition(filing.status, FilingStatus.NEEDS_REVIEW, action="request_review")
            now = self._clock.now()
            requested = replace(
                filing,
                status=FilingStatus.NEEDS_REVIEW,
                review_requested_at=now,
                review_request_note=note.strip()[:_MAX_TEXT] or None,
                updated_at=now,
            )
            uow.filings.update(requested)
            self._audit(uow, actor, "request_review", filing_id)
            uow.commit()
        return requested

    # -- audit and what reviewers teach ---------------------------------------------

    def audit_log(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        filing_id: FilingId | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        with self._uow_factory() as uow:
            return uow.audit.list(
                actor=actor,
                action=action,
                filing_id=filing_id,
                since=since,
                until=until,
                limit=limit,
            )

    def stats(self) -> ReviewStats:
        """What reviewers' work says about the reader and the routing.

        Every document of a decided filing counts as reviewed: each field the
        machine read (and its kind) was either left as read or corrected. Per
        routing check, how the reviewers decided the filings it sent them.
        """
        with self._uow_factory() as uow:
            decisions = uow.reviews.decisions()
            corrections = uow.reviews.corrections()
            reviewed = sorted({d.filing_id for d in decisions}, key=str)
            documents = [
                d for docs in uow.documents.list_for_filings(reviewed).values() for d in docs
            ]
            readings = self._page_readings(uow, documents)
        latest: dict[tuple[DocumentId, int, int], dict[str, Correction]] = {}
        for c in corrections:  # oldest first: the latest of each field wins
            latest.setdefault((c.document_id, c.page, c.index), {})[c.field] = c
        stats = ReviewStats(decisions=dict(Counter(d.action.value for d in decisions)))
        for document_id, pages in readings.items():
            for number, reading in enumerate(pages, start=1):
                for found in reading.documents if reading else ():
                    fixed = latest.get((document_id, number, found.index), {})
                    kind = fixed["kind"].reviewer_value if "kind" in fixed else found.kind.value
                    by_field = stats.fields.setdefault(kind, {})
                    for name in {"kind", *found.fields, *fixed}:
                        read = found.kind.value if name == "kind" else found.field_value(name)
                        entry = by_field.setdefault(name, FieldStats())
                        entry.reviewed += 1
                        entry.changed += int(name in fixed and fixed[name].reviewer_value != read)
        for d in decisions:
            for code in d.machine_checks:
                outcome = stats.routing.setdefault(code, {})
                outcome[d.action.value] = outcome.get(d.action.value, 0) + 1
        return stats

    def export_corrections(self) -> list[dict[str, Any]]:
        """Every corrected document as labelled data: page image, machine reading, reviewer values.

        One record per document found on a page that a reviewer corrected: the
        page image's key (the blob it is stored under), the machine's kind and
        fields, and the reviewer's values (the latest of each field).
        """
        version = self._reader_version() if self._reader_version else None
        with self._uow_factory() as uow:
            corrections = uow.reviews.corrections()
            grouped: dict[tuple[DocumentId, int, int], list[Correction]] = {}
            for c in corrections:
                grouped.setdefault((c.document_id, c.page, c.index), []).append(c)
            filings = sorted({c.filing_id for c in corrections}, key=str)
            documents = {
                d.id: d for docs in uow.documents.list_for_filings(filings).values() for d in docs
            }
            readings = self._page_readings(uow, list(documents.values()))
        records = []
        for (document_id, page, index), items in grouped.items():
            document = documents.get(document_id)
            if document is None or not 1 <= page <= len(document.pages):
                continue
            page_record = document.pages[page - 1]
            reading = readings[document_id][page - 1]
            machine = next(
                (d for d in (reading.documents if reading else ()) if d.index == index), None
            )
            reviewer = {c.field: c.reviewer_value for c in items}
            records.append(
                {
                    "filing_id": str(document.filing_id),
                    "document_id": str(document_id),
                    "page": page,
                    "index": index,
                    "image_sha256": page_record.image_sha256,
                    "engine_version": version,
                    "machine": machine.export() if machine else None,
                    "kind": reviewer.get("kind") or (machine.kind.value if machine else None),
                    "reviewer": reviewer,
                    "reviewed_at": max(c.created_at for c in items).isoformat(),
                }
            )
        return records

    # -- helpers ---------------------------------------------------------------------

    def _page_readings(
        self, uow: UnitOfWork, documents: list[Document]
    ) -> dict[DocumentId, list[PageReading | None]]:
        if self._reader_version is None:
            return {d.id: [None] * len(d.pages) for d in documents}
        return page_readings(uow, documents, self._reader_version())

    def _sla(self, filing: Filing) -> SlaClock | None:
        if filing.submitted_at is None:
            return None
        pack = self._book.for_region(filing.insured_region)
        since = filing.review_requested_at or filing.submitted_at
        return sla_clock(since, working_days=pack.review_sla_working_days)

    def _claimed(self, uow: UnitOfWork, actor: Actor, filing_id: FilingId) -> Filing:
        filing = _filing(uow, filing_id)
        held = uow.reviews.get_claim(filing_id)
        if held is None or not held.held_by(actor.principal.key_id, self._clock.now()):
            raise ClaimRequiredError(filing_id=filing_id)
        return filing

    def _audit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        filing_id: FilingId | None,
        *,
        target: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        uow.audit.add(
            AuditRecord(
                id=RecordId(self._new_id()),
                at=self._clock.now(),
                actor=actor.principal.key_id,
                role=actor.principal.role.value,
                action=action,
                address=actor.address[:64],
                filing_id=filing_id,
                target=target[:255],
                detail={k: _jsonable(v) for k, v in (detail or {}).items()},
            )
        )


def _filing(uow: UnitOfWork, filing_id: FilingId) -> Filing:
    filing = uow.filings.get(filing_id)
    if filing is None:
        raise FilingNotFoundError(filing_id)
    return filing


def _live(claim: ReviewClaim | None, now: datetime) -> ReviewClaim | None:
    return claim if claim is not None and claim.expires_at > now else None


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
