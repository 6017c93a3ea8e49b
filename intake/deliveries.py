"""Sending webhook deliveries: one worker at a time each, retried with backoff, every try logged.

A delivery is claimed with a lease (a worker that dies lets it go when the
lease runs out), POSTed outside any transaction, and its attempt recorded:
a 2xx delivers it; anything else schedules the next attempt after 10 s,
30 s, 2 min, 10 min and 1 h, and the attempt after the last of those marks
it failed. The body was fixed when the event happened, so every attempt
sends the same bytes, signed afresh with the attempt's time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

import structlog

from intake.domain import DeliveryAttempt, DeliveryId, DeliveryStatus, WebhookDelivery
from intake.ports import Clock, UnitOfWorkFactory, WebhookResponse, WebhookTransport
from intake.webhooks import signed_headers

log = structlog.get_logger(__name__)

RETRY_DELAYS: Final = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
"""The wait before each retry; after the last one fails the delivery is failed."""
_MAX_ERROR = 500


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"


Observe = Callable[[str, DeliveryOutcome], None]
"""Told (event kind, outcome) after every attempt: the metrics."""


class WebhookSender:
    """Sends due deliveries through a transport and keeps the delivery log."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        transport: WebhookTransport,
        clock: Clock,
        lease: timedelta = timedelta(minutes=1),
        delays: Sequence[timedelta] = RETRY_DELAYS,
        observe: Observe | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._transport = transport
        self._clock = clock
        self._lease = lease
        self._delays = tuple(delays)
        self._observe = observe

    def set_observer(self, observe: Observe) -> None:
        """Name who counts the outcomes (the app's metrics, built after the services)."""
        self._observe = observe

    def deliver(self, delivery_id: DeliveryId) -> DeliveryOutcome | None:
        """Make one attempt at a delivery if it is due and no other worker holds it.

        Args:
            delivery_id: The delivery (from the outbox, or the sweep).

        Returns:
            The attempt's outcome; ``None`` when nothing was sent (not due, already
            delivered or failed, held by another worker, or its endpoint deleted).
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            if not uow.webhooks.claim(delivery_id, now=now, until=now + self._lease):
                return None
            delivery = uow.webhooks.get_delivery(delivery_id)
            endpoint = (
                uow.webhooks.get_endpoint(delivery.endpoint_id) if delivery is not None else None
            )
            uow.commit()
        if delivery is None or endpoint is None:
            return None
        body = delivery.body.encode()
        headers = signed_headers(delivery, secret=endpoint.secret, body=body, at=now)
        started = time.perf_counter()
        response = self._transport.post(endpoint.url, body=body, headers=headers)
        attempt = DeliveryAttempt(
            number=delivery.attempts + 1,
            at=now,
            status_code=response.status_code,
            error=_error_of(response),
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        updated, outcome = self._after(delivery, attempt)
        with self._uow_factory() as uow:
            uow.webhooks.record_attempt(updated, attempt)
            uow.commit()
        self._report(updated, attempt, outcome)
        return outcome

    def due(self, *, limit: int = 500) -> list[DeliveryId]:
        """The deliveries due now that no worker holds, oldest first (the periodic sweep)."""
        with self._uow_factory() as uow:
            return uow.webhooks.due(now=self._clock.now(), limit=limit)

    def _after(
        self, delivery: WebhookDelivery, attempt: DeliveryAttempt
    ) -> tuple[WebhookDelivery, DeliveryOutcome]:
        tried = replace(delivery, attempts=attempt.number)
        if attempt.status_code is not None and 200 <= attempt.status_code < 300:
            delivered = replace(
                tried,
                status=DeliveryStatus.DELIVERED,
                next_attempt_at=None,
                delivered_at=attempt.at,
            )
            return delivered, DeliveryOutcome.DELIVERED
        if attempt.number > len(self._delays):
            failed = replace(tried, status=DeliveryStatus.FAILED, next_attempt_at=None)
            return failed, DeliveryOutcome.FAILED
        retry_at: datetime = attempt.at + self._delays[attempt.number - 1]
        return replace(tried, next_attempt_at=retry_at), DeliveryOutcome.RETRYING

    def _report(
        self, delivery: WebhookDelivery, attempt: DeliveryAttempt, outcome: DeliveryOutcome
    ) -> None:
        if self._observe is not None:
            self._observe(delivery.event, outcome)
        log.info(
            "intake.webhook.attempted",
            delivery_id=str(delivery.id),
            webhook_id=str(delivery.endpoint_id),
            event_kind=delivery.event,
            attempt=attempt.number,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
            outcome=outcome.value,
        )


def _error_of(response: WebhookResponse) -> str | None:
    if response.error:
        return response.error[:_MAX_ERROR]
    if response.status_code is not None and not 200 <= response.status_code < 300:
        return f"HTTP {response.status_code}"
    return None
