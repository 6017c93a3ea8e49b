"""Wire schemas of ``/v1/webhooks``, and the data a webhook body carries.

A body's ``data`` holds the filing as ``GET /v1/filings/{id}`` returns it to
its owning app (and, for ``document.analysed``, the document as
``GET /v1/documents/{id}`` does), read inside the transaction that made the
event happen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import DocumentOut, FilingOut
from intake.domain import DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from intake.events import Event, EventKind
from intake.filings import page_readings
from intake.ports import UnitOfWork


class WebhookCreate(BaseModel):
    """``POST /v1/webhooks``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://app.example.com/intake/webhook",
                    "events": ["filing.decided", "filing.expired"],
                    "description": "decisions to the case desk",
                }
            ]
        },
    )

    url: str = Field(max_length=2000, description="An https:// URL the service POSTs events to.")
    events: list[str] = Field(
        default_factory=list,
        max_length=len(EventKind),
        description="Event kinds to receive; every kind when empty: "
        + ", ".join(k.value for k in EventKind),
    )
    description: str = Field(default="", max_length=200)


class WebhookOut(BaseModel):
    id: UUID
    url: str
    events: list[str]
    description: str
    created_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookOut:
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            events=list(endpoint.events),
            description=endpoint.description,
            created_at=endpoint.created_at,
        )


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="The key of the `Intake-Signature` HMAC. Shown this once: store it now."
    )

    @classmethod
    def of_new(cls, endpoint: WebhookEndpoint) -> WebhookCreatedOut:
        return cls(**WebhookOut.of(endpoint).model_dump(), secret=endpoint.secret)


class AttemptOut(BaseModel):
    number: int
    at: datetime
    status_code: int | None = Field(description="The receiver's status; null when none came.")
    error: str | None = Field(description="Why the attempt failed, if it did.")
    duration_ms: int

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> AttemptOut:
        return cls(
            number=attempt.number,
            at=attempt.at,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
        )


class DeliveryOut(BaseModel):
    id: UUID = Field(description="Sent as the `Intake-Delivery` header.")
    event: str
    event_id: UUID = Field(description="The body's `id`, the same for every endpoint.")
    filing_id: UUID | None = Field(description="null for a test ping")
    created_at: datetime
    status: DeliveryStatus = Field(description="pending, delivered or failed")
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    attempts: list[AttemptOut]

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            event=delivery.event,
            event_id=delivery.event_id,
            filing_id=delivery.filing_id,
            created_at=delivery.created_at,
            status=delivery.status,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            attempts=[AttemptOut.of(a) for a in delivery.attempt_log],
        )


class DeliveryPageOut(BaseModel):
    items: list[DeliveryOut]
    next_before: UUID | None = Field(
        description="Pass as `before` for the next (older) page; null at the end."
    )


def event_data(
    reader_version: Callable[[], str] | None,
) -> Callable[[UnitOfWork, Event], dict[str, Any]]:
    """The outbox's ``describe``: an event's body data, from the open unit of work.

    Args:
        reader_version: The OCR reader's version (the reading cache's key), for
            the fields read from each document; none shown when omitted.
    """

    def describe(uow: UnitOfWork, event: Event) -> dict[str, Any]:
        filing = uow.filings.get(event.filing_id)
        if filing is None:  # pragma: no cover - the event's transaction holds the filing
            return {"filing": None}
        documents = uow.documents.list_for_filing(filing.id)
        readings = {}
        if reader_version is not None:
            found = page_readings(uow, documents, reader_version())
            readings = {d: [r for r in pages if r is not None] for d, pages in found.items()}
        view = FilingOut.of_details(
            filing,
            documents,
            uow.verifications.latest(filing.id),
            readings,
            next(reversed(uow.reviews.decisions(filing.id)), None),
        )
        data: dict[str, Any] = {"filing": view.model_dump(mode="json")}
        if event.by is not None:
            data["decided_by"] = event.by.value
        document = next((d for d in documents if d.id == event.document_id), None)
        if document is not None:
            data["document"] = DocumentOut.of(document, readings.get(document.id)).model_dump(
                mode="json"
            )
        return data

    return describe
