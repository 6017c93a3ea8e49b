"""What happened to a filing, told to whoever listens: webhooks, metrics.

A use case publishes its events inside the transaction that made them
happen, just before it commits. A subscriber that must not lose an event
(the webhook outbox) writes it through the same unit of work, so the event
exists exactly when the change does; a subscriber that only counts must
never raise.

    events.publish(uow, [Event.filing_decided(filing, by=Decider.MACHINE, at=now)])
    uow.commit()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from intake.domain import Document, DocumentId, Filing, FilingId
from intake.ports import UnitOfWork


class EventKind(StrEnum):
    DOCUMENT_ANALYSED = "document.analysed"
    FILING_DECIDED = "filing.decided"
    FILING_EXPIRED = "filing.expired"


class Decider(StrEnum):
    MACHINE = "machine"
    REVIEWER = "reviewer"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, with enough to find the rest.

    Attributes:
        kind: What happened.
        filing_id: The filing it happened to.
        owner: The app key that owns the filing (webhooks go to its endpoints).
        at: When, tz-aware UTC.
        status: The filing's status afterwards (``approved``, ``needs_review``,
            ``expired``…); for ``document.analysed`` the document's
            (``analysed`` or ``failed``).
        insured_region: The filing's insured region (metrics by region).
        document_id: The document, for ``document.analysed``.
        by: Who decided, for ``filing.decided``.
        seconds: How long the work took (a verification run), when measured.
    """

    kind: EventKind
    filing_id: FilingId
    owner: str
    at: datetime
    status: str
    insured_region: str
    document_id: DocumentId | None = None
    by: Decider | None = None
    seconds: float | None = None

    @classmethod
    def filing_decided(
        cls, filing: Filing, *, by: Decider, at: datetime, seconds: float | None = None
    ) -> Event:
        return cls(
            kind=EventKind.FILING_DECIDED,
            filing_id=filing.id,
            owner=filing.owner,
            at=at,
            status=filing.status.value,
            insured_region=filing.insured_region,
            by=by,
            seconds=seconds,
        )

    @classmethod
    def filing_expired(cls, filing: Filing, *, at: datetime) -> Event:
        return cls(
            kind=EventKind.FILING_EXPIRED,
            filing_id=filing.id,
            owner=filing.owner,
            at=at,
            status=filing.status.value,
            insured_region=filing.insured_region,
        )

    @classmethod
    def document_analysed(cls, filing: Filing, document: Document, *, at: datetime) -> Event:
        return cls(
            kind=EventKind.DOCUMENT_ANALYSED,
            filing_id=filing.id,
            owner=filing.owner,
            at=at,
            status=document.status.value,
            insured_region=filing.insured_region,
            document_id=document.id,
        )


class Events(Protocol):
    """A subscriber to the use cases' events."""

    def publish(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        """Take events inside the transaction that made them happen, before it commits.

        Args:
            uow: The open unit of work; an outbox writes through it.
            events: What happened, in order.
        """
        ...


class NoEvents:
    """Nobody listens (tools and tests that do not care)."""

    def publish(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        return None


class FanOut:
    """Every subscriber, in the order given."""

    def __init__(self, *subscribers: Events) -> None:
        self._subscribers = subscribers

    def publish(self, uow: UnitOfWork, events: Sequence[Event]) -> None:
        if not events:
            return
        for subscriber in self._subscribers:
            subscriber.publish(uow, events)
